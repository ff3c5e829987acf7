/**
 * Helpers of the system tier: real daemons (sshd, nginx, haproxy, openssl s_server) started on free loopback
 * ports with `node:child_process`, stopped by their own pid, every wait bounded in time; skip reasons when the
 * machine lacks root or a binary.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { connect, net } from "../../helpers/net.ts";

const PATH_DIRS = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** Absolute path of an executable, or undefined. */
export function which(bin: string): string | undefined {
  for (const dir of PATH_DIRS) {
    if (!dir) continue;
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not here */ }
  }
  return undefined;
}

/**
 * Why a system test cannot run here (not root, a binary missing), printed once; undefined when it can.
 * Install the peers with `.ci/apt-deps` (or `apt-get install openssh-server openssh-client openssl curl
 * haproxy nginx libnginx-mod-stream socat`).
 */
export function skipReason(what: string, bins: readonly string[]): string | undefined {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = "needs root";
  const missing = bins.filter((b) => !which(b));
  if (missing.length > 0) reason = `${reason ? `${reason}; ` : ""}missing ${missing.join(", ")}`;
  if (reason) console.log(`SKIP ${what}: ${reason}`);
  return reason;
}

/** A running daemon. */
export interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves once it exited (at most ~3 s). */
  stop(): Promise<void>;
}

/** Starts a long-running process; its output is collected. */
export function startDaemon(
  name: string,
  cmd: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Daemon {
  const child = spawn(cmd, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d) => out += String(d));
  child.stderr?.on("data", (d) => out += String(d));
  child.on("error", (err) => out += `\n[spawn error] ${err.message}`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    name,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGTERM");
        } catch { /* already gone */ }
        let t: ReturnType<typeof setTimeout> | undefined;
        const killed = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((r) => t = setTimeout(() => r(true), 2000)),
        ]);
        clearTimeout(t);
        if (killed) {
          try {
            process.kill(child.pid, "SIGKILL");
          } catch { /* already gone */ }
          await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
        }
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

/** Result of {@linkcode runTool}. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeout` ms), optionally feeding `input` on stdin. */
export function runTool(
  cmd: string,
  args: readonly string[],
  options: { input?: string; timeout?: number; cwd?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeout ?? 20000, cwd: options.cwd, maxBuffer: 4 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err
          ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : null)
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** A free TCP port on `hostname` (bound and released; good enough on a quiet loopback). */
export async function freePort(hostname = "127.0.0.1"): Promise<number> {
  const l = await (await net()).listenTcp({ hostname, port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Waits until a TCP connect to `hostname:port` succeeds; throws after `ms` naming what was awaited. */
export async function waitForPort(
  port: number,
  hostname = "127.0.0.1",
  ms = 10000,
  what = "a server",
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const c = await connect(port, hostname);
      c.close();
      return;
    } catch (err) {
      if (Date.now() > until) {
        throw new Error(
          `${what} did not listen on ${hostname}:${port} within ${ms} ms: ${(err as Error).message}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A temporary directory and a stack of clean-up steps run in reverse order, each failure ignored. */
export class Scratch {
  readonly dir: string;
  #steps: (() => unknown)[] = [];

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `pmmux-${prefix}-`));
    this.#steps.push(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  /** A path inside the directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Registers a clean-up step. */
  defer(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Starts a daemon that is stopped at clean-up. */
  daemon(name: string, cmd: string, args: readonly string[], options: { cwd?: string } = {}): Daemon {
    const d = startDaemon(name, cmd, args, options);
    this.defer(() => d.stop());
    return d;
  }

  /** Runs every step, newest first. */
  async cleanup(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch { /* keep cleaning */ }
    }
  }
}
