/**
 * Runtime-neutral socket interfaces. Everything outside `src/net/<runtime>/` works on these only, so a
 * negotiator can hand the router a wrapped connection (TLS-decrypted, PROXY-header-stripped) in place of a
 * raw socket.
 *
 * @module
 */

/** IP address family of an endpoint. */
export type AddressFamily = "ipv4" | "ipv6";

/** A network endpoint. `ip` is a literal without brackets (`127.0.0.1`, `::1`). */
export interface NetAddr {
  /** IP literal. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are reported as plain IPv4. */
  readonly ip: string;
  /** Port number. */
  readonly port: number;
  /** Address family of `ip`. */
  readonly family: AddressFamily;
}

/**
 * A connected, bidirectional byte stream (TCP or something layered on it).
 *
 * Contract:
 * - `read()` resolves with the next chunk, or `null` at end of stream (the peer sent FIN). The chunk is only
 *   valid until the next call to `read()`: implementations may reuse its memory. At most one read is pending.
 * - `write()` resolves once the whole chunk has been handed to the transport, so awaiting it gives
 *   backpressure; the caller may reuse the chunk afterwards. At most one write is pending.
 * - `closeWrite()` sends FIN after pending writes; reading continues (half-close). It never rejects: on a
 *   closed or broken connection there is nothing left to shut down.
 * - `close()` releases the connection at once; pending reads resolve `null` or reject, pending writes reject.
 *   It never throws and may be called more than once. Reads after it resolve `null`, writes reject.
 * - Errors (reset, broken pipe) reject the pending `read()`/`write()` with an `Error` carrying a POSIX-style
 *   `code` (`ECONNRESET`, `EPIPE`); they never surface as unhandled rejections. A reset may also just end
 *   the stream (`null`): Deno reports some resets that way.
 * - `closed` never rejects. It resolves on `close()`, after an error, or once both directions have ended
 *   (EOF read and FIN sent). Some runtimes (Deno) notice a peer's close only by reading.
 */
export interface Conn {
  /**
   * The local endpoint (for an accepted connection, the real destination the client connected to). A
   * connection from `connectTcp`, or one accepted on a wildcard address, may read it on first use (the Bun
   * adapter does): read it while the connection is open; asked for the first time after a close, it may be the
   * unspecified address, with port 0 or (accepted) the listener's port.
   */
  readonly localAddr: NetAddr;
  /**
   * The local port when the adapter knows it without asking the socket (an accepted connection has its
   * listener's port), so routing by port need not read {@linkcode Conn.localAddr}, whose IP the Bun adapter
   * reads on first use for a connection accepted on a wildcard address. Otherwise `undefined`.
   */
  readonly localPort?: number;
  /**
   * The remote endpoint. An accepted connection may read it on first use (the Bun adapter does): read it while
   * the connection is open; asked for the first time after a close, it may be the unspecified address with
   * port 0.
   */
  readonly remoteAddr: NetAddr;
  /** Reads the next chunk; `null` at end of stream. */
  read(): Promise<Uint8Array | null>;
  /** Writes the whole chunk; resolves when the chunk may be reused. */
  write(chunk: Uint8Array): Promise<void>;
  /** Shuts down the write half (FIN). */
  closeWrite(): Promise<void>;
  /** Closes both halves at once. */
  close(): void;
  /** Resolves when the connection is fully closed (by either side or by `close()`). */
  readonly closed: Promise<void>;
  /**
   * Optional fast path for the relay (`src/core/relay.ts`): when `other` is a native socket of the same
   * runtime and neither connection has a read or write pending, the adapter relays between the two itself
   * (the runtime's callbacks or a tight read/write loop, no `read()`/`write()` promise per chunk) and returns
   * `true`; otherwise it returns `false` and nothing has changed, so the caller pumps with `read`/`write`.
   *
   * `head` is written to `other` before anything read from this connection (bytes a caller already read, such
   * as a preview). The semantics are those of the relay: backpressure both ways, a FIN is passed on once what
   * came before it is written, an error on either side closes both. `onDone` is called once, when both
   * directions have ended or either connection was closed, and both are closed by then; it is a callback, not
   * a promise, so that the end of a connection costs no promise reaction (see `bench/README.md`).
   */
  splice?(other: Conn, stats: SpliceStats, head: Uint8Array | undefined, onDone: () => void): boolean;
  /**
   * Optional callback form of `read()`, for a caller that decides on the first bytes (the router's preview):
   * the next chunk goes to `reader.chunk` (`null` at the end of stream or after `close()`), a read error to
   * `reader.failed`, exactly once. The call is synchronous when the outcome is known already (a queued chunk,
   * the end, an error), otherwise it comes from the runtime's own data callback, with no promise in between;
   * so the reader must not throw. Not to be mixed with a pending `read()`.
   */
  readThen?(reader: ChunkReader): void;
}

