/**
 * The management server's contracts: what it needs from the app, the optional providers of features it does not
 * own (TLS, NAT port mapping, reload), and the shape of a route group, so routes are data that both Hono and
 * the OpenAPI document are built from.
 *
 * @module
 */
import type { Context } from "hono";
import type { App } from "../app.ts";
import type { CertificateMapping, CertificateSpec } from "../config/spec.ts";

/** The parts of the running {@linkcode App} the management API works on. */
export type ManagedApp = Pick<
  App,
  "tcp" | "udp" | "addBackend" | "replaceBackend" | "removeBackend" | "listeners" | "health" | "services"
>;

/** A certificate as `GET /api/tls/certificates` lists it. Private keys and passwords never appear here. */
export interface TlsCertificateInfo {
  /** Certificate name (maps refer to it; `default` is the fallback). */
  readonly name: string;
  /** Subject common name. */
  readonly subject?: string;
  /** Issuer common name. */
  readonly issuer?: string;
  /** Host names the certificate covers (subject alternative names). */
  readonly hostnames?: readonly string[];
  /** Start of validity, ISO 8601 UTC. */
  readonly notBefore?: string;
  /** End of validity, ISO 8601 UTC. */
  readonly notAfter?: string;
  /** Where it comes from (`file`, `inline`, `acme`, `generated`). */
  readonly source?: string;
}

/** A certificate mapping as the API shows it. */
export interface TlsMappingInfo {
  /** Name of the certificate served. */
  readonly certificate: string;
  /** Host name, lower-case; may be `*.example.com`. */
  readonly hostname: string;
}

/**
 * TLS certificates and mappings at run time (implemented by `src/tls/`). Methods may be synchronous or return
 * promises. Error convention: throw a `RangeError` for a duplicate or conflict (answered 409); any other error
 * while adding (unreadable file, bad key, unknown certificate) is answered 400 with its message. Removal
 * returns false when nothing matched (404).
 */
export interface TlsProvider {
  /** Every certificate loaded. */
  listCertificates(): readonly TlsCertificateInfo[] | Promise<readonly TlsCertificateInfo[]>;
  /** Loads and installs a certificate; applies to new handshakes at once. */
  addCertificate(spec: CertificateSpec): TlsCertificateInfo | void | Promise<TlsCertificateInfo | void>;
  /** Removes a certificate by name. */
  removeCertificate(name: string): boolean | Promise<boolean>;
  /** Every hostname → certificate mapping. */
  listMappings(): readonly TlsMappingInfo[] | Promise<readonly TlsMappingInfo[]>;
  /** Adds a mapping. */
  addMapping(mapping: CertificateMapping): void | Promise<void>;
  /** Removes a mapping. */
  removeMapping(mapping: TlsMappingInfo): boolean | Promise<boolean>;
}

/** A network protocol as the API writes it (enums are PascalCase, SPEC §12). */
export type NetworkProtocol = "Tcp" | "Udp";

/** The NAT device as `GET /api/port-maps/device` shows it. */
export interface NatDeviceInfo {
  readonly protocol: "Upnp" | "Pmp";
  readonly gateway: string;
  readonly publicAddress: string;
}

/** One port mapping as `GET /api/port-maps` lists it. */
export interface PortMapInfo {
  readonly networkProtocol: NetworkProtocol;
  /** `null` while a `?` local port is not assigned yet. */
  readonly localPort: number | null;
  /** `null` until the device granted one. */
  readonly publicPort: number | null;
  /** Granted lifetime in seconds (0 = permanent). */
  readonly lifetime?: number | null;
  /** ISO 8601 UTC. */
  readonly expiresAt?: string | null;
  /** `Pending`, `Active` or `Failed`. */
  readonly status: string;
  /** Why the last attempt failed. */
  readonly error?: string;
}

