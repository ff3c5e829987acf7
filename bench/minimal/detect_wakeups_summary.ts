/**
 * Summarises the CSV of `detect_wakeups.sh` or `user_time.sh` (stdin): per halt-poll setting, each program's
 * medians, and for each pair the rate ratio per round with its median, and the median over the rounds of what
 * the first adds in user and in system µs per request. The pairs are the arguments (`A/B`, A compared with B);
 * without any, `detect_wakeups.sh`'s two (detect and by port, waiting and plain).
 *
 * `bun bench/minimal/detect_wakeups_summary.ts [A/B ...] < runs.csv` (or `deno run --allow-read`).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { median } from "../stats.ts";

const FIELDS = [
  "rate",
  "cpu_us",
  "user_us",
  "sys_us",
  "ipis",
  "wakes",
  "wakes_upstream",
  "wakes_wrk",
] as const;
type Field = typeof FIELDS[number];
interface Run extends Record<Field, number> {
  round: string;
  setting: string;
  program: string;
}

/** Parses the CSV; lines that are not runs (the header, blanks) are skipped. */
export function parseRuns(text: string): Run[] {
  const runs: Run[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(",");
    if (cols.length !== 3 + FIELDS.length || !/^\d+$/.test(cols[0])) continue;
    const run = { round: cols[0], setting: cols[1], program: cols[2] } as Run;
    FIELDS.forEach((f, i) => run[f] = Number(cols[3 + i]));
    runs.push(run);
  }
  return runs;
}

/** The runs of one program in one round and setting (A-B-B-A: two). */
function runsOf(runs: Run[], round: string, setting: string, program: string): Run[] {
  return runs.filter((r) => r.round === round && r.setting === setting && r.program === program);
}

/** The rounds, in order of appearance. */
function roundsOf(runs: Run[]): string[] {
  return [...new Set(runs.map((r) => r.round))];
}

/** Per round, the summed rate of `a`'s runs over `b`'s (A-B-B-A: two runs each). */
export function roundRatios(runs: Run[], setting: string, a: string, b: string): number[] {
  const sum = (round: string, p: string) => runsOf(runs, round, setting, p).reduce((s, r) => s + r.rate, 0);
  return roundsOf(runs).map((round) => sum(round, a) / sum(round, b)).filter((x) =>
    Number.isFinite(x) && x > 0
  );
}

/** Per round, the mean of `a`'s runs minus the mean of `b`'s for `field` (rounds missing either are left out). */
export function roundDifferences(runs: Run[], setting: string, a: string, b: string, field: Field): number[] {
  const mean = (round: string, p: string) => {
    const xs = runsOf(runs, round, setting, p);
    return xs.length === 0 ? NaN : xs.reduce((s, r) => s + r[field], 0) / xs.length;
  };
  return roundsOf(runs).map((round) => mean(round, a) - mean(round, b)).filter((x) => Number.isFinite(x));
}

/** The pairs `detect_wakeups.sh` compares. */
export const DETECT_PAIRS: readonly (readonly [string, string])[] = [
  ["pmmux-detect", "pmmux-port"],
  ["minimal-wait", "minimal"],
];

/** Parses pair arguments `A/B`; throws naming one that is not. */
export function parsePairs(args: readonly string[]): [string, string][] {
  return args.map((arg) => {
    const [a, b, extra] = arg.split("/");
    if (!a || !b || extra !== undefined) {
      throw new RangeError(`"${arg}" is not a pair: expected PROGRAM/PROGRAM, such as pmmux/minimal`);
    }
    return [a, b];
  });
}

/** The summary, as printed. */
export function summarise(runs: Run[], pairs: readonly (readonly [string, string])[] = DETECT_PAIRS): string {
  const out: string[] = [];
  for (const setting of new Set(runs.map((r) => r.setting))) {
    out.push(`guest_halt_poll_ns ${setting}: medians per run (per request but the rate)`);
    out.push(`  ${"program".padEnd(13)} ${FIELDS.map((f) => f.padStart(14)).join(" ")}`);
    for (const program of new Set(runs.map((r) => r.program))) {
      const mine = runs.filter((r) => r.setting === setting && r.program === program);
      if (mine.length === 0) continue;
      const cells = FIELDS.map((f) => {
        const m = median(mine.map((r) => r[f])) ?? NaN; // NaN: not measured (PERF=0)
        const text = Number.isNaN(m)
          ? "—"
          : f === "rate"
          ? m.toFixed(0)
          : f.endsWith("_us")
          ? m.toFixed(1)
          : m.toFixed(3);
        return text.padStart(14);
      });
      out.push(`  ${program.padEnd(13)} ${cells.join(" ")}`);
    }
    for (const [a, b] of pairs) {
      const rs = roundRatios(runs, setting, a, b);
      if (rs.length === 0) continue;
      out.push(`  ${a} ÷ ${b}: median ${median(rs)!.toFixed(3)} (${rs.map((x) => x.toFixed(3)).join(" ")})`);
      const added = (["user_us", "sys_us"] as const).map((f) => {
        const d = median(roundDifferences(runs, setting, a, b, f));
        return `${f.slice(0, -3)} ${d === null ? "—" : (d >= 0 ? "+" : "") + d.toFixed(1)}`;
      });
      out.push(`    µs per request added, median of the rounds: ${added.join(", ")}`);
    }
  }
  return out.join("\n");
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
  const pairs = args.length > 0 ? parsePairs(args) : DETECT_PAIRS;
  console.log(summarise(parseRuns(readFileSync(0, "utf8")), pairs));
}
