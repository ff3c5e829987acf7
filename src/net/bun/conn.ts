/**
 * A Bun TCP socket as a pull-based {@linkcode Conn}: Bun pushes chunks through callbacks, `read()` pulls them.
 *
 * @module
 */
import type { BunSocket } from "./bun_types.d.ts";
import {
  type ChunkReader,
  type Conn,
  formatAddr,
  type NetAddr,
  netAddr,
  type SpliceStats,
} from "../types.ts";
import { errorCode, type NetError, netError } from "../errors.ts";
import { ClosedOnce } from "../closed_once.ts";
import { ChunkQueue } from "../chunk_queue.ts";

/** Queued bytes past which the socket stops reading, so a slow consumer bounds memory. */
const HIGH_WATER = 256 * 1024;
/** Queued bytes under which a paused socket reads again. */
const LOW_WATER = 64 * 1024;
const DONE: Promise<void> = Promise.resolve();

/** Two Bun sockets relaying to each other inside their callbacks (see {@linkcode BunConn.splice}). */
interface SpliceLink {
  readonly a: BunConn;
  readonly b: BunConn;
  readonly stats: SpliceStats;
  readonly onDone: () => void;
  finished: boolean;
}

/**
 * A {@linkcode Conn} over a half-open Bun socket. Bun hands every `data` callback a fresh buffer (measured on
 * Bun 1.4), so chunks are queued without copying. `closed` resolves on Bun's `close` callback or on `close()`.
 */
export class BunConn extends ClosedOnce implements Conn {
  #remote: NetAddr | undefined;
  #local: NetAddr | undefined;
  /** An accepted socket's listener address (a wildcard one's port is every accepted socket's local port). */
  readonly #listener: NetAddr | undefined;
  #socket: BunSocket<unknown>;
  #queue: ChunkQueue;
  #eof = false;
  #readError: NetError | null = null;
  #rest: Uint8Array | null = null;
  #writer: PromiseWithResolvers<void> | null = null;
  #finWaiter: PromiseWithResolvers<void> | null = null;
  #finSent = false;
  #lastError: Error | undefined;
  #socketClosed = false;
  #isClosed = false;
  /** Set while spliced: the pair, the other socket, and which side of the pair this is. */
  #link: SpliceLink | null = null;
  #peer: BunConn | null = null;
  #isA = false;
  /** Spliced: chunks from the peer that this socket has not taken yet (the peer is paused meanwhile). */
  #out: Uint8Array[] | null = null;
  /** Spliced: the peer has ended; send FIN once `#out` is written. */
  #finAfterOut = false;

  /**
   * Wraps a socket in its `open` callback. The caller gives what it knows without asking: a connected
   * socket's remote endpoint (the IP literal it connected to, or read at `open`), an accepted socket's listener
   * address (its local endpoint when bound to one IP, its local port always). The rest is read on first use
   * (see {@linkcode BunConn.localAddr} and {@linkcode BunConn.remoteAddr}): each of Bun's address getters is a
   * system call, and after a close Bun reports none.
   *
   * TCP_NODELAY is on without asking: Bun's socket layer sets it on every socket it accepts, and on every
   * socket it connects both when connecting and at `open` (`strace`: one `setsockopt` after `accept4`, two
   * for a connect). Setting it again here was two more system calls per proxied connection.
   * `tests/net/conformance.ts` checks that small writes are not held back on either kind of connection.
   */
  constructor(socket: BunSocket<unknown>, remote: NetAddr | undefined, listener?: NetAddr) {
    super();
    this.#socket = socket;
    this.#remote = remote;
    this.#listener = listener;
    if (listener !== undefined && !isWildcard(listener.ip)) this.#local = listener;
    this.#queue = new ChunkQueue(HIGH_WATER, LOW_WATER, socket);
  }

