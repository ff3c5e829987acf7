/**
 * The management server (SPEC §12): a Hono app built from the route groups below, one file each. The same
 * table gives the OpenAPI document, so it describes exactly what is served. Adding a group = one file + one
 * row here.
 *
 * @module
 */
import type { Hono } from "hono";
import type { HttpServer, NetAdapter } from "../net/types.ts";
import { acmeRoutes } from "./acme.ts";
import { backendRoutes } from "./backends.ts";
import { buildManagementApp } from "./build.ts";
import { healthCheckRoutes } from "./health_checks.ts";
import { listenerRoutes } from "./listeners.ts";
import { metricsRoutes } from "./metrics.ts";
import { openApiRoutes } from "./openapi.ts";
import { portMapRoutes } from "./port_maps.ts";
import { systemRoutes } from "./system.ts";
import { tlsRoutes } from "./tls.ts";
import type { ManagementDeps, RouteGroup } from "./types.ts";
import { uiRoutes } from "./ui/mod.ts";

export type {
  ManagedApp,
  ManagementDeps,
  NatDeviceInfo,
  PortMapInfo,
  PortMapProvider,
  PortMapRequestBody,
  Route,
  RouteGroup,
  TlsCertificateInfo,
  TlsMappingInfo,
  TlsProvider,
} from "./types.ts";
export { openApiDocument } from "./openapi.ts";
export { toPrometheus } from "./prometheus.ts";

/** Every route group, in the order the OpenAPI document lists them. */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  systemRoutes,
  backendRoutes,
  healthCheckRoutes,
  listenerRoutes,
  portMapRoutes,
  tlsRoutes,
  acmeRoutes,
  metricsRoutes,
  openApiRoutes,
  uiRoutes,
];

/**
 * Creates the management Hono app. Serve it with any fetch-style server; tests call `app.request(...)`.
 *
 * @example
 * const api = createManagementApp({ app, token: "s3cret", ui: true });
 * const res = await api.request("/api/backends", { headers: { authorization: "Bearer s3cret" } });
 */
export function createManagementApp(
  deps: ManagementDeps,
  groups: readonly RouteGroup[] = ROUTE_GROUPS,
): Hono {
  return buildManagementApp(groups, deps);
}

/** Where the management server listens. */
export interface ManagementListen {
  /** `--management-bind-address`. */
  hostname: string;
  /** `--management-port`; 0 picks a free one. */
  port: number;
}

/**
 * Serves the management app with the runtime's HTTP server.
 *
 * @returns the running server (`close()` on shutdown)
 */
export function serveManagement(
  net: NetAdapter,
  deps: ManagementDeps,
  listen: ManagementListen,
): Promise<HttpServer> {
  const api = createManagementApp(deps);
  return net.serveHttp({ hostname: listen.hostname, port: listen.port, handler: (req) => api.fetch(req) });
}
