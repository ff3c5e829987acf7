/**
 * Templates of the HTTP backends (SPEC §9): `{scheme}`, `{host}`, `{port}`, `{method}`, `{path}`, `{query}`
 * in `response.body`, `response.header[...]` and `proxy.transform[...Header...]`. Braces around any other text
 * are kept literally, so JSON bodies need no escaping.
 *
 * @module
 */
import { splitHostPort } from "./head.ts";

/** The values a template can use, taken from one request. */
export interface TemplateVars {
  /** `https` behind TLS termination, else `http`. */
  readonly scheme: string;
  /** Host header without its port (IPv6 keeps its brackets). */
  readonly host: string;
  /** Port of the Host header, else the port the client connected to. */
  readonly port: string;
  /** Request method. */
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query with its leading `?`, or `""`. */
  readonly query: string;
}

/** Names of the template variables. */
export const TEMPLATE_NAMES: readonly (keyof TemplateVars)[] = [
  "scheme",
  "host",
  "port",
  "method",
  "path",
  "query",
];

/** A compiled template: literal text and variable names, alternating. */
export interface Template {
  /** True when the text has no variable (render returns it unchanged). */
  readonly constant: boolean;
  /** Renders the template for one request. */
  render(vars: TemplateVars): string;
}

const VARIABLE = /\{(scheme|host|port|method|path|query)\}/gi;

/**
 * Compiles a template once; variable names are case-insensitive.
 *
 * @example compileTemplate("https://{host}{path}{query}").render(vars)
 */
export function compileTemplate(text: string): Template {
  const parts: string[] = [];
  const names: (keyof TemplateVars)[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    parts.push(text.slice(last, m.index));
    names.push(m[1].toLowerCase() as keyof TemplateVars);
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  if (names.length === 0) return { constant: true, render: () => text };
  return {
    constant: false,
    render(vars) {
      let out = parts[0];
      for (let i = 0; i < names.length; i++) out += vars[names[i]] + parts[i + 1];
      return out;
    },
  };
}

/** `https` when the connection was TLS-terminated by pmmux (property `tls=true`), else `http`. */
export function schemeOf(props: ReadonlyMap<string, string>): "http" | "https" {
  return props.get("tls") === "true" ? "https" : "http";
}

/**
 * The template values of a request served by the internal server. `localPort` is the port the client
 * connected to, used when the Host header has none.
 */
export function requestVars(
  req: Request,
  props: ReadonlyMap<string, string>,
  localPort: number,
): TemplateVars {
  const [path, query] = pathAndQuery(req.url);
  const [host, port] = splitHostPort(req.headers.get("host") ?? "");
  return { scheme: schemeOf(props), host, port: port || String(localPort), method: req.method, path, query };
}

/**
 * Splits the path (`/` when empty) and the query (with `?`, or `""`) out of an absolute URL string.
 *
 * Cost: string slicing only (no URL parsing).
 */
export function pathAndQuery(url: string): [path: string, query: string] {
  const authority = url.indexOf("//");
  let start = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  if (start < 0) start = url.length;
  const q = url.indexOf("?", start);
  return q < 0 ? [url.slice(start) || "/", ""] : [url.slice(start, q) || "/", url.slice(q)];
}
