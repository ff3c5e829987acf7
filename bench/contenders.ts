/**
 * The contenders: each starts as a plain forwarder from a fresh loopback port to one upstream port, so every
 * measure sees the same job done by a different program. A fresh process is started for every sample (memory
 * figures then start from a clean process, and no sample inherits another's state).
 *
 * @module
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Proc, startProcess, stopProcess, waitListening } from "./procs.ts";
import type { BenchEnv } from "./types.ts";

/** How a contender is started for one sample. */
export interface StartOptions {
  /**
   * What to forward: TCP, or TCP and UDP on the same port number (iperf3's UDP mode keeps a TCP control
   * connection next to its UDP datagrams).
   */
  transport: "tcp" | "tcp+udp";
  /** Upstream port on 127.0.0.1. */
  target: number;
  /**
   * For contenders that `routes`. pmmux: route by `detect=` with five non-matching detectors before the
   * matching backend (`"detect"`), or by the listener's port (`"port"`). A minimal relay: with `"detect"`, wait
   * for the client's first bytes before connecting upstream (what routing by content costs the runtime with
   * no detector at all). @default a single backend without matchers; a relay that connects at once
   */
  routing?: "detect" | "port";
}

/** A started contender. */
export interface Running {
  /** Port the clients connect to. */
  port: number;
  /** Root process id (its tree is measured), `null` for `direct`. */
  pid: number | null;
  /** False once its process has exited (crashed). */
  alive(): boolean;
  /** Stops it and everything it forked. */
  stop(): Promise<void>;
}

/** One program under test. */
export interface Contender {
  /** Name used on the command line (`--contenders=`) and in the table. */
  name: string;
  /** What it is. */
  description: string;
  /** True for the pmmux builds (targets). */
  pmmux: boolean;
  /** True when it honours `StartOptions.routing` (the detection measure): pmmux and the minimal relays. */
  routes: boolean;
  /** Transports it forwards. */
  transports: readonly ("tcp" | "udp")[];
  /** Why it cannot run here, or `null`. */
  unavailable(env: BenchEnv): string | null;
  /** Starts it; resolves once it listens. */
  start(env: BenchEnv, options: StartOptions): Promise<Running>;
}

/** Decoy backends tried before the matching one in the detection measure: each answers "no" to HTTP. */
const DECOYS = ["ssh", "tls", "socks5", "rdp", "mqtt"] as const;

/** pmmux options making it forward `port` to `options.target`. */
export function pmmuxArgs(port: number, options: StartOptions): string[] {
  const target = `target.ip=127.0.0.1,target.port=${options.target}`;
  // A binding without a network protocol covers TCP and UDP.
  const binding = options.transport === "tcp"
    ? `!:${port}:tcp:bind-address=127.0.0.1`
    : `!:${port}:bind-address=127.0.0.1`;
  const args = ["-p", binding, "-v", "warning"];
  if (options.routing === "detect") {
    for (const name of DECOYS) args.push("-b", `decoy-${name}:pass:detect=${name},${target}`);
    args.push("-b", `web:pass:detect=http,${target}`);
  } else if (options.routing === "port") {
    args.push("-b", `web:pass:local-port=${port},${target}`);
  } else {
    args.push("-b", `up:pass:${target}`);
  }
  return args;
}

/** One process to start, and what it must listen on before the contender is ready. */
interface Launch {
  cmd: string;
  args: string[];
  listens: ("tcp" | "udp")[];
}

/** Starts the processes; the first one is the contender's measured process. */
async function launch(env: BenchEnv, name: string, port: number, launches: Launch[]): Promise<Running> {
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of procs) await stopProcess(p);
  };
  try {
    for (const l of launches) {
      const proc = startProcess(name, l.cmd, l.args, { logDir: env.tmp, cwd: env.repo });
      procs.push(proc);
      for (const t of l.listens) await waitListening(proc, port, t);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid: procs[0].pid, alive: () => procs.every((p) => !p.hasExited()), stop };
}

function listens(transport: StartOptions["transport"]): ("tcp" | "udp")[] {
  return transport === "tcp" ? ["tcp"] : ["tcp", "udp"];
}

/** How a program of this repository is started: pmmux with its options, or a minimal relay with two ports. */
type Kind = "pmmux" | "minimal";

/**
 * A contender started from a command line: pmmux (TCP and UDP, `pmmuxArgs`) or a minimal relay of
 * `bench/minimal/` (TCP only, `CMD ARGS LISTEN_PORT UPSTREAM_PORT`). `command` says why it cannot run here.
 */
function commandContender(
  kind: Kind,
  name: string,
  description: string,
  command: (env: BenchEnv) => { cmd: string; args: string[] } | string,
): Contender {
  return {
    name,
    description,
    pmmux: kind === "pmmux",
    routes: true,
    transports: kind === "pmmux" ? ["tcp", "udp"] : ["tcp"],
    unavailable(env) {
      const c = command(env);
      return typeof c === "string" ? c : null;
    },
    start(env, options) {
      const c = command(env);
      if (typeof c === "string") throw new Error(c);
      const port = freePort();
      const args = kind === "pmmux" ? [...c.args, ...pmmuxArgs(port, options)] : [
        ...c.args,
        String(port),
        String(options.target),
        ...(options.routing === "detect" ? ["wait"] : []),
      ];
      return launch(env, name, port, [{ cmd: c.cmd, args, listens: listens(options.transport) }]);
    },
  };
}

