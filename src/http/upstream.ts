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
import { type Forwarded, forwardResponseHeaders } from "./forward.ts";
import type { ProxyConfig } from "./proxy_config.ts";
import { Watchdog, type WatchdogReason } from "./watchdog.ts";
import { bodyStream, collect, pump, SMALL_BODY } from "./bodies.ts";

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
    let answered = false; // resolved (or streaming): later errors are the body stream's business
    let responded = false; // the upstream's head arrived: never retry
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
    const watchdog = new Watchdog(
      this.#config.timeout,
      this.#config.activityTimeout,
      (why: WatchdogReason) => {
        expired = new GatewayTimeout(
          `${why === "timeout" ? "proxy.timeout" : "proxy.activity-timeout"} expired`,
        );
        creq.destroy(expired);
      },
    );
    const onAbort = () => {
      if (!finished) creq.destroy(new Error("client went away"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      finished = true;
      watchdog.stop();
      signal?.removeEventListener("abort", onAbort);
    };
    creq.once("socket", noDelay);
    creq.once("close", done);
    creq.on("error", (err: Error & { code?: string }) => {
      if (answered) return; // the response body stream reports it
      done();
      // A pooled connection the upstream closed just as it was reused: safe to try once more without a body.
      if (
        mayRetry && !responded && body === null && IDEMPOTENT.has(method) && creq.reusedSocket &&
        err.code === "ECONNRESET"
      ) {
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
      responded = true;
      answered = true;
      watchdog.touch();
      const status = res.statusCode ?? 502;
      const headers = forwardResponseHeaders(this.#config, res.rawHeaders, fwd.vars);
      const empty = method === "HEAD" || NO_BODY.has(status);
      const length = Number(res.headers["content-length"] ?? NaN);
      res.on("error", () => {}); // reported through "close" without "end"
      if (!empty && length <= SMALL_BODY) {
        // A small body is collected and answered as bytes: the runtime servers' fast path, and Bun keeps the
        // Content-Length (it sends a stream chunked). Bounded by SMALL_BODY per request.
        answered = false;
        collect(res, watchdog, length).then(
          (body) => {
            answered = true;
            resolve(respond(body, status, headers, this.#log, `${method} ${fwd.target}`).response);
          },
          (err: Error) => {
            if (answered) return;
            answered = true;
            creq.destroy();
            resolve(failure(expired ?? err, this.#log, `${method} ${fwd.target}`));
          },
        );
      } else {
        const stream = empty ? null : bodyStream(res, watchdog, () => {
          done();
          creq.destroy();
        });
        if (empty) res.resume();
        const r = respond(stream, status, headers, this.#log, `${method} ${fwd.target}`);
        if (!r.ok) res.destroy();
        resolve(r.response);
      }
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

/** Small requests and answers must not wait for Nagle's algorithm (40 ms stalls with delayed ACKs). */
function noDelay(socket: { setNoDelay(on?: boolean): unknown }): void {
  socket.setNoDelay(true);
}

/** The client's response; a 502 (`ok: false`) when the runtime refuses the upstream's status or headers. */
function respond(
  body: BodyInit | null,
  status: number,
  headers: [string, string][],
  log: Logger,
  what: string,
): { response: Response; ok: boolean } {
  try {
    // Deno's Response refuses these, Bun's takes 101 and its server then waits on a connection that switched
    // to nothing: a 1xx answer that was not an upgrade is the upstream's error on both.
    if (status < 200 || status > 599) throw new Error(`the upstream answered with status ${status}`);
    return { response: new Response(body, { status, headers }), ok: true };
  } catch (err) {
    return { response: failure(err as Error, log, what), ok: false };
  }
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
