/**
 * A NAT lab in network namespaces for system tests: `lan` (where pmmux runs) and `wan` (the "internet") joined
 * by `gw`, a router running miniupnpd (UPnP-IGD and NAT-PMP) over nftables, with stund in `wan` so miniupnpd
 * accepts its private WAN address (miniupnpd 2.3 refuses to forward otherwise unless STUN says it is public).
 * Needs root. Every address is inside the namespaces (10.77.x.x); nothing leaves the machine.
 *
 *   lan 10.77.1.2/24 ── 10.77.1.1 gw 10.77.0.1 ── 10.77.0.2 + 10.77.0.3 wan (stund)
 *
 * Cleanup removes the daemons (by pid) and the namespaces, also from a process exit or signal handler.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Addresses of the lab. */
export const LAB = {
  lanHost: "10.77.1.2",
  gatewayLan: "10.77.1.1",
  gatewayWan: "10.77.0.1",
  stunPrimary: "10.77.0.2",
  stunSecondary: "10.77.0.3",
} as const;

/** Programs the lab needs, with the Debian package that has each. */
export const LAB_TOOLS: Record<string, string> = {
  ip: "iproute2",
  nft: "nftables",
  miniupnpd: "miniupnpd",
  upnpc: "miniupnpc",
  natpmpc: "natpmpc",
  stund: "stun-server",
};

/** Why the lab cannot run here, or `undefined` when it can. */
export function labUnavailable(): string | undefined {
  if (process.platform !== "linux") return "needs Linux network namespaces";
  if (process.getuid?.() !== 0) return "needs root (network namespaces, nftables, miniupnpd)";
  return undefined;
}

/** The tools of {@linkcode LAB_TOOLS} that are missing. */
export function missingTools(): string[] {
  return Object.keys(LAB_TOOLS).filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
}

/** Installs the missing tools with apt (root only): `apt-get update` once, then one install. */
export function installTools(missing: string[]): void {
  const packages = [...new Set(missing.map((t) => LAB_TOOLS[t]))];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 300000 });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    env,
    stdio: "ignore",
    timeout: 300000,
  });
}

/** Output of a finished command. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process started in a namespace, with its output collected. */
export interface Started {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** The lab: create with {@linkcode NatLab.create}, always {@linkcode NatLab.destroy}. */
export class NatLab {
  readonly id: string;
  readonly ns: { gw: string; lan: string; wan: string };
  readonly dir: string;
  #daemons = new Map<string, Started>();
  #children = new Set<ChildProcess>();
  #onExit = () => this.#destroySync();
  #onSignal = () => {
    this.#destroySync();
    process.exit(130);
  };

  private constructor() {
    this.id = `pn${process.pid % 100000}`;
    this.ns = { gw: `${this.id}-gw`, lan: `${this.id}-lan`, wan: `${this.id}-wan` };
    this.dir = mkdtempSync(join(tmpdir(), "pmmux-nat-"));
  }

