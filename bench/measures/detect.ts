/**
 * Detection cost: new connections/s when the matching backend is found by `detect=http` after five backends
 * whose detectors say "no" (ssh, tls, socks5, rdp, mqtt), divided by the rate when the backend is chosen by
 * the listener's port (`local-port=`). The minimal relays run it too, as a relay that waits for the client's
 * first bytes before it connects over one that connects at once: any router by content must wait, so that is
 * the runtime's own part of the cost. Both configurations run side by side (two processes, the
 * idle one costs nothing) and are measured in A-B-B-A order, so a drift of the machine's speed during the
 * sample cancels out; a 5% difference is still within the noise of one round on 2 shared cores. The CPU time
 * each configuration spends per connection is recorded too (see `cpuPerRequest`), and the table shows what
 * detection adds to it. `bench/minimal/detect_abba.sh` runs this measure alone for more rounds.
 *
 * @module
 */
import type { Running } from "../contenders.ts";
import { runWrk } from "../wrk.ts";
import { cpuNow, cpuPerRequest, cpuUsSince, WRK_CONNECTIONS, wrkWarmup } from "./http.ts";
import { type Measure, upstreamPort } from "./types.ts";

/** Ratio of connection rates, detect routing over port routing. */
export const detectCost: Measure = {
  name: "detect",
  title: "detect= (5 decoys first) ÷ by-port, conn/s (ratio)",
  unit: "ratio",
  better: "higher",
  upstream: "http",
  tools: ["wrk"],
  applies: (c) => c.routes,
  async run(env, contender) {
    const target = upstreamPort(env, "http");
    const started: Running[] = [];
    try {
      const byPort = await contender.start(env, { transport: "tcp", target, routing: "port" });
      started.push(byPort);
      const detect = await contender.start(env, { transport: "tcp", target, routing: "detect" });
      started.push(detect);
      await wrkWarmup(env, { port: byPort.port, connections: WRK_CONNECTIONS, close: true });
      await wrkWarmup(env, { port: detect.port, connections: WRK_CONNECTIONS, close: true });
      const seconds = Math.max(1, Math.floor(env.budget.wrkSeconds * 2 / 3));
      const sums = { port: 0, detect: 0 };
      // CPU µs spent and requests served by each configuration, over its two runs.
      const cpu = { port: 0, detect: 0 };
      const requests = { port: 0, detect: 0 };
      const runs: Record<string, number | null>[] = [];
      let errors = 0;
      for (const which of ["port", "detect", "detect", "port"] as const) {
        const running = which === "port" ? byPort : detect;
        const before = cpuNow(running);
        const r = await runWrk(env, {
          port: running.port,
          connections: WRK_CONNECTIONS,
          seconds,
          close: true,
        });
        const used = cpuUsSince(running, before);
        sums[which] += r.rps;
        cpu[which] += used ?? NaN;
        requests[which] += r.requests;
        errors += r.errors;
        runs.push({ [which]: r.rps, cpuUsPerRequest: cpuPerRequest(used, r.requests) });
      }
      const cpuUs = (which: "port" | "detect") =>
        Number.isFinite(cpu[which]) ? cpuPerRequest(cpu[which], requests[which]) : null;
      return {
        value: sums.port > 0 ? sums.detect / sums.port : null,
        detail: {
          byPortRps: sums.port / 2,
          detectRps: sums.detect / 2,
          byPortCpuUsPerRequest: cpuUs("port"),
          detectCpuUsPerRequest: cpuUs("detect"),
          runs,
          errors,
        },
        error: errors > 0 ? `${errors} wrk errors` : undefined,
      };
    } finally {
      for (const r of started) await r.stop();
    }
  },
};
