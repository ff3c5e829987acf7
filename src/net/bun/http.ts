/**
 * HTTP serving on Bun: `Bun.serve`, plus WebSocket upgrades offered to handlers through
 * `info.upgradeWebSocket`, and the extra options `maxRequestBodySize` / `idleTimeout`
 * (see `src/http/serve_extras.ts`).
 *
 * @module
 */
import type { HttpServer, ServeHttpOptions } from "../types.ts";
import { netAddr } from "../types.ts";
import type {
  HttpRequestInfoWithExtras,
  ServeHttpExtras,
  ServerWebSocket,
  WebSocketHandlers,
} from "../../http/serve_extras.ts";

/** A `Bun.serve` server-side WebSocket; `data` is what `upgrade()` attached. */
interface BunWebSocket {
  data: WsData;
  send(data: string | Uint8Array): number;
  close(code?: number, reason?: string): void;
}

/** What each upgraded socket carries. */
interface WsData {
  handlers: WebSocketHandlers;
  ws: ServerWebSocket | undefined;
}

/** A running `Bun.serve` server. */
interface BunServer {
  readonly port: number;
  readonly hostname?: string;
  requestIP(req: Request): { address: string; family: string; port: number } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  upgrade(req: Request, options?: { data?: WsData; headers?: HeadersInit }): boolean;
}

/** Options of `Bun.serve`. */
interface BunServeOptions {
  hostname?: string;
  port?: number;
  maxRequestBodySize?: number;
  idleTimeout?: number;
  fetch(
    req: Request,
    server: BunServer,
  ): Response | Promise<Response> | undefined | Promise<Response | undefined>;
  error?(err: Error): Response | Promise<Response>;
  websocket?: {
    open(ws: BunWebSocket): void;
    message(ws: BunWebSocket, message: string | Uint8Array): void;
    close(ws: BunWebSocket, code: number, reason: string): void;
  };
}

const bun = (globalThis as unknown as { Bun: { serve(options: BunServeOptions): BunServer } }).Bun;

/** Returned by `upgradeWebSocket` after a successful upgrade: `Bun.serve` then wants no response. */
const UPGRADED = new Response(null, { status: 200 });

function wrap(ws: BunWebSocket): ServerWebSocket {
  return ws.data.ws ??= {
    send: (data) => void ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
}

/** Serves HTTP with `Bun.serve`; resolves once listening. */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  const extras = options as ServeHttpOptions & ServeHttpExtras;
  try {
    let server: BunServer | undefined = undefined;
    const upgradeWebSocket = (req: Request, handlers: WebSocketHandlers): Response =>
      server?.upgrade(req, { data: { handlers, ws: undefined } })
        ? UPGRADED
        : new Response("Cannot upgrade to WebSocket: not a valid upgrade request", { status: 400 });
    server = bun.serve({
      hostname: options.hostname,
      port: options.port,
      ...(extras.maxRequestBodySize !== undefined ? { maxRequestBodySize: extras.maxRequestBodySize } : {}),
      ...(extras.idleTimeout !== undefined ? { idleTimeout: extras.idleTimeout } : {}),
      fetch(req, srv) {
        const ip = srv.requestIP(req);
        const info: HttpRequestInfoWithExtras = {
          remoteAddr: netAddr(ip?.address ?? "0.0.0.0", ip?.port ?? 0),
          upgradeWebSocket,
        };
        const res = options.handler(req, info);
        if (res instanceof Promise) return res.then((r) => r === UPGRADED ? undefined : r);
        return res === UPGRADED ? undefined : res;
      },
      error: (err) =>
        Response.json({ error: `Internal error: ${err?.message ?? String(err)}` }, { status: 500 }),
      websocket: {
        open: (ws) => ws.data.handlers.open?.(wrap(ws)),
        message: (ws, message) => ws.data.handlers.message?.(wrap(ws), message),
        close: (ws, code, reason) => ws.data.handlers.close?.(wrap(ws), code, reason),
      },
    });
    const s = server;
    return Promise.resolve({
      addr: netAddr(s.hostname ?? options.hostname, s.port),
      close: async () => {
        await s.stop();
      },
    });
  } catch (err) {
    return Promise.reject(err);
  }
}
