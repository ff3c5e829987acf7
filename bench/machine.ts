/**
 * The machine and tool versions recorded with every result, and a check that the CPUs are idle before the run
 * (other processes' load makes every figure noisy).
 *
 * @module
 */
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { CLK_TCK, runTool, sleep, statFields } from "./procs.ts";
import type { ToolPaths } from "./tools.ts";

/** What the results were measured on. */
export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  /**
   * How an idle CPU waits, which sets what waking it costs: the cpuidle driver, and under a hypervisor whether
   * the guest polls before it halts (a halted virtual CPU is woken by an interrupt from another one, which is
   * dear on a VM; `bench/README.md` shows what it does to routing by content).
   */
  idle: string;
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

/**
 * One line for {@linkcode Machine.idle} from what sysfs and `/proc/cpuinfo` say: the cpuidle driver (`none`
 * when there is none), the guest's halt-polling limit when the driver is `haltpoll`, and `VM` when the CPU
 * reports a hypervisor.
 */
export function idleLine(driver: string, haltPollNs: string, cpuinfo: string): string {
  const name = driver.trim(), pollNs = haltPollNs.trim();
  const parts = [name || "none"];
  if (name === "haltpoll" && pollNs !== "") parts.push(`guest_halt_poll_ns ${pollNs}`);
  if (/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) parts.push("VM");
  return parts.join(", ");
}

/** Describes the machine: CPU count and model, memory, kernel, runtime and tool versions. */
export async function describeMachine(tools: ToolPaths): Promise<Machine> {
  const cpuinfo = read("/proc/cpuinfo");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown";
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
    idle: idleLine(
      read("/sys/devices/system/cpu/cpuidle/current_driver"),
      read("/sys/module/haltpoll/parameters/guest_halt_poll_ns"),
      cpuinfo,
    ),
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

/** CPU ticks (user + system) used so far by every process outside the tree rooted at `self`. */
function foreignTicks(self: number): Map<number, number> {
  const out = new Map<number, number>();
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const rest = statFields(pid);
    if (rest === null || rest.length < 13) continue;
    parent.set(pid, Number(rest[1]));
    ticks.set(pid, Number(rest[11]) + Number(rest[12]));
  }
  for (const [pid, t] of ticks) {
    let p = pid, ours = false;
    for (let depth = 0; depth < 64 && p > 1; depth++) {
      if (p === self) {
        ours = true;
        break;
      }
      p = parent.get(p) ?? 0;
    }
    if (!ours) out.set(pid, t);
  }
  return out;
}

/**
 * Starts measuring how much CPU other processes (anything not descended from this harness) use while a sample
 * runs; `stop()` returns it as a share of all CPUs (0..1). Processes that start and end within the sample are
 * not seen. Costs one pass over `/proc/<pid>/stat` at each end.
 */
export function foreignCpu(): { stop(): number } {
  const self = Deno.pid;
  const before = foreignTicks(self);
  const t0 = performance.now();
  return {
    stop() {
      const after = foreignTicks(self);
      let used = 0;
      // A process first seen now started during the sample: all its time counts.
      for (const [pid, t] of after) used += Math.max(0, t - (before.get(pid) ?? 0));
      const seconds = (performance.now() - t0) / 1000;
      const n = navigator.hardwareConcurrency ?? cpus().length;
      return seconds > 0 ? Math.min(1, used / CLK_TCK / seconds / n) : 0;
    },
  };
}

/** One line for the table header. */
export function machineLine(m: Machine): string {
  const v = m.versions;
  return `${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}, idle: ${m.idle}; ` +
    `deno ${v.deno}, bun ${v.bun}, haproxy ${v.haproxy}, sslh-select ${v["sslh-select"]}, ` +
    `socat ${v.socat}, nginx ${v.nginx}, iperf3 ${v.iperf3}, wrk ${v.wrk}`;
}
