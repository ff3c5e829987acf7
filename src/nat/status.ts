/**
 * The state of one port mapping and its JSON shape for the management API (SPEC §12: camelCase, enums in
 * PascalCase).
 *
 * @module
 */
import type { Transport } from "../detect/types.ts";
import type { PortBinding } from "../config/spec_shapes.ts";
import { renewalDelay } from "./schedule.ts";
import type { MapResult } from "./types.ts";

/** A network protocol as the management API writes it. */
export type NetworkProtocol = "Tcp" | "Udp";

/**
 * Where a mapping stands: `Pending` = not tried yet, `Active` = the device holds it, `Failed` = the last attempt
 * failed and a retry is scheduled (`error` says why).
 */
export type PortMapState = "Pending" | "Active" | "Failed";

/** One mapping as `GET /api/port-maps` shows it. */
export interface PortMapStatus {
  readonly networkProtocol: NetworkProtocol;
  /** Local port the mapping forwards to; `null` while a `?` local port is not assigned yet. */
  readonly localPort: number | null;
  /** Public port on the device; `null` until the device granted one. */
  readonly publicPort: number | null;
  /** Granted lifetime in seconds (0 = permanent); `null` until mapped. */
  readonly lifetime: number | null;
  /** When the mapping lapses unless renewed (ISO 8601 UTC); `null` when not mapped or permanent. */
  readonly expiresAt: string | null;
  readonly status: PortMapState;
  /** Why the last attempt failed. */
  readonly error?: string;
}

/** The manager's record of one mapping. */
export interface Entry {
  readonly transport: Transport;
  /** Public port asked for; `?` = the device chooses. */
  readonly wantPublic: number | "?";
  /** Local port asked for; `?` = use the port the device assigns. */
  readonly wantLocal: number | "?";
  /** The binding it comes from (none for mappings added at run time). */
  readonly binding?: PortBinding;
  /** Entries of the same binding (TCP and UDP), which share an assigned local port. */
  siblings: Entry[];
  localPort?: number;
  publicPort?: number;
  lifetime?: number;
  /** Epoch ms; undefined when not mapped or permanent. */
  expiresAt?: number;
  status: PortMapState;
  error?: string;
  /** Consecutive failed attempts (backoff exponent). */
  failures: number;
  /** Epoch ms of the next attempt (first mapping, retry or renewal). */
  dueAt: number;
  /** Ports of the last request sent, so that stop() can delete a mapping whose answer never came. */
  requested?: { localPort: number; publicPort: number };
  /** The last warning logged for it, so a repeated failure is not logged again at warning level. */
  warned?: string;
  /** Settles the caller waiting for the first attempt (add()). */
  settle?: (error?: Error) => void;
}

/** The network protocol name of a transport. */
export function networkProtocolOf(transport: Transport): NetworkProtocol {
  return transport === "tcp" ? "Tcp" : "Udp";
}

/** The public view of an entry. */
export function toStatus(e: Entry): PortMapStatus {
  return {
    networkProtocol: networkProtocolOf(e.transport),
    localPort: e.localPort ?? (e.wantLocal === "?" ? null : e.wantLocal),
    publicPort: e.publicPort ?? null,
    lifetime: e.lifetime ?? null,
    expiresAt: e.expiresAt === undefined ? null : new Date(e.expiresAt).toISOString(),
    status: e.status,
    ...(e.error !== undefined ? { error: e.error } : {}),
  };
}

/** `TCP public port 7000 to local port 8000`, with `?` for what is not known yet. */
export function describeEntry(e: Entry): string {
  const pub = e.publicPort ?? (e.wantPublic === "?" ? "?" : e.wantPublic);
  const local = e.localPort ?? e.wantLocal;
  return `${e.transport.toUpperCase()} public port ${pub} to local port ${local}`;
}

/**
 * Records what the device granted: ports, lifetime, expiry, the renewal time, and a clean `Active` state.
 *
 * @returns `assigned`: a `?` local port got its port now; `moved`: the public port changed; `recovered`: the
 *   mapping was not active (or its last attempt failed) before.
 */
export function applyGrant(
  e: Entry,
  localPort: number,
  result: MapResult,
  options: { now: number; renewalLead: number },
): { assigned: boolean; moved: boolean; recovered: boolean } {
  const assigned = e.localPort === undefined;
  const moved = e.publicPort !== undefined && e.publicPort !== result.publicPort;
  const recovered = e.status !== "Active" || e.failures > 0;
  e.localPort = localPort;
  e.publicPort = result.publicPort;
  e.lifetime = result.lifetime;
  e.expiresAt = result.lifetime > 0 ? options.now + result.lifetime * 1000 : undefined;
  e.dueAt = options.now + renewalDelay(result.lifetime, options.renewalLead);
  e.status = "Active";
  e.error = undefined;
  e.failures = 0;
  e.warned = undefined;
  return { assigned, moved, recovered };
}
