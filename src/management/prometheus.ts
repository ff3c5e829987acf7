/**
 * Prometheus text exposition (format 0.0.4) of a metrics snapshot (SPEC §15): dots become underscores,
 * counters end in `_total`, histograms expand to `_bucket{le=...}`, `_sum` and `_count`; every family gets
 * its `# HELP` and `# TYPE` line once.
 *
 * @module
 */
import type { Labels, Series } from "../metrics/metrics.ts";

/** Content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Help texts of the known metrics (by pmmux name); others get a generic one. */
const HELP: Readonly<Record<string, string>> = {
  "router.connection.total": "TCP connections accepted",
  "router.connection.routed": "TCP connections routed to a backend",
  "router.connection.failed": "TCP connections that could not be routed or failed",
  "router.selection.duration": "Time to select a backend in milliseconds",
  "router.message.total": "UDP datagrams received",
  "router.message.routed": "UDP datagrams routed to a backend",
  "router.message.failed": "UDP datagrams dropped",
  "router.session.created": "UDP sessions created",
  "router.session.expired": "UDP sessions expired",
  "router.session.evicted": "UDP sessions evicted by the session cap",
  "backend.connection.accepted": "Connections a backend accepted",
  "backend.connection.closed": "Connections a backend closed",
  "backend.connections.active": "Connections open per backend",
  "backend.status":
    "Backend health status (0 Unknown, 1 Healthy, 2 Degraded, 3 Stabilizing, 4 Unhealthy, 5 Draining, 6 Stopped)",
  "backend.health_check.total": "Health checks run",
  "backend.health_check.duration": "Health check duration in milliseconds",
  "client.ingress.bytes": "Bytes from clients to backends",
  "client.egress.bytes": "Bytes from backends to clients",
};

/**
 * The Prometheus name of a pmmux metric: `router.connection.routed` (counter) → `router_connection_routed_total`.
 */
export function prometheusName(name: string, kind: Series["kind"]): string {
  let n = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  if (/^[0-9]/.test(n)) n = `_${n}`;
  if (kind === "counter" && !n.endsWith("_total")) n += "_total";
  return n;
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k.replace(/[^a-zA-Z0-9_]/g, "_")}="${escapeLabel(v)}"`
  );
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function number(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

/** Formats a snapshot as the Prometheus text format (families sorted by name, one trailing newline). */
export function toPrometheus(series: readonly Series[]): string {
  const families = new Map<string, { kind: Series["kind"]; source: string; series: Series[] }>();
  for (const s of series) {
    const name = prometheusName(s.name, s.kind);
    const family = families.get(name);
    if (family) family.series.push(s);
    else families.set(name, { kind: s.kind, source: s.name, series: [s] });
  }
  const lines: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    lines.push(`# HELP ${name} ${escapeHelp(HELP[f.source] ?? `pmmux metric ${f.source}`)}`);
    lines.push(`# TYPE ${name} ${f.kind}`);
    for (const s of f.series) {
      if (s.kind !== f.kind) continue;
      if (s.kind !== "histogram") {
        lines.push(`${name}${labelText(s.labels)} ${number(s.value)}`);
        continue;
      }
      for (const [le, count] of s.buckets ?? []) {
        lines.push(`${name}_bucket${labelText(s.labels, ["le", number(le)])} ${count}`);
      }
      lines.push(`${name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count ?? 0}`);
      lines.push(`${name}_sum${labelText(s.labels)} ${number(s.value)}`);
      lines.push(`${name}_count${labelText(s.labels)} ${s.count ?? 0}`);
    }
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}
