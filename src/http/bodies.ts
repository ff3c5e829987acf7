/**
 * Body plumbing of http-proxy between web streams (the runtime server's side) and `node:http` streams (the
 * upstream's side), with backpressure both ways and every byte counted as activity for the watchdog.
 *
 * @module
 */
import type http from "node:http";
import type { Watchdog } from "./watchdog.ts";

/** Largest upstream body (by its Content-Length) answered as bytes instead of a stream. */
export const SMALL_BODY = 64 * 1024;

/** The whole body of a small response; rejects when the upstream stops early. */
export function collect(
  res: http.IncomingMessage,
  watchdog: Watchdog,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const out = new Uint8Array(length);
    let at = 0;
    res.on("data", (chunk: Uint8Array) => {
      watchdog.touch();
      if (at + chunk.length > length) {
        return res.destroy(new Error("upstream body longer than its Content-Length"));
      }
      out.set(chunk, at);
      at += chunk.length;
    });
    res.once(
      "end",
      () => at === length ? resolve(out) : reject(new Error("upstream body shorter than its Content-Length")),
    );
    res.once("close", () => reject(new Error("upstream closed before the end of the body")));
  });
}

/** Copies the client's body to the upstream request with backpressure; on a failure both are aborted. */
export async function pump(
  body: ReadableStream<Uint8Array>,
  creq: http.ClientRequest,
  watchdog: Watchdog,
): Promise<void> {
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
export function bodyStream(
  res: http.IncomingMessage,
  watchdog: Watchdog,
  abort: () => void,
): ReadableStream<Uint8Array> {
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
