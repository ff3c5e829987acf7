/**
 * A `node:stream` Duplex over a {@linkcode Conn}, so `node:tls` can run a server handshake on a connection the
 * router already owns (and whose first bytes the preview has buffered: pass `preview.toConn()`, which replays
 * them first).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import type { Conn } from "../net/types.ts";

/** A Duplex over a connection, with reads that its consumer can hold back. */
export interface ConnDuplex extends Duplex {
  /**
   * Stops reading the connection until {@linkcode ConnDuplex.resumeReads}. The TLS layer of Bun consumes its
   * transport in flowing mode whatever its own reader does, so the decrypted side's consumer applies
   * backpressure here instead.
   */
  pauseReads(): void;
  /** Reads the connection again after {@linkcode ConnDuplex.pauseReads}. */
  resumeReads(): void;
  /**
   * Calls `callback` once fewer than 64 KiB wait to be written to the connection (at once when that is
   * already so, or when the stream is destroyed). Bun's TLS layer writes into its transport without waiting
   * for `drain`, so the plaintext writer waits here.
   */
  whenWritable(callback: () => void): void;
}

/** Bytes queued for the connection past which writers wait (see `whenWritable`). */
const WRITE_HIGH_WATER = 64 * 1024;

/**
 * Wraps a connection as a Duplex stream.
 *
 * - Reading pulls one chunk per `_read()` and copies it (a `Conn` chunk is only valid until the next read);
 *   at most one read is pending, and none while reads are paused.
 * - `_write()` completes when `conn.write()` resolves (backpressure); `end()` maps to `closeWrite()` (FIN),
 *   and reading continues (`allowHalfOpen`).
 * - `destroy()` closes the connection. A read error destroys the stream with that error.
 *
 * @param conn the connection to wrap; the Duplex owns it from now on
 * @returns the stream
 * @example
 * ```ts
 * const socket = new TLSSocket(connDuplex(preview.toConn()), { isServer: true, secureContext });
 * ```
 */
export function connDuplex(conn: Conn): ConnDuplex {
  return new ConnStream(conn);
}

class ConnStream extends Duplex implements ConnDuplex {
  #conn: Conn;
  #reading = false;
  #paused = false;
  #wanted = false;

  constructor(conn: Conn) {
    super({ allowHalfOpen: true });
    this.#conn = conn;
    // A failed read destroys the stream with its error; the TLS socket above then ends and reports it. The
    // event itself must not go unhandled, whatever the TLS layer listens to.
    this.on("error", ignore);
  }

  pauseReads(): void {
    this.#paused = true;
  }

  resumeReads(): void {
    this.#paused = false;
    if (this.#wanted) {
      this.#wanted = false;
      this._read();
    }
  }

  whenWritable(callback: () => void): void {
    if (this.writableLength < WRITE_HIGH_WATER || this.destroyed) {
      callback();
      return;
    }
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      this.off("drain", once);
      this.off("close", once);
      callback();
    };
    this.on("drain", once);
    this.on("close", once);
  }

  override _read(): void {
    if (this.#reading) return;
    if (this.#paused) {
      this.#wanted = true;
      return;
    }
    this.#reading = true;
    this.#conn.read().then(this.#onChunk, this.#onReadError);
  }

  override _write(chunk: Uint8Array, _encoding: string, callback: (error?: Error | null) => void): void {
    this.#conn.write(chunk).then(() => callback(), (err) => callback(err));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#conn.closeWrite().then(() => callback(), () => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#conn.close();
    callback(error);
  }

  #onChunk = (chunk: Uint8Array | null): void => {
    this.#reading = false;
    if (this.destroyed) return;
    this.push(chunk === null ? null : Buffer.from(chunk));
  };

  #onReadError = (err: unknown): void => {
    this.#reading = false;
    this.destroy(err instanceof Error ? err : new Error(String(err)));
  };
}

function ignore(): void {}
