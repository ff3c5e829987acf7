/**
 * The machine and tool versions recorded with every result, and a check that the CPUs are idle before the run
 * (other processes' load makes every figure noisy).
 *
 * @module
 */
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { runTool, sleep } from "./procs.ts";
import type { ToolPaths } from "./tools.ts";

/** What the results were measured on. */
export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  versions: Record<string, string>;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function version(cmd: string | null, args: string[], pattern: RegExp): Promise<string> {
  if (!cmd) return "missing";
  try {
    const out = await runTool(cmd, args, 5000);
    const m = (out.stdout + "\n" + out.stderr).match(pattern);
    return m ? m[1] : "unknown";
  } catch {
    return "unknown";
  }
}

/** Describes the machine: CPU count and model, memory, kernel, runtime and tool versions. */
export async function describeMachine(tools: ToolPaths): Promise<Machine> {
  const model = read("/proc/cpuinfo").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const [bun, haproxy, nginx, sslh, socat, iperf3, wrk] = await Promise.all([
    version(tools.bun, ["--version"], /(\S+)/),
    version(tools.haproxy, ["-v"], /version (\S+)/),
    version(tools.nginx, ["-v"], /nginx\/(\S+)/),
    version(tools["sslh-select"], ["-V"], /sslh-select (\S+)/),
    version(tools.socat, ["-V"], /socat version (\S+)/),
    version(tools.iperf3, ["-v"], /iperf (\S+)/),
    version(tools.wrk, ["-v"], /wrk (\S+)/),
  ]);
  return {
    nproc: navigator.hardwareConcurrency ?? cpus().length,
    cpu: model.trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: read("/proc/sys/kernel/osrelease").trim(),
    versions: { deno: Deno.version.deno, bun, haproxy, nginx, "sslh-select": sslh, socat, iperf3, wrk },
  };
}

function cpuTimes(): { busy: number; total: number } {
  const cols = read("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cols.reduce((a, b) => a + b, 0);
  const idle = (cols[3] ?? 0) + (cols[4] ?? 0);
  return { busy: total - idle, total };
}

/** Share of all CPUs busy over `ms` (0..1), read from `/proc/stat`. */
export async function cpuBusy(ms = 1000): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** One line for the table header. */
export function machineLine(m: Machine): string {
  const v = m.versions;
  return `${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}; deno ${v.deno}, bun ${v.bun}, ` +
    `haproxy ${v.haproxy}, sslh-select ${v["sslh-select"]}, socat ${v.socat}, nginx ${v.nginx}, ` +
    `iperf3 ${v.iperf3}, wrk ${v.wrk}`;
}
