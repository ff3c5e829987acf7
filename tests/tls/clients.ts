/**
 * Real TLS clients for tests, spawned with `node:child_process` (asynchronously: the servers under test often
 * live in the test's own process) and bounded in time.
 */
import { spawn } from "node:child_process";

/** What a client process printed, and how it ended. */
export interface ClientRun {
  out: string;
  code: number | null;
  /** ms from spawn until `until` was seen (or the end). */
  ms: number;
}

/**
 * Runs a client process, writes `input` to it (stdin stays open), and collects stdout and stderr until `until`
 * matches, the process exits, or `timeout` passes; then kills it.
 */
export function runClient(
  cmd: string,
  args: string[],
  options: { input?: string; until?: RegExp; timeout?: number } = {},
): Promise<ClientRun> {
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      resolve({ out, code, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(null), options.timeout ?? 10000);
    const onData = (d: unknown) => {
      out += String(d);
      if (options.until?.test(out)) finish(0);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.stdin!.on("error", () => {});
    child.on("error", (err) => {
      out += String(err);
      finish(null);
    });
    child.on("close", (code) => finish(code));
    if (options.input !== undefined) child.stdin!.write(options.input);
  });
}

/** `openssl s_client` to 127.0.0.1:port; `servername` undefined sends no SNI. */
export function sClient(
  port: number,
  servername: string | undefined,
  options: { extra?: string[]; input?: string; until?: RegExp; timeout?: number } = {},
): Promise<ClientRun> {
  const sni = servername === undefined ? ["-noservername"] : ["-servername", servername];
  return runClient(
    "openssl",
    ["s_client", "-connect", `127.0.0.1:${port}`, ...sni, "-showcerts", ...(options.extra ?? [])],
    options,
  );
}
