/**
 * p99 latency at a fixed request rate: half of haproxy's maximum keep-alive rate. wrk2 is not packaged in
 * Debian, so wrk paces itself: each connection pauses a random 5-15 ms (mean 10) after every response (a wrk
 * Lua `delay()`), which sets the rate to about connections × 1000 / (10 + latency); the randomness avoids
 * lockstep bursts. The pause is far above the latencies measured, so the rate stays close to the target for
 * every contender (the achieved rate is recorded). wrk times each request from its write, so the pause is not
 * counted. The table subtracts `direct`'s p99 to show the latency the proxy adds.
 *
 * @module
 */
import { httpWarmup } from "../clients.ts";
import { CONTENDERS } from "../contenders.ts";
import { median } from "../stats.ts";
import type { BenchEnv } from "../types.ts";
import { runWrk } from "../wrk.ts";
import { HAPROXY_KEEPALIVE_KEY, WRK_CONNECTIONS, wrkWarmup } from "./http.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

/** Mean pause after each response on each connection, ms. */
const PAUSE_MS = 10;
/** Time per request cycle beyond the pause (latency plus wrk's timer slack), ms; measured on loopback. */
const CYCLE_EXTRA_MS = 0.6;

/** The rate to hold: half of haproxy's keep-alive maximum, measured here if the keep-alive measure did not. */
async function targetRate(env: BenchEnv): Promise<{ rps: number; basis: string }> {
  const cached = env.shared.get("latency.target") as { rps: number; basis: string } | undefined;
  if (cached) return cached;
  let seen = env.shared.get(HAPROXY_KEEPALIVE_KEY) as number[] | undefined;
  let basis = "half of haproxy's median keep-alive req/s in this run";
  if (!seen?.length) {
    const reference = CONTENDERS.find((c) => c.name === "haproxy" && c.unavailable(env) === null) ??
      CONTENDERS.find((c) => c.name === "direct")!;
    basis = `half of ${reference.name}'s keep-alive req/s (calibration run)`;
    const port = upstreamPort(env, "http");
    const rps = await withContender(env, reference, { transport: "tcp", target: port }, async (r) => {
      await httpWarmup(r.port);
      return (await runWrk(env, { port: r.port, connections: WRK_CONNECTIONS, seconds: 2 })).rps;
    });
    seen = [rps];
  }
  const target = { rps: median(seen)! / 2, basis };
  env.shared.set("latency.target", target);
  env.log(`latency: target ${Math.round(target.rps)} req/s (${basis})`);
  return target;
}

/** p99 latency (ms) at half of haproxy's maximum rate. */
export const latency: Measure = {
  name: "latency",
  title: "p99 latency at ½ haproxy max rate (ms)",
  unit: "ms",
  better: "lower",
  upstream: "http",
  tools: ["wrk"],
  applies: (c) => c.transports.includes("tcp"),
  async run(env, contender) {
    const target = await targetRate(env);
    const connections = Math.max(1, Math.round(target.rps * (PAUSE_MS + CYCLE_EXTRA_MS) / 1000));
    return await withContender(
      env,
      contender,
      { transport: "tcp", target: upstreamPort(env, "http") },
      async (r) => {
        // Warmed up with these paced connections themselves: with 32 unpaced ones, pmmux-deno's p99 was
        // worse than the minimal loop's in 9 of 10 rounds (README, "The latency warm-up").
        const paced = { port: r.port, connections, pauseMs: PAUSE_MS };
        const warmFailed = await wrkWarmup(env, paced);
        const w = await runWrk(env, { ...paced, seconds: env.budget.wrkSeconds });
        return {
          value: w.requests > 0 ? w.p99us / 1000 : null,
          detail: {
            targetRps: target.rps,
            achievedRps: w.rps,
            connections,
            pauseMs: PAUSE_MS,
            p50ms: w.p50us / 1000,
            p90ms: w.p90us / 1000,
            p999ms: w.p999us / 1000,
            errors: w.errors,
            warmupFailures: warmFailed,
          },
          error: w.errors > 0 ? `${w.errors} errors` : undefined,
        };
      },
    );
  },
};
