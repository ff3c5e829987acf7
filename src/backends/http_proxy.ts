/**
 * `http-proxy` (SPEC §9): a reverse proxy to `proxy.address`. Parameters are validated here, at creation;
 * serving (the runtime's HTTP server, Hono, `node:http` upstream requests, upgrade tunnels) and health checks
 * are in src/http/proxy_server.ts, imported only when such a backend exists ({@linkcode LazyImpl}).
 *
 * @module
 */
import type { BackendProtocol } from "./types.ts";
import { createHttpProbe, HTTP_MATCHER_PARAMS } from "../http/matchers.ts";
import { PROXY_PARAMS, readProxyConfig } from "../http/proxy_config.ts";
import { LazyImpl } from "./lazy.ts";

/** The http-proxy protocol. */
export const httpProxy: BackendProtocol = {
  name: "http-proxy",
  transports: ["tcp"],
  defaultTier: "normal",
  params: [...HTTP_MATCHER_PARAMS, ...PROXY_PARAMS],
  create(spec, _transport, services) {
    const probe = createHttpProbe(spec.params);
    const config = readProxyConfig(spec.params);
    const log = services.logger;
    const impl = new LazyImpl(
      "http-proxy",
      log,
      () =>
        import("../http/proxy_server.ts").then((m) =>
          m.createProxyServer({ config, net: services.net, logger: log })
        ),
    );
    return {
      probe,
      handleTcp: (conn, ctx) => impl.handleTcp(conn, ctx),
      check: (options) => impl.get().then((server) => server.check(options)),
      dispose: () => impl.dispose(),
    };
  },
};
