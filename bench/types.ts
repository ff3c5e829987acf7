/**
 * Types shared by the harness's parts: the environment handed to contenders and measures, and one sample.
 *
 * @module
 */
import type { ToolPaths } from "./tools.ts";

/** Loopback ports of the upstreams (each `null` when its tool is missing or no selected measure needs it). */
export interface Upstreams {
  /** nginx: `/` answers 200 "ok\n"; `/big` is a 1 GiB (sparse) file. */
  http: number | null;
  /** iperf3 server (TCP and UDP on the same port number). */
  iperf: number | null;
}

/** Durations and sizes of one run, from `--quick` or the defaults. */
export interface Budget {
  /** Rounds; each measure runs once per contender per round. */
  rounds: number;
  /** iperf3 `-t` seconds. */
  iperfSeconds: number;
  /** wrk `-d` seconds. */
  wrkSeconds: number;
  /**
   * Seconds of the same wrk load before each measured HTTP run, not recorded: a JIT-compiled proxy reaches
   * its steady rate only after some seconds of load (pmmux-bun: 15-30% more connections/s after 9 s than in
   * its first 3 s), and the rates are meant to compare steady states.
   */
  warmupSeconds: number;
  /** Slow reader time limit, ms. */
  slowReadMs: number;
  /** iperf3 `-t` seconds of each UDP direction. */
  udpSeconds: number;
  /** Idle connections opened for the memory measure. */
  idleConnections: number;
}

/** What contenders and measures get from the runner. */
export interface BenchEnv {
  /** Repository root (where `src/main.ts` and `dist/` are). */
  repo: string;
  /** Scratch directory: generated configs, logs, wrk scripts; removed at the end. */
  tmp: string;
  /** Paths of the external tools. */
  tools: ToolPaths;
  /** Upstream ports. */
  upstreams: Upstreams;
  /** Durations for this run. */
  budget: Budget;
  /** Progress output (stderr). */
  log: (message: string) => void;
  /** State shared across measures within one run (for example haproxy's max request rate). */
  shared: Map<string, unknown>;
}

/** One measured figure with its details. */
export interface Sample {
  /** The figure in the measure's unit, `null` when the run failed. */
  value: number | null;
  /** Raw details (tool output fields, counts, secondary figures). */
  detail?: Record<string, unknown>;
  /** Why the run failed or is partial. */
  error?: string;
  /** Share of all CPUs (0..1) that other processes used during the sample (set by the runner). */
  foreignCpu?: number;
}
