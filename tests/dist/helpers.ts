/**
 * Helpers for the distribution tests: build the Bun single binary once per test process (with the same script
 * as `deno task compile:bun`), start pmmux as a child process (binary, `deno run` or `bun`) and wait until its
 * port accepts connections.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { DENO_RUN_FLAGS } from "../../src/cli/install.ts";

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** A built binary. */
export interface Built {
  /** Path of the binary. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Milliseconds the build took. */
  readonly buildMs: number;
}

let building: Promise<Built> | undefined;

/**
 * Builds the binary with `scripts/compile_bun.sh` (as `deno task compile:bun` does) once per test process (the
 * test files of one `deno test`/`bun test` run share it) to `.test-artifacts/dist/pmmux`. It is built under a
 * temporary name and renamed into place, so a concurrent run never sees a half-written file.
 */
export function buildBinary(): Promise<Built> {
  building ??= (async () => {
    const dir = join(ROOT, ".test-artifacts/dist");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "pmmux");
    const temp = `${path}.${process.pid}.tmp`;
    const started = performance.now();
    const result = await runCommand("sh", [join(ROOT, "scripts/compile_bun.sh"), temp], { timeout: 120000 });
    if (result.code !== 0) {
      rmSync(temp, { force: true });
      throw new Error(`Build failed (${result.code}):\n${result.stdout}${result.stderr}`);
    }
    renameSync(temp, path);
    return { path, size: statSync(path).size, buildMs: Math.round(performance.now() - started) };
  })();
  return building;
}

/** The result of a finished command. */
export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and collects its output (rejects after `timeout` ms, killing it). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeout?: number; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => stdout += d);
    child.stderr!.on("data", (d) => stderr += d);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} timed out:\n${stdout}${stderr}`));
    }, options.timeout ?? 30000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end(options.input ?? "");
  });
}

/** A free TCP port on 127.0.0.1 (bound and released; another process could take it in between). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true when 127.0.0.1:port accepts a connection. */
export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, host);
  });
}

/** A pmmux child process. */
export interface RunningMux {
  readonly child: ChildProcess;
  /** Milliseconds from spawn until the port accepted a connection. */
  readonly startupMs: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code and signal. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

/**
 * Starts a pmmux command and resolves once `port` accepts connections (polled every millisecond, so
 * `startupMs` is the start-up time to listening). Rejects with the output when it exits first or after
 * `timeout` ms.
 */
export async function startMux(
  command: readonly string[],
  port: number,
  options: { cwd?: string; env?: Record<string, string | undefined>; timeout?: number; host?: string } = {},
): Promise<RunningMux> {
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => out += d);
  child.stderr!.on("data", (d) => out += d);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  let done: { code: number | null; signal: string | null } | undefined;
  exited.then((r) => done = r);
  const deadline = Date.now() + (options.timeout ?? 15000);
  while (!(await canConnect(port, options.host))) {
    if (done) throw new Error(`pmmux exited (${done.code ?? done.signal}) before listening:\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pmmux did not listen on ${port} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const startupMs = performance.now() - started;
  return {
    child,
    startupMs,
    output: () => out,
    async stop() {
      // process.kill, not child.kill: after child.kill Deno reports the signal even when the child exited 0.
      if (!done) process.kill(child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** The command that runs pmmux from source on `runtime` (Deno with the permissions of `deno task compile`). */
export function sourceCommand(runtime: "deno" | "bun"): string[] {
  const main = join(ROOT, "src/main.ts");
  return runtime === "deno" ? ["deno", "run", ...DENO_RUN_FLAGS, main] : ["bun", main];
}

/** The version in package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
}

/** Sends `data`, half-closes, and resolves with everything received until the peer closes. */
export function exchange(port: number, data: string, timeout = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`No end of reply from port ${port} within ${timeout} ms; got ${JSON.stringify(text)}`),
      );
    }, timeout);
    socket.setEncoding("utf8");
    socket.on("data", (d) => text += d);
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.connect(port, "127.0.0.1", () => socket.end(data));
  });
}

/** Starts a TCP server on 127.0.0.1 that writes `<name>\n`, then echoes until the client finishes. */
export function namedServer(name: string): Promise<{ port: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.write(`${name}\n`);
      socket.pipe(socket);
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({ port: (server.address() as { port: number }).port, close: () => server.close() });
    });
  });
}