  /** Builds namespaces, links, routes, nftables, stund and miniupnpd; destroys what it made on failure. */
  static async create(): Promise<NatLab> {
    const lab = new NatLab();
    process.once("exit", lab.#onExit);
    process.once("SIGINT", lab.#onSignal);
    process.once("SIGTERM", lab.#onSignal);
    try {
      lab.#build();
      await lab.#startStund();
      await lab.startGateway();
      return lab;
    } catch (err) {
      await lab.destroy();
      throw err;
    }
  }

  #build(): void {
    const { gw, lan, wan } = this.ns;
    const id = this.id;
    const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe", timeout: 10000 });
    for (const n of [gw, lan, wan]) ip("netns", "add", n);
    ip("link", "add", `${id}l`, "type", "veth", "peer", "name", `${id}gl`);
    ip("link", "add", `${id}w`, "type", "veth", "peer", "name", `${id}gw`);
    ip("link", "set", `${id}l`, "netns", lan);
    ip("link", "set", `${id}gl`, "netns", gw);
    ip("link", "set", `${id}w`, "netns", wan);
    ip("link", "set", `${id}gw`, "netns", gw);
    ip("-n", lan, "addr", "add", `${LAB.lanHost}/24`, "dev", `${id}l`);
    ip("-n", gw, "addr", "add", `${LAB.gatewayLan}/24`, "dev", `${id}gl`);
    ip("-n", gw, "addr", "add", `${LAB.gatewayWan}/24`, "dev", `${id}gw`);
    ip("-n", wan, "addr", "add", `${LAB.stunPrimary}/24`, "dev", `${id}w`);
    ip("-n", wan, "addr", "add", `${LAB.stunSecondary}/24`, "dev", `${id}w`);
    for (const n of [gw, lan, wan]) ip("-n", n, "link", "set", "lo", "up");
    ip("-n", lan, "link", "set", `${id}l`, "up");
    ip("-n", gw, "link", "set", `${id}gl`, "up");
    ip("-n", gw, "link", "set", `${id}gw`, "up");
    ip("-n", wan, "link", "set", `${id}w`, "up");
    ip("-n", lan, "route", "add", "default", "via", LAB.gatewayLan);
    execFileSync("ip", ["netns", "exec", gw, "sysctl", "-qw", "net.ipv4.ip_forward=1"], { timeout: 10000 });
    // The chains miniupnpd fills (its defaults for nftables), in one table it is told about.
    const rules = `table inet miniupnpd {
  chain forward { type filter hook forward priority 0; policy drop;
    ct state established,related accept; jump miniupnpd; iifname "${id}gl" oifname "${id}gw" accept; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`;
    writeFileSync(join(this.dir, "miniupnpd.nft"), rules);
    execFileSync("ip", ["netns", "exec", gw, "nft", "-f", join(this.dir, "miniupnpd.nft")], {
      timeout: 10000,
    });
    writeFileSync(
      join(this.dir, "miniupnpd.conf"),
      [
        `ext_ifname=${id}gw`,
        `listening_ip=${id}gl`,
        "http_port=5000",
        "enable_natpmp=yes",
        "enable_upnp=yes",
        "ext_perform_stun=yes",
        `ext_stun_host=${LAB.stunPrimary}`,
        "ext_stun_port=3478",
        "upnp_table_name=miniupnpd",
        "upnp_nat_table_name=miniupnpd",
        "secure_mode=yes",
        "system_uptime=yes",
        "uuid=6b1c4d2e-7f30-4a55-9c61-0d2b8e4f7a19",
        "allow 1024-65535 10.77.1.0/24 1024-65535",
        "deny 0-65535 0.0.0.0/0 0-65535",
        "",
      ].join("\n"),
    );
  }

  async #startStund(): Promise<void> {
    const stund = this.spawnIn(this.ns.wan, "stund", ["-h", LAB.stunPrimary, "-a", LAB.stunSecondary]);
    this.#daemons.set("stund", stund);
    await sleep(300);
    if (stund.child.exitCode !== null) throw new Error(`stund exited at start: ${stund.output()}`);
  }

  /** Starts miniupnpd in `gw` and waits until it forwards (STUN done) and listens, 20 s at most. */
  async startGateway(): Promise<void> {
    if (this.#daemons.has("miniupnpd")) return;
    const daemon = this.spawnIn(this.ns.gw, "miniupnpd", [
      "-d",
      "-f",
      join(this.dir, "miniupnpd.conf"),
      "-P",
      join(this.dir, "miniupnpd.pid"),
    ]);
    this.#daemons.set("miniupnpd", daemon);
    await waitFor(
      () => /Listening for NAT-PMP/.test(daemon.output()) || daemon.child.exitCode !== null,
      20000,
      "miniupnpd to start",
    );
    if (daemon.child.exitCode !== null) throw new Error(`miniupnpd exited at start: ${daemon.output()}`);
    if (!/Port forwarding is now enabled/.test(daemon.output())) {
      throw new Error(`miniupnpd does not forward (STUN failed?): ${daemon.output()}`);
    }
  }

  /** Stops miniupnpd (SIGTERM, then SIGKILL after 5 s); its mappings go with it. */
  async stopGateway(): Promise<void> {
    const daemon = this.#daemons.get("miniupnpd");
    if (!daemon) return;
    this.#daemons.delete("miniupnpd");
    await stop(daemon, "SIGTERM", 5000);
  }

  /** Runs a command in a namespace, killed after `timeout` ms. */
  run(ns: string, command: string, args: string[], timeout = 10000): Promise<Run> {
    const p = this.spawnIn(ns, command, args);
    const timer = setTimeout(() => p.child.kill("SIGKILL"), timeout);
    return p.exited.then((code) => {
      clearTimeout(timer);
      return { code: typeof code === "number" ? code : null, stdout: p.stdoutText(), stderr: p.stderrText() };
    });
  }

  /** Starts a process in a namespace (`ip netns exec` replaces itself with it, so signals reach it). */
  spawnIn(
    ns: string,
    command: string,
    args: string[],
  ): Started & { stdoutText(): string; stderrText(): string } {
    const child = spawn("ip", ["netns", "exec", ns, command, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#children.add(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => out += d);
    child.stderr!.on("data", (d) => err += d);
    const exited = new Promise<number | string>((resolve) => {
      child.on("exit", (code, signal) => {
        this.#children.delete(child);
        resolve(code ?? signal ?? -1);
      });
      child.on("error", (e) => {
        this.#children.delete(child);
        err += String(e);
        resolve(-1);
      });
    });
    return { child, exited, output: () => out + err, stdoutText: () => out, stderrText: () => err };
  }

  /** The mappings miniupnpd holds, as listed by `upnpc -l` from the LAN (lines like `TCP  7000->10.77.1.2:7000`). */
  async upnpList(): Promise<string[]> {
    const r = await this.run(this.ns.lan, "upnpc", ["-i", "-l"], 15000);
    return r.stdout.split("\n").filter((l) => /^\s*\d+\s+(TCP|UDP)\s/.test(l)).map((l) => l.trim());
  }

  /** Sends `message` over TCP from the WAN to `host:port` and returns what came back (bounded). */
  async tcpFromWan(port: number, message: string, host: string = LAB.gatewayWan): Promise<string> {
    const script =
      `exec 3<>/dev/tcp/${host}/${port} || exit 7; printf '%s' "$1" >&3; head -c ${message.length} <&3`;
    const r = await this.run(this.ns.wan, "timeout", ["4", "bash", "-c", script, "tcp", message], 8000);
    return r.stdout;
  }

  /** Sends one UDP datagram from the WAN to `host:port` and returns the answer (bounded). */
  async udpFromWan(port: number, message: string, host: string = LAB.gatewayWan): Promise<string> {
    const script =
      `exec 3<>/dev/udp/${host}/${port} || exit 7; printf '%s' "$1" >&3; head -c ${message.length} <&3`;
    const r = await this.run(this.ns.wan, "timeout", ["4", "bash", "-c", script, "udp", message], 8000);
    return r.stdout;
  }

  /** The same from inside the LAN namespace (to show the local listener works without the router). */
  async tcpFromLan(port: number, message: string): Promise<string> {
    const script =
      `exec 3<>/dev/tcp/${LAB.lanHost}/${port} || exit 7; printf '%s' "$1" >&3; head -c ${message.length} <&3`;
    const r = await this.run(this.ns.lan, "timeout", ["4", "bash", "-c", script, "tcp", message], 8000);
    return r.stdout;
  }

  /** Stops every process it started and deletes the namespaces. Idempotent. */
  async destroy(): Promise<void> {
    for (const child of [...this.#children]) {
      child.kill("SIGTERM");
    }
    const deadline = Date.now() + 5000;
    while (this.#children.size > 0 && Date.now() < deadline) await sleep(50);
    this.#destroySync();
  }

  #destroySync(): void {
    for (const child of [...this.#children]) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }
    this.#children.clear();
    for (const n of Object.values(this.ns)) {
      try {
        execFileSync("ip", ["netns", "del", n], { stdio: "ignore", timeout: 10000 });
      } catch { /* not there */ }
    }
    rmSync(this.dir, { recursive: true, force: true });
    process.removeListener("exit", this.#onExit);
    process.removeListener("SIGINT", this.#onSignal);
    process.removeListener("SIGTERM", this.#onSignal);
  }
}

/** Sends `signal`, waits up to `timeout` ms for the exit, then kills. Resolves with the exit code or signal. */
export async function stop(p: Started, signal: NodeJS.Signals, timeout: number): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  // process.kill, not child.kill: Deno's ChildProcess reports a signal it sent itself as the exit cause even
  // when the process handled it and exited 0.
  process.kill(p.child.pid!, signal);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), timeout);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

/** Polls `condition` every 100 ms; rejects naming `what` after `timeout` ms. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeout: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
