/**
 * Real peers for the system tier, each on a free loopback port inside a {@linkcode Scratch} directory and
 * stopped by its clean-up: sshd (with a throwaway host key and client key pair for root), `openssl s_server`
 * sites, nginx (HTTP, and stream servers that require a PROXY header and print what it said), haproxy, and
 * pmmux itself as a subprocess of the running runtime.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { type Daemon, freePort, runTool, type Scratch, waitForPort, which } from "./daemons.ts";

/** The repository root (pmmux subprocesses run there). */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** A running sshd and the key that logs in as root. */
export interface Sshd {
  port: number;
  /** Runs `ssh ... root@host -p port <command>` with the throwaway key; resolves with its result. */
  login(
    port: number,
    command: string,
    host?: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts sshd on 127.0.0.1 with a generated host key; root may log in with a generated key pair. */
export async function startSshd(s: Scratch): Promise<Sshd> {
  const keygen = which("ssh-keygen")!;
  for (const k of ["host_key", "user_key"]) {
    const r = await runTool(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", s.path(k)]);
    if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  }
  writeFileSync(s.path("authorized_keys"), readFileSync(s.path("user_key.pub")));
  // sshd refuses to start without its privilege separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    s.path("sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${s.path("host_key")}`,
      `PidFile ${s.path("sshd.pid")}`,
      `AuthorizedKeysFile ${s.path("authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  s.daemon("sshd", which("sshd")!, ["-D", "-e", "-f", s.path("sshd_config")]);
  await waitForPort(port, "127.0.0.1", 10000, "sshd");
  const ssh = which("ssh")!;
  return {
    port,
    login: (p, command, host = "127.0.0.1") =>
      runTool(ssh, [
        "-F",
        "/dev/null",
        "-i",
        s.path("user_key"),
        "-p",
        String(p),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=15",
        "-o",
        "LogLevel=ERROR",
        `root@${host}`,
        command,
      ], { timeout: 30000 }),
  };
}

/**
 * Starts `openssl s_server -WWW` for `hostname` (a self-signed certificate for it) serving `/id.txt` =
 * `<name>\n` from its own directory, so a client sees which site answered.
 */
export async function startTlsSite(s: Scratch, name: string, hostname: string): Promise<{ port: number }> {
  const dir = s.path(`site-${name}`);
  mkdirSync(dir);
  writeFileSync(`${dir}/id.txt`, `${name}\n`);
  const openssl = which("openssl")!;
  const r = await runTool(openssl, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    `/CN=${hostname}`,
    "-addext",
    `subjectAltName=DNS:${hostname}`,
    "-days",
    "2",
    "-keyout",
    `${dir}/key.pem`,
    "-out",
    `${dir}/cert.pem`,
  ]);
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  const port = await freePort();
  s.daemon(`s_server ${name}`, openssl, [
    "s_server",
    "-accept",
    `127.0.0.1:${port}`,
    "-cert",
    "cert.pem",
    "-key",
    "key.pem",
    "-WWW",
    "-quiet",
  ], { cwd: dir });
  await waitForPort(port, "127.0.0.1", 10000, `openssl s_server ${name}`);
  return { port };
}

/** nginx servers to configure. */
export interface NginxOptions {
  /** An HTTP server answering every request with `nginx-web\n`. */
  http?: boolean;
  /** Stream servers that require a PROXY header and answer `nginx saw <addr> port <port>\n`. */
  proxyStreams?: readonly string[];
}

/** A running nginx. */
export interface Nginx {
  httpPort: number;
  /** Port per `proxyStreams` host, in order. */
  streamPorts: number[];
  /** Lines of the stream access log: `<proxy_protocol_addr> <proxy_protocol_port> <remote_addr>`. */
  streamLog(): string[];
  daemon: Daemon;
}

/** Starts nginx (single process, foreground) with its own prefix directory. */
export async function startNginx(s: Scratch, options: NginxOptions): Promise<Nginx> {
  const d = s.path("nginx");
  mkdirSync(d);
  const httpPort = options.http ? await freePort() : 0;
  const streams = options.proxyStreams ?? [];
  const streamPorts: number[] = [];
  for (const host of streams) streamPorts.push(await freePort(host));
  const listen = (
    host: string,
    port: number,
  ) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
  const module = "/usr/lib/nginx/modules/ngx_stream_module.so";
  const conf = [
    "daemon off;",
    "master_process off;",
    `pid ${d}/nginx.pid;`,
    `error_log ${d}/error.log info;`,
    streams.length > 0 ? `load_module ${module};` : "",
    "events { worker_connections 64; }",
    "http {",
    `  access_log ${d}/access.log;`,
    `  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi;`,
    `  uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;`,
    options.http
      ? `  server { listen 127.0.0.1:${httpPort}; location / { default_type text/plain; return 200 "nginx-web\\n"; } }`
      : "",
    "}",
    streams.length > 0
      ? [
        "stream {",
        "  log_format pp '$proxy_protocol_addr $proxy_protocol_port $remote_addr';",
        `  access_log ${d}/stream.log pp;`,
        ...streams.map((h, i) =>
          `  server { listen ${
            listen(h, streamPorts[i])
          } proxy_protocol; return "nginx saw $proxy_protocol_addr port $proxy_protocol_port\\n"; }`
        ),
        "}",
      ].join("\n")
      : "",
    "",
  ].join("\n");
  writeFileSync(`${d}/nginx.conf`, conf);
  const daemon = s.daemon("nginx", which("nginx")!, [
    "-p",
    d,
    "-c",
    `${d}/nginx.conf`,
    "-e",
    `${d}/error.log`,
  ]);
  if (options.http) await waitForPort(httpPort, "127.0.0.1", 10000, "nginx");
  for (const [i, h] of streams.entries()) await waitForPort(streamPorts[i], h, 10000, "nginx stream");
  return {
    httpPort,
    streamPorts,
    daemon,
    streamLog() {
      try {
        return readFileSync(`${d}/stream.log`, "utf8").split("\n").filter((l) => l !== "");
      } catch {
        return [];
      }
    },
  };
}

/** Starts haproxy in the foreground with `config` (a full configuration text); waits for `ports`. */
export async function startHaproxy(
  s: Scratch,
  config: string,
  ports: readonly [string, number][],
): Promise<Daemon> {
  const file = s.path("haproxy.cfg");
  writeFileSync(file, config);
  const daemon = s.daemon("haproxy", which("haproxy")!, ["-db", "-f", file]);
  for (const [host, port] of ports) await waitForPort(port, host, 10000, "haproxy");
  return daemon;
}

/** The command line that runs pmmux on the runtime running this test. */
export function pmmuxCommand(args: readonly string[]): [string, string[]] {
  return process.versions.bun
    ? [process.execPath, ["src/main.ts", ...args]]
    : [process.execPath, ["run", "-A", "--unstable-net", "src/main.ts", ...args]];
}

/** Starts pmmux as a subprocess (same runtime as the test) and waits until it listens on `ports`. */
export async function startPmmuxProcess(
  s: Scratch,
  args: readonly string[],
  ports: readonly [string, number][],
): Promise<Daemon> {
  const [cmd, argv] = pmmuxCommand(args);
  const daemon = s.daemon("pmmux", cmd, argv, { cwd: REPO });
  try {
    for (const [host, port] of ports) await waitForPort(port, host, 30000, "pmmux");
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${daemon.output()}`);
  }
  return daemon;
}
