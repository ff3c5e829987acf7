/**
 * `pmmux install` and `pmmux uninstall` (SPEC §18): a systemd service running this pmmux (the single binary,
 * or the runtime and `src/main.ts` when run from source) with the given options.
 *
 * The unit runs as a dynamic user with only `CAP_NET_BIND_SERVICE` (ports below 1024), in the working
 * directory `/var/lib/pmmux` (its state directory: a relative `-c pmmux.toml` or `./acme` lives there) and may
 * write `/var/log/pmmux` (`-d /var/log/pmmux`). With `--root <dir>` the files are written under `<dir>` and
 * systemctl is not run (for tests and image builds).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { ConfigError } from "../config/errors.ts";
import { parseCommand } from "./args.ts";

/** Name of the systemd unit. */
export const UNIT_NAME = "pmmux.service";
/** Where the unit is written (under `--root`). */
export const UNIT_DIR = "/etc/systemd/system";
/** The service's working and state directory. */
export const WORKING_DIRECTORY = "/var/lib/pmmux";

/**
 * Flags pmmux runs with under `deno run` and `deno compile`: the socket API, and exactly the permissions it
 * uses. Read and write are not narrowed because the config file, certificates, ACME storage, log directory
 * and extensions are wherever the user puts them; `sys` is for NAT discovery (`networkInterfaces`) and the
 * root check of `install` (`uid`); `run` is for `install`/`uninstall` (systemctl).
 */
export const DENO_RUN_FLAGS: readonly string[] = Object.freeze([
  "--unstable-net",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=networkInterfaces,uid",
  "--allow-run=systemctl",
]);

/** Options for {@linkcode install} and {@linkcode uninstall} (as parsed by `parseCommand`). */
export interface ServiceOptions {
  /** pmmux options for the service, as one shell-quoted string (`-c "/etc/pmmux/pmmux.toml"`). @default "" */
  readonly arguments?: string;
  /** Write under this directory instead of `/` and do not run systemctl. */
  readonly root?: string;
  /** The program (an absolute path) and leading arguments of `ExecStart`. @default serviceCommand() */
  readonly exec?: readonly string[];
}

/**
 * The command that runs this pmmux: the single binary itself, or the runtime with `src/main.ts` (and, on
 * Deno, {@linkcode DENO_RUN_FLAGS}).
 *
 * @example serviceCommand(); // ["/usr/local/bin/pmmux"]
 */
export function serviceCommand(): string[] {
  const exe = process.execPath;
  const runtime = basename(exe).replace(/\.exe$/i, "");
  if (runtime !== "deno" && runtime !== "bun") return [exe];
  const script = resolve(process.argv[1]);
  return runtime === "deno" ? [exe, "run", ...DENO_RUN_FLAGS, script] : [exe, script];
}

/**
 * Splits a command line the way a POSIX shell does for words: blanks separate, `'...'` is literal, `"..."`
 * keeps blanks (a backslash escapes `"`, `\`, `$` and a backtick there), a backslash outside quotes escapes
 * the next character. No expansion of any kind.
 *
 * @throws {SyntaxError} for an unterminated quote or a trailing backslash
 * @example splitArguments(`-c "/etc/pmmux/my config.toml" -b 'a:pass:x=1'`);
 * // ["-c", "/etc/pmmux/my config.toml", "-b", "a:pass:x=1"]
 */
export function splitArguments(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Unterminated ' in "${text}" at position ${i}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= "";
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) j++;
        word += text[j];
      }
      if (j >= text.length) throw new SyntaxError(`Unterminated " in "${text}" at position ${i}`);
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new SyntaxError(`Trailing backslash in "${text}"`);
      word = (word ?? "") + text[++i];
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Quotes one word for a systemd command line (`ExecStart=`): plain words stay bare; others are double-quoted
 * with `\` and `"` escaped. `%` (specifiers) and `$` (variables) are doubled so the word arrives unchanged.
 *
 * @example quoteExecArg("regex:api\\.example"); // "\"regex:api\\\\.example\""
 */
export function quoteExecArg(word: string): string {
  const escaped = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./!?-]+$/.test(word)) return escaped;
  return `"${escaped.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

/**
 * Renders the systemd unit.
 *
 * @param command program (an absolute path) and leading arguments (`serviceCommand()`)
 * @param args pmmux options, one word each
 * @example renderUnit(["/usr/local/bin/pmmux"], ["-c", "pmmux.toml"]);
 */
export function renderUnit(command: readonly string[], args: readonly string[]): string {
  const exec = [...command, ...args].map(quoteExecArg).join(" ");
  return `# Written by pmmux install; pmmux uninstall removes it.
