/**
 * The http-proxy health check (SPEC §9, §11): a request to the upstream with `path` (default `/`), `method`
 * (default GET); healthy when the status is in `status` (default `200-299`; codes and ranges separated by `;`
 * or `,`).
 *
 * @module
 */
import http from "node:http";
import https from "node:https";
import { param } from "../core/backend.ts";
import type { ProxyConfig } from "./proxy_config.ts";

/** An inclusive range of status codes. */
export type StatusRange = readonly [from: number, to: number];

/**
 * Parses a status list such as `200-299;301`. Throws RangeError quoting the value.
 *
 * @example parseStatusRanges("200-299;404") // [[200, 299], [404, 404]]
 */
export function parseStatusRanges(value: string): StatusRange[] {
  const out: StatusRange[] = [];
  for (const part of value.split(/[;,]/)) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || from < 100 || to > 599 || to < from) {
      throw new RangeError(
        `status "${value}" is not a list of status codes or ranges: expected e.g. 200-299;301`,
      );
    }
    out.push([from, to]);
  }
  return out;
}

/** Options of {@linkcode checkHttp}. */
export interface HttpCheckOptions {
  readonly signal: AbortSignal;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Runs one check against the upstream on a fresh connection. Resolves when healthy; rejects with the reason.
 */
export function checkHttp(config: ProxyConfig, options: HttpCheckOptions): Promise<void> {
  const { signal, params } = options;
  const statusText = param(params, "status") ?? "200-299";
  const path = (param(params, "path") ?? "/").trim() || "/";
  const method = (param(params, "method") ?? "GET").trim().toUpperCase();
  let ranges: StatusRange[];
  try {
    ranges = parseStatusRanges(statusText);
    if (!path.startsWith("/")) throw new RangeError(`path "${path}" does not start with "/"`);
    if (!/^[A-Z]+$/.test(method)) throw new RangeError(`method "${method}" is not an HTTP method`);
  } catch (err) {
    return Promise.reject(err);
  }
  const tls = config.address.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).request({
      host: config.address.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(config.address.port || (tls ? 443 : 80)),
      method,
      path: config.basePath + path,
      headers: { host: config.address.host, connection: "close" },
      agent: false,
    }, (res) => {
      res.resume();
      res.on("error", () => {});
      const status = res.statusCode ?? 0;
      if (ranges.some(([a, b]) => status >= a && status <= b)) resolve();
      else reject(new Error(`status ${status} is not in "${statusText}"`));
    });
    const onAbort = () => req.destroy(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.on(
      "error",
      (err: Error & { code?: string }) => reject(new Error(`request failed: ${err.code ?? err.message}`)),
    );
    req.end();
  });
}
