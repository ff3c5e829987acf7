/**
 * Medians, ratios and the printed tables: one table of medians with ratios to haproxy, and one table checking
 * the pmmux builds against the targets of issue 8.
 *
 * @module
 */
import type { Measure } from "./measures/mod.ts";
import type { Sample } from "./types.ts";

/** Samples per measure name, then per contender name. */
export type Results = Record<string, Record<string, Sample[]>>;

/** Median of the numbers, ignoring `null`; `null` when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x)).sort((a, b) =>
    a - b
  );
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Relative spread of the values, (max − min) / median, or `null` with fewer than two. */
export function spread(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  const m = median(v);
  if (v.length < 2 || !m) return null;
  return (Math.max(...v) - Math.min(...v)) / Math.abs(m);
}

/** Median of each contender's samples for one measure. */
export function medians(byContender: Record<string, Sample[]> | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, samples] of Object.entries(byContender ?? {})) {
    out[name] = median(samples.map((s) => s.value));
  }
  return out;
}

/** Formats a figure in its unit: 3 significant digits, `k` for thousands of requests or datagrams. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return "—";
  if ((unit === "req/s" || unit === "dgram/s") && Math.abs(value) >= 1000) {
    return `${(value / 1000).toFixed(1)}k`;
  }
  const a = Math.abs(value);
  return value.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

function ratioText(value: number | null, reference: number | null | undefined): string {
  if (value === null || !reference) return "";
  return ` (${(value / reference).toFixed(2)}×)`;
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** A markdown table of medians: one row per measure, one column per contender, ratios to the reference. */
export function renderTable(
  measures: readonly Measure[],
  contenders: readonly string[],
  results: Results,
): { table: string; notes: string[] } {
  const lines = [
    row(["measure (median)", ...contenders, "spread"]),
    row(["---", ...contenders.map(() => "---:"), "---:"]),
  ];
  const notes: string[] = [];
  for (const m of measures) {
    const byC = results[m.name];
    if (!byC) continue;
    const med = medians(byC);
    // UDP has no haproxy figure: its ratios are to socat. The detection figure is already a ratio.
    const ref = m.name.startsWith("udp") ? "socat" : m.name === "detect" ? "" : "haproxy";
    const refValue = ref ? med[ref] : null;
    let worstSpread: number | null = null;
    const cells = contenders.map((c) => {
      const samples = byC[c];
      if (!samples) return "";
      const s = spread(samples.map((x) => x.value));
      if (s !== null) worstSpread = Math.max(worstSpread ?? 0, s);
      const failed = samples.filter((x) => x.error);
      let mark = "";
      if (failed.length > 0) {
        notes.push(`${m.name} / ${c}: ${failed.length} of ${samples.length} runs: ${failed[0].error}`);
        mark = "*";
      }
      let text = formatValue(med[c], m.unit) + ratioText(med[c], refValue);
      if (m.name.startsWith("udp")) {
        const loss = median(samples.map((x) => (x.detail?.lossPct as number | undefined) ?? null));
        if (loss !== null) text += ` loss ${loss.toFixed(loss < 1 ? 2 : 1)}%`;
      }
      return text + mark;
    });
    const label = m.name.startsWith("udp") ? `${m.title} (ratio to socat)` : m.title;
    lines.push(row([label, ...cells, worstSpread === null ? "" : `${Math.round(worstSpread * 100)}%`]));
    if (m.name === "latency" && med.direct !== undefined && med.direct !== null) {
      const added = contenders.map((c) => {
        if (c === "direct" || med[c] === undefined || med[c] === null) return c === "direct" ? "0" : "";
        const a = med[c]! - med.direct!;
        const refAdded = med.haproxy !== undefined && med.haproxy !== null ? med.haproxy - med.direct! : null;
        return `${a >= 0 ? "+" : ""}${a.toFixed(2)}${refAdded && refAdded > 0 ? ratioText(a, refAdded) : ""}`;
      });
      lines.push(row(["p99 latency added vs direct (ms)", ...added, ""]));
    }
    if (m.name === "conn" || m.name === "keepalive") {
      const cpu = contenders.map((c) => {
        const us = median((byC[c] ?? []).map((s) => (s.detail?.cpuUsPerRequest as number | null) ?? null));
        return us === null ? "" : us.toFixed(1);
      });
      lines.push(row(["↳ CPU µs per request (the proxy's processes)", ...cpu, ""]));
    }
    if (m.name === "detect") {
      // What detection adds to the CPU time of a connection, and as a share of the by-port time (per sample).
      const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;
      const added = contenders.map((c) => {
        const pairs = (byC[c] ?? []).flatMap((s) => {
          const port = s.detail?.byPortCpuUsPerRequest, detect = s.detail?.detectCpuUsPerRequest;
          return typeof port === "number" && typeof detect === "number" && port > 0 ? [{ port, detect }] : [];
        });
        const extra = median(pairs.map((p) => p.detect - p.port));
        const share = median(pairs.map((p) => p.detect / p.port - 1));
        return extra === null || share === null ? "" : `${signed(extra, 1)} (${signed(share * 100, 1)}%)`;
      });
      lines.push(row(["↳ CPU µs per connection added by detection", ...added, ""]));
    }
    if (m.name === "slowread") {
      const growth = contenders.map((c) => {
        const samples = byC[c] ?? [];
        const start = median(samples.map((s) => (s.detail?.baselineMiB as number | undefined) ?? null));
        const g = median(samples.map((s) => {
          const base = s.detail?.baselineMiB;
          return s.value !== null && typeof base === "number" ? s.value - base : null;
        }));
        return start === null || g === null ? "" : `${start.toFixed(1)} + ${g.toFixed(1)}`;
      });
      lines.push(row(["↳ RSS at start + growth (MiB)", ...growth, ""]));
    }
  }
  return { table: lines.join("\n"), notes };
}

