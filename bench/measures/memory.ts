/**
 * Memory: RSS per idle relayed connection, and peak RSS while one client slowly reads 1 GiB. Read from
 * `/proc/<pid>/status` (VmRSS, VmHWM); for a proxy that forks a child per connection (socat) the tree's PSS is
 * summed instead, so copy-on-write pages shared with the parent are not counted once per child.
 *
 * @module
 */
import { httpWarmup, openIdle, slowRead } from "../clients.ts";
import { sleep, treeMemory } from "../procs.ts";
import { type Measure, upstreamPort, withContender } from "./types.ts";

const MIB = 1024 * 1024;

/** KiB of memory per idle connection relayed to nginx (after one request on each). */
export const idleMemory: Measure = {
  name: "idle",
  title: "memory per idle relayed connection (KiB)",
  unit: "KiB",
  better: "lower",
  upstream: "http",
  tools: [],
  applies: (c) => c.name !== "direct" && c.transports.includes("tcp"),
  run: (env, contender) =>
    withContender(env, contender, { transport: "tcp", target: upstreamPort(env, "http") }, async (r) => {
      const pid = r.pid!;
      await httpWarmup(r.port, 100);
      await sleep(300);
      const before = treeMemory(pid);
      const n = env.budget.idleConnections;
      const idle = await openIdle(r.port, n);
      try {
        await sleep(1000);
        if (!r.alive()) {
          return { value: null, error: `exited with ${idle.open} of ${n} connections open` };
        }
        const after = treeMemory(pid);
        const detail = {
          connections: n,
          open: idle.open,
          failed: idle.failed,
          beforeKiB: before.kib,
          afterKiB: after.kib,
          processes: after.processes,
          method: after.processes > 1 ? "tree PSS" : "VmRSS",
        };
        if (idle.open < n * 0.95) {
          return {
            value: null,
            detail,
            error: `${idle.failed} of ${n} connections failed: ${idle.firstError}`,
          };
        }
        return {
          value: (after.kib - before.kib) / idle.open,
          detail,
          error: idle.failed > 0 ? `${idle.failed} connections failed: ${idle.firstError}` : undefined,
        };
      } finally {
        idle.close();
      }
    }),
};

/** Peak RSS (MiB) while one client reads the 1 GiB file slowly through the contender. */
export const slowReadMemory: Measure = {
  name: "slowread",
  title: "peak RSS, one slow reader of 1 GiB (MiB)",
  unit: "MiB",
  better: "lower",
  upstream: "http",
  tools: [],
  applies: (c) => c.name !== "direct" && c.transports.includes("tcp"),
  run: (env, contender) =>
    withContender(env, contender, { transport: "tcp", target: upstreamPort(env, "http") }, async (r) => {
      const pid = r.pid!;
      const baseline = treeMemory(pid).kib;
      let peak = baseline;
      let samples = 0;
      const sampler = setInterval(() => {
        const m = treeMemory(pid);
        if (m.processes > 0 && m.rootRss > 0) peak = Math.max(peak, m.kib);
        samples++;
      }, 20);
      let read;
      try {
        read = await slowRead(r.port, { budgetMs: env.budget.slowReadMs });
      } finally {
        clearInterval(sampler);
      }
      const end = treeMemory(pid);
      // One process: the kernel's high-water mark catches peaks between samples.
      if (end.processes === 1) peak = Math.max(peak, end.sumHwm);
      const readMiB = read.bytes / MIB;
      return {
        value: r.alive() ? peak / 1024 : null,
        detail: {
          baselineMiB: baseline / 1024,
          readMiB,
          seconds: read.ms / 1000,
          readMiBps: readMiB / (read.ms / 1000),
          finished: read.finished,
          samples,
        },
        error: read.error ?? (r.alive() ? undefined : "exited during the transfer"),
      };
    }),
};
