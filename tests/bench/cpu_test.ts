import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { treeCpuSeconds } from "../../bench/procs.ts";
import { renderTable, type Results } from "../../bench/stats.ts";
import type { Measure } from "../../bench/measures/mod.ts";

/** Spins for `ms` of wall time on this thread. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error("unreachable");
}

const linux = process.platform === "linux";

describe("bench CPU accounting", () => {
  test("treeCpuSeconds() counts the CPU this process spends", { skip: !linux && "reads /proc" }, () => {
    const before = treeCpuSeconds(process.pid);
    spin(300);
    const used = treeCpuSeconds(process.pid) - before;
    // Ticks are 10 ms; a 300 ms spin on an idle or shared core shows at least a third of it.
    assert.ok(used >= 0.1 && used < 5, `used ${used} s`);
  });

  test(
    "treeCpuSeconds() counts the children a root process forked and reaped (socat, sslh-fork)",
    { skip: !linux && "reads /proc" },
    async () => {
      // The subshell burns CPU and exits; its parent waits for it, says so, and sleeps: only cutime holds it.
      const child = spawn("sh", [
        "-c",
        "(i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done); echo reaped; sleep 5",
      ], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout!.on("data", () => resolve());
          child.on("exit", () => reject(new Error("sh exited early")));
        });
        const seen = treeCpuSeconds(child.pid!);
        assert.ok(seen >= 0.1, `the forked loop's CPU was not counted: ${seen} s`);
      } finally {
        child.kill("SIGKILL");
      }
    },
  );

  test("treeCpuSeconds() of a process that is gone is 0, not an error", () => {
    assert.equal(treeCpuSeconds(2 ** 22 + 12345), 0);
  });
});

const measure = (name: string, title: string, unit: string): Measure => ({
  name,
  title,
  unit,
  better: "higher",
  upstream: "http",
  tools: [],
  applies: () => true,
  run: () => Promise.reject(new Error("not run here")),
});

describe("bench table", () => {
  test("renderTable() prints the CPU per request and what detection adds to it", () => {
    const results: Results = {
      conn: {
        haproxy: [{ value: 9000, detail: { cpuUsPerRequest: 90 } }, {
          value: 9100,
          detail: { cpuUsPerRequest: 100 },
        }],
        "pmmux-bun": [{ value: 8000, detail: { cpuUsPerRequest: 120 } }],
      },
      detect: {
        "pmmux-bun": [
          { value: 0.95, detail: { byPortCpuUsPerRequest: 100, detectCpuUsPerRequest: 104 } },
          { value: 0.9, detail: { byPortCpuUsPerRequest: 110, detectCpuUsPerRequest: 108.9 } },
          { value: 1.0, detail: { byPortCpuUsPerRequest: 100, detectCpuUsPerRequest: 102 } },
        ],
      },
    };
    const { table } = renderTable(
      [measure("conn", "new connections/s", "req/s"), measure("detect", "detect ÷ by-port", "ratio")],
      ["haproxy", "pmmux-bun"],
      results,
    );
    const lines = table.split("\n");
    assert.ok(lines.includes("| ↳ CPU µs per request (the proxy's processes) | 95.0 | 120.0 |  |"), table);
    // Medians per sample: added µs +4, -1.1, +2 → +2.0; shares +4%, -1%, +2% → +2.0%.
    assert.ok(lines.includes("| ↳ CPU µs per connection added by detection |  | +2.0 (+2.0%) |  |"), table);
  });
});
