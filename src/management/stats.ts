/**
 * Live traffic figures for the UI (`GET /api/stats`): per backend the open connections, connections routed and
 * bytes each way so far, plus process-wide totals. Counters only grow (a replaced backend starts its own
 * `routedConnections` again), so a client computes rates from two polls, clamping negative differences to 0.
 * Bytes are counted when a connection ends, as the metrics record them.
 *
 * @module
 */
import type { Series } from "../metrics/metrics.ts";
import { networkProtocolOf } from "./input.ts";
import type { ManagedApp, NetworkProtocol } from "./types.ts";

/** One backend's figures. */
export interface BackendStats {
  readonly name: string;
  readonly networkProtocol: NetworkProtocol;
  readonly protocolName: string;
  readonly status: string;
  readonly activeConnections: number;
  readonly routedConnections: number;
  readonly ingressBytes: number;
  readonly egressBytes: number;
}

/** What `GET /api/stats` answers. */
export interface Stats {
  /** Server time in ms since the epoch (rates divide by the difference of two of these). */
  readonly time: number;
  readonly totals: {
    readonly connections: number;
    readonly routed: number;
    readonly failed: number;
    readonly activeConnections: number;
    readonly ingressBytes: number;
    readonly egressBytes: number;
    readonly udpMessages: number;
  };
  readonly backends: readonly BackendStats[];
}

function sum(series: readonly Series[], name: string, match?: (s: Series) => boolean): number {
  let n = 0;
  for (const s of series) if (s.name === name && (!match || match(s))) n += s.value;
  return n;
}

/** Computes the figures from the app's tables and a metrics snapshot. */
export function collectStats(app: ManagedApp, now = Date.now()): Stats {
  const series = app.services.metrics.snapshot();
  const bytes = new Map<string, [number, number]>();
  for (const s of series) {
    const ingress = s.name === "client.ingress.bytes";
    if ((!ingress && s.name !== "client.egress.bytes") || s.labels.backend === undefined) continue;
    const key = `${s.labels.protocol ?? ""}/${s.labels.backend}`;
    const pair = bytes.get(key) ?? [0, 0];
    pair[ingress ? 0 : 1] += s.value;
    bytes.set(key, pair);
  }
  const backends: BackendStats[] = [];
  let active = 0;
  for (const table of [app.tcp.table, app.udp.table]) {
    for (const e of table.entries) {
      const np = networkProtocolOf(e.transport);
      const [ingressBytes, egressBytes] = bytes.get(`${np}/${e.name}`) ?? [0, 0];
      active += e.active;
      backends.push({
        name: e.name,
        networkProtocol: np,
        protocolName: e.protocol.name,
        status: e.status,
        activeConnections: e.active,
        routedConnections: e.requests,
        ingressBytes,
        egressBytes,
      });
    }
  }
  return {
    time: now,
    totals: {
      connections: sum(series, "router.connection.total") + sum(series, "router.session.created"),
      routed: sum(series, "router.connection.routed") + sum(series, "router.session.created"),
      failed: sum(series, "router.connection.failed"),
      activeConnections: active,
      ingressBytes: sum(series, "client.ingress.bytes"),
      egressBytes: sum(series, "client.egress.bytes"),
      udpMessages: sum(series, "router.message.total"),
    },
    backends,
  };
}