/** Gets the outcome of one {@linkcode Conn.readThen}. */
export interface ChunkReader {
  /** The next chunk, or `null` at the end of stream. */
  chunk(chunk: Uint8Array | null): void;
  /** The read failed (the same error `read()` would reject with). */
  failed(error: unknown): void;
}

/** What a running splice reports (updated as it runs, read by the relay's idle check and for its result). */
export interface SpliceStats {
  /** Bytes copied from the connection `splice` was called on to `other` (including `head`). */
  aToB: number;
  /** Bytes copied from `other` to the connection `splice` was called on. */
  bToA: number;
  /** Chunks copied either way (the idle check samples it). */
  chunks: number;
  /** Which side sent FIN first: `a` (this connection), `b` (`other`), or `""`. */
  firstEnd: "" | "a" | "b";
  /** True when a read or write failed (reset, broken pipe). */
  failed: boolean;
}

/** Fresh {@linkcode SpliceStats}. */
export function spliceStats(): SpliceStats {
  return { aToB: 0, bToA: 0, chunks: 0, firstEnd: "", failed: false };
}

/** A TCP listening socket. */
export interface TcpListener {
  /** The bound address (with the real port when 0 was asked for). */
  readonly addr: NetAddr;
  /**
   * Resolves with the next accepted connection, or `null` once the listener is closed. Rejects on a
   * transient accept error (too many open files); the listener stays usable, so call again after a pause.
   * A connection its peer reset before it was accepted is no such error: `accept()` either passes it over
   * or resolves with it (its first read then reports the reset or the end).
   */
  accept(): Promise<Conn | null>;
  /**
   * Optional push form of `accept()`, for a runtime that accepts in a callback (Bun): from this call on, each
   * accepted connection is handed to `onConn` as it opens, with no promise per connection; connections
   * waiting for `accept()` go first. `accept()` must not be used after it. Absent where accepting is a
   * pull (Deno): callers loop on `accept()` then.
   */
  serve?(onConn: (conn: Conn) => void): void;
  /** Stops accepting; a pending `accept()` resolves `null`. Established connections are not affected. */
  close(): void;
}

