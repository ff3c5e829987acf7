/**
 * TCP on Deno: `Deno.listen`/`Deno.connect` with plain `read(buf)`/`write()` calls. Web Streams are avoided on
 * purpose: `pipeTo` loses half-close and measured 15-50% slower.
 *
 * @module
 */
import type {
  Conn,
  ConnectTcpOptions,
  ListenTcpOptions,
  NetAddr,
  SpliceStats,
  TcpListener,
} from "../types.ts";
import { formatAddr, netAddr } from "../types.ts";
import { errorCode, hostPort, netError } from "../errors.ts";
import { ClosedOnce } from "../closed_once.ts";
import { deadlinesFor, type Watched } from "../deadlines.ts";

/** First read size: a pending read pins its buffer, so idle connections keep a small one. */
const SMALL = 4 * 1024;
/** Read size once reads keep filling the small buffer. */
const LARGE = 64 * 1024;
/** Free lists of read buffers shared by all connections (bounded: 16 MiB each at most). */
const smallFree: Uint8Array[] = [];
const largeFree: Uint8Array[] = [];
const SMALL_FREE_MAX = 1024;
const LARGE_FREE_MAX = 256;

function takeBuffer(size: number): Uint8Array {
  return (size === SMALL ? smallFree.pop() : largeFree.pop()) ?? new Uint8Array(size);
}

function giveBuffer(buf: Uint8Array): void {
  if (buf.length === SMALL) {
    if (smallFree.length < SMALL_FREE_MAX) smallFree.push(buf);
  } else if (largeFree.length < LARGE_FREE_MAX) largeFree.push(buf);
}

/** Errors that only mean "this side closed the resource". */
function isLocalClose(code: string): boolean {
  return code === "EBADF" || code === "EINTR";
}

/** Errors of `accept` that concern only the connection being accepted, which its peer already reset. */
function isGoneBeforeAccept(code: string): boolean {
  return code === "ENOTCONN" || code === "ECONNABORTED" || code === "ECONNRESET";
}

/**
 * A {@linkcode Conn} over a `Deno.TcpConn`. Reads go into a pooled 16 KiB buffer, switching to 64 KiB while
 * reads keep filling it and back once they come in small; the chunk returned is a view of that buffer.
 * `closed` resolves on `close()`, on an error, or once both directions have ended (EOF read and FIN sent):
 * Deno gives no close event, so a peer's close is noticed only by reading.
 */
