/**
 * An in-memory connected pair of `Conn`s with half-close and bounded buffering, for unit tests of the core
 * without sockets.
 */
import type { Conn, NetAddr } from "../../src/net/types.ts";
import { netAddr } from "../../src/net/types.ts";

class Side implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  peer!: Side;
  queue: Uint8Array[] = [];
  queued = 0;
  eof = false;
  isClosed = false;
  reader: ((v: Uint8Array | null) => void) | undefined;
  drainWaiters: (() => void)[] = [];
  #closedResolve!: () => void;
  readonly closed: Promise<void>;

  constructor(local: NetAddr, remote: NetAddr, readonly highWater: number) {
    this.localAddr = local;
    this.remoteAddr = remote;
    this.closed = new Promise((r) => this.#closedResolve = r);
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queued -= chunk.length;
      this.peer.drainWaiters.splice(0).forEach((w) => w());
      return Promise.resolve(chunk);
    }
    if (this.eof || this.isClosed) return Promise.resolve(null);
    return new Promise((r) => this.reader = r);
  }

  deliver(chunk: Uint8Array): void {
    if (this.reader) {
      const r = this.reader;
      this.reader = undefined;
      r(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.isClosed || this.peer.isClosed) throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
    this.peer.deliver(chunk.slice());
    while (this.peer.queued > this.highWater && !this.peer.isClosed) {
      await new Promise<void>((r) => this.drainWaiters.push(r));
    }
  }

  closeWrite(): Promise<void> {
    this.peer.eof = true;
    if (this.peer.reader) {
      const r = this.peer.reader;
      this.peer.reader = undefined;
      r(null);
    }
    return Promise.resolve();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reader?.(null);
    this.reader = undefined;
    this.drainWaiters.splice(0).forEach((w) => w());
    this.#closedResolve();
    if (!this.peer.isClosed) {
      this.peer.eof = true;
      this.peer.reader?.(null);
      this.peer.reader = undefined;
      this.peer.drainWaiters.splice(0).forEach((w) => w());
    }
  }
}

/** Creates a connected pair: bytes written on `a` are read on `b` and vice versa. */
export function memoryPair(highWater = 65536): [Conn & { queued: number }, Conn & { queued: number }] {
  const a = new Side(netAddr("127.0.0.1", 443), netAddr("10.1.2.3", 50000), highWater);
  const b = new Side(netAddr("10.1.2.3", 50000), netAddr("127.0.0.1", 443), highWater);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Reads a connection to its end and returns every byte. */
export async function readAll(conn: Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
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
