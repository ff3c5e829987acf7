/**
 * The upstream side of http-proxy: `node:http`/`node:https` with a keep-alive agent, bodies streamed with
 * backpressure both ways. Chosen over `fetch` because it forwards exactly what it is given on Deno and Bun
 * alike: Deno's `fetch` decompresses gzip/br bodies (with no opt-out), ignores a Host header, adds
 * `accept-language`/`user-agent` and turns a Content-Length body into a chunked one.
 *
 * @module
 */
import http from "node:http";
import https from "node:https";
import type { Logger } from "../logging/logger.ts";
import { forwardResponseHeaders, type Forwarded } from "./forward.ts";
import type { ProxyConfig } from "./proxy_config.ts";
import { Watchdog, type WatchdogReason } from "./watchdog.ts";

/** Statuses whose responses carry no body. */
const NO_BODY = new Set([204, 205, 304]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

class GatewayTimeout extends Error {
  override name = "GatewayTimeout";
}

/** The keep-alive connection pool and request sender of one http-proxy backend. */
export class Upstream {
  #config: ProxyConfig;
  #agent: http.Agent;
  #mod: typeof http | typeof https;
  #host: string;
  #port: number;
  #log: Logger;

  constructor(config: ProxyConfig, logger: Logger) {
    this.#config = config;
    const tls = config.address.protocol === "https:";
    this.#mod = tls ? https : http;
    this.#agent = new (tls ? https.Agent : http.Agent)({ keepAlive: true, scheduling: "lifo" });
    this.#host = config.address.hostname.replace(/^\[(.*)\]$/, "$1");
    this.#port = Number(config.address.port || (tls ? 443 : 80));
    this.#log = logger;
  }

  /** Host and port requests go to, for health checks and logs. */
  get target(): { host: string; port: number; tls: boolean } {
    return { host: this.#host, port: this.#port, tls: this.#mod === https };
  }

  /**
   * Sends one request and resolves with the response for the client: the upstream's (body streamed), 502
   * when the upstream cannot be reached or fails before answering, 504 when a timeout expires first. Never
   * rejects. `signal` aborts the upstream request (client gone).
   */
  send(
    method: string,
    fwd: Forwarded,
    body: ReadableStream<Uint8Array> | null,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    return new Promise((resolve) => this.#attempt(method, fwd, body, signal, resolve, true));
  }

  /** Closes pooled connections (backend removed). */
  close(): void {
    this.#agent.destroy();
  }

  #attempt(
    method: string,
    fwd: Forwarded,
    body: ReadableStream<Uint8Array> | null,
    signal: AbortSignal | undefined,
    resolve: (r: Response) => void,
    mayRetry: boolean,
  ): void {
    let answered = false;
    let finished = false;
    const creq = this.#mod.request({
      host: this.#host,
      port: this.#port,
      method,
      path: fwd.target,
      headers: fwd.headers.flat(),
      agent: this.#agent,
      setHost: false,
    });
    // Destroying with an error does not guarantee that error reaches "error": remember why.
    let expired: GatewayTimeout | undefined;
    const watchdog = new Watchdog(this.#config.timeout, this.#config.activityTimeout, (why: WatchdogReason) => {
      expired = new GatewayTimeout(`${why === "timeout" ? "proxy.timeout" : "proxy.activity-timeout"} expired`);
      creq.destroy(expired);
    });
    const onAbort = () => {
      if (!finished) creq.destroy(new Error("client went away"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      finished = true;
      watchdog.stop();
      signal?.removeEventListener("abort", onAbort);
    };
    creq.once("close", done);
    creq.on("error", (err: Error & { code?: string }) => {
      if (answered) return; // the response body stream reports it
      done();
      // A pooled connection the upstream closed just as it was reused: safe to try once more without a body.
      if (mayRetry && body === null && IDEMPOTENT.has(method) && creq.reusedSocket && err.code === "ECONNRESET") {
        this.#attempt(method, fwd, body, signal, resolve, false);
        return;
      }
      answered = true;
      if (signal?.aborted) {
        this.#log.debug(`Request ${method} ${fwd.target} abandoned: the client went away`);
        resolve(new Response(null, { status: 502 })); // nobody reads it
        return;
      }
      resolve(failure(expired ?? err, this.#log, `${method} ${fwd.target}`));
    });
    creq.on("response", (res: http.IncomingMessage) => {
      answered = true;
      watchdog.touch();
      const status = res.statusCode ?? 502;
      const headers = forwardResponseHeaders(this.#config, res.rawHeaders, fwd.vars);
      const empty = method === "HEAD" || NO_BODY.has(status);
      try {
        const stream = empty ? null : bodyStream(res, watchdog, () => {
          done();
          creq.destroy();
        });
        if (empty) res.resume();
        resolve(new Response(stream, { status, headers }));
      } catch (err) {
        res.destroy();
        resolve(failure(err as Error, this.#log, `${method} ${fwd.target}`));
      }
      res.on("error", () => {}); // reported through the body stream's "close"
      res.once("close", done);
      res.once("end", () => {
        done();
        if (!creq.writableEnded) creq.destroy(); // answered before the whole body was sent: stop sending
      });
    });
    if (body === null) creq.end();
    else void pump(body, creq, watchdog);
  }
}

/** Copies the client's body to the upstream request with backpressure; on a failure both are aborted. */
async function pump(body: ReadableStream<Uint8Array>, creq: http.ClientRequest, watchdog: Watchdog): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      watchdog.touch();
      if (creq.destroyed) throw new Error("upstream request ended");
      if (!creq.write(value)) await drained(creq);
    }
    creq.end();
  } catch (err) {
    reader.cancel(err).catch(() => {});
    creq.destroy(err as Error);
  }
}

function drained(creq: http.ClientRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      creq.off("close", gone);
      resolve();
    };
    const gone = () => {
      creq.off("drain", ok);
      reject(new Error("upstream request closed"));
    };
    creq.once("drain", ok);
    creq.once("close", gone);
  });
}

/** The upstream response body as a web stream that pauses the socket while the client is slow. */
function bodyStream(res: http.IncomingMessage, watchdog: Watchdog, abort: () => void): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(c) {
      res.on("data", (chunk: Uint8Array) => {
        if (closed) return;
        watchdog.touch();
        c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((c.desiredSize ?? 1) <= 0) res.pause();
      });
      res.once("end", () => {
        if (closed) return;
        closed = true;
        c.close();
      });
      res.once("close", () => {
        if (closed) return;
        closed = true;
        // Ended without its last byte: the client must see a cut, not a short body.
        c.error(new Error("upstream response ended early"));
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      closed = true;
      abort();
      res.destroy();
    },
  }, { highWaterMark: 4 });
}

function failure(err: Error & { code?: unknown }, log: Logger, what: string): Response {
  if (err instanceof GatewayTimeout) {
    log.warn(`Upstream timed out for ${what}: ${err.message}`);
    return new Response(`Gateway timeout: ${err.message}\n`, { status: 504 });
  }
  const why = typeof err.code === "string" ? err.code : err.message;
  log.warn(`Upstream failed for ${what}: ${why}`);
  return new Response(`Bad gateway: the upstream failed (${why})\n`, { status: 502 });
}
