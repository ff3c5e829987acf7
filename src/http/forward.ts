/**
 * What http-proxy sends upstream and back: the request path and headers (hop-by-hop headers dropped,
 * `X-Forwarded-For`/`-Proto`/`-Host` added, Host chosen, transforms applied) and the response headers.
 *
 * @module
 */
import { splitHostPort } from "./head.ts";
import { hopByHop } from "./headers.ts";
import type { HeaderTransform, ProxyConfig } from "./proxy_config.ts";
import { upstreamPath } from "./proxy_config.ts";
import { schemeOf, type TemplateVars } from "./template.ts";

/** One request as http-proxy sees it. */
export interface ForwardInput {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query with its leading `?`, or `""`. */
  readonly query: string;
  /** The client's header fields. */
  readonly headers: Iterable<readonly [string, string]>;
  /** Connection properties (`tls` decides the scheme). */
  readonly props: ReadonlyMap<string, string>;
  /** The real client IP. */
  readonly clientIp: string;
  /** The port the client connected to (for `{port}` when the Host header has none). */
  readonly localPort: number;
  /** Keep `Upgrade` and send `Connection: upgrade` (a tunnelled upgrade). @default false */
  readonly upgrade?: boolean;
  /**
   * Whether a body will be sent. Without one, `Content-Length` is dropped: a stale length would make the
   * upstream read the next request on a pooled connection as this one's body. @default true
   */
  readonly hasBody?: boolean;
}

/** The request to send upstream. */
export interface Forwarded {
  /** Path and query for the upstream request line. */
  readonly target: string;
  /** Header fields, names as they should be sent. */
  readonly headers: [string, string][];
  /** Template values of this request (for response header transforms). */
  readonly vars: TemplateVars;
}

/** Builds the upstream request of `input`. Cost: one pass over the headers. */
export function forwardRequest(config: ProxyConfig, input: ForwardInput): Forwarded {
  const fields: [string, string][] = [];
  let host: string | undefined;
  let xff: string | undefined;
  let connection: string | undefined;
  let upgrade: string | undefined;
  for (const [name, value] of input.headers) {
    const lower = name.toLowerCase();
    if (lower === "host") host ??= value;
    else if (lower === "x-forwarded-for") xff = xff === undefined ? value : `${xff}, ${value}`;
    else if (lower === "connection") {
      connection = connection === undefined ? value : `${connection}, ${value}`;
    } else if (lower === "upgrade") upgrade = value;
    fields.push([name, value]);
  }
  const drop = hopByHop(connection);
  const headers: [string, string][] = [];
  for (const f of fields) {
    const lower = f[0].toLowerCase();
    if (drop.has(lower) || lower === "host" || lower.startsWith("x-forwarded-")) continue;
    if (lower === "content-length" && input.hasBody === false) continue;
    headers.push(f);
  }
  const [h, p] = splitHostPort(host ?? "");
  const scheme = schemeOf(input.props);
  const vars: TemplateVars = {
    scheme,
    host: h,
    port: p || String(input.localPort),
    method: input.method,
    path: input.path,
    query: input.query,
  };
  headers.push(["Host", config.preserveHost && host !== undefined ? host : config.address.host]);
  if (input.upgrade && upgrade !== undefined) {
    headers.push(["Connection", "upgrade"], ["Upgrade", upgrade]);
  }
  headers.push(["X-Forwarded-For", xff ? `${xff}, ${input.clientIp}` : input.clientIp]);
  headers.push(["X-Forwarded-Proto", scheme]);
  if (host !== undefined) headers.push(["X-Forwarded-Host", host]);
  applyTransforms(headers, config.requestHeaders, vars);
  return { target: upstreamPath(config, input.path) + input.query, headers, vars };
}

/**
 * The response header fields to send to the client from the upstream's raw list (`[name, value, ...]`):
 * hop-by-hop headers dropped, response transforms applied.
 */
export function forwardResponseHeaders(
  config: ProxyConfig,
  raw: readonly string[],
  vars: TemplateVars,
): [string, string][] {
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === "connection") {
      connection = connection ? `${connection}, ${raw[i + 1]}` : raw[i + 1];
    }
  }
  const drop = hopByHop(connection);
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!drop.has(raw[i].toLowerCase())) headers.push([raw[i], raw[i + 1]]);
  }
  applyTransforms(headers, config.responseHeaders, vars);
  return headers;
}

function applyTransforms(
  headers: [string, string][],
  transforms: readonly HeaderTransform[],
  vars: TemplateVars,
) {
  for (const t of transforms) {
    for (let i = headers.length - 1; i >= 0; i--) {
      if (headers[i][0].toLowerCase() === t.lower) headers.splice(i, 1);
    }
    if (t.value) headers.push([t.name, t.value.render(vars)]);
  }
}
