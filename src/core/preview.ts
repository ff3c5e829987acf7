/**
 * The replayable preview buffer (SPEC §4.3): every byte read while probing is kept, and the connection handed
 * to the chosen backend replays them, byte for byte, before live data. Probing never consumes.
 *
 * @module
 */
import type { ChunkReader, Conn, NetAddr, SpliceStats } from "../net/types.ts";

const INITIAL = 4096;
/** The buffer of a preview that holds nothing (shared: one less allocation per connection). */
const EMPTY = new Uint8Array(0);

/**
 * Buffers the first bytes of a connection for probing.
 *
 * At most one read is outstanding on the underlying connection; if selection ends while a read is pending
 * (deadline), the replaying connection from {@linkcode Preview.toConn} waits for that same read, so no byte is
 * lost or reordered.
 */
export class Preview implements ChunkReader {
  #conn: Conn;
  #buf: Uint8Array = EMPTY;
  #len = 0;
  #limit: number;
  #eof = false;
  #error: unknown = undefined;
  #pending: Promise<boolean> | null = null;
  /** A read by `Conn.readThen` is in flight (see {@linkcode Preview.fillThen}), with whom to tell. */
  #then: (() => void) | null = null;
  /** The promise of {@linkcode Preview.fill} called while such a read is in flight. */
  #waiter: PromiseWithResolvers<boolean> | null = null;
  #handedOff = false;

  /**
   * @param conn the connection to read from
   * @param limit stop reading for probes once this many bytes are buffered (`--preview-buffer-limit`)
   */
  constructor(conn: Conn, limit: number) {
    this.#conn = conn;
    this.#limit = limit;
  }

  /** The underlying connection. */
  get conn(): Conn {
    return this.#conn;
  }

  /** Every byte buffered so far (a view; valid until the next `fill()`). */
  get bytes(): Uint8Array {
    return this.#len === 0 ? EMPTY : this.#buf.subarray(0, this.#len);
  }

  /** Number of buffered bytes. */
  get length(): number {
    return this.#len;
  }

  /** True once the client sent FIN (or the read failed). */
  get eof(): boolean {
    return this.#eof;
  }

  /** True once no more bytes will be read for probing (FIN, error, or the buffer limit). */
  get exhausted(): boolean {
    return this.#eof || this.#len >= this.#limit;
  }

  /** True when a read is in flight. */
  get pending(): boolean {
    return this.#pending !== null || this.#then !== null;
  }

