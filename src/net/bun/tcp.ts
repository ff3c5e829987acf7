/**
 * TCP on Bun: `Bun.listen`/`Bun.connect` with half-open sockets. Bun is callback-driven, so each connection
 * queues incoming chunks for `read()` (pausing the socket past a bound) and keeps the unwritten rest of a
 * chunk until the `drain` callback.
 *
 * @module
 */
import type { BunListener, BunSocket, BunSocketHandler } from "./bun_types.d.ts";
import { bun } from "./runtime.ts";
import type { Conn, ConnectTcpOptions, ListenTcpOptions, NetAddr, TcpListener } from "../types.ts";
import { netAddr } from "../types.ts";
import { errorCode, hostPort, netError } from "../errors.ts";
import { BunConn } from "./conn.ts";
import { type Deadlines, deadlinesFor, type Watched } from "../deadlines.ts";

/** Whoever gets a socket's `open` callback: a listener, or a connect attempt. */
interface Opener {
  /** Takes the socket over: sets `socket.data` to its connection (or leaves itself there to drop it). */
  opened(socket: BunSocket<Owner>): void;
}
type Owner = Opener | BunConn;

/** One handler table for all sockets: per-connection state lives in `socket.data`, so no closures per socket. */
const HANDLERS: BunSocketHandler<Owner> = {
  binaryType: "uint8array", // plain Uint8Array chunks: `Buffer#slice` would alias where callers expect a copy
  open(socket) {
    (socket.data as Opener).opened(socket);
  },
  data(socket, chunk) {
    (socket.data as BunConn).onData(chunk);
  },
  drain(socket) {
    (socket.data as BunConn).onDrain();
  },
  end(socket) {
    if (socket.data instanceof BunConn) socket.data.onEnd();
  },
  error(socket, error) {
    if (socket.data instanceof BunConn) socket.data.onError(error);
  },
  close(socket, error) {
    if (socket.data instanceof BunConn) socket.data.onClose(error);
  },
  // A failed connect: with this handler, Bun marks the rejection of `Bun.connect`'s promise as handled (Bun
  // 1.4), so that promise needs no reaction of ours; `tests/net/conformance.ts` checks that no rejection is
  // reported unhandled.
  connectError(socket, error) {
    (socket.data as ConnectAttempt).failed(error);
  },
};

/** A {@linkcode TcpListener} over `Bun.listen`. Bun accepts eagerly, so `backlog` has no effect. */
export class BunTcpListener implements TcpListener, Opener {
  #listener: BunListener | null = null;
  #addr: NetAddr = netAddr("0.0.0.0", 0);
  #ready: BunConn[] = [];
  #acceptor: PromiseWithResolvers<Conn | null> | null = null;
  /** Set by `serve()`: gets each connection in its `open` callback. */
  #onConn: ((conn: Conn) => void) | null = null;
  #isClosed = false;

  /** Binds; throws the runtime's error. */
  listen(hostname: string, port: number): void {
    const listener = bun.listen<Owner>({
      hostname,
      port,
      allowHalfOpen: true,
      data: this,
      socket: HANDLERS,
    });
    const bound: { address?: string; port?: number } = {};
    listener.getsockname(bound);
    this.#listener = listener;
    this.#addr = netAddr(bound.address ?? listener.hostname, bound.port ?? listener.port);
  }

  /** The bound address. */
  get addr(): NetAddr {
    return this.#addr;
  }

