/**
 * HTTP request rates through the contender to nginx `return 200`: a new connection per request (wrk with
 * `Connection: close`) and keep-alive requests. One wrk thread, a fixed number of connections.
 *
 * @module
 */
import { httpWarmup } from "../clients.ts";
import type { Contender, Running } from "../contenders.ts";
import { treeCpuSeconds } from "../procs.ts";
import type { BenchEnv, Sample } from "../types.ts";
import { runWrk, type WrkOptions } from "../wrk.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

/** wrk connections for the rate measures. */
export const WRK_CONNECTIONS = 32;

/** Shared key of the haproxy keep-alive rates seen so far (the latency measure paces itself on them). */
export const HAPROXY_KEEPALIVE_KEY = "keepalive.haproxy.rps";

/**
 * Warms a forwarder up: a few requests to check it answers, then `warmupSeconds` of `load`, the wrk load
 * that the measured run applies next (unrecorded): a process that first meets that many connections, or
 * that pattern, in the measured run would be measured warming up. Resolves with the number of failed check
 * requests.
 */
export async function wrkWarmup(env: BenchEnv, load: Omit<WrkOptions, "seconds">): Promise<number> {
  const failed = await httpWarmup(load.port);
  if (env.budget.warmupSeconds > 0) await runWrk(env, { ...load, seconds: env.budget.warmupSeconds });
  return failed;
}

/**
 * The contender's CPU time per request over a run, in µs, from what it used ({@linkcode cpuUsSince}; `null`
 * without a process of its own): the work a request costs it. Under a saturating load it mostly mirrors the
 * rate, since a proxy then uses about its share of the cores whatever it does; for a figure that does not move
 * with the rate, hold the load at a fixed rate (`bench/minimal/cpu_per_request.sh … paced`).
 */
export function cpuPerRequest(usedUs: number | null, requests: number): number | null {
  return usedUs === null || requests === 0 ? null : usedUs / requests;
}

/** {@linkcode treeCpuSeconds} of a running contender, `null` for one without a process (`direct`). */
export function cpuNow(running: Running): number | null {
  return running.pid === null ? null : treeCpuSeconds(running.pid);
}

/** CPU µs the contender used since `before` (a {@linkcode cpuNow} reading), `null` without a process. */
export function cpuUsSince(running: Running, before: number | null): number | null {
  return running.pid === null || before === null ? null : (treeCpuSeconds(running.pid) - before) * 1e6;
}

/** One wrk run against an already started forwarder, after {@linkcode wrkWarmup}. */
export async function wrkRate(env: BenchEnv, running: Running, close: boolean): Promise<Sample> {
  const port = running.port;
  const load = { port, connections: WRK_CONNECTIONS, close };
  const warmFailed = await wrkWarmup(env, load);
  const cpu = cpuNow(running);
  const r = await runWrk(env, { ...load, seconds: env.budget.wrkSeconds });
  const sample: Sample = {
    value: r.rps,
    detail: {
      requests: r.requests,
      cpuUsPerRequest: cpuPerRequest(cpuUsSince(running, cpu), r.requests),
      errors: r.errors,
      warmupFailures: warmFailed,
      p99us: r.p99us,
      wrk: r.raw,
    },
  };
  if (r.requests === 0) return { ...sample, value: null, error: "no request completed" };
  if (r.errors > r.requests * 0.01) sample.error = `${r.errors} errors for ${r.requests} requests`;
  return sample;
}

function rate(name: string, title: string, close: boolean): Measure {
  return {
    name,
    title,
    unit: "req/s",
    better: "higher",
    upstream: "http",
    tools: ["wrk"],
    applies: (c: Contender) => c.transports.includes("tcp"),
    async run(env, contender) {
      const sample = await withContender(
        env,
        contender,
        { transport: "tcp", target: upstreamPort(env, "http") },
        (r) => wrkRate(env, r, close),
      );
      if (!close && contender.name === "haproxy" && sample.value !== null) {
        const seen = (env.shared.get(HAPROXY_KEEPALIVE_KEY) as number[] | undefined) ?? [];
        env.shared.set(HAPROXY_KEEPALIVE_KEY, [...seen, sample.value]);
      }
      return sample;
    },
  };
}

/** New connections per second: every request on its own connection. */
export const connRate: Measure = rate("conn", "new connections/s (wrk, Connection: close)", true);
/** Keep-alive requests per second. */
export const keepalive: Measure = rate("keepalive", "keep-alive requests/s (wrk)", false);
