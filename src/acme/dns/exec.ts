/**
 * The `exec` DNS provider: runs a user command as `<command> create|delete <name> <value>` (no shell) and
 * waits for it; a non-zero exit or a timeout fails the challenge with the command's last words.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { type DnsProvider, type DnsProviderFactory, requireParam, secondsParam } from "./types.ts";

/** Longest tail of the command's output quoted in an error message. */
const TAIL = 300;

/**
 * `provider=exec,command=/usr/local/bin/dns-hook[,timeout=<seconds, default 120>]`.
 *
 * @example
 * ```ts
 * const dns = execProvider.create({ command: "/usr/local/bin/dns-hook" }, { net, logger });
 * await dns.create("_acme-challenge.example.com", "gfj9Xq...Rg85nM"); // runs: dns-hook create <name> <value>
 * ```
 */
export const execProvider: DnsProviderFactory = {
  name: "exec",
  keys: ["command", "timeout"],
  create(params, services): DnsProvider {
    const command = requireParam(params, "command", "exec");
    const timeout = secondsParam(params, "timeout", 120);
    const log = services.logger;
    const run = (action: "create" | "delete", name: string, value: string) =>
      new Promise<void>((resolve, reject) => {
        log.debug(`Running "${command}" ${action} ${name}`);
        execFile(command, [action, name, value], { timeout, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
          if (!err) return resolve();
          const said = `${String(stderr).trim() || String(stdout).trim()}`.slice(-TAIL);
          const how = (err as { killed?: boolean }).killed
            ? `did not finish within ${timeout / 1000} s`
            : typeof (err as { code?: unknown }).code === "number"
            ? `exited with ${(err as { code: number }).code}`
            : `cannot run: ${err.message}`;
          reject(new Error(`DNS hook "${command} ${action} ${name}" ${how}${said ? `: ${said}` : ""}`));
        });
      });
    return {
      create: (name, value) => run("create", name, value),
      delete: (name, value) => run("delete", name, value),
    };
  },
};