/** One target of issue 8. */
interface Target {
  measure: string;
  label: string;
  /** `min-ratio`: value/haproxy ≥ bound; `max-added`: value − direct ≤ bound; `max`/`min`: raw bound. */
  kind: "min-ratio" | "max-added" | "max" | "min";
  bun: number;
  deno: number;
}

/** The targets of issue 8 (pass backend, loopback, ratios to haproxy in the same run). */
export const TARGETS: readonly Target[] = [
  { measure: "bulk1", label: "bulk 1 stream ÷ haproxy ≥", kind: "min-ratio", bun: 1.3, deno: 1.0 },
  { measure: "bulk8", label: "bulk 8 streams ÷ haproxy ≥", kind: "min-ratio", bun: 1.3, deno: 1.0 },
  { measure: "conn", label: "new conns/s ÷ haproxy ≥", kind: "min-ratio", bun: 1.0, deno: 0.8 },
  { measure: "keepalive", label: "keep-alive req/s ÷ haproxy ≥", kind: "min-ratio", bun: 1.1, deno: 0.9 },
  { measure: "latency", label: "p99 added at ½ haproxy rate (ms) ≤", kind: "max-added", bun: 1, deno: 1 },
  { measure: "idle", label: "KiB per idle connection ≤", kind: "max", bun: 10, deno: 32 },
  { measure: "slowread", label: "peak RSS, slow 1 GiB reader (MiB) <", kind: "max", bun: 64, deno: 64 },
  { measure: "detect", label: "detect ÷ by-port conn/s ≥", kind: "min", bun: 0.95, deno: 0.95 },
];

/** A markdown table of the pmmux builds against the targets; `runtimes` maps contender to `deno` or `bun`. */
export function renderTargets(results: Results, runtimes: Record<string, string>): string {
  const names = Object.keys(runtimes);
  const lines = [
    row(["target (issue 8)", ...names.map((n) => `${n} (${runtimes[n]} target)`)]),
    row(["---", ...names.map(() => "---")]),
  ];
  for (const t of TARGETS) {
    const med = medians(results[t.measure]);
    const cells = names.map((n) => {
      const v = med[n];
      if (v === undefined || v === null) return "—";
      const bound = runtimes[n] === "deno" ? t.deno : t.bun;
      let figure: number | null = v;
      if (t.kind === "min-ratio") figure = med.haproxy ? v / med.haproxy : null;
      if (t.kind === "max-added") {
        figure = med.direct !== undefined && med.direct !== null ? v - med.direct : null;
      }
      if (figure === null) return "no reference";
      const ok = t.kind === "max" || t.kind === "max-added"
        ? (t.measure === "slowread" ? figure < bound : figure <= bound)
        : figure >= bound;
      const shown = t.kind === "min-ratio" ? `${figure.toFixed(2)}×` : figure.toFixed(2);
      return `${shown} ${ok ? "✓" : "✗"} (${bound})`;
    });
    lines.push(row([t.label, ...cells]));
  }
  return lines.join("\n");
}