/** Path of the compiled binary when present and executable. */
export function binaryPath(repo: string): string | null {
  const p = join(repo, "dist", "pmmux");
  try {
    return existsSync(p) && (statSync(p).mode & 0o111) !== 0 ? p : null;
  } catch {
    return null;
  }
}

function haproxyConfig(port: number, target: number): string {
  // maxconn bounded so that haproxy's FD needs (2 per connection + margin) fit a 20000 ulimit.
  return `# generated by bench/contenders.ts
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
listen forward
  bind 127.0.0.1:${port}
  server upstream 127.0.0.1:${target}
`;
}

function sslhConfig(port: number, target: number): string {
  // log_level 0: no line per connection (the default logs every connection to stderr in foreground mode).
  return `# generated by bench/contenders.ts
foreground: true;
numeric: true;
timeout: 2;
listen: ( { host: "127.0.0.1"; port: "${port}"; } );
protocols: ( { name: "anyprot"; host: "127.0.0.1"; port: "${target}"; log_level: 0; } );
`;
}

/** Every contender, in table order. */
export const CONTENDERS: readonly Contender[] = [
  {
    name: "direct",
    description: "no proxy: the client talks to the upstream",
    pmmux: false,
    routes: false,
    transports: ["tcp", "udp"],
    unavailable: () => null,
    start: (_env, options) =>
      Promise.resolve({ port: options.target, pid: null, alive: () => true, stop: () => Promise.resolve() }),
  },
  {
    name: "haproxy",
    description: "haproxy mode tcp, 1 thread (the reference: ratios are to it)",
    pmmux: false,
    routes: false,
    transports: ["tcp"],
    unavailable: (env) => env.tools.haproxy ? null : "haproxy is not installed",
    start(env, options) {
      const port = freePort();
      const cfg = join(env.tmp, `haproxy-${port}.cfg`);
      writeFileSync(cfg, haproxyConfig(port, options.target));
      return launch(env, "haproxy", port, [{
        cmd: env.tools.haproxy!,
        args: ["-f", cfg, "-db"],
        listens: ["tcp"],
      }]);
    },
  },
  {
    name: "sslh-select",
    description: "sslh-select with a single anyprot target",
    pmmux: false,
    routes: false,
    transports: ["tcp"],
    unavailable: (env) => env.tools["sslh-select"] ? null : "sslh-select is not installed",
    start(env, options) {
      const port = freePort();
      const cfg = join(env.tmp, `sslh-${port}.cfg`);
      writeFileSync(cfg, sslhConfig(port, options.target));
      return launch(env, "sslh-select", port, [{
        cmd: env.tools["sslh-select"]!,
        args: [`-F${cfg}`],
        listens: ["tcp"],
      }]);
    },
  },
  {
    name: "socat",
    description: "socat TCP-LISTEN/UDP-LISTEN with fork (a child per connection or UDP peer)",
    pmmux: false,
    routes: false,
    transports: ["tcp", "udp"],
    unavailable: (env) => env.tools.socat ? null : "socat is not installed",
    start(env, options) {
      const port = freePort();
      const cmd = env.tools.socat!;
      const tcp: Launch = {
        cmd,
        args: [
          `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr,backlog=4096`,
          `TCP:127.0.0.1:${options.target}`,
        ],
        listens: ["tcp"],
      };
      if (options.transport === "tcp") return launch(env, "socat", port, [tcp]);
      // UDP first: it is the measured process; the TCP one only carries iperf3's control connection.
      const udp: Launch = {
        cmd,
        args: [`UDP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UDP:127.0.0.1:${options.target}`],
        listens: ["udp"],
      };
      return launch(env, "socat", port, [udp, tcp]);
    },
  },
  commandContender(
    "minimal",
    "bun-minimal",
    "the smallest Bun relay, bench/minimal/bun_callbacks.ts (the runtime's limit; no routing but waiting for the first bytes in `detect`)",
    (env) =>
      env.tools.bun
        ? { cmd: env.tools.bun, args: ["bench/minimal/bun_callbacks.ts"] }
        : "bun is not installed",
  ),
  commandContender(
    "minimal",
    "deno-minimal",
    "the smallest Deno relay, bench/minimal/deno_loop.ts (the runtime's limit; no routing but waiting for the first bytes in `detect`)",
    () => ({ cmd: Deno.execPath(), args: ["run", "-A", "bench/minimal/deno_loop.ts"] }),
  ),
  commandContender("pmmux", "pmmux-deno", "pmmux on Deno (deno run -A --unstable-net src/main.ts)", () => ({
    cmd: Deno.execPath(),
    args: ["run", "-A", "--unstable-net", "src/main.ts"],
  })),
  commandContender(
    "pmmux",
    "pmmux-bun",
    "pmmux on Bun (bun src/main.ts)",
    (env) => env.tools.bun ? { cmd: env.tools.bun, args: ["src/main.ts"] } : "bun is not installed",
  ),
  commandContender("pmmux", "pmmux-bin", "the compiled binary dist/pmmux", (env) => {
    const p = binaryPath(env.repo);
    return p ? { cmd: p, args: [] } : "dist/pmmux is not built";
  }),
];

/** The runtime the compiled binary was built with (`deno` or `bun`), from `dist/pmmux --version`. */
export async function binaryRuntime(repo: string): Promise<string> {
  const p = binaryPath(repo);
  if (!p) return "";
  try {
    const out = await new Deno.Command(p, { args: ["--version"], stdout: "piped", stderr: "null" }).output();
    const m = new TextDecoder().decode(out.stdout).match(/runtime:\s*(\w+)/);
    return m ? m[1].toLowerCase() : "";
  } catch {
    return "";
  }
}