  /**
   * The local endpoint. Unless given at construction it is read from the socket on first use: nothing in the
   * router asks for an outgoing connection's own address, and reading it (two system calls and two strings)
   * was about 1 µs of a proxied connection's ~70 µs of CPU on Bun (bench/README.md). Asked for the first time
   * after the socket closed, when Bun no longer knows it, it is the unspecified address of the remote's family
   * with port 0.
   */
  get localAddr(): NetAddr {
    if (this.#local !== undefined) return this.#local;
    const listener = this.#listener;
    return this.#local = listener !== undefined
      ? readEndpoint(this.#socket.localAddress, listener.port, listener)
      : readEndpoint(this.#socket.localAddress, this.#socket.localPort, unspecified(this.#remote));
  }

  /** An accepted socket's local port (its listener's), known without a system call; see `Conn.localPort`. */
  get localPort(): number | undefined {
    return this.#local?.port ?? this.#listener?.port;
  }

  /**
   * The remote endpoint. An accepted socket's is read from the socket on first use: routing by port, with
   * nothing that logs or limits by the client, never asks, and reading it (two `getpeername` calls and a
   * string) was about 3% of the new connections/s on Bun (bench/README.md). Read it while the connection is
   * open; asked for the first time after the socket closed, it is the unspecified address of the local
   * endpoint's family with port 0.
   */
  get remoteAddr(): NetAddr {
    return this.#remote ??= readEndpoint(
      this.#socket.remoteAddress,
      this.#socket.remotePort,
      unspecified(this.#local ?? this.#listener),
    );
  }

  /** Resolves with the next queued chunk, `null` at end of stream or after `close()`. */
  read(): Promise<Uint8Array | null> {
    const now = this.#readNow();
    if (now === undefined) return this.#queue.wait();
    return now instanceof Error ? Promise.reject(now) : Promise.resolve(now);
  }

  /**
   * {@linkcode BunConn.read} with a callback: a queued chunk, the end or a read error is given at once, the
   * next chunk from the `data` callback itself (see `Conn.readThen`).
   */
  readThen(reader: ChunkReader): void {
    const now = this.#readNow();
    if (now === undefined) this.#queue.waitWith(reader);
    else if (now instanceof Error) reader.failed(now);
    else reader.chunk(now);
  }

  /** What a read gets without waiting: a queued chunk, `null` (the end), the read error, or `undefined`. */
  #readNow(): Uint8Array | null | NetError | undefined {
    if (this.#isClosed) return null;
    const chunk = this.#queue.shift();
    if (chunk !== undefined) return chunk;
    const error = this.#readError;
    if (error !== null) {
      this.#readError = null;
      return error;
    }
    return this.#eof ? null : undefined;
  }

  /** Writes what the kernel takes now and the rest on `drain`; resolves once all of it is written. */
  write(chunk: Uint8Array): Promise<void> {
    if (this.#isClosed || this.#socketClosed || this.#finSent) return Promise.reject(this.#writeError());
    const written = this.#socket.write(chunk);
    if (written === chunk.length) return DONE;
    if (written < 0) return Promise.reject(this.#writeError());
    this.#rest = written === 0 ? chunk : chunk.subarray(written);
    this.#writer = Promise.withResolvers<void>();
    return this.#writer.promise;
  }

  /** Sends FIN once the pending write is done; never rejects. */
  closeWrite(): Promise<void> {
    if (this.#finSent || this.#isClosed || this.#socketClosed) return DONE;
    if (this.#rest === null) {
      this.#finSent = true;
      this.#socket.shutdown();
      return DONE;
    }
    this.#finWaiter ??= Promise.withResolvers<void>();
    return this.#finWaiter.promise;
  }

  /** Closes both directions at once (graceful FIN; Bun runs the `close` callback synchronously). */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#queue.clear();
    if (!this.#socketClosed) this.#socket.end();
    this.#settle(null);
    if (this.#link !== null) this.#finishSplice(this.#link);
  }

  /**
   * Relays to another Bun socket from inside the callbacks: each `data` chunk is written to the peer at once,
   * what the peer does not take is kept and the source paused until `drain`. Chunks queued before the call
   * (and `head`) are written first. `false` when `other` is not a Bun socket or a read or write is pending.
   */
  splice(other: Conn, stats: SpliceStats, head: Uint8Array | undefined, onDone: () => void): boolean {
    if (!(other instanceof BunConn) || other === this) return false;
    if (!this.#spliceable() || !other.#spliceable()) return false;
    const link: SpliceLink = { a: this, b: other, stats, onDone, finished: false };
    this.#link = other.#link = link;
    this.#peer = other;
    other.#peer = this;
    this.#isA = true;
    if (head !== undefined && head.length > 0) {
      stats.aToB += head.length;
      stats.chunks++;
      other.#spliceWrite(head, this);
    }
    this.#takeQueued();
    other.#takeQueued();
    return true;
  }

  #spliceable(): boolean {
    return !this.#isClosed && !this.#socketClosed && this.#link === null && this.#writer === null &&
      this.#finWaiter === null && !this.#queue.waiting && this.#readError === null;
  }

  /** Splice start: what this socket queued for `read()` goes to the peer, then its FIN if it came. */
  #takeQueued(): void {
    if (this.#link === null) return; // the other side's start already finished the pair
    for (let chunk = this.#queue.shift(); chunk !== undefined; chunk = this.#queue.shift()) {
      this.#forward(chunk);
    }
    if (this.#eof) this.#ended();
  }

  /** Spliced: counts a chunk read from this socket and writes it to the peer. */
  #forward(chunk: Uint8Array): void {
    const link = this.#link!;
    if (this.#isA) link.stats.aToB += chunk.length;
    else link.stats.bToA += chunk.length;
    link.stats.chunks++;
    this.#peer!.#spliceWrite(chunk, this);
  }

  /** Spliced: writes a chunk from `source`; what the kernel does not take waits for `drain`, `source` paused. */
  #spliceWrite(chunk: Uint8Array, source: BunConn): void {
    if (this.#out !== null && this.#out.length > 0) {
      this.#out.push(chunk);
      // Normally paused already; but draining its read queue at splice start may have resumed it.
      source.#socket.pause();
      return;
    }
    const written = this.#socketClosed || this.#isClosed ? -1 : this.#socket.write(chunk);
    if (written === chunk.length) return;
    if (written < 0) {
      this.#failSplice();
      return;
    }
    (this.#out ??= []).push(written === 0 ? chunk : chunk.subarray(written));
    source.#socket.pause();
  }

  /** Spliced: this socket ended (FIN or closed): the peer gets FIN after what it still has to write. */
  #ended(): void {
    const link = this.#link!;
    if (link.stats.firstEnd === "") link.stats.firstEnd = this.#isA ? "a" : "b";
    const peer = this.#peer!;
    if (peer.#out !== null && peer.#out.length > 0) peer.#finAfterOut = true;
    else peer.#sendFin();
  }

  #sendFin(): void {
    const link = this.#link!;
    const { a, b } = link;
    const first = !this.#finSent;
    this.#finSent = true;
    if (a.#eof && a.#finSent && b.#eof && b.#finSent) {
      // The last direction: closing sends this FIN (both ends are read to the end, so it is not a reset),
      // one system call instead of a shutdown and then a close.
      this.#finishSplice(link);
    } else if (first && !this.#socketClosed && !this.#isClosed) this.#socket.shutdown();
  }

  #failSplice(): void {
    const link = this.#link;
    if (link === null) return;
    link.stats.failed = true;
    this.#finishSplice(link);
  }

  #finishSplice(link: SpliceLink): void {
    if (link.finished) return;
    link.finished = true;
    link.a.#unlink();
    link.b.#unlink();
    link.a.close();
    link.b.close();
    link.onDone();
  }

  #unlink(): void {
    this.#link = null;
    this.#peer = null;
    this.#out = null;
  }

  /** @internal `data` callback. */
  onData(chunk: Uint8Array): void {
    if (this.#isClosed) return;
    if (this.#link !== null) this.#forward(chunk);
    else this.#queue.push(chunk);
  }

  /** @internal `drain` callback: writes the rest of the pending chunk. */
  onDrain(): void {
    if (this.#link !== null) {
      this.#drainSplice();
      return;
    }
    const rest = this.#rest;
    if (rest === null) return;
    const written = this.#socket.write(rest);
    if (written < rest.length) {
      if (written > 0) this.#rest = rest.subarray(written);
      return; // on -1 the `close` callback rejects the writer
    }
    this.#rest = null;
    const writer = this.#writer!;
    this.#writer = null;
    writer.resolve();
    if (this.#finWaiter !== null && !this.#finSent) {
      this.#finSent = true;
      this.#socket.shutdown();
      this.#finWaiter.resolve();
      this.#finWaiter = null;
    }
  }

  /** Spliced `drain`: writes what waits for this socket, then resumes the peer (and passes its FIN on). */
  #drainSplice(): void {
    const out = this.#out ?? [];
    while (out.length > 0) {
      const chunk = out[0];
      const written = this.#socketClosed || this.#isClosed ? -1 : this.#socket.write(chunk);
      if (written < 0) {
        this.#failSplice();
        return;
      }
      if (written < chunk.length) {
        out[0] = chunk.subarray(written);
        return;
      }
      out.shift();
    }
    const peer = this.#peer!;
    if (!peer.#eof) peer.#socket.resume();
    if (this.#finAfterOut) {
      this.#finAfterOut = false;
      this.#sendFin();
    }
  }

  /** @internal `end` callback: the peer sent FIN; writing stays possible. */
  onEnd(): void {
    this.#eof = true;
    if (this.#link !== null) this.#ended();
    else this.#queue.end();
  }

  /** @internal `error` callback; the `close` callback follows. */
  onError(error: Error): void {
    this.#lastError = error;
  }

  /** @internal `close` callback: the socket is gone, by either side. */
  onClose(error: Error | undefined): void {
    if (this.#socketClosed) return;
    this.#socketClosed = true;
    const link = this.#link;
    if (link !== null) {
      // Spliced: an error ends both; a plain close is this side's end (a later write to it fails the splice).
      const cause = error ?? this.#lastError;
      if (cause !== undefined && errorCode(cause) !== "") this.#failSplice();
      else if (!this.#eof) {
        this.#eof = true;
        this.#ended();
      }
      this.markClosed();
      return;
    }
    this.#eof = true;
    this.#settle(error ?? this.#lastError ?? null);
  }

  /** Settles everything pending once the socket is gone; a read error waits behind queued chunks. */
  #settle(error: Error | null): void {
    const code = error === null ? "" : errorCode(error);
    if (this.#queue.waiting) {
      if (code === "" || this.#isClosed) this.#queue.end();
      else this.#queue.fail(netError("Cannot read from", formatAddr(this.remoteAddr), code, error));
    } else if (code !== "" && !this.#isClosed) {
      this.#readError = netError("Cannot read from", formatAddr(this.remoteAddr), code, error);
    }
    if (this.#writer !== null) {
      this.#writer.reject(this.#writeError(code, error));
      this.#writer = null;
      this.#rest = null;
    }
    this.#finWaiter?.resolve();
    this.#finWaiter = null;
    this.markClosed();
  }

  #writeError(code?: string, cause?: Error | null): NetError {
    const why = code || (this.#isClosed ? "ENOTCONN" : "EPIPE");
    return netError("Cannot write to", formatAddr(this.remoteAddr), why, cause ?? undefined);
  }
}

/** True for `0.0.0.0` and `::`, whose accepted sockets each have their own local address. */
function isWildcard(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

/** One of a socket's endpoints from Bun's getters, or `unknown` once Bun no longer knows it (after a close). */
function readEndpoint(ip: string | null | undefined, port: number | undefined, unknown: NetAddr): NetAddr {
  return ip ? netAddr(ip, port ?? 0) : unknown;
}

const UNSPECIFIED_V4 = netAddr("0.0.0.0", 0);
const UNSPECIFIED_V6 = netAddr("::", 0);

/** The unspecified address of `addr`'s family (IPv4 when `addr` is unknown too), port 0. */
function unspecified(addr: NetAddr | undefined): NetAddr {
  return addr?.family === "ipv6" ? UNSPECIFIED_V6 : UNSPECIFIED_V4;
}
