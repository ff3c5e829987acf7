/**
 * Helpers of the socket adapter conformance suite: bounded reads, an echo server, timeouts.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Conn, NetAdapter, NetAddr, TcpListener } from "../../src/net/types.ts";

/** Makes the adapter under test; called once per test. */
export type MakeAdapter = () => NetAdapter | Promise<NetAdapter>;

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** Rejects when `promise` takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads to end of stream (copying chunks), failing past `limit` bytes. */
export async function readAll(conn: Conn, limit = 16 * MiB): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
    parts.push(chunk.slice());
    size += chunk.length;
    if (size > limit) throw new Error(`Read more than ${limit} bytes`);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** Reads exactly `n` bytes (fails at EOF before). */
export async function readExactly(conn: Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const chunk = await conn.read();
    if (chunk === null) throw new Error(`EOF after ${got} of ${n} bytes`);
    out.set(chunk.subarray(0, n - got), got);
    got += chunk.length;
  }
  return out;
}

/** A loopback echo server: echoes until EOF, then sends FIN. */
export interface EchoServer {
  readonly listener: TcpListener;
  readonly port: number;
  /** Every accepted connection. */
  readonly conns: Conn[];
  /** Connections whose echo failed. */
  errors: number;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

/** Starts an {@linkcode EchoServer}. */
export async function startEcho(net: NetAdapter, hostname = "127.0.0.1"): Promise<EchoServer> {
  const listener = await net.listenTcp({ hostname, port: 0 });
  const server: EchoServer = {
    listener,
    port: listener.addr.port,
    conns: [],
    errors: 0,
    async stop() {
      listener.close();
      await within(acceptLoop, 2000, "accept loop ends once the listener is closed");
      for (const conn of server.conns) conn.close();
      await sleep(10);
    },
  };
  const pump = async (conn: Conn) => {
    try {
      for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) await conn.write(chunk);
      await conn.closeWrite();
    } catch {
      server.errors++;
      conn.close();
    }
  };
  const acceptLoop = (async () => {
    for (let conn = await listener.accept(); conn !== null; conn = await listener.accept()) {
      server.conns.push(conn);
      pump(conn);
    }
  })().catch(() => server.errors++);
  return server;
}

/** Connects to `listener` on loopback and accepts: `[client, server]`, within 5 s. */
export async function connectPair(net: NetAdapter, listener: TcpListener): Promise<[Conn, Conn]> {
  const client = await within(
    net.connectTcp({ hostname: "127.0.0.1", port: listener.addr.port }),
    5000,
    "connect",
  );
  const server = await within(listener.accept(), 5000, "accept");
  assert.ok(server !== null, "listener closed");
  return [client, server];
}

/** A free loopback TCP port (bound, then released). */
export async function freePort(net: NetAdapter): Promise<number> {
  const listener = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await sleep(20);
  return port;
}

/** Asserts an address is `ip` of `family` with a valid port. */
export function assertAddr(addr: NetAddr, ip: string, family: "ipv4" | "ipv6"): void {
  assert.equal(addr.ip, ip);
  assert.equal(addr.family, family);
  assert.ok(addr.port > 0 && addr.port < 65536, `port ${addr.port}`);
}

/** Byte-wise equality; `assert.deepEqual` on large arrays takes minutes to describe a mismatch. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Asserts two lists of byte arrays are equal, with a short message on mismatch. */
export function assertSameBytes(actual: Uint8Array[], expected: Uint8Array[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(sameBytes(actual[i], expected[i]), `${what}: #${i} differs (${actual[i].length} bytes)`);
  }
}
