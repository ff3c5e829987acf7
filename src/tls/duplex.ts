/**
 * A `node:stream` Duplex over a {@linkcode Conn}, so `node:tls` can run a server handshake on a connection the
 * router already owns (and whose first bytes the preview has buffered: pass `preview.toConn()`, which replays
 * them first).
 *
 * @module
 */
import { Duplex } from "node:stream";
import type { Conn } from "../net/types.ts";

/**
 * Wraps a connection as a Duplex stream.
 *
 * - Reading pulls one chunk per `_read()` and copies it (a `Conn` chunk is only valid until the next read);
 *   the stream's high-water mark bounds what is buffered, so a slow TLS consumer stops the socket reads.
 * - `_write()` completes when `conn.write()` resolves (backpressure); `end()` maps to `closeWrite()` (FIN),
 *   reading continues (`allowHalfOpen`).
 * - `destroy()` closes the connection. A read error destroys the stream with that error.
 *
 * @param conn the connection to wrap; the Duplex owns it from now on
 * @returns the stream
 * @example
 * ```ts
 * const socket = new TLSSocket(connDuplex(preview.toConn()), { isServer: true, secureContext });
 * ```
 */
export function connDuplex(conn: Conn): Duplex {
  return new ConnDuplex(conn);
}

class ConnDuplex extends Duplex {
  #conn: Conn;
  #reading = false;

  constructor(conn: Conn) {
    super({ allowHalfOpen: true });
    this.#conn = conn;
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#conn.read().then(
      (chunk) => {
        this.#reading = false;
        if (this.destroyed) return;
        this.push(chunk === null ? null : copy(chunk));
      },
      (err) => {
        this.#reading = false;
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
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
}

function copy(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(chunk.length);
  out.set(chunk);
  return out;
}
