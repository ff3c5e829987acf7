/**
 * HTTP test peers: a named upstream on the runtime's own HTTP server (it reports what it received, streams
 * large bodies, sleeps on demand and echoes WebSocket messages), and a curl runner.
 */
import { spawn } from "node:child_process";
import { net } from "./net.ts";
import type { HttpRequestInfoWithExtras, ServeHttpOptionsWithExtras } from "../../src/http/serve_extras.ts";

/** What the upstream saw of one request (the JSON body of its default answer). */
export interface Seen {
  name: string;
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  peerPort: number;
}

/** A running test upstream. */
export interface TestUpstream {
  port: number;
  name: string;
  /** Requests answered so far. */
  requests: number;
  /** Body bytes the current (or last) `/count` request has received so far. */
  receiving: number;
  close(): Promise<void>;
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/**
 * Starts an upstream on 127.0.0.1. Paths:
 * - `/bytes?n=N`: N bytes of `a`, streamed 64 KiB at a time (with Content-Length);
 * - `/count`: reads the request body (progress in `receiving`) and answers `<bytes received>`;
 * - `/sleep?ms=N`: answers after N ms; `/drip?ms=N`: sends `first\n` at once, then `last\n` after N ms;
 * - `/status?code=N`: answers with that status;
 * - `/ws`: a WebSocket echo (messages come back prefixed with the name);
 * - anything else: JSON {@linkcode Seen}, with header `x-upstream: <name>`.
 */
export async function startUpstream(name: string, options: { port?: number } = {}): Promise<TestUpstream> {
  const n = await net();
  const state = { requests: 0, receiving: 0 };
  const serveOptions: ServeHttpOptionsWithExtras = {
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    handler: async (req, info) => {
      state.requests++;
      const url = new URL(req.url);
      const q = (k: string) => Number(url.searchParams.get(k) ?? 0);
      const h = { "x-upstream": name };
      switch (url.pathname) {
        case "/bytes": {
          const total = q("n");
          let sent = 0;
          const body = new ReadableStream<Uint8Array>({
            pull(c) {
              if (sent >= total) return c.close();
              const k = Math.min(CHUNK.length, total - sent);
              c.enqueue(CHUNK.slice(0, k));
              sent += k;
            },
          }, { highWaterMark: 1 });
          return new Response(body, { headers: { ...h, "content-length": String(total) } });
        }
        case "/count": {
          state.receiving = 0;
          if (req.body) { for await (const c of req.body) state.receiving += c.length; }
          return new Response(String(state.receiving), { headers: h });
        }
        case "/sleep":
          await new Promise((r) => setTimeout(r, q("ms")));
          return new Response(`slept ${q("ms")}`, { headers: h });
        case "/drip": {
          const enc = new TextEncoder();
          let step = 0;
          const body = new ReadableStream<Uint8Array>({
            async pull(c) {
              if (step++ === 0) return c.enqueue(enc.encode("first\n"));
              await new Promise((r) => setTimeout(r, q("ms")));
              c.enqueue(enc.encode("last\n"));
              c.close();
            },
          }, { highWaterMark: 0 });
          return new Response(body, { headers: h });
        }
        case "/status": {
          const code = q("code");
          return new Response([204, 205, 304].includes(code) ? null : `status ${code}`, {
            status: code,
            headers: h,
          });
        }
        case "/ws": {
          const up = (info as HttpRequestInfoWithExtras).upgradeWebSocket;
          if (!up) return new Response("no WebSocket support", { status: 501 });
          return up(req, {
            message: (ws, data) => ws.send(typeof data === "string" ? `${name}:${data}` : data),
          });
        }
      }
      const seen: Seen = {
        name,
        method: req.method,
        url: req.url,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        peerPort: info.remoteAddr.port,
      };
      return Response.json(seen, { headers: h });
    },
  };
  const server = await n.serveHttp(serveOptions);
  return {
    port: server.addr.port,
    name,
    get requests() {
      return state.requests;
    },
    get receiving() {
      return state.receiving;
    },
    close: () => server.close(),
  };
}

/** Result of {@linkcode curl}. */
export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs curl with `args` (stdin from `input` when given); never rejects on a non-zero exit. */
export function curl(
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => stdout += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => stderr += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
