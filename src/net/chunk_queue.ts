/**
 * A push-to-pull chunk queue with flow control: a callback-driven source pushes chunks, `read()`-style callers
 * pull them. Past `high` queued bytes the source is held (paused), below `low` it is released, so memory stays
 * bounded whatever the reader's speed. Shared by the Bun socket adapter and the TLS connection wrapper.
 *
 * @module
 */

import type { ChunkReader } from "./types.ts";

/** What the queue holds back: a socket (its own `pause`/`resume`) or any object with the two methods. */
export interface Pausable {
  /** Stop delivering chunks. */
  pause(): void;
  /** Deliver chunks again. */
  resume(): void;
}

/** Queued chunks plus at most one waiting reader. */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #held = false;
  #reader: PromiseWithResolvers<Uint8Array | null> | null = null;
  /** A waiting callback reader (see `Conn.readThen`); at most one of it and `#reader` is set. */
  #callback: ChunkReader | null = null;
  #high: number;
  #low: number;
  #source: Pausable;

  /**
   * @param high hold the source once this many bytes are queued
   * @param low release it once the queue is back under this many bytes
   * @param source paused at `high`, resumed under `low` (passing the socket itself saves two closures per
   *   connection)
   */
  constructor(high: number, low: number, source: Pausable) {
    this.#high = high;
    this.#low = low;
    this.#source = source;
  }

  /** True when a reader waits for the next chunk. */
  get waiting(): boolean {
    return this.#reader !== null || this.#callback !== null;
  }

  /**
   * A chunk arrived: it goes to the waiting reader (a callback reader gets it at once, inside the source's
   * own callback), or is queued (holding the source at high water).
   */
  push(chunk: Uint8Array): void {
    const callback = this.#callback;
    if (callback !== null) {
      this.#callback = null;
      callback.chunk(chunk);
      return;
    }
    const reader = this.#reader;
    if (reader !== null) {
      this.#reader = null;
      reader.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#held && this.#bytes >= this.#high) {
      this.#held = true;
      this.#source.pause();
    }
  }

  /** Takes the next queued chunk (releasing the source under low water), or `undefined` when empty. */
  shift(): Uint8Array | undefined {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return undefined;
    this.#bytes -= chunk.length;
    if (this.#held && this.#bytes <= this.#low) {
      this.#held = false;
      this.#source.resume();
    }
    return chunk;
  }

  /** A promise for the next pushed chunk; call only when `shift()` found nothing. */
  wait(): Promise<Uint8Array | null> {
    this.#reader = Promise.withResolvers<Uint8Array | null>();
    return this.#reader.promise;
  }

  /** Like {@linkcode ChunkQueue.wait}, for a callback reader (see `Conn.readThen`). */
  waitWith(reader: ChunkReader): void {
    this.#callback = reader;
  }

  /**
   * Settles a waiting reader with `null` (end of stream); returns whether one waited. A callback reader hears
   * of it in a microtask, as a promise's would: this runs inside `close()` too, whose caller must not be
   * re-entered.
   */
  end(): boolean {
    const callback = this.#callback;
    if (callback !== null) {
      this.#callback = null;
      queueMicrotask(() => callback.chunk(null));
      return true;
    }
    const reader = this.#reader;
    if (reader === null) return false;
    this.#reader = null;
    reader.resolve(null);
    return true;
  }

  /** Rejects a waiting reader (a callback reader in a microtask, as for `end`); returns whether one waited. */
  fail(error: Error): boolean {
    const callback = this.#callback;
    if (callback !== null) {
      this.#callback = null;
      queueMicrotask(() => callback.failed(error));
      return true;
    }
    const reader = this.#reader;
    if (reader === null) return false;
    this.#reader = null;
    reader.reject(error);
    return true;
  }

  /** Drops every queued chunk (the connection was closed). */
  clear(): void {
    this.#chunks.length = 0;
    this.#bytes = 0;
  }
}