/** A mapping to add, or the selector of one to remove. */
export interface PortMapRequestBody {
  networkProtocol: NetworkProtocol;
  localPort?: number;
  publicPort?: number;
}

/**
 * NAT port mapping at run time (implemented by `src/nat/`'s `PortMapManager`). Error convention: `add` rejects
 * with a `RangeError` for a duplicate (409) and with any other `Error` when the device failed (502); `remove`
 * resolves `undefined` when nothing matched (404) and rejects with an `Error` when the device failed (502).
 */
export interface PortMapProvider {
  /** The NAT device in use; `undefined` while none is known. */
  device(): NatDeviceInfo | undefined;
  /** Every mapping kept. */
  list(): readonly PortMapInfo[];
  /** Adds a mapping; resolves once the device granted it. */
  add(request: PortMapRequestBody): Promise<PortMapInfo>;
  /** Removes a mapping. */
  remove(selector: PortMapRequestBody): Promise<PortMapInfo | undefined>;
  /** Subscribes to device and mapping changes; returns the unsubscribe function. */
  onChange(fn: (change: unknown) => void): () => void;
}

/** What the management server is built from. */
export interface ManagementDeps {
  /** The running app. */
  app: ManagedApp;
  /** Bearer token required on every request but `GET /healthz` and the UI's static files. @default none */
  token?: string;
  /** Origins allowed by CORS; CORS is off when empty. @default [] */
  corsOrigins?: readonly string[];
  /** Serve the web UI at `/`. @default false */
  ui?: boolean;
  /** TLS certificates and mappings; absent = TLS is not enabled. */
  tls?: TlsProvider;
  /** NAT port mapping; absent = no port mapping. */
  portMaps?: PortMapProvider;
  /** Re-reads the configuration and applies it (`POST /api/reload`); absent = 501. */
  reload?: () => Promise<unknown>;
  /** Milliseconds a replaced or drained backend may keep its connections. @default 30000 */
  drainTimeout?: number;
  /** Version shown in the OpenAPI document. @default "0.0.0" */
  version?: string;
}

/** A JSON Schema object (the OpenAPI 3.1 dialect). */
export type Schema = Readonly<Record<string, unknown>>;

/** A query parameter of a route. */
export interface QueryParam {
  readonly name: string;
  readonly description: string;
  readonly schema: Schema;
  /** @default false */
  readonly required?: boolean;
}

/** One documented response. */
export interface RouteResponse {
  readonly description: string;
  /** Body schema (JSON unless `contentType` says otherwise). */
  readonly schema?: Schema;
  /** @default "application/json" */
  readonly contentType?: string;
}

/** What a handler gets besides the request. */
export interface RouteContext {
  readonly deps: ManagementDeps;
  /** The route groups the server was built from (the OpenAPI document describes them). */
  readonly groups: readonly RouteGroup[];
}

/** One route: served by Hono and described in OpenAPI from this same record. */
export interface Route {
  readonly method: "get" | "post" | "put" | "delete";
  /** OpenAPI-style path: `/api/backends/{protocol}/{name}`. */
  readonly path: string;
  /** OpenAPI operationId. */
  readonly id: string;
  readonly summary: string;
  readonly description?: string;
  readonly query?: readonly QueryParam[];
  /** Request body (JSON). */
  readonly body?: { readonly description: string; readonly schema: Schema; readonly required?: boolean };
  /** Responses by status code. */
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** Served without the token (`GET /healthz`, the UI's static files). @default false */
  readonly public?: boolean;
  readonly handler: (c: Context, ctx: RouteContext) => Response | Promise<Response>;
}

/** A route group: one file under `src/management/`, one row of `ROUTE_GROUPS`. */
export interface RouteGroup {
  /** Group name (the OpenAPI tag). */
  readonly name: string;
  readonly description: string;
  readonly routes: readonly Route[];
  /** Whether the group is served with these dependencies. @default always */
  readonly enabled?: (deps: ManagementDeps) => boolean;
}
