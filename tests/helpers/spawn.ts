/**
 * Runs pmmux's entry point as a subprocess on the same runtime as the test.
 */
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName } from "../../src/net/mod.ts";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The command line that runs `src/main.ts` with `args` on the current runtime. */
export function mainCommand(args: string[]): [string, string[]] {
  const main = `${ROOT}src/main.ts`;
  return runtimeName() === "bun"
    ? [process.execPath, [main, ...args]]
    : [process.execPath, ["run", "-A", "--unstable-net", main, ...args]];
}

/** Runs pmmux to completion (bounded by `timeout` ms). */
export function runMain(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeout?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const [cmd, argv] = mainCommand(args);
  const r = spawnSync(cmd, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: options.timeout ?? 20000,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * Starts pmmux in the background; resolves once `needle` appears on stderr. `maxOpenFiles` runs it under
 * `ulimit -n` (soft and hard) through `sh`.
 */
export function startMain(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    needle?: string;
    timeout?: number;
    maxOpenFiles?: number;
  } = {},
): Promise<{ stop(signal?: NodeJS.Signals): Promise<number | null>; output(): string; pid: number }> {
  let [cmd, argv] = mainCommand(args);
  if (options.maxOpenFiles !== undefined) {
    argv = ["-c", `ulimit -n ${options.maxOpenFiles} && exec "$@"`, "sh", cmd, ...argv];
    cmd = "sh";
  }
  const child = spawn(cmd, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pmmux did not print ${JSON.stringify(options.needle)} in time; output:\n${out}`));
    }, options.timeout ?? 20000);
    const onData = (d: unknown) => {
      out += String(d);
      if (out.includes(options.needle ?? "Listening on")) {
        clearTimeout(timer);
        resolve({
          pid: child.pid!,
          output: () => out,
          stop: async (signal = "SIGTERM") => {
            // process.kill, not child.kill: Deno's ChildProcess reports any child it signalled as killed by
            // that signal, hiding the real exit code.
            process.kill(child.pid!, signal);
            const t = setTimeout(() => child.kill("SIGKILL"), 15000);
            const code = await exited;
            clearTimeout(t);
            return code;
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pmmux exited with ${code} before it was ready; output:\n${out}`));
    });
  });
}
