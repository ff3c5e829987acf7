/**
 * The decrypted side of a terminated TLS connection as a {@linkcode Conn}, so the router probes and relays
 * plaintext exactly as it does a raw socket.
 *
 * @module
 */
import type { TLSSocket } from "node:tls";
import { type Conn, formatAddr, type NetAddr } from "../net/types.ts";
import { errorCode, type NetError, netError } from "../net/errors.ts";
import { ChunkQueue } from "../net/chunk_queue.ts";

const DONE: Promise<void> = Promise.resolve();
/** Queued plaintext past which the transport is no longer read. */
const HIGH_WATER = 64 * 1024;

/** Holds back the reads of the transport under the TLS socket (see `ConnDuplex.pauseReads`). */
export interface TransportFlow {
  /** Stops reading the transport. */
  pauseReads(): void;
  /** Reads the transport again. */
  resumeReads(): void;
  /** Calls back once the transport's write queue is short enough. */
  whenWritable(callback: () => void): void;
  /** Closes the transport. */
  destroy(): unknown;
}

/**
 * A {@linkcode Conn} over a server-side `TLSSocket`.
 *
 * - Reading: `data` events are queued; past 64 KiB queued the transport under the socket stops being read
 *   (the TLS socket itself is never paused: Deno's stalls after some pause/resume cycles, Bun's keeps
 *   reading its transport anyway). Chunks are fresh buffers and stay valid.
 * - Writing: `write()` resolves in the socket's write callback, once the chunk has been encrypted (the caller
 *   may reuse it: the Deno adapter reuses read buffers), and once the transport's write queue is short.
 * - `closeWrite()` ends the TLS stream (close_notify, then FIN on the transport); reading continues. The
 *   other way round differs by runtime: on Deno a peer's close_notify ends reading only, while Bun's TLS
 *   over a stream answers it by closing the whole session (measured on Bun 1.4; HTTP clients never
 *   half-close, a raw-TCP client that does gets no reply).
 * - `close()` destroys the socket and the connection under it. Errors reject the pending read or write with
 *   a `code`; every `error` event is handled here, so none is unhandled.
 */
export class TlsSocketConn implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly closed: Promise<void>;
  #socket: TLSSocket;
  #flow: TransportFlow | undefined;
  #queue: ChunkQueue;
  #eof = false;
  #error: NetError | null = null;
  #writer: PromiseWithResolvers<void> | null = null;
  #finSent = false;
  #isClosed = false;
  #resolveClosed!: () => void;

  /**
   * @param socket a server-side TLSSocket whose handshake has completed
   * @param transport the connection under it, for the addresses
   * @param flow the stream under the socket, to hold back its reads while plaintext waits
   */
  constructor(socket: TLSSocket, transport: Pick<Conn, "localAddr" | "remoteAddr">, flow?: TransportFlow) {
    this.#socket = socket;
    this.#flow = flow;
    this.#queue = new ChunkQueue(HIGH_WATER, HIGH_WATER - 1, {
      pause: () => flow?.pauseReads(),
      resume: () => flow?.resumeReads(),
    });
    this.localAddr = transport.localAddr;
    this.remoteAddr = transport.remoteAddr;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
  }

  /** Resolves with the next decrypted chunk, `null` once the peer ended the TLS stream or after `close()`. */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) return Promise.resolve(chunk);
    if (this.#error !== null) {
      const error = this.#error;
      this.#error = null;
      this.#eof = true;
      return Promise.reject(error);
    }
    if (this.#eof || this.#isClosed) return Promise.resolve(null);
    return this.#queue.wait();
  }

  /** Encrypts and sends the chunk; resolves once the TLS layer is done with it. */
  write(chunk: Uint8Array): Promise<void> {
    if (this.#isClosed || this.#finSent || this.#socket.destroyed) {
      return Promise.reject(netError("Cannot write to", formatAddr(this.remoteAddr), "EPIPE"));
    }
    if (chunk.length === 0) return DONE;
    this.#writer = Promise.withResolvers<void>();
    const { promise } = this.#writer;
    this.#socket.write(chunk, this.#onWritten);
    return promise;
  }

  /** Sends close_notify and FIN after pending writes. Never rejects. */
  closeWrite(): Promise<void> {
    if (this.#finSent || this.#isClosed || this.#socket.destroyed) return DONE;
    this.#finSent = true;
    return new Promise((resolve) => {
      this.#socket.end(resolve);
      this.#socket.once("close", resolve);
    });
  }

  /** Destroys the TLS socket and the connection under it. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.destroy();
    this.#flow?.destroy();
    this.#queue.end();
    this.#failWriter(netError("Cannot write to", formatAddr(this.remoteAddr), "EPIPE"));
    this.#resolveClosed();
  }

  #onData = (chunk: Uint8Array): void => {
    this.#queue.push(chunk);
  };

  #onEnd = (): void => {
    this.#eof = true;
    this.#queue.end();
  };

  #onError = (error: Error): void => {
    const code = errorCode(error);
    const wrapped = netError("TLS failed on the connection from", formatAddr(this.remoteAddr), code, error);
    if (this.#queue.waiting) {
      this.#eof = true;
      this.#queue.fail(wrapped);
    } else if (!this.#eof) {
      this.#error = wrapped;
    }
    this.#failWriter(wrapped);
  };

  #onClose = (): void => {
    this.#flow?.destroy();
    this.#eof = true;
    this.#queue.end();
    this.#failWriter(netError("Cannot write to", formatAddr(this.remoteAddr), "EPIPE"));
    this.#resolveClosed();
  };

  #onWritten = (error?: Error | null): void => {
    const writer = this.#writer;
    if (writer === null) return;
    if (error) {
      this.#writer = null;
      writer.reject(netError("Cannot write to", formatAddr(this.remoteAddr), errorCode(error), error));
    } else if (this.#flow) {
      this.#flow.whenWritable(this.#onWritable);
    } else {
      this.#writer = null;
      writer.resolve();
    }
  };

  #onWritable = (): void => {
    const writer = this.#writer;
    if (writer === null) return;
    this.#writer = null;
    writer.resolve();
  };

  #failWriter(error: NetError): void {
    const writer = this.#writer;
    if (writer === null) return;
    this.#writer = null;
    writer.reject(error);
  }
}
