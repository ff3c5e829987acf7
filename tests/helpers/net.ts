/**
 * Test helpers over real loopback sockets: named echo servers (they greet with their name, so a test sees which
 * backend was chosen), clients, and an in-process pmmux on the running runtime's adapter.
 */
import { runtimeAdapter } from "../../src/net/mod.ts";
import { errorCode } from "../../src/net/errors.ts";
import type { Conn, NetAdapter, TcpListener } from "../../src/net/types.ts";
import { App, type AppOptions } from "../../src/app.ts";
import { createLogger, type Logger, memorySink } from "../../src/logging/logger.ts";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.ts";
import { parseBackendSpec } from "../../src/config/spec.ts";

let cached: NetAdapter | undefined;
/** The running runtime's adapter. */
export async function net(): Promise<NetAdapter> {
  return cached ??= await runtimeAdapter();
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** A TCP server for tests. */
export interface TestServer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): void;
}

/**
 * Starts a server that writes `<name>\n` on accept, then echoes every byte; on client FIN it sends FIN.
 */
export async function namedEcho(
  name: string,
  options: { greet?: boolean; port?: number } = {},
): Promise<TestServer> {
  return serve(
    async (conn) => {
      if (options.greet !== false) await conn.write(enc.encode(`${name}\n`));
      for (;;) {
        const c = await conn.read();
        if (c === null) break;
        await conn.write(c);
      }
      await conn.closeWrite();
    },
    "127.0.0.1",
    options.port,
  );
}

/** Starts a TCP server on 127.0.0.1 running `handler` per connection (errors swallowed, conn closed after). */
export async function serve(
  handler: (conn: Conn) => Promise<void>,
  hostname = "127.0.0.1",
  port = 0,
): Promise<TestServer> {
  const n = await net();
  const listener: TcpListener = await n.listenTcp({ hostname, port });
  const server: TestServer = { port: listener.addr.port, accepted: 0, close: () => listener.close() };
  (async () => {
    for (;;) {
      const conn = await listener.accept();
      if (!conn) return;
      server.accepted++;
      handler(conn).catch(() => {}).finally(() => conn.close());
    }
  })();
  return server;
}

/** Connects to 127.0.0.1:port. */
export async function connect(port: number, hostname = "127.0.0.1"): Promise<Conn> {
  return (await net()).connectTcp({ hostname, port });
}

/** Reads to EOF (or until `max` bytes) and returns the bytes. */
export async function readAll(conn: Conn, max = Infinity): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < max) {
    const c = await conn.read();
    if (c === null) break;
    parts.push(c.slice());
    n += c.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads until the text received so far contains `needle`; rejects after `ms`. */
export async function readUntil(conn: Conn, needle: string, ms = 5000): Promise<string> {
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes(needle)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`Timed out waiting for ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`);
    }
    let t: ReturnType<typeof setTimeout> | undefined;
    const c = await Promise.race([
      conn.read(),
      new Promise<"timeout">((r) => t = setTimeout(() => r("timeout"), left)),
    ]);
    clearTimeout(t);
    if (c === "timeout") continue;
    if (c === null) throw new Error(`EOF waiting for ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`);
    text += dec.decode(c, { stream: true });
  }
  return text;
}

/** Sends `data`, half-closes, and returns everything the peer sends until EOF. */
export async function exchange(port: number, data: string | Uint8Array): Promise<string> {
  const c = await connect(port);
  try {
    await c.write(typeof data === "string" ? enc.encode(data) : data);
    await c.closeWrite();
    return dec.decode(await readAll(c));
  } finally {
    c.close();
  }
}

/** An in-process pmmux for tests. */
export interface TestMux {
  app: App;
  /** Port of the first TCP listener. */
  port: number;
  /** Port of the first UDP listener (when one was asked). */
  udpPort: number;
  logs: string[];
  metrics: Metrics;
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Starts pmmux with backend spec strings on 127.0.0.1 (a free port, TCP and/or UDP).
 */
export async function startMux(
  backends: string[],
  options: Partial<AppOptions> & {
    transports?: ("tcp" | "udp")[];
    level?: "debug" | "information" | "warning";
    /** The socket adapter pmmux uses (a wrapper that injects failures); the runtime's by default. */
    net?: NetAdapter;
  } = {},
): Promise<TestMux> {
  const sink = memorySink();
  const logger = createLogger({ level: options.level ?? "debug", sinks: [sink] });
  const metrics = createMetrics();
  const app = new App(
    {
      backends: backends.map(parseBackendSpec),
      listeners: [],
      shutdownGrace: 500,
      ...options,
    },
    { net: options.net ?? await net(), logger, metrics },
  );
  let port = 0;
  let udpPort = 0;
  // UDP binds the TCP listener's port number, which another socket may hold for UDP: then try another.
  for (let attempt = 1;; attempt++) {
    const opened: number[] = [];
    try {
      for (const t of options.transports ?? ["tcp"]) {
        const l = await app.listeners.open({
          transport: t,
          hostname: "127.0.0.1",
          port: t === "udp" ? port : 0,
        });
        opened.push(l.id);
        if (t === "tcp") port = l.addr.port;
        else udpPort = l.addr.port;
      }
      break;
    } catch (err) {
      for (const id of opened) app.listeners.close(id);
      if (attempt >= 5 || errorCode((err as Error).cause) !== "EADDRINUSE") throw err;
    }
  }
  return { app, port, udpPort, logs: sink.lines, metrics, logger, stop: () => app.stop(500) };
}

/** Waits until `cond()` is true or fails after `ms`. */
export async function waitFor(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A UDP socket for tests that collects what it receives. */
export interface TestUdp {
  port: number;
  received: { data: Uint8Array; from: { ip: string; port: number } }[];
  send(data: Uint8Array | string, port: number): boolean;
  /** Resolves with the next datagram (or rejects after `ms`). */
  next(ms?: number): Promise<Uint8Array>;
  close(): void;
}

/** Binds a UDP socket on 127.0.0.1; with `echoName`, it answers every datagram with `<name>:` + the datagram. */
export async function udpSocket(options: { echoName?: string; echo?: boolean } = {}): Promise<TestUdp> {
  const n = await net();
  const received: TestUdp["received"] = [];
  const waiters: ((d: Uint8Array) => void)[] = [];
  let sock: Awaited<ReturnType<NetAdapter["bindUdp"]>> | undefined;
  sock = await n.bindUdp({
    hostname: "127.0.0.1",
    port: 0,
    onMessage(data, from) {
      if (options.echoName !== undefined || options.echo) {
        const prefix = options.echoName !== undefined
          ? enc.encode(`${options.echoName}:`)
          : new Uint8Array(0);
        const out = new Uint8Array(prefix.length + data.length);
        out.set(prefix);
        out.set(data, prefix.length);
        sock?.send(out, from);
        return;
      }
      const w = waiters.shift();
      if (w) w(data);
      else received.push({ data, from });
    },
  });
  const s = sock;
  return {
    port: s.addr.port,
    received,
    send: (data, port) =>
      s.send(typeof data === "string" ? enc.encode(data) : data, { ip: "127.0.0.1", port, family: "ipv4" }),
    next(ms = 3000) {
      const early = received.shift();
      if (early) return Promise.resolve(early.data);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(done);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`No datagram within ${ms} ms`));
        }, ms);
        const done = (d: Uint8Array) => {
          clearTimeout(t);
          resolve(d);
        };
        waiters.push(done);
      });
    },
    close: () => s.close(),
  };
}
