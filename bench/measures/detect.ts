/**
 * Detection cost (pmmux only): new connections/s when the matching backend is found by `detect=http` after
 * five backends whose detectors say "no" (ssh, tls, socks5, rdp, mqtt), divided by the rate when the backend
 * is chosen by the listener's port (`local-port=`). Both runs are taken back to back, in random order.
 *
 * @module
 */
import type { Sample } from "../types.ts";
import { wrkRate } from "./http.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

/** Ratio of connection rates, detect routing over port routing. */
export const detectCost: Measure = {
  name: "detect",
  title: "detect= (5 decoys first) ÷ by-port, conn/s (ratio)",
  unit: "ratio",
  better: "higher",
  upstream: "http",
  tools: ["wrk"],
  applies: (c) => c.pmmux,
  async run(env, contender) {
    const order: ("port" | "detect")[] = Math.random() < 0.5 ? ["port", "detect"] : ["detect", "port"];
    const samples: Partial<Record<"port" | "detect", Sample>> = {};
    for (const routing of order) {
      samples[routing] = await withContender(
        env,
        contender,
        { transport: "tcp", target: upstreamPort(env, "http"), routing },
        (r) => wrkRate(env, r.port, true),
      );
    }
    const byPort = samples.port!.value, detect = samples.detect!.value;
    const errors = [samples.port!.error, samples.detect!.error].filter(Boolean).join("; ");
    return {
      value: byPort && detect !== null ? detect / byPort : null,
      detail: { byPortRps: byPort, detectRps: detect, order },
      error: errors || undefined,
    };
  },
};
