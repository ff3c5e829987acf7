/**
 * The JSON views of run-time objects (SPEC §12): `BackendStatus`, health-check specs and listeners. camelCase
 * fields, enums in PascalCase.
 *
 * @module
 */
import type { BackendEntry } from "../core/registry.ts";
import type { OpenListener } from "../core/listeners.ts";
import type { HealthCheckSpec } from "../config/spec.ts";
import { networkProtocolOf } from "./input.ts";
import type { NetworkProtocol } from "./types.ts";

/** Priority tiers as the API writes them. */
export const PRIORITY_TIERS = ["Vip", "Normal", "Standby", "Fallback"] as const;

/** A backend as `GET /api/backends` shows it. */
export interface BackendStatus {
  readonly spec: {
    readonly name: string;
    readonly protocolName: string;
    readonly parameters: Readonly<Record<string, string>>;
  };
  /** The network protocol of this entry (a `pass` backend has one entry per network protocol). */
  readonly networkProtocol: NetworkProtocol;
  /** What the router derived from the spec: position, connection cap, whether it waits for bytes. */
  readonly properties: Readonly<Record<string, string>>;
  readonly priorityTier: typeof PRIORITY_TIERS[number];
  readonly status: string;
  readonly statusReason: string;
  /** ISO 8601 UTC; `null` before the first check. */
  readonly lastHealthCheck: string | null;
  readonly healthCheckFailureCount: number;
  readonly healthCheckSuccessCount: number;
  /** Connections (UDP: sessions) open now. */
  readonly activeConnections: number;
  /** Connections (UDP: sessions) routed to this entry so far. */
  readonly routedConnections: number;
}

/** The `BackendStatus` of a table entry. */
export function backendStatus(e: BackendEntry): BackendStatus {
  const properties: Record<string, string> = {
    networkProtocol: networkProtocolOf(e.transport),
    order: String(e.order),
    waitsForBytes: String(e.needsBytes),
  };
  if (Number.isFinite(e.maxConnections)) properties.maxConnections = String(e.maxConnections);
  return {
    spec: { name: e.spec.name, protocolName: e.protocol.name, parameters: { ...e.spec.params } },
    networkProtocol: networkProtocolOf(e.transport),
    properties,
    priorityTier: pascal(e.tier) as BackendStatus["priorityTier"],
    status: e.status,
    statusReason: e.statusReason,
    lastHealthCheck: e.lastHealthCheck ? e.lastHealthCheck.toISOString() : null,
    healthCheckFailureCount: e.healthCheckFailureCount,
    healthCheckSuccessCount: e.healthCheckSuccessCount,
    activeConnections: e.active,
    routedConnections: e.requests,
  };
}

/** A health-check spec as JSON. */
export interface HealthCheckView {
  readonly spec: string;
  readonly protocol: string | null;
  readonly backend: string | null;
  readonly initialDelay: number;
  readonly interval: number;
  readonly timeout: number;
  readonly failureThreshold: number;
  readonly recoveryThreshold: number;
  readonly parameters: Readonly<Record<string, string>>;
}

/** The JSON view of a health-check spec. */
export function healthCheckView(s: HealthCheckSpec): HealthCheckView {
  return {
    spec: s.spec,
    protocol: s.protocol ?? null,
    backend: s.backend ?? null,
    initialDelay: s.initialDelay,
    interval: s.interval,
    timeout: s.timeout,
    failureThreshold: s.failureThreshold,
    recoveryThreshold: s.recoveryThreshold,
    parameters: { ...s.params },
  };
}

/** A listener as JSON. */
export interface ListenerView {
  readonly id: number;
  readonly networkProtocol: NetworkProtocol;
  readonly bindAddress: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
}

/** The JSON view of an open listener. */
export function listenerView(l: OpenListener): ListenerView {
  return {
    id: l.id,
    networkProtocol: networkProtocolOf(l.transport),
    bindAddress: l.spec.hostname,
    port: l.addr.port,
  };
}

function pascal(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
