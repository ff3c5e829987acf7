# pmmux in a FROM scratch image: the Bun single binary, the C libraries it links (as `ldd` lists them), a
# non-root user and the demo configuration. Nothing else: no shell, no package manager, no runtime.
#
#   docker build -t pmmux --build-arg PMMUX_REVISION=$(git rev-parse --short HEAD) .
#   docker run --rm -p 8080:8080 pmmux
#   docker run --rm -p 443:443 -v "$PWD/pmmux.toml:/etc/pmmux/pmmux.toml:ro" pmmux
#
# Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .` builds natively in each platform's
# oven/bun image. The glibc build of Bun is used rather than the musl one: the musl binary still links
# libstdc++ and libgcc_s besides the musl loader, so its library set is no smaller.

ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production
COPY src/ src/
COPY scripts/ scripts/
COPY config/pmmux.toml config/pmmux.toml
# The git revision for `pmmux --version` (.git is not sent to the builder).
ARG PMMUX_REVISION=
RUN PMMUX_REVISION="${PMMUX_REVISION}" sh scripts/compile_bun.sh dist/pmmux \
 && sh scripts/rootfs.sh dist/pmmux config/pmmux.toml /rootfs

FROM scratch
COPY --from=build /rootfs/ /
USER 65532:65532
EXPOSE 8080/tcp
ENTRYPOINT ["/pmmux"]
CMD ["-c", "/etc/pmmux/pmmux.toml"]
