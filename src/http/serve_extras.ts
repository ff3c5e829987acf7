/**
 * What the runtime HTTP servers (`src/net/<runtime>/http.ts`) offer beyond `NetAdapter.serveHttp`'s neutral
 * contract: options for the internal server of the HTTP backends and WebSocket upgrades for tests and tools.
 * Passed and read structurally, so `ServeHttpOptions` and `HttpRequestInfo` keep their shape.
 *
 * @module
 */
import type { HttpRequestInfo, ServeHttpOptions } from "../net/types.ts";

/** Extra options of `serveHttp`. */
export interface ServeHttpExtras {
  /** Largest request body accepted, in bytes (Bun's own default is 128 MiB). @default the runtime's */
  maxRequestBodySize?: number;
  /** Seconds a connection may stay idle before the server closes it; 0 never (Bun's default is 10). */
  idleTimeout?: number;
}

/** `serveHttp` options with the extras. */
export type ServeHttpOptionsWithExtras = ServeHttpOptions & ServeHttpExtras;

/** A server-side WebSocket, the runtime's own behind a neutral face. */
export interface ServerWebSocket {
  /** Sends a text (string) or binary message. */
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** Callbacks of one upgraded WebSocket. */
export interface WebSocketHandlers {
  open?(ws: ServerWebSocket): void;
  message?(ws: ServerWebSocket, data: string | Uint8Array): void;
  close?(ws: ServerWebSocket, code: number, reason: string): void;
}

/** Per-request extras the runtime servers put in `info`. */
export interface HttpRequestInfoExtras {
  /**
   * Upgrades the request to a WebSocket; the handler returns the response it gets (a 101, or a 400 when the
   * request is not a valid upgrade).
   */
  upgradeWebSocket?(request: Request, handlers: WebSocketHandlers): Response;
}

/** `HttpRequestInfo` with the extras. */
export type HttpRequestInfoWithExtras = HttpRequestInfo & HttpRequestInfoExtras;