  /**
   * Reads one more chunk into the buffer. Resolves true when bytes were added, false at FIN, on a read error
   * or when the limit is reached. Calling it while a read is pending returns the same promise.
   */
  fill(): Promise<boolean> {
    if (this.#pending) return this.#pending;
    if (this.#then !== null) return (this.#waiter ??= Promise.withResolvers<boolean>()).promise;
    if (this.exhausted) return Promise.resolve(false);
    const p = this.#conn.read().then(
      (chunk) => {
        this.#pending = null;
        if (chunk === null) {
          this.#eof = true;
          return false;
        }
        this.#append(chunk);
        return true;
      },
      (err) => {
        this.#pending = null;
        this.#eof = true;
        this.#error = err;
        return false;
      },
    );
    this.#pending = p;
    return p;
  }

  /**
   * {@linkcode Preview.fill} with a callback: `then` is called once the read settled (bytes added, the end, an
   * error) or at once when nothing is left to read. Over a connection with `Conn.readThen` (a Bun socket) no
   * promise is involved: `then` runs inside the socket's data callback, so the router can decide and connect
   * upstream there. `then` must not throw.
   */
  fillThen(then: () => void): void {
    if (this.pending) {
      this.fill().then(then);
      return;
    }
    if (this.exhausted) return then();
    const conn = this.#conn;
    if (conn.readThen === undefined) {
      this.fill().then(then);
      return;
    }
    this.#then = then;
    conn.readThen(this);
  }

  /** @internal The chunk a {@linkcode Preview.fillThen} read got (`null`: the end). */
  chunk(chunk: Uint8Array | null): void {
    if (chunk === null) this.#eof = true;
    else this.#append(chunk);
    this.#settled(chunk !== null);
  }

  /** @internal The error a {@linkcode Preview.fillThen} read got. */
  failed(error: unknown): void {
    this.#eof = true;
    this.#error = error;
    this.#settled(false);
  }

  #settled(added: boolean): void {
    const then = this.#then!;
    this.#then = null;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter.resolve(added);
    }
    then();
  }

  /** Drops the first `n` buffered bytes (a negotiator stripping a header it has parsed). */
  consume(n: number): void {
    if (n <= 0) return;
    if (n > this.#len) throw new RangeError(`Cannot consume ${n} bytes: only ${this.#len} buffered`);
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
  }

  /**
   * The connection to hand to a backend: replays the buffered bytes, then continues with live data. May be
   * called once.
   */
  toConn(): Conn {
    if (this.#handedOff) throw new Error("Preview was already handed off");
    this.#handedOff = true;
    return new ReplayConn(this);
  }

  /** @internal used by ReplayConn */
  async takeBuffered(): Promise<Uint8Array | null | undefined> {
    if (this.pending) await this.fill();
    if (this.#len > 0) {
      const out = this.#buf.subarray(0, this.#len);
      this.#len = 0;
      this.#buf = EMPTY; // released for GC once the caller is done with `out`
      return out;
    }
    if (this.#error !== undefined) {
      const err = this.#error;
      this.#error = undefined;
      throw err;
    }
    if (this.#eof) return null;
    return undefined;
  }

  /**
   * @internal used by ReplayConn to splice: the buffered bytes when nothing else is owed (no read in flight,
   * no read error to report), else `undefined`. Call {@linkcode Preview.dropBuffered} once they are taken.
   */
  peekBuffered(): Uint8Array | undefined {
    if (this.pending || this.#error !== undefined) return undefined;
    return this.#buf.subarray(0, this.#len);
  }

  /** @internal the bytes from {@linkcode Preview.peekBuffered} were taken: release the buffer. */
  dropBuffered(): void {
    this.#len = 0;
    this.#buf = EMPTY;
  }

  #append(chunk: Uint8Array): void {
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      // The first chunk gets a buffer of its own size: most connections are decided on it, and a 4 KiB buffer
      // per connection is garbage the collector has to keep up with. Later chunks double it from 4 KiB.
      let size = this.#len === 0 ? need : Math.max(INITIAL, this.#buf.length * 2);
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }
}

/**
 * Reads a preview round by round until an expiry (a deadline, a linger time). Each {@linkcode FillUntil.fill}
 * waits for the next chunk or the expiry, whichever comes first. Racing the expiry's own promise instead
 * (`Promise.race([preview.fill(), expired])`) leaves a reaction on that promise per round, kept until it
 * settles: a client trickling its first bytes one read at a time made the router hold megabytes until the
 * selection deadline (`tests/core/selection_memory_test.ts`).
 */
export class FillUntil {
  #preview: Preview;
  #wake: ((more: boolean) => void) | undefined;
  #expired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param expireAt expire by itself at this `Date.now()` time, on a timer of its own ({@linkcode FillUntil.stop}
   *   it when done); without it, the caller calls {@linkcode FillUntil.expire} (the router: one shared timer)
   */
  constructor(preview: Preview, expireAt?: number) {
    this.#preview = preview;
    if (expireAt !== undefined) {
      this.#timer = setTimeout(() => this.expire(), Math.max(0, expireAt - Date.now()));
    }
  }

  /** True once {@linkcode FillUntil.expire} was called. */
  get expired(): boolean {
    return this.#expired;
  }

  /** Clears the timer of `expireAt`, if any (the caller is done waiting). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Ends the wait of the current round (it resolves false) and of every later one. */
  expire(): void {
    if (this.#expired) return;
    this.#expired = true;
    this.#wake?.(false);
    this.#wake = undefined;
  }

  /**
   * Resolves like {@linkcode Preview.fill} (true when bytes were added), or false at the expiry. A read still
   * pending then stays the preview's: the connection it hands off waits for that same read.
   */
  fill(): Promise<boolean> {
    if (this.#expired) return Promise.resolve(false);
    const filled = this.#preview.fill();
    return new Promise<boolean>((resolve) => {
      this.#wake = resolve;
      void filled.then(resolve);
    });
  }
}

/** A connection that first returns the preview's bytes, then reads the live connection. */
class ReplayConn implements Conn {
  #preview: Preview | null;
  #conn: Conn;
  #eofSeen = false;

  constructor(preview: Preview) {
    this.#preview = preview;
    this.#conn = preview.conn;
  }

  get localAddr(): NetAddr {
    return this.#conn.localAddr;
  }

  get remoteAddr(): NetAddr {
    return this.#conn.remoteAddr;
  }

  get closed(): Promise<void> {
    return this.#conn.closed;
  }

  read(): Promise<Uint8Array | null> {
    // After the replay, reads go straight to the live connection: no extra async hop per chunk.
    if (this.#preview === null) return this.#eofSeen ? Promise.resolve(null) : this.#conn.read();
    return this.#replay();
  }

  async #replay(): Promise<Uint8Array | null> {
    const got = await this.#preview!.takeBuffered();
    if (got === undefined) {
      this.#preview = null;
      return this.#eofSeen ? null : this.#conn.read();
    }
    if (got === null) {
      this.#preview = null;
      this.#eofSeen = true;
      return null;
    }
    return got;
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.#conn.write(chunk);
  }

  /** Splices the live connection, with the bytes not replayed yet written first (after `head`, if given). */
  splice(other: Conn, stats: SpliceStats, head: Uint8Array | undefined, onDone: () => void): boolean {
    const live = this.#conn;
    if (live.splice === undefined) return false;
    const preview = this.#preview;
    if (preview === null) return live.splice(other, stats, head, onDone);
    const buffered = preview.peekBuffered();
    if (buffered === undefined) return false;
    const first = head === undefined || head.length === 0 ? buffered : joined(head, buffered);
    const spliced = live.splice(other, stats, first, onDone);
    if (spliced) {
      preview.dropBuffered();
      this.#preview = null;
    }
    return spliced;
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite();
  }

  close(): void {
    this.#conn.close();
  }
}

/** `a` then `b` in one new array. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
