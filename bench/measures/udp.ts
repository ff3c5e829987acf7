/**
 * UDP through one session: iperf3 in UDP mode floods 64-byte datagrams (`-b 0`) through the contender for a
 * bounded time, client to server, then server to client (`-R`, the session's reply path). The figure is
 * datagrams per second that reached the receiver; loss is what the receiver counted missing. iperf3's TCP
 * control connection goes through the same contender (same port number).
 *
 * @module
 */
import { runTool } from "../procs.ts";
import type { BenchEnv, Sample } from "../types.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

/** Datagram payload size, bytes. */
const SIZE = 64;

async function flood(env: BenchEnv, port: number, reverse: boolean): Promise<Sample> {
  const seconds = env.budget.udpSeconds;
  const args = [
    "-u",
    "-c",
    "127.0.0.1",
    "-p",
    String(port),
    "-t",
    String(seconds),
    "-b",
    "0",
    "-l",
    String(SIZE),
  ];
  if (reverse) args.push("-R");
  const out = await runTool(env.tools.iperf3!, [...args, "-J"], (seconds + 20) * 1000);
  if (out.timedOut) throw new Error(`iperf3 -u did not finish in ${seconds + 20} s`);
  let json: any;
  try {
    json = JSON.parse(out.stdout);
  } catch {
    throw new Error(
      `iperf3 printed no JSON (exit ${out.code}): ${(out.stderr || out.stdout).trim().slice(-300)}`,
    );
  }
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const r = json.end?.sum_received;
  if (!r?.seconds) throw new Error("iperf3 reported no received datagrams");
  const received = r.packets - r.lost_packets;
  return {
    value: received / r.seconds,
    detail: { sent: r.packets, received, lost: r.lost_packets, lossPct: r.lost_percent, seconds: r.seconds },
  };
}

function udp(name: string, reverse: boolean): Measure {
  return {
    name,
    title: `UDP datagrams/s, one session, ${reverse ? "upstream → client" : "client → upstream"}`,
    unit: "dgram/s",
    better: "higher",
    upstream: "iperf",
    tools: ["iperf3"],
    applies: (c) => c.transports.includes("udp"),
    run: (env, contender) =>
      withContender(
        env,
        contender,
        { transport: "tcp+udp", target: upstreamPort(env, "iperf") },
        (r) => flood(env, r.port, reverse),
      ),
  };
}

/** Datagrams/s from the client through the session. */
export const udpForward: Measure = udp("udp", false);
/** Datagrams/s back from the upstream through the session (written from the listener's socket). */
export const udpReverse: Measure = udp("udp-rev", true);
