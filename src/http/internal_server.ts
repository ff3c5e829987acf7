/**
 * The internal HTTP server of an HTTP backend: the runtime's own HTTP/1.1 server (`NetAdapter.serveHttp`) on a
 * loopback port, into which each routed client connection is relayed. The request handler gets the pmmux
 * connection context (real client address, `tls` and `tls.sni` properties) by the source port of the loopback
 * connection, which is the remote port the internal server sees.
 *
 * Why this shape: the runtime servers parse HTTP/1.1 (keep-alive, chunked bodies, pipelining) so pmmux does
 * not; a loopback TCP hop keeps the client's address (a Unix socket would not), and `node:http`'s
 * `emit("connection")` breaks keep-alive on Deno.
 *
 * Cost, measured on the 2-core development machine (wrk, 32 keep-alive connections, small answers): the runtime
 * server alone with Hono serves 63k (Bun) to 95k (Deno) requests/s; behind the relay hop 33-36k/s; the whole
 * `http-response` path through pmmux 17-23k/s while other jobs loaded the machine (bench/http.ts). A new client
 * connection costs one extra loopback connect (the port map is a `Map` lookup per request).
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import { relay } from "../core/relay.ts";
import type { Conn, HttpRequestInfo, HttpServer, NetAdapter, NetAddr } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { ServeHttpOptionsWithExtras } from "./serve_extras.ts";

/** ms the internal server may still write after the client ended its side, before both sides are closed. */
const HALF_CLOSE_LINGER = 2000;

/** A routed connection as request handlers see it. */
export interface RoutedConn {
  /** The pmmux connection context (real client address, properties). */
  readonly ctx: ConnContext;
  /**
   * Aborted when the client connection ends, so work for its requests can stop. (Used instead of
   * `request.signal`, which Deno also aborts after every successful response.)
   */
  readonly signal: AbortSignal;
}

/** Answers one request of a routed connection. */
export type InternalHandler = (
  request: Request,
  conn: RoutedConn,
  info: HttpRequestInfo,
) => Response | Promise<Response>;

/** Options for {@linkcode InternalHttpServer}. */
export interface InternalHttpServerOptions {
  /** The runtime's sockets and HTTP server. */
  readonly net: NetAdapter;
  /** The request handler (a Hono app's `fetch`, wrapped). */
  readonly handler: InternalHandler;
  /** Logger of the backend. */
  readonly logger: Logger;
  /** Loopback address to bind. @default "127.0.0.1" */
  readonly hostname?: string;
  /** ms without traffic either way before a client connection is closed (`idle-timeout`); 0: never. */
  readonly idleTimeout?: number;
}

/**
 * One internal server, started on first use, with the map from loopback source port to connection context.
 */
export class InternalHttpServer {
  #net: NetAdapter;
  #handler: InternalHandler;
  #log: Logger;
  #hostname: string;
  #idleTimeout: number;
  #server: Promise<HttpServer> | undefined;
  #conns = new Map<number, RoutedConn>();
  #closed = false;

  constructor(options: InternalHttpServerOptions) {
    this.#net = options.net;
    this.#handler = options.handler;
    this.#log = options.logger;
    this.#hostname = options.hostname ?? "127.0.0.1";
    this.#idleTimeout = options.idleTimeout ?? 0;
  }

  /** Connections being served now. */
  get size(): number {
    return this.#conns.size;
  }

  /**
   * Serves a routed connection: writes `first` (bytes already read from `conn`) then relays both ways until
   * either side ends. Never rejects; `conn` is closed on every path.
   */
  async serve(conn: Conn, ctx: ConnContext, first?: Uint8Array): Promise<void> {
    let inner: Conn;
    try {
      const server = await this.#start();
      inner = await this.#net.connectTcp({ hostname: server.addr.ip, port: server.addr.port });
    } catch (err) {
      ctx.closeReason = "error";
      this.#log.warn(
        `Connection ${ctx.id}: cannot reach the internal HTTP server: ${(err as Error).message}`,
      );
      conn.close();
      return;
    }
    const port = inner.localAddr.port;
    const ac = new AbortController();
    const routed: RoutedConn = { ctx, signal: ac.signal };
    this.#conns.set(port, routed);
    let linger: ReturnType<typeof setTimeout> | undefined;
    // The runtime servers take a client's end (even a half-close) as "gone" and may then neither answer nor
    // close: stop its requests at once and give the server a moment to finish before closing both sides.
    const client = new ClientSide(conn, () => {
      ac.abort();
      linger ??= setTimeout(() => {
        inner.close();
        conn.close();
      }, HALF_CLOSE_LINGER);
    });
    try {
      if (first && first.length > 0) {
        await inner.write(first);
        ctx.ingressBytes += first.length;
      }
      const r = await relay(client, inner, { context: ctx, idleTimeout: this.#idleTimeout });
      ctx.ingressBytes += r.clientToUpstream;
      ctx.egressBytes += r.upstreamToClient;
      ctx.closeReason = r.reason === "upstream" ? "backend" : r.reason;
    } catch {
      ctx.closeReason = "error";
    } finally {
      clearTimeout(linger);
      if (this.#conns.get(port) === routed) this.#conns.delete(port);
      inner.close();
      conn.close();
      ac.abort();
    }
  }

  /** Stops the server (backend removed). Connections being relayed are closed by their own signals. */
  async close(): Promise<void> {
    this.#closed = true;
    const s = this.#server;
    this.#server = undefined;
    if (s) await (await s.catch(() => undefined))?.close().catch(() => {});
  }

  #start(): Promise<HttpServer> {
    if (this.#closed) return Promise.reject(new Error("the backend was removed"));
    if (!this.#server) {
      const options: ServeHttpOptionsWithExtras = {
        hostname: this.#hostname,
        port: 0,
        handler: (req, info) => this.#dispatch(req, info),
        // Bodies are streamed, so no size cap is needed; idle client connections are closed by the relay
        // (`idle-timeout`), not by the runtime's server.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        idleTimeout: 0,
      };
      this.#server = this.#net.serveHttp(options);
      this.#server.then(
        (s) => this.#log.debug(`Internal HTTP server listening on ${s.addr.ip}:${s.addr.port}`),
        () => this.#server = undefined,
      );
    }
    return this.#server;
  }

  #dispatch(req: Request, info: HttpRequestInfo): Response | Promise<Response> {
    const routed = this.#conns.get(info.remoteAddr.port);
    if (!routed) {
      // Someone on this host connected to the loopback port directly: not a routed connection.
      return new Response("Not a routed connection\n", { status: 403, headers: { connection: "close" } });
    }
    return this.#handler(req, routed, info);
  }
}

/** The client's connection as the relay reads it, reporting its end (FIN or error) once. */
class ClientSide implements Conn {
  #conn: Conn;
  #onEnd: (() => void) | undefined;
  #ended = (chunk: Uint8Array | null): Uint8Array | null => {
    if (chunk === null) this.#end();
    return chunk;
  };
  #failed = (err: unknown): never => {
    this.#end();
    throw err;
  };

  constructor(conn: Conn, onEnd: () => void) {
    this.#conn = conn;
    this.#onEnd = onEnd;
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
    return this.#conn.read().then(this.#ended, this.#failed);
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.#conn.write(chunk);
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite();
  }

  close(): void {
    this.#conn.close();
  }

  #end(): void {
    const fn = this.#onEnd;
    this.#onEnd = undefined;
    fn?.();
  }
}
