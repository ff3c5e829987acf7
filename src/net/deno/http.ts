/**
 * HTTP serving on Deno: `Deno.serve`, plus WebSocket upgrades (`Deno.upgradeWebSocket`) offered to handlers
 * through `info.upgradeWebSocket` (see `src/http/serve_extras.ts`).
 *
 * @module
 */
import type { HttpServer, ServeHttpOptions } from "../types.ts";
import { netAddr } from "../types.ts";
import type {
  HttpRequestInfoWithExtras,
  ServerWebSocket,
  WebSocketHandlers,
} from "../../http/serve_extras.ts";

/** Serves HTTP with `Deno.serve`; resolves once listening. */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        onListen: () => {},
        onError: (err) =>
          Response.json({ error: `Internal error: ${(err as Error)?.message ?? String(err)}` }, {
            status: 500,
          }),
      }, (req, info) => {
        const r = info.remoteAddr as Deno.NetAddr;
        const extras: HttpRequestInfoWithExtras = {
          remoteAddr: netAddr(r.hostname, r.port),
          upgradeWebSocket,
        };
        return options.handler(req, extras);
      });
      const a = server.addr as Deno.NetAddr;
      resolve({
        addr: netAddr(a.hostname, a.port),
        close: () => server.shutdown(),
      });
    } catch (err) {
      reject(err);
    }
  });
}

function upgradeWebSocket(request: Request, handlers: WebSocketHandlers): Response {
  let upgraded: { socket: WebSocket; response: Response };
  try {
    upgraded = Deno.upgradeWebSocket(request);
  } catch (err) {
    return new Response(`Cannot upgrade to WebSocket: ${(err as Error).message}`, { status: 400 });
  }
  const { socket, response } = upgraded;
  socket.binaryType = "arraybuffer";
  const ws: ServerWebSocket = {
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
  };
  socket.onopen = () => handlers.open?.(ws);
  socket.onmessage = (e) =>
    handlers.message?.(ws, typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  socket.onclose = (e) => handlers.close?.(ws, e.code, e.reason);
  return response;
}
