/**
 * A Bun TCP socket as a pull-based {@linkcode Conn}: Bun pushes chunks through callbacks, `read()` pulls them.
 *
 * @module
 */
import type { BunSocket } from "./bun_types.d.ts";
import { type Conn, formatAddr, type NetAddr, netAddr } from "../types.ts";
import { errorCode, type NetError, netError } from "../errors.ts";
import { ChunkQueue } from "../chunk_queue.ts";

/** Queued bytes past which the socket stops reading, so a slow consumer bounds memory. */
const HIGH_WATER = 256 * 1024;
/** Queued bytes under which a paused socket reads again. */
const LOW_WATER = 64 * 1024;
const DONE: Promise<void> = Promise.resolve();

/**
 * A {@linkcode Conn} over a half-open Bun socket. Bun hands every `data` callback a fresh buffer (measured on
 * Bun 1.4), so chunks are queued without copying. `closed` resolves on Bun's `close` callback or on `close()`.
 */
export class BunConn implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly closed: Promise<void>;
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
  #resolveClosed: () => void;

  /** Wraps a socket in its `open` callback and sets TCP_NODELAY. */
  constructor(socket: BunSocket<unknown>) {
    this.#socket = socket;
    this.#queue = new ChunkQueue(HIGH_WATER, LOW_WATER, () => socket.pause(), () => socket.resume());
    socket.setNoDelay(true);
    this.localAddr = netAddr(socket.localAddress, socket.localPort);
    this.remoteAddr = netAddr(socket.remoteAddress, socket.remotePort);
    const { promise, resolve } = Promise.withResolvers<void>();
    this.closed = promise;
    this.#resolveClosed = resolve;
  }

  /** Resolves with the next queued chunk, `null` at end of stream or after `close()`. */
  read(): Promise<Uint8Array | null> {
    if (this.#isClosed) return Promise.resolve(null);
    const chunk = this.#queue.shift();
    if (chunk !== undefined) return Promise.resolve(chunk);
    if (this.#readError !== null) {
      const error = this.#readError;
      this.#readError = null;
      return Promise.reject(error);
    }
    if (this.#eof) return Promise.resolve(null);
    return this.#queue.wait();
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
  }

  /** @internal `data` callback. */
  onData(chunk: Uint8Array): void {
    if (this.#isClosed) return;
    this.#queue.push(chunk);
  }

  /** @internal `drain` callback: writes the rest of the pending chunk. */
  onDrain(): void {
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

  /** @internal `end` callback: the peer sent FIN; writing stays possible. */
  onEnd(): void {
    this.#eof = true;
    this.#queue.end();
  }

  /** @internal `error` callback; the `close` callback follows. */
  onError(error: Error): void {
    this.#lastError = error;
  }

  /** @internal `close` callback: the socket is gone, by either side. */
  onClose(error: Error | undefined): void {
    if (this.#socketClosed) return;
    this.#socketClosed = true;
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
    this.#resolveClosed();
  }

  #writeError(code?: string, cause?: Error | null): NetError {
    const why = code || (this.#isClosed ? "ENOTCONN" : "EPIPE");
    return netError("Cannot write to", formatAddr(this.remoteAddr), why, cause ?? undefined);
  }
}