[Unit]
Description=pmmux port multiplexer
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${exec}
WorkingDirectory=${WORKING_DIRECTORY}
StateDirectory=${basename(WORKING_DIRECTORY)}
LogsDirectory=pmmux
Restart=on-failure
RestartSec=2s
TimeoutStopSec=30s
DynamicUser=yes
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
`;
}

/** Thrown when the service cannot be installed or removed (exit code 1). */
export class ServiceError extends Error {
  override name = "ServiceError";
}

/**
 * Installs the service: writes the unit and the working directory, then `systemctl daemon-reload` and
 * `systemctl enable --now pmmux.service` (not under `--root`); a reinstall restarts the service so that the
 * new command line applies. Returns the exit code and prints what it did; errors as `pmmux: <message>`.
 *
 * @returns 0 on success, 1 when not root, without systemd or when systemctl fails, 2 for bad `--arguments`
 */
export function install(options: ServiceOptions): number {
  return report(() => {
    let args: string[];
    try {
      args = splitArguments(options.arguments ?? "");
      const parsed = parseCommand(args);
      if (parsed.command !== "run") {
        throw new ConfigError(`expected options for running pmmux, got the command "${parsed.command}"`);
      }
    } catch (err) {
      throw new ConfigError(`Invalid --arguments "${options.arguments}": ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (options.root === undefined) requireSystemd("install");
    const root = options.root ?? "/";
    const unitPath = join(root, UNIT_DIR, UNIT_NAME);
    const unit = renderUnit(options.exec ?? serviceCommand(), args);
    mkdirSync(join(root, WORKING_DIRECTORY), { recursive: true, mode: 0o755 });
    mkdirSync(dirname(unitPath), { recursive: true, mode: 0o755 });
    const existed = existsSync(unitPath);
    const temp = `${unitPath}.tmp-${process.pid}`;
    writeFileSync(temp, unit, { mode: 0o644 });
    renameSync(temp, unitPath);
    console.log(`Wrote ${unitPath}`);
    console.log(unit.split("\n").find((l) => l.startsWith("ExecStart=")));
    if (options.root !== undefined) {
      console.log("Not enabling the service: --root was given");
      return;
    }
    systemctl("daemon-reload");
    systemctl("enable", "--now", UNIT_NAME);
    // A reinstall changes the command line: a running service must restart to use it.
    if (existed) systemctl("restart", UNIT_NAME);
    console.log(
      `Enabled and ${
        existed ? "restarted" : "started"
      } ${UNIT_NAME} (working directory ${WORKING_DIRECTORY}); ` +
        "see systemctl status pmmux",
    );
  });
}

/**
 * Uninstalls the service: `systemctl disable --now pmmux.service`, removes the unit, `systemctl
 * daemon-reload` (only the file removal under `--root`). The working directory is kept (it may hold ACME
 * certificates and the config file).
 *
 * @returns 0 on success, 1 when not root, without systemd, not installed or when systemctl fails
 */
export function uninstall(options: Pick<ServiceOptions, "root">): number {
  return report(() => {
    if (options.root === undefined) requireSystemd("uninstall");
    const unitPath = join(options.root ?? "/", UNIT_DIR, UNIT_NAME);
    if (!existsSync(unitPath)) throw new ServiceError(`${UNIT_NAME} is not installed: no file "${unitPath}"`);
    if (options.root === undefined) systemctl("disable", "--now", UNIT_NAME);
    rmSync(unitPath);
    console.log(`Removed ${unitPath}`);
    if (options.root === undefined) {
      systemctl("daemon-reload");
      console.log(`Stopped and disabled ${UNIT_NAME}; ${WORKING_DIRECTORY} is kept`);
    }
  });
}

function requireSystemd(command: string): void {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0) {
    throw new ServiceError(
      `pmmux ${command} must run as root (uid is ${uid}): it writes ${UNIT_DIR}/${UNIT_NAME} and runs ` +
        `systemctl; use --root <dir> to only write the files`,
    );
  }
  if (!existsSync("/run/systemd/system")) {
    throw new ServiceError(
      `Cannot ${command} the service: systemd is not running here (no "/run/systemd/system"); ` +
        `use --root <dir> to only write the files`,
    );
  }
}

function systemctl(...args: string[]): void {
  const result = spawnSync("systemctl", args, { encoding: "utf8" });
  if (result.error) {
    throw new ServiceError(`Cannot run "systemctl ${args.join(" ")}": ${result.error.message}`);
  }
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || "").trim() || `exit status ${result.status}`;
    throw new ServiceError(`"systemctl ${args.join(" ")}" failed: ${detail}`);
  }
}

function report(action: () => void): number {
  try {
    action();
    return 0;
  } catch (err) {
    console.error(`pmmux: ${(err as Error).message}`);
    return err instanceof ConfigError ? 2 : 1;
  }
}
