/**
 * The shape of a measure, and the helper that runs a body against a freshly started contender.
 *
 * @module
 */
import type { Contender, Running, StartOptions } from "../contenders.ts";
import type { BenchEnv, Sample, Upstreams } from "../types.ts";

/** One thing measured for every contender it applies to. */
export interface Measure {
  /** Name used with `--only=` and as the JSON key. */
  name: string;
  /** Row label in the table, with the unit. */
  title: string;
  /** Unit of {@linkcode Sample.value}. */
  unit: string;
  /** Which way is better. */
  better: "higher" | "lower";
  /** Upstream it needs. */
  upstream: keyof Upstreams;
  /** External tools it needs besides the contender's own. */
  tools: readonly string[];
  /** Whether it runs for this contender. */
  applies(contender: Contender): boolean;
  /** Takes one sample. Throwing records an error for this sample only. */
  run(env: BenchEnv, contender: Contender): Promise<Sample>;
}

/** Starts `contender` forwarding to the measure's upstream, runs `body`, and always stops it. */
export async function withContender<T>(
  env: BenchEnv,
  contender: Contender,
  options: StartOptions,
  body: (running: Running) => Promise<T>,
): Promise<T> {
  const running = await contender.start(env, options);
  try {
    return await body(running);
  } finally {
    await running.stop();
  }
}

/** The upstream port a measure needs, or a thrown error when it is not running. */
export function upstreamPort(env: BenchEnv, which: keyof Upstreams): number {
  const port = env.upstreams[which];
  if (port === null) throw new Error(`The ${which} upstream is not running`);
  return port;
}
