/**
 * Parameters of `http-proxy` (SPEC §9), validated once at startup: `proxy.address`, `proxy.preserve-host`,
 * `proxy.timeout`, `proxy.activity-timeout` and the `proxy.transform[...]` entries.
 *
 * @module
 */
import type { ParamDecl } from "../core/backend.ts";
import { param } from "../core/backend.ts";
import { parseKey } from "../matchers/mod.ts";
import { DEFAULT_HTTP_IDLE_TIMEOUT, HTTP_IDLE_PARAM, readMs } from "../backends/params.ts";
import { checkHeader } from "./headers.ts";
import { compileTemplate, type Template } from "./template.ts";

/** A header transform: set `name` to the rendered value; an empty value removes the header. */
export interface HeaderTransform {
  /** Header name as configured. */
  readonly name: string;
  /** Lower-case name. */
  readonly lower: string;
  /** The value template; `undefined` removes the header. */
  readonly value: Template | undefined;
}

/** A validated http-proxy configuration. */
export interface ProxyConfig {
  /** The upstream base URL (`http:` or `https:`). */
  readonly address: URL;
  /** Path of the address without its trailing slash (`""` for `/`), prefixed to every forwarded path. */
  readonly basePath: string;
  /** Send the client's Host header upstream instead of the address's host. */
  readonly preserveHost: boolean;
  /** ms for the whole request (0: none); expiry before the response head → 504. */
  readonly timeout: number;
  /** ms without traffic either way (0: none); expiry before the response head → 504. */
  readonly activityTimeout: number;
  /**
   * `idle-timeout`: ms without traffic either way before the client connection is closed (0: never). By
   * default the longer of 120 s and the activity timeout + 20 s, so a slow upstream gets its 504 first;
   * never when the activity timeout is off.
   */
  readonly idleTimeout: number;
  /** `idle-timeout` as given, for WebSocket and other upgraded tunnels; 0 (never) when not given. */
  readonly tunnelIdleTimeout: number;
  /** `proxy.transform[RequestHeader.Name]`, in order. */
  readonly requestHeaders: readonly HeaderTransform[];
  /** `proxy.transform[ResponseHeader.Name]`, in order. */
  readonly responseHeaders: readonly HeaderTransform[];
  /** `proxy.transform[PathPrefix]` (`""`: none), added after the removal below. */
  readonly pathPrefix: string;
  /** `proxy.transform[PathRemovePrefix]` (`""`: none), removed at a segment boundary. */
  readonly pathRemovePrefix: string;
}

/** Default `proxy.activity-timeout` (the original's YARP default). */
export const DEFAULT_ACTIVITY_TIMEOUT = 100000;

/** Parameters http-proxy declares beyond the matchers. */
export const PROXY_PARAMS: readonly ParamDecl[] = [
  { key: "proxy.address", required: true, help: "upstream absolute URL (http://host:port/base)" },
  { key: "proxy.preserve-host", help: "true: send the client's Host header upstream (default false)" },
  {
    key: "proxy.timeout",
    help: "ms for a whole request; 504 when the response has not started (default none)",
  },
  {
    key: "proxy.activity-timeout",
    help: `ms without traffic before 504/abort; 0 disables (default ${DEFAULT_ACTIVITY_TIMEOUT})`,
  },
  HTTP_IDLE_PARAM,
  {
    key: "proxy.transform[",
    help:
      "RequestHeader.Name=value, ResponseHeader.Name=value (empty removes), PathPrefix=/p, PathRemovePrefix=/p",
  },
];

const TRANSFORMS = ["RequestHeader.<Name>", "ResponseHeader.<Name>", "PathPrefix", "PathRemovePrefix"];

/** Validates the parameters; throws RangeError naming the parameter and the value. */
export function readProxyConfig(params: Readonly<Record<string, string>>): ProxyConfig {
  const raw = (param(params, "proxy.address") ?? "").trim();
  let address: URL;
  try {
    address = new URL(raw);
  } catch {
    throw new RangeError(
      `proxy.address "${raw}" is not an absolute URL: expected e.g. http://127.0.0.1:8080`,
    );
  }
  if (address.protocol !== "http:" && address.protocol !== "https:") {
    throw new RangeError(
      `proxy.address "${raw}" has the scheme "${address.protocol}": expected http or https`,
    );
  }
  if (address.search || address.hash || address.username || address.password) {
    throw new RangeError(
      `proxy.address "${raw}" has a query, fragment or credentials: expected scheme://host:port/path`,
    );
  }
  const preserve = (param(params, "proxy.preserve-host") ?? "false").trim().toLowerCase();
  if (preserve !== "true" && preserve !== "false") {
    throw new RangeError(`proxy.preserve-host "${preserve}" is not a boolean: expected true or false`);
  }
  const requestHeaders: HeaderTransform[] = [];
  const responseHeaders: HeaderTransform[] = [];
  let pathPrefix = "";
  let pathRemovePrefix = "";
  for (const [key, value] of Object.entries(params)) {
    const k = parseKey(key);
    if (k.name !== "proxy.transform" || k.index === undefined) continue;
    const index = k.index.trim();
    const dot = index.indexOf(".");
    const kind = (dot < 0 ? index : index.slice(0, dot)).toLowerCase();
    const name = dot < 0 ? "" : index.slice(dot + 1).trim();
    if ((kind === "requestheader" || kind === "responseheader") && name && !k.negated) {
      checkHeader(key, name, value);
      const t = { name, lower: name.toLowerCase(), value: value === "" ? undefined : compileTemplate(value) };
      (kind === "requestheader" ? requestHeaders : responseHeaders).push(t);
    } else if ((kind === "pathprefix" || kind === "pathremoveprefix") && dot < 0 && !k.negated) {
      const p = value.trim().replace(/\/+$/, "");
      if (p !== "" && (!p.startsWith("/") || /[?#\s]/.test(p))) {
        throw new RangeError(`${key} "${value}" is not a path prefix: expected e.g. /api`);
      }
      if (kind === "pathprefix") pathPrefix = p;
      else pathRemovePrefix = p;
    } else {
      throw new RangeError(`unknown transform "${key}": accepted: ${TRANSFORMS.join(", ")}`);
    }
  }
  const activityTimeout = readMs(params, "proxy.activity-timeout", DEFAULT_ACTIVITY_TIMEOUT);
  return {
    address,
    basePath: address.pathname.replace(/\/+$/, ""),
    preserveHost: preserve === "true",
    timeout: readMs(params, "proxy.timeout", 0),
    activityTimeout,
    idleTimeout: readMs(
      params,
      "idle-timeout",
      activityTimeout > 0 ? Math.max(DEFAULT_HTTP_IDLE_TIMEOUT, activityTimeout + 20_000) : 0,
    ),
    tunnelIdleTimeout: readMs(params, "idle-timeout", 0),
    requestHeaders,
    responseHeaders,
    pathPrefix,
    pathRemovePrefix,
  };
}

/**
 * The upstream path for a request path: `PathRemovePrefix` (at a segment boundary), then `PathPrefix`, then
 * the address's base path.
 *
 * @example upstreamPath(config, "/api/users") // "/v2/users" with PathRemovePrefix=/api, PathPrefix=/v2
 */
export function upstreamPath(config: ProxyConfig, path: string): string {
  let p = path;
  const rm = config.pathRemovePrefix;
  if (rm && (p === rm || p.startsWith(rm + "/"))) p = p.slice(rm.length) || "/";
  if (config.pathPrefix) p = p === "/" ? config.pathPrefix + "/" : config.pathPrefix + p;
  if (config.basePath) p = config.basePath + p;
  return p;
}
