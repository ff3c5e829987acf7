/**
 * Child processes for the benchmark: every long-lived process runs in its own process group so that stopping it
 * also stops whatever it forked (socat children, nginx workers), and every process started here is killed on
 * exit, even after a failure or Ctrl-C. Memory is read from `/proc`.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A process started with {@linkcode startProcess}. */
export interface Proc {
  /** Short name used in logs and file names. */
  name: string;
  /** Process id, also the process group id. */
  pid: number;
  /** File receiving its stdout and stderr. */
  logPath: string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** True once the process has exited. */
  hasExited: () => boolean;
}

/** Options for {@linkcode startProcess}. */
export interface StartOptions {
  /** Directory for the log file. */
  logDir: string;
  /** Working directory. @default the harness's */
  cwd?: string;
}

const live = new Map<number, { proc: Proc; child: ChildProcess }>();
let serial = 0;

/** Starts `cmd args` in a new process group with stdout/stderr going to a log file; never waits. */
export function startProcess(name: string, cmd: string, args: string[], options: StartOptions): Proc {
  const logPath = join(options.logDir, `${String(++serial).padStart(3, "0")}-${name}.log`);
  const fd = openSync(logPath, "w");
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], cwd: options.cwd });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`Cannot start "${cmd}": no process id`);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      done = true;
      resolve();
    });
    child.once("error", () => {
      done = true;
      resolve();
    });
  });
  const proc: Proc = { name, pid: child.pid, logPath, exited, hasExited: () => done };
  live.set(proc.pid, { proc, child });
  return proc;
}

function signalGroup(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch { /* already gone */ }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. Resolves once the leader has exited. */
export async function stopProcess(proc: Proc, graceMs = 1500): Promise<void> {
  if (!live.has(proc.pid)) return;
  signalGroup(proc.pid, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    proc.exited.then(() => false),
    new Promise<boolean>((r) => timer = setTimeout(() => r(true), graceMs)),
  ]);
  clearTimeout(timer);
  // Kill the group anyway: forked children (socat, nginx workers) may outlive their leader.
  signalGroup(proc.pid, "SIGKILL");
  if (timedOut) await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 1000))]);
  live.delete(proc.pid);
}

/** Kills every process group still running, at once (used in `finally` and on signals). */
export function killAll(): void {
  for (const { proc } of live.values()) signalGroup(proc.pid, "SIGKILL");
  live.clear();
}

/** The last `bytes` of a process's log, for error messages. */
export function logTail(proc: Proc, bytes = 600): string {
  try {
    const text = readFileSync(proc.logPath, "utf8");
    return text.slice(-bytes).trim();
  } catch {
    return "";
  }
}

/** Result of {@linkcode runTool}. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a short-lived tool (wrk, iperf3) to completion, killed after `timeoutMs`. */
export async function runTool(cmd: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", signal: ac.signal })
      .output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      timedOut: ac.signal.aborted,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}

/** True when something listens on `port` (TCP state LISTEN, or a bound UDP socket), IPv4 or IPv6. */
export function isListening(port: number, transport: "tcp" | "udp"): boolean {
  const needle = `:${hexPort(port)} `;
  for (const file of transport === "tcp" ? ["tcp", "tcp6"] : ["udp", "udp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/net/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || !(cols[1] + " ").endsWith(needle)) continue;
      if (transport === "udp" || cols[3] === "0A") return true;
    }
  }
  return false;
}

/**
 * Waits until `port` is listening, without connecting (a probe connection would count in some peers' stats).
 * Rejects with the log tail when the process exits first or after `timeoutMs`.
 */
export async function waitListening(
  proc: Proc | null,
  port: number,
  transport: "tcp" | "udp",
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isListening(port, transport)) return;
    if (proc?.hasExited()) {
      throw new Error(
        `"${proc.name}" exited before listening on ${transport} port ${port}: ${logTail(proc)}`,
      );
    }
    await sleep(10);
  }
  const tail = proc ? `: ${logTail(proc)}` : "";
  throw new Error(`Nothing listens on ${transport} port ${port} after ${timeoutMs} ms${tail}`);
}

/** A free loopback port for `transport` (bound, then released). */
export function freePort(transport: "tcp" | "udp" = "tcp"): number {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (isListening(port, "tcp") || isListening(port, "udp")) continue;
    try {
      if (transport === "tcp") Deno.listen({ hostname: "127.0.0.1", port }).close();
      else Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
      return port;
    } catch { /* taken: try another */ }
  }
  throw new Error("Cannot find a free loopback port in 20000-32000");
}

/** Every process in the tree rooted at `pid` (itself first), via `/proc/<pid>/task/<tid>/children`. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < 100000) {
    const p = queue.shift()!;
    out.push(p);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (kids) { for (const k of kids.split(/\s+/)) queue.push(Number(k)); }
      } catch { /* exited meanwhile */ }
    }
  }
  return out;
}

function statusField(pid: number, field: string): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKiB(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * `/proc/<pid>/stat` fields after the command name (which may hold spaces): index 0 is the state, 1 the parent,
 * 11-14 utime, stime, cutime, cstime. `null` once the process exited.
 */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on every Linux build in use). */
export const CLK_TCK = 100;

/**
 * CPU seconds (user + system) used so far by the tree rooted at `pid`: each live process's own time, plus the
 * time of the children the root has reaped (sslh-fork and socat fork one per connection). Take it before and
 * after a run: the difference is what the contender spent on it.
 */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (f === null) continue;
    // utime and stime are fields 14 and 15 of the whole line; cutime and cstime 16 and 17.
    ticks += Number(f[11]) + Number(f[12]);
    if (p === pid) ticks += Number(f[13]) + Number(f[14]);
  }
  return ticks / CLK_TCK;
}

/** Memory of a process tree. */
export interface TreeMemory {
  /** Processes in the tree. */
  processes: number;
  /** VmRSS of the root process, KiB. */
  rootRss: number;
  /** Sum of VmRSS over the tree, KiB (counts shared pages once per process). */
  sumRss: number;
  /** Sum of VmHWM (peak RSS) over the tree, KiB. */
  sumHwm: number;
  /** Sum of PSS over the tree, KiB (shared pages split among sharers); only read when `withPss`. */
  sumPss: number;
  /**
   * The figure to compare: root VmRSS for one process; tree PSS when the proxy forks (socat), so that pages
   * shared copy-on-write with the parent are not counted a thousand times.
   */
  kib: number;
}

/** Reads the memory of the tree rooted at `pid`. */
export function treeMemory(pid: number): TreeMemory {
  const pids = processTree(pid);
  let sumRss = 0, sumHwm = 0, sumPss = 0;
  for (const p of pids) {
    sumRss += statusField(p, "VmRSS");
    sumHwm += statusField(p, "VmHWM");
    if (pids.length > 1) sumPss += pssKiB(p);
  }
  const rootRss = statusField(pid, "VmRSS");
  return {
    processes: pids.length,
    rootRss,
    sumRss,
    sumHwm,
    sumPss,
    kib: pids.length > 1 ? sumPss : rootRss,
  };
}