export class DenoConn extends ClosedOnce implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  #conn: Deno.TcpConn;
  #buf: Uint8Array | null = null;
  #size = SMALL;
  #eof = false;
  #finSent = false;
  #isClosed = false;
  #writing: Promise<void> | null = null;
  /** A `read()` or `write()` is in flight (a splice may not start then). */
  #reads = 0;
  #writes = 0;
  #spliced = false;
  /** The other connection of a running splice: closing one closes both (the contract of `splice`). */
  #splicePeer: DenoConn | null = null;

  /** Wraps an open connection and sets TCP_NODELAY on it. */
  constructor(conn: Deno.TcpConn) {
    super();
    this.#conn = conn;
    try {
      conn.setNoDelay(true);
    } catch { /* already reset by the peer: the first read or write reports it */ }
    this.localAddr = netAddr(conn.localAddr.hostname, conn.localAddr.port);
    this.remoteAddr = netAddr(conn.remoteAddr.hostname, conn.remoteAddr.port);
  }

  /** Reads the next chunk (a view of this connection's buffer, valid until the next read); `null` at EOF. */
  async read(): Promise<Uint8Array | null> {
    if (this.#eof || this.#isClosed || this.#spliced) return null;
    this.#reads++;
    try {
      return await this.#read();
    } finally {
      this.#reads--;
    }
  }

  async #read(): Promise<Uint8Array | null> {
    let buf = this.#buf;
    if (buf === null || buf.length !== this.#size) {
      if (buf !== null) giveBuffer(buf); // the caller's previous chunk is dead once it calls read() again
      buf = this.#buf = takeBuffer(this.#size);
    }
    let n: number | null;
    try {
      n = await this.#conn.read(buf);
    } catch (error) {
      const code = errorCode(error);
      if (this.#isClosed || isLocalClose(code)) return null;
      this.close();
      throw netError("Cannot read from", formatAddr(this.remoteAddr), code, error);
    }
    if (this.#isClosed) return null;
    if (n === null) {
      this.#eof = true;
      this.#buf = null;
      giveBuffer(buf);
      if (this.#finSent) this.close();
      return null;
    }
    if (n === buf.length) this.#size = LARGE;
    else if (n < SMALL) this.#size = SMALL;
    return buf.subarray(0, n);
  }

  /** Writes the whole chunk, looping over partial writes. */
  write(chunk: Uint8Array): Promise<void> {
    const writing = this.#write(chunk);
    this.#writing = writing;
    return writing;
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (this.#isClosed || this.#finSent || this.#spliced) {
      throw netError("Cannot write to", formatAddr(this.remoteAddr), this.#isClosed ? "ENOTCONN" : "EPIPE");
    }
    this.#writes++;
    try {
      let done = await this.#conn.write(chunk);
      while (done < chunk.length) done += await this.#conn.write(chunk.subarray(done));
    } catch (error) {
      const code = this.#isClosed ? "ENOTCONN" : errorCode(error);
      this.close();
      throw netError("Cannot write to", formatAddr(this.remoteAddr), code, error);
    } finally {
      this.#writes--;
    }
  }

  /**
   * Relays to another Deno connection with two tight read→write loops on the raw connections (no `read()` /
   * `write()` wrapper promise per chunk), each with its own pooled buffer sized like `read()`'s. `false` when
   * `other` is not a Deno connection, either is closed, or a read or write is in flight.
   */
  splice(other: Conn, stats: SpliceStats, head: Uint8Array | undefined, onDone: () => void): boolean {
    if (!(other instanceof DenoConn) || other === this) return false;
    if (!this.#spliceable() || !other.#spliceable()) return false;
    this.#spliced = other.#spliced = true;
    this.#splicePeer = other;
    other.#splicePeer = this;
    // `#splice` never rejects (each pump catches its own errors).
    this.#splice(other, stats, head).then(onDone);
    return true;
  }

  #spliceable(): boolean {
    return !this.#isClosed && !this.#spliced && this.#reads === 0 && this.#writes === 0 && !this.#finSent;
  }

  async #splice(other: DenoConn, stats: SpliceStats, head: Uint8Array | undefined): Promise<void> {
    const fail = () => {
      stats.failed = true;
      this.close();
      other.close();
    };
    await Promise.all([
      this.#pumpTo(other, stats, true, fail, head),
      other.#pumpTo(this, stats, false, fail),
    ]);
    this.close();
    other.close();
  }

  /** One direction of a splice: this connection's bytes to `dst`, then FIN. */
  async #pumpTo(
    dst: DenoConn,
    stats: SpliceStats,
    isA: boolean,
    fail: () => void,
    head?: Uint8Array,
  ): Promise<void> {
    const src = this.#conn;
    const out = dst.#conn;
    let buf = this.#buf ?? takeBuffer(this.#size);
    this.#buf = null;
    try {
      if (head !== undefined && head.length > 0) {
        stats.aToB += head.length;
        stats.chunks++;
        for (let done = 0; done < head.length;) done += await out.write(head.subarray(done));
      }
      while (!this.#eof) {
        let n: number | null;
        try {
          n = await src.read(buf);
        } catch (error) {
          if (this.#isClosed || isLocalClose(errorCode(error))) return;
          throw error;
        }
        if (n === null) break;
        if (isA) stats.aToB += n;
        else stats.bToA += n;
        stats.chunks++;
        for (let done = 0; done < n;) done += await out.write(buf.subarray(done, n));
        if (n === buf.length ? buf.length === SMALL : n < SMALL && buf.length !== SMALL) {
          giveBuffer(buf);
          buf = takeBuffer(n === buf.length ? LARGE : SMALL);
        }
      }
      this.#eof = true;
      if (stats.firstEnd === "") stats.firstEnd = isA ? "a" : "b";
      // The last direction to end sends its FIN with the close that follows (`#splice` closes both once the
      // pumps are done): `dst` read its EOF, so its receive queue is empty and `close` sends FIN, not RST. One
      // async op fewer per connection; the system calls stay the same, as Deno's `close` of a socket not yet
      // shut down calls `shutdown(SHUT_WR)` itself.
      if (!dst.#finSent && !dst.#isClosed && !dst.#eof) {
        dst.#finSent = true;
        try {
          await out.closeWrite();
        } catch { /* reset meanwhile: the other direction reports it */ }
      }
    } catch {
      if (!this.#isClosed && !dst.#isClosed) fail();
    } finally {
      giveBuffer(buf); // every read and write on it has settled
    }
  }

  /** Sends FIN once the pending write is done. Never throws: a dead connection has nothing to shut down. */
  async closeWrite(): Promise<void> {
    if (this.#finSent || this.#isClosed) return;
    if (this.#writing !== null) {
      try {
        await this.#writing;
      } catch { /* reported to the writer */ }
    }
    if (this.#finSent || this.#isClosed) return;
    this.#finSent = true;
    try {
      await this.#conn.closeWrite();
    } catch { /* closed or reset meanwhile */ }
    if (this.#eof) this.close();
  }

  /** Closes at once. The read buffer is dropped, not pooled: a write of its last chunk may still be running. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#buf = null;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.markClosed();
    // Spliced: the other loop may wait on a read of the peer that nothing else would end.
    const peer = this.#splicePeer;
    this.#splicePeer = null;
    peer?.close();
  }
}

/** A {@linkcode TcpListener} over a `Deno.TcpListener`. */
export class DenoTcpListener implements TcpListener {
  readonly addr: NetAddr;
  #listener: Deno.TcpListener;
  #isClosed = false;

  /** Wraps a bound listener. */
  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.addr = netAddr(listener.addr.hostname, listener.addr.port);
  }

  /**
   * Accepts the next connection; `null` once closed. Rejects on a transient error (EMFILE): call again. A
   * connection its peer reset before it was accepted is passed over: Deno rejects it with ENOTCONN (it reads
   * the peer's address, which is gone), and that is no reason for the caller to pause.
   */
  async accept(): Promise<Conn | null> {
    for (;;) {
      if (this.#isClosed) return null;
      try {
        return new DenoConn(await this.#listener.accept());
      } catch (error) {
        const code = errorCode(error);
        if (this.#isClosed || isLocalClose(code)) return null;
        if (isGoneBeforeAccept(code)) continue;
        throw netError("Cannot accept on", formatAddr(this.addr), code, error);
      }
    }
  }

  /** Stops accepting; a pending `accept()` resolves `null`. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
  }
}

/** Binds a TCP listener; rejects with a message naming the address and the reason. */
export function listenTcp(options: ListenTcpOptions): Promise<TcpListener> {
  const { hostname, port, backlog = 100 } = options;
  try {
    return Promise.resolve(new DenoTcpListener(Deno.listen({ hostname, port, tcpBacklog: backlog })));
  } catch (error) {
    return Promise.reject(netError("Cannot listen on", hostPort(hostname, port), errorCode(error), error));
  }
}

/**
 * Connects; an abort rejects with `signal.reason`, a timeout with code `ETIMEDOUT`, and either closes any
 * socket the attempt produced (Deno cancels the pending connect through the signal it is given).
 */
export async function connectTcp(options: ConnectTcpOptions): Promise<Conn> {
  const { hostname, port, signal, timeout } = options;
  signal?.throwIfAborted();
  let cancel = signal;
  const deadlines = timeout === undefined ? undefined : deadlinesFor(timeout);
  let timer: Watched | undefined;
  let timedOut = false;
  let unlink: (() => void) | undefined;
  if (deadlines !== undefined) {
    const ac = new AbortController();
    cancel = ac.signal;
    timer = deadlines.watch(() => {
      timedOut = true;
      ac.abort();
    });
    if (signal !== undefined) {
      const onAbort = () => ac.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      unlink = () => signal.removeEventListener("abort", onAbort);
    }
  }
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname, port, signal: cancel });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const code = timedOut ? "ETIMEDOUT" : errorCode(error);
    throw netError("Cannot connect to", hostPort(hostname, port), code, error);
  } finally {
    if (timer !== undefined) deadlines!.done(timer);
    unlink?.();
  }
  if (signal?.aborted || timedOut) {
    conn.close();
    if (signal?.aborted) throw signal.reason;
    throw netError("Cannot connect to", hostPort(hostname, port), "ETIMEDOUT");
  }
  return new DenoConn(conn);
}
