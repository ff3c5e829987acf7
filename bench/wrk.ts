/**
 * wrk runner. A Lua `done()` hook prints the figures as one JSON line so nothing is scraped from wrk's text;
 * the rate-limited variant adds a per-connection `delay()` (wrk2 is not in Debian, see README).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool } from "./procs.ts";
import type { BenchEnv } from "./types.ts";

const MARK = "BENCH_JSON ";

const DONE_LUA = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${MARK}{"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,' ..
    '"status":%.0f,"timeout":%.0f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"p999_us":%.0f,"mean_us":%.1f,' ..
    '"max_us":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
`;

const RATE_LUA = `
-- Each connection waits a random 0.5-1.5 × pause ms after a response before its next request, so the rate is
-- about connections * 1000 / (pause + latency); the randomness keeps the connections from firing in lockstep
-- bursts. wrk times each request from its write, so the wait is not in the latency.
local lo, hi = 5, 15
function init(args)
  if args[1] ~= nil then
    local pause = tonumber(args[1])
    lo, hi = math.floor(pause / 2), math.ceil(pause * 3 / 2)
  end
end
function delay()
  return math.random(lo, hi)
end
` + DONE_LUA;

/** Figures from one wrk run. */
export interface WrkResult {
  /** Completed requests. */
  requests: number;
  /** Requests per second over the run. */
  rps: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
  /** Latency percentiles, microseconds. */
  p50us: number;
  p90us: number;
  p99us: number;
  p999us: number;
  /** The raw JSON line. */
  raw: Record<string, number>;
}

/** Options for {@linkcode runWrk}. */
export interface WrkOptions {
  /** Port on 127.0.0.1. */
  port: number;
  /** Open connections. */
  connections: number;
  /** Run time, whole seconds. */
  seconds: number;
  /** Send `Connection: close` (a new connection per request). @default false */
  close?: boolean;
  /** Per-connection pause after each response, ms (rate-limited mode). @default none */
  pauseMs?: number;
  /** URL scheme; `https` makes wrk do TLS (keep-alive connections reuse their session). @default "http" */
  scheme?: "http" | "https";
}

function scripts(env: BenchEnv): { done: string; rate: string } {
  const key = "wrk.scripts";
  let s = env.shared.get(key) as { done: string; rate: string } | undefined;
  if (!s) {
    s = { done: join(env.tmp, "wrk-done.lua"), rate: join(env.tmp, "wrk-rate.lua") };
    writeFileSync(s.done, DONE_LUA);
    writeFileSync(s.rate, RATE_LUA);
    env.shared.set(key, s);
  }
  return s;
}

/** Runs wrk with one thread against `http://127.0.0.1:<port>/`; rejects when wrk fails or prints no figures. */
export async function runWrk(env: BenchEnv, options: WrkOptions): Promise<WrkResult> {
  const s = scripts(env);
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "5s"];
  if (options.close) args.push("-H", "Connection: close");
  args.push(
    "-s",
    options.pauseMs !== undefined ? s.rate : s.done,
    `${options.scheme ?? "http"}://127.0.0.1:${options.port}/`,
  );
  if (options.pauseMs !== undefined) args.push("--", String(options.pauseMs));
  const out = await runTool(env.tools.wrk!, args, (options.seconds + 15) * 1000);
  const line = out.stdout.split("\n").find((l) => l.startsWith(MARK));
  if (out.timedOut) throw new Error(`wrk did not finish in ${options.seconds + 15} s`);
  if (!line) {
    throw new Error(`wrk failed (exit ${out.code}): ${(out.stderr || out.stdout).trim().slice(-300)}`);
  }
  const raw = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
  const seconds = raw.duration_us / 1e6;
  return {
    requests: raw.requests,
    rps: seconds > 0 ? raw.requests / seconds : 0,
    errors: raw.connect + raw.read + raw.write + raw.status + raw.timeout,
    p50us: raw.p50_us,
    p90us: raw.p90_us,
    p99us: raw.p99_us,
    p999us: raw.p999_us,
    raw,
  };
}
