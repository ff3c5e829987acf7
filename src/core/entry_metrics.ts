/**
 * Pre-resolved metric series of one backend, built once and cached on the entry, so routing a connection costs
 * no label hashing (STYLE rule 10).
 *
 * @module
 */
import type { Counter, Gauge, Metrics } from "../metrics/metrics.ts";
import type { BackendEntry } from "./registry.ts";

/** The series the routers record per backend. */
export interface EntryMetrics {
  readonly routed: Counter;
  readonly accepted: Counter;
  readonly active: Gauge;
  readonly ingress: Counter;
  readonly egress: Counter;
  /** `backend.connection.closed{initiator}`, one series per close reason seen. */
  closed(initiator: string): Counter;
}

const cache = new WeakMap<BackendEntry, { metrics: Metrics; series: EntryMetrics }>();

/** The cached series of `entry` in `metrics`. */
export function entryMetrics(metrics: Metrics, entry: BackendEntry): EntryMetrics {
  const hit = cache.get(entry);
  if (hit && hit.metrics === metrics) return hit.series;
  const labels = { backend: entry.name, protocol: entry.transport === "tcp" ? "Tcp" : "Udp" };
  const closed = new Map<string, Counter>();
  const series: EntryMetrics = {
    routed: metrics.counter("router.connection.routed", labels),
    accepted: metrics.counter("backend.connection.accepted", labels),
    active: metrics.gauge("backend.connections.active", labels),
    ingress: metrics.counter("client.ingress.bytes", labels),
    egress: metrics.counter("client.egress.bytes", labels),
    closed(initiator) {
      let c = closed.get(initiator);
      if (!c) {
        closed.set(initiator, c = metrics.counter("backend.connection.closed", { ...labels, initiator }));
      }
      return c;
    },
  };
  cache.set(entry, { metrics, series });
  return series;
}
