/**
 * A real OTLP/HTTP receiver on loopback for the exporter tests: it records every request and answers what
 * the test tells it to (200 with an empty `ExportMetricsServiceResponse` by default).
 */
import { runtimeAdapter } from "../../src/net/mod.ts";

/** One request the receiver got. */
export interface Received {
  /** `Date.now()` when the request arrived. */
  at: number;
  method: string;
  path: string;
  contentType: string | null;
  userAgent: string | null;
  body: Uint8Array;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
}

/** A running receiver. */
export interface Receiver {
  /** The metrics endpoint URL. */
  url: string;
  /** Requests so far, oldest first. */
  received: Received[];
  /** Resolves once `count` requests arrived; rejects after `timeout` ms. */
  waitFor(count: number, timeout?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1. `respond(n)` (n counts from 1) picks the answer to the nth request.
 */
export async function startReceiver(
  respond: (n: number) => Response | Promise<Response> = () => Response.json({}),
): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const net = await runtimeAdapter();
  const server = await net.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    handler: async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(body));
      } catch {
        json = undefined;
      }
      received.push({
        at: Date.now(),
        method: request.method,
        path: new URL(request.url).pathname,
        contentType: request.headers.get("content-type"),
        userAgent: request.headers.get("user-agent"),
        body,
        json,
      });
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      return await respond(received.length);
    },
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1/metrics`,
    received,
    waitFor(count, timeout = 10000) {
      if (received.length >= count) return Promise.resolve(received.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Receiver got ${received.length} requests, not ${count}, in ${timeout} ms`)),
          timeout,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice(0, count));
          },
        });
      });
    },
    close: () => server.close(),
  };
}
