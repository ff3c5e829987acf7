/**
 * Load clients written in the harness where no packaged tool fits: HTTP warm-up, idle connection holder, slow
 * reader. Every loop is bounded in count and in time.
 *
 * @module
 */
import { BIG_FILE_BYTES, BIG_PATH } from "./upstreams.ts";
import { sleep } from "./procs.ts";

const enc = new TextEncoder();
const GET_CLOSE = enc.encode("GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
const GET_KEEP = enc.encode("GET / HTTP/1.1\r\nHost: bench\r\n\r\n");

/** Rejects after `ms` unless `p` settles first; `onTimeout` runs on expiry (close the socket there). */
async function within<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => {
          onTimeout?.();
          reject(new Error(`${what} took more than ${ms} ms`));
        }, ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads until the HTTP response body "ok\n" has arrived (nginx's `return 200`), EOF, or 8 KiB. */
async function readOk(conn: Deno.Conn): Promise<boolean> {
  const buf = new Uint8Array(8192);
  let text = "";
  while (text.length < 8192) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
    if (text.startsWith("HTTP/1.1 200") && text.endsWith("ok\n")) return true;
  }
  return text.startsWith("HTTP/1.1 200");
}

/**
 * Warms a contender up (JIT, buffer pools) with `count` short HTTP requests, `concurrency` at a time, each a new
 * connection. Failures are counted, not thrown.
 */
export async function httpWarmup(port: number, count = 200, concurrency = 8): Promise<number> {
  let next = 0, failed = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      let conn: Deno.Conn | undefined;
      try {
        conn = await within(Deno.connect({ hostname: "127.0.0.1", port }), 3000, "connect");
        await conn.write(GET_CLOSE);
        const c = conn;
        if (!await within(readOk(c), 3000, "response", () => c.close())) failed++;
      } catch {
        failed++;
      } finally {
        try {
          conn?.close();
        } catch { /* closed on timeout */ }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

/** Connections held open by {@linkcode openIdle}. */
export interface IdleSet {
  /** Connections that completed one request and are now idle. */
  open: number;
  /** Connections that could not connect or got no response. */
  failed: number;
  /** First failure message, if any. */
  firstError: string;
  /** Closes them all. */
  close(): void;
}

/**
 * Opens `n` connections through `port`, sends one keep-alive request on each and reads the response, then
 * leaves them idle (so every contender has opened its upstream side and relayed both ways). `batch` at a time.
 */
export async function openIdle(port: number, n: number, batch = 50): Promise<IdleSet> {
  const conns: Deno.Conn[] = [];
  let failed = 0, firstError = "";
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, async () => {
      let conn: Deno.Conn | undefined;
      try {
        conn = await within(Deno.connect({ hostname: "127.0.0.1", port }), 5000, "connect");
        conns.push(conn);
        await conn.write(GET_KEEP);
        const c = conn;
        if (!await within(readOk(c), 5000, "response", () => c.close())) throw new Error("no 200 response");
      } catch (error) {
        failed++;
        firstError ||= (error as Error).message;
      }
    }));
  }
  return {
    open: n - failed,
    failed,
    firstError,
    close() {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    },
  };
}

/** Result of {@linkcode slowRead}. */
export interface SlowReadResult {
  /** Bytes of the body read. */
  bytes: number;
  /** Time spent reading, ms. */
  ms: number;
  /** True when the whole file arrived within the budget. */
  finished: boolean;
  /** Set when the connection failed. */
  error?: string;
}

/**
 * Downloads the 1 GiB file through `port` slowly: one read of at most `chunk` bytes, then a `pauseMs` pause,
 * until the file is read or `budgetMs` is spent.
 */
export async function slowRead(
  port: number,
  options: { budgetMs: number; chunk?: number; pauseMs?: number },
): Promise<SlowReadResult> {
  const chunk = options.chunk ?? 64 * 1024;
  const pauseMs = options.pauseMs ?? 1;
  const buf = new Uint8Array(chunk);
  const start = performance.now();
  const deadline = start + options.budgetMs;
  let bytes = 0;
  let conn: Deno.Conn | undefined;
  try {
    conn = await within(Deno.connect({ hostname: "127.0.0.1", port }), 5000, "connect");
    await conn.write(enc.encode(`GET ${BIG_PATH} HTTP/1.1\r\nHost: bench\r\n\r\n`));
    const c = conn;
    const first = await within(c.read(buf), 5000, "response", () => c.close());
    const head = new TextDecoder().decode(buf.subarray(0, first ?? 0));
    if (!head.startsWith("HTTP/1.1 200")) throw new Error(`unexpected response "${head.split("\r\n")[0]}"`);
    bytes = first! - (head.indexOf("\r\n\r\n") + 4);
    while (bytes < BIG_FILE_BYTES && performance.now() < deadline) {
      await sleep(pauseMs);
      const n = await within(c.read(buf), 5000, "read", () => c.close());
      if (n === null) break;
      bytes += n;
    }
    return { bytes, ms: performance.now() - start, finished: bytes >= BIG_FILE_BYTES };
  } catch (error) {
    return { bytes, ms: performance.now() - start, finished: false, error: (error as Error).message };
  } finally {
    try {
      conn?.close();
    } catch { /* closed on timeout */ }
  }
}
