/**
 * `http-response` (SPEC §9): answers every request of a connection, on every path, with a configured status,
 * headers and body; templates `{scheme}` `{host}` `{port}` `{method}` `{path}` `{query}` in body and headers.
 * Parameters are validated here, at creation; serving (the runtime's HTTP server, requests handled by Hono) is
 * in src/http/response_server.ts, imported only when such a backend exists ({@linkcode LazyImpl}).
 *
 * @module
 */
import type { BackendProtocol, ConnContext } from "./types.ts";
import { param } from "../core/backend.ts";
import { parseKey } from "../matchers/mod.ts";
import { createHttpProbe, HTTP_MATCHER_PARAMS } from "../http/matchers.ts";
import { checkHeader } from "../http/headers.ts";
import { LazyImpl } from "./lazy.ts";
import { DEFAULT_HTTP_IDLE_TIMEOUT, HTTP_IDLE_PARAM, readMs } from "./params.ts";
import { compileTemplate, requestVars, type Template, type TemplateVars } from "../http/template.ts";

const NO_VARS: TemplateVars = { scheme: "", host: "", port: "", method: "", path: "", query: "" };

/** Statuses whose responses have no body (RFC 9110). */
const NO_BODY = new Set([204, 205, 304]);

/**
 * Reads `response.status`: a whole number 200-599 (1xx are interim answers, not a response). Default 200.
 */
export function readStatus(params: Readonly<Record<string, string>>): number {
  const v = param(params, "response.status");
  if (v === undefined) return 200;
  const n = Number(v.trim());
  if (!/^\s*\d{3}\s*$/.test(v) || n < 200 || n > 599) {
    throw new RangeError(`response.status "${v}" is not an HTTP status: expected 200-599`);
  }
  return n;
}

/** The configured `response.header[Name]` entries, values verbatim (never split on `;`). */
function readHeaders(params: Readonly<Record<string, string>>): [string, Template][] {
  const out: [string, Template][] = [];
  for (const [key, value] of Object.entries(params)) {
    const k = parseKey(key);
    if (k.name !== "response.header" || k.index === undefined || k.negated) continue;
    const name = k.index.trim();
    checkHeader(key, name, value);
    out.push([name, compileTemplate(value)]);
  }
  return out;
}

/** The http-response protocol. */
export const httpResponse: BackendProtocol = {
  name: "http-response",
  transports: ["tcp"],
  defaultTier: "normal",
  params: [
    ...HTTP_MATCHER_PARAMS,
    { key: "response.status", help: "status code 200-599 (default 200)" },
    { key: "response.body", help: "body text; templates {scheme} {host} {port} {method} {path} {query}" },
    { key: "response.header[", help: "response.header[Name]=value, used verbatim; templates as in the body" },
    HTTP_IDLE_PARAM,
  ],
  create(spec, _transport, services) {
    const probe = createHttpProbe(spec.params);
    const status = readStatus(spec.params);
    const bodyText = param(spec.params, "response.body") ?? "";
    if (bodyText !== "" && NO_BODY.has(status)) {
      throw new RangeError(`response.body is set but status ${status} responses have no body`);
    }
    const body = compileTemplate(bodyText);
    const headers = readHeaders(spec.params);
    const constant = body.constant && headers.every(([, t]) => t.constant);
    // Without variables the answer is the same for every request: render it once.
    const fixedHeaders = constant ? headers.map(([n, t]): [string, string] => [n, t.render(NO_VARS)]) : [];
    const log = services.logger;
    const idleTimeout = readMs(spec.params, "idle-timeout", DEFAULT_HTTP_IDLE_TIMEOUT);

    const respond = (req: Request, ctx: ConnContext): Response => {
      if (log.enabled("trace")) log.trace(`Connection ${ctx.id}: ${req.method} ${req.url} -> ${status}`);
      if (constant) return new Response(bodyText === "" ? null : bodyText, { status, headers: fixedHeaders });
      const vars = requestVars(req, ctx.props, ctx.localPort);
      const h = headers.map(([n, t]): [string, string] => [n, t.render(vars)]);
      return new Response(bodyText === "" ? null : body.render(vars), { status, headers: h });
    };

    const impl = new LazyImpl(
      "http-response",
      log,
      () =>
        import("../http/response_server.ts").then((m) =>
          m.createResponseServer({ net: services.net, logger: log, respond, idleTimeout })
        ),
    );
    return {
      probe,
      handleTcp: (conn, ctx) => impl.handleTcp(conn, ctx),
      dispose: () => impl.dispose(),
    };
  },
};