  /** @internal Called by the `open` handler: hands the new connection over, or queues it for `accept()`. */
  opened(socket: BunSocket<Owner>): void {
    // The local port is the listener's (routing by port needs nothing more); the local IP on a wildcard listener
    // and the client's address are read on first use (see `BunConn.localAddr` and `BunConn.remoteAddr`).
    const conn = new BunConn(socket, undefined, this.#addr);
    // Set before the handler runs: a handler that closes the connection at once (a connection limit) makes Bun
    // run the `close` callback right away, and that must reach the connection.
    socket.data = conn;
    if (this.#isClosed) {
      conn.close();
    } else if (this.#onConn !== null) {
      this.#onConn(conn);
    } else if (this.#acceptor !== null) {
      this.#acceptor.resolve(conn);
      this.#acceptor = null;
    } else this.#ready.push(conn);
  }

  /** Resolves with the next connection (its early bytes are buffered); `null` once closed. */
  accept(): Promise<Conn | null> {
    if (this.#ready.length > 0) return Promise.resolve(this.#ready.shift()!);
    if (this.#isClosed) return Promise.resolve(null);
    this.#acceptor = Promise.withResolvers<Conn | null>();
    return this.#acceptor.promise;
  }

  /** Hands every connection to `onConn` from now on, those queued for `accept()` first (see `TcpListener`). */
  serve(onConn: (conn: Conn) => void): void {
    this.#onConn = onConn;
    for (const conn of this.#ready.splice(0)) onConn(conn);
  }

  /** Stops listening and closes connections nobody accepted yet; accepted ones stay open. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#listener?.stop(false);
    for (const conn of this.#ready.splice(0)) conn.close();
    this.#acceptor?.resolve(null);
    this.#acceptor = null;
  }
}

/** Binds a TCP listener; rejects with a message naming the address and the reason. */
export function listenTcp(options: ListenTcpOptions): Promise<TcpListener> {
  const listener = new BunTcpListener();
  try {
    listener.listen(options.hostname, options.port);
  } catch (error) {
    const target = hostPort(options.hostname, options.port);
    return Promise.reject(netError("Cannot listen on", target, errorCode(error), error));
  }
  return Promise.resolve(listener);
}

/**
 * A pending `Bun.connect`: settles its one promise on `open`, on failure, on abort or at its deadline; a socket
 * that opens after the attempt gave up is dropped (Bun cannot cancel a pending connect).
 */
class ConnectAttempt implements Opener {
  readonly promise: Promise<Conn>;
  #resolve!: (conn: Conn) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;
  readonly #hostname: string;
  readonly #port: number;
  /** The target when it is an IP literal (then the socket's remote address is known without asking). */
  readonly #remote: NetAddr | undefined;
  #signal: AbortSignal | undefined;
  #deadlines: Deadlines | undefined;
  #timer: Watched | undefined;

  constructor(hostname: string, port: number) {
    this.#hostname = hostname;
    this.#port = port;
    this.#remote = literalTarget(hostname, port);
    this.promise = new Promise<Conn>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Gives up after `ms` with code `ETIMEDOUT` (on the shared timer of that limit). */
  watch(ms: number): void {
    this.#deadlines = deadlinesFor(ms);
    this.#timer = this.#deadlines.watch(() =>
      this.fail(netError("Cannot connect to", this.#target, "ETIMEDOUT"))
    );
  }

  /** Gives up with `signal.reason` when it aborts. */
  listen(signal: AbortSignal): void {
    this.#signal = signal;
    signal.addEventListener("abort", this, { once: true });
  }

  /** The `abort` event of the signal given to {@linkcode ConnectAttempt.listen}. */
  handleEvent(): void {
    this.fail(this.#signal!.reason);
  }

  opened(socket: BunSocket<Owner>): void {
    if (this.#settled) {
      socket.terminate(); // `data` stays this attempt: no connection callback for a dropped socket
      return;
    }
    // The local endpoint is read only if asked for (see `BunConn.localAddr`).
    const conn = new BunConn(socket, this.#remote ?? netAddr(socket.remoteAddress, socket.remotePort));
    socket.data = conn;
    this.#settle();
    this.#resolve(conn);
  }

  /** `Bun.connect` rejected: the runtime's error, named after the target. */
  failed(error: unknown): void {
    this.fail(netError("Cannot connect to", this.#target, errorCode(error), error));
  }

  /** Rejects with `reason` unless settled already. */
  fail(reason: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(reason);
  }

  get #target(): string {
    return hostPort(this.#hostname, this.#port);
  }

  #settle(): void {
    this.#settled = true;
    this.#signal?.removeEventListener("abort", this);
    if (this.#timer !== undefined) this.#deadlines!.done(this.#timer);
  }
}

const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[\da-fA-F:.]*:[\da-fA-F:.]*)$/;

/** The last target asked for, kept because a backend connects to the same one again and again. */
let lastTarget: { hostname: string; port: number; addr: NetAddr | undefined } | undefined;

/** The address of a target given as an IP literal (`undefined` for a host name). */
function literalTarget(hostname: string, port: number): NetAddr | undefined {
  const last = lastTarget;
  if (last !== undefined && last.hostname === hostname && last.port === port) return last.addr;
  const addr = IP_LITERAL.test(hostname) ? netAddr(hostname, port) : undefined;
  lastTarget = { hostname, port, addr };
  return addr;
}

/**
 * Connects; an abort rejects at once with `signal.reason`, a timeout with code `ETIMEDOUT`, and the socket
 * is dropped if it opens later. One promise per connect and no closure but the deadline's: this runs for
 * every proxied connection. Failures arrive through the `connectError` handler, not through `Bun.connect`'s
 * own promise, which is left without a reaction.
 */
export function connectTcp(options: ConnectTcpOptions): Promise<Conn> {
  const { hostname, port, signal, timeout } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const attempt = new ConnectAttempt(hostname, port);
  try {
    void bun.connect<Owner>({ hostname, port, allowHalfOpen: true, data: attempt, socket: HANDLERS });
  } catch (error) {
    attempt.failed(error); // an invalid hostname or port throws before any promise
    return attempt.promise;
  }
  if (signal !== undefined) attempt.listen(signal);
  if (timeout !== undefined) attempt.watch(timeout);
  return attempt.promise;
}
