/**
 * Bulk throughput: iperf3 through the contender to the iperf3 server, one stream and eight parallel streams,
 * JSON output parsed (receiver side).
 *
 * @module
 */
import { runTool } from "../procs.ts";
import type { BenchEnv, Sample } from "../types.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

async function iperf(env: BenchEnv, port: number, streams: number): Promise<Sample> {
  const seconds = env.budget.iperfSeconds;
  const args = ["-c", "127.0.0.1", "-p", String(port), "-t", String(seconds), "-P", String(streams), "-J"];
  const out = await runTool(env.tools.iperf3!, args, (seconds + 20) * 1000);
  if (out.timedOut) throw new Error(`iperf3 did not finish in ${seconds + 20} s`);
  let json: any;
  try {
    json = JSON.parse(out.stdout);
  } catch {
    throw new Error(
      `iperf3 printed no JSON (exit ${out.code}): ${(out.stderr || out.stdout).trim().slice(-300)}`,
    );
  }
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const received = json.end?.sum_received;
  const sent = json.end?.sum_sent;
  if (!received?.bits_per_second) throw new Error("iperf3 reported no received throughput");
  return {
    value: received.bits_per_second / 1e9,
    detail: {
      receivedGbps: received.bits_per_second / 1e9,
      sentGbps: (sent?.bits_per_second ?? 0) / 1e9,
      bytes: received.bytes,
      seconds: received.seconds,
      retransmits: sent?.retransmits ?? null,
      senderCpuPct: json.end?.cpu_utilization_percent?.host_total ?? null,
    },
  };
}

function bulk(name: string, streams: number): Measure {
  return {
    name,
    title: `bulk throughput, ${streams === 1 ? "1 stream" : `${streams} streams`} (Gbit/s)`,
    unit: "Gbit/s",
    better: "higher",
    upstream: "iperf",
    tools: ["iperf3"],
    applies: (c) => c.transports.includes("tcp"),
    run: (env, contender) =>
      withContender(
        env,
        contender,
        { transport: "tcp", target: upstreamPort(env, "iperf") },
        (r) => iperf(env, r.port, streams),
      ),
  };
}

/** iperf3 with one stream. */
export const bulk1: Measure = bulk("bulk1", 1);
/** iperf3 with 8 parallel streams. */
export const bulk8: Measure = bulk("bulk8", 8);