/** Options for {@linkcode NetAdapter.listenTcp}. */
export interface ListenTcpOptions {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`). */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Listen backlog; best effort (Bun accepts eagerly and has no such option). @default 100 */
  backlog?: number;
}

/** Options for {@linkcode NetAdapter.connectTcp}. */
export interface ConnectTcpOptions {
  /** IP literal or host name. */
  hostname: string;
  /** Port. */
  port: number;
  /** Aborts the connection attempt: the promise rejects with `signal.reason` and any half-open socket is closed. */
  signal?: AbortSignal;
  /**
   * Gives up after this many ms (plus up to a twentieth of it, at most 100 ms: one shared timer serves all
   * attempts): the promise rejects with code `ETIMEDOUT` and any half-open socket is closed.
   */
  timeout?: number;
}

/** A datagram received on a {@linkcode UdpSocket}. It must not throw (an exception is swallowed). */
export type UdpHandler = (data: Uint8Array, from: NetAddr) => void;

/**
 * A bound UDP socket.
 *
 * Contract: every received datagram is delivered to the handler given at creation, whole, with its sender.
 * The handler may keep `data` (implementations hand over a fresh buffer per datagram). `send()` never throws:
 * a datagram that cannot be sent is dropped and counted by the caller via the returned `false`. Sending may
 * complete asynchronously (Deno): do not modify `data` after the call. `true` means queued, not delivered.
 */
export interface UdpSocket {
  /** The bound address. */
  readonly addr: NetAddr;
  /** Sends one datagram; returns false when it was dropped (socket closed, kernel refused). */
  send(data: Uint8Array, to: NetAddr): boolean;
  /** Closes the socket; no more datagrams are delivered. */
  close(): void;
}

/** Options for {@linkcode NetAdapter.bindUdp}. */
export interface BindUdpOptions {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`). */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Called for each received datagram. */
  onMessage: UdpHandler;
}

/** Per-request facts an HTTP handler gets from {@linkcode NetAdapter.serveHttp}. */
export interface HttpRequestInfo {
  /** The peer of the HTTP connection. */
  readonly remoteAddr: NetAddr;
}

/** Options for {@linkcode NetAdapter.serveHttp}. */
export interface ServeHttpOptions {
  /** Address to bind. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Answers one request. Exceptions become a 500 with a JSON body. */
  handler: (request: Request, info: HttpRequestInfo) => Response | Promise<Response>;
}

/** A running HTTP/1.1 server (the runtime's own: `Deno.serve` / `Bun.serve`). */
export interface HttpServer {
  /** The bound address (real port). */
  readonly addr: NetAddr;
  /** Stops accepting and closes idle connections; resolves when done. */
  close(): Promise<void>;
}

/** The capabilities one runtime provides. Chosen once at startup and passed to everything that needs it. */
export interface NetAdapter {
  /** Runtime name, for logs and `--version`. */
  readonly runtime: "deno" | "bun";
  /**
   * Opens a TCP listener. Rejects with a message naming the address and the reason
   * (`Cannot listen on "127.0.0.1:80": address already in use`) and a `code` (`EADDRINUSE`).
   */
  listenTcp(options: ListenTcpOptions): Promise<TcpListener>;
  /** Opens a TCP connection. Rejects with a message naming the address and a `code` (`ECONNREFUSED`). */
  connectTcp(options: ConnectTcpOptions): Promise<Conn>;
  /** Binds a UDP socket. Rejects like {@linkcode NetAdapter.listenTcp}. */
  bindUdp(options: BindUdpOptions): Promise<UdpSocket>;
  /** Serves HTTP/1.1 with the runtime's native server (management API, internal HTTP backends). */
  serveHttp(options: ServeHttpOptions): Promise<HttpServer>;
}

/**
 * Normalises an IP literal: strips brackets and the IPv4-mapped prefix, lower-cases IPv6.
 *
 * @example normalizeIp("::ffff:127.0.0.1") // "127.0.0.1"
 */
export function normalizeIp(ip: string): string {
  let s = ip;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  s = s.toLowerCase();
  if (s.startsWith("::ffff:") && s.indexOf(".") > 0) s = s.slice(7);
  return s;
}

/** Builds a {@linkcode NetAddr} from an IP literal and a port. */
export function netAddr(ip: string, port: number): NetAddr {
  const n = normalizeIp(ip);
  return { ip: n, port, family: n.includes(":") ? "ipv6" : "ipv4" };
}

/** Formats an address as `ip:port`, with brackets for IPv6. */
export function formatAddr(addr: NetAddr): string {
  return addr.family === "ipv6" ? `[${addr.ip}]:${addr.port}` : `${addr.ip}:${addr.port}`;
}
