#!/bin/sh
# Assembles the root file system of the pmmux container image; the Dockerfile's `FROM scratch` stage copies it
# whole, and tests/system/container_test.ts runs this same script to reproduce that stage with chroot.
#
#   scripts/rootfs.sh <binary> <config> <outdir>
#
# <outdir> gets exactly: /pmmux, the shared libraries `ldd <binary>` lists (at the paths the dynamic loader
# looks for them), /etc/passwd and /etc/group with the non-root user pmmux (65532), and <config> as
# /etc/pmmux/pmmux.toml with port bindings on 127.0.0.1 moved to 0.0.0.0 (inside a container, loopback is
# unreachable from the host's published ports).
set -eu
[ $# -eq 3 ] || { echo "usage: scripts/rootfs.sh <binary> <config> <outdir>" >&2; exit 2; }
bin=$1 config=$2 out=$3
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then echo "rootfs: $out is not empty" >&2; exit 1; fi
mkdir -p "$out/etc/pmmux"
cp "$bin" "$out/pmmux"
chmod 0755 "$out/pmmux"
# ldd prints "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and the loader as "/lib64/ld-linux-x86-64.so.2
# (0x...)"; linux-vdso is in the kernel. A static binary has none ("not a dynamic executable").
libs=$(ldd "$bin" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' || true)
for lib in $libs; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
printf 'root:x:0:0:root:/:/sbin/nologin\npmmux:x:65532:65532:pmmux:/:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\npmmux:x:65532:\n' >"$out/etc/group"
{
  echo "# Container copy of config/pmmux.toml: port bindings listen on 0.0.0.0 instead of 127.0.0.1."
  sed 's/bind-address=127\.0\.0\.1/bind-address=0.0.0.0/g' "$config"
} >"$out/etc/pmmux/pmmux.toml"
