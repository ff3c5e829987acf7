/**
 * Backend routes (SPEC §12): list in routing order, add (goes last), replace in place (returns once the new
 * backend is live; the old one drains in the background), remove (force or drain). Parameters are validated
 * by the same parser and backend factories as `-b`.
 *
 * @module
 */
import type { Context } from "hono";
import type { BackendSpec, Transport } from "../core/backend.ts";
import type { BackendEntry } from "../core/registry.ts";
import { parseBackendSpec } from "../config/spec.ts";
import { ApiError, badRequest, conflict, messageOf, notFound } from "./errors.ts";
import { optionalBool, optionalInt, optionalTransport, paramsOf, readBody, specString } from "./input.ts";
import { error, listOf, NETWORK_PROTOCOL_QUERY, ok, ref } from "./schemas.ts";
import { backendStatus } from "./status.ts";
import type { ManagedApp, QueryParam, RouteContext, RouteGroup } from "./types.ts";

const TRANSPORTS: readonly Transport[] = ["tcp", "udp"];

const DRAIN_TIMEOUT_QUERY: QueryParam = {
  name: "drainTimeout",
  description: "Milliseconds the old backend's connections may take to finish (default 30000)",
  schema: { type: "integer", minimum: 0 },
};

function table(app: ManagedApp, t: Transport) {
  return t === "tcp" ? app.tcp.table : app.udp.table;
}

/** Reads `{protocol}`, `{name}` and the parameter body into a spec, validated like `-b`. */
async function specOf(c: Context): Promise<BackendSpec> {
  const params = paramsOf(await readBody(c), "parameter");
  const text = specString([c.req.param("name") ?? "", c.req.param("protocol") ?? ""], params);
  try {
    return parseBackendSpec(text);
  } catch (err) {
    throw badRequest(messageOf(err), err);
  }
}

function drainTimeoutOf(c: Context, ctx: RouteContext): number {
  return optionalInt(c.req.query("drainTimeout"), "drainTimeout", 0, 86_400_000) ?? ctx.deps.drainTimeout ??
    30000;
}

function list(c: Context, { deps }: RouteContext): Response {
  const only = optionalTransport(c.req.query("networkProtocol"));
  const entries = TRANSPORTS.filter((t) => !only || t === only).flatMap((t) => table(deps.app, t).entries);
  return c.json(entries.map(backendStatus));
}

async function add(c: Context, { deps }: RouteContext): Promise<Response> {
  const only = optionalTransport(c.req.query("networkProtocol"));
  const spec = await specOf(c);
  let entries: BackendEntry[];
  try {
    entries = deps.app.addBackend(spec, only ? [only] : undefined);
  } catch (err) {
    if (/^Duplicate backend name/.test(messageOf(err))) throw conflict(messageOf(err), err);
    throw badRequest(messageOf(err), err);
  }
  return c.json(backendStatus(entries[0]), 201);
}

async function replace(c: Context, ctx: RouteContext): Promise<Response> {
  const { app } = ctx.deps;
  const only = optionalTransport(c.req.query("networkProtocol"));
  const drainTimeout = drainTimeoutOf(c, ctx);
  const spec = await specOf(c);
  const targets = TRANSPORTS.filter((t) => (!only || t === only) && table(app, t).get(spec.name));
  if (targets.length === 0) {
    throw notFound(`No backend "${spec.name}"${only ? ` for ${only.toUpperCase()}` : ""}`);
  }
  const replaced: BackendEntry[] = [];
  for (const t of targets) {
    try {
      replaced.push(app.replaceBackend(spec, t, drainTimeout));
    } catch (err) {
      throw badRequest(messageOf(err), err);
    }
  }
  return c.json(backendStatus(replaced[0]), 200);
}

function remove(c: Context, ctx: RouteContext): Response {
  const { app } = ctx.deps;
  const only = optionalTransport(c.req.query("networkProtocol"));
  const drain = optionalBool(c.req.query("drain"), "drain") ?? false;
  const drainTimeout = drainTimeoutOf(c, ctx);
  const name = c.req.param("name") ?? "";
  const protocol = (c.req.param("protocol") ?? "").toLowerCase();
  const targets = TRANSPORTS.filter((t) => {
    const e = table(app, t).get(name);
    return (!only || t === only) && e !== undefined && e.protocol.name === protocol;
  });
  if (targets.length === 0) {
    throw notFound(`No backend "${name}" (${protocol})${only ? ` for ${only.toUpperCase()}` : ""}`);
  }
  const removed = targets.map((t) => app.removeBackend(name, t, drain, drainTimeout)).filter((e) =>
    e !== undefined
  );
  if (removed.length === 0) throw new ApiError(404, `No backend "${name}" (${protocol})`);
  return c.json(backendStatus(removed[0]), 200);
}

const PATH_DOC = "Backend protocol (`pass`, `noop`, ...) and name, as in `-b name:protocol:...`";

/** The backend route group. */
export const backendRoutes: RouteGroup = {
  name: "backends",
  description: "Backends in routing order, added, replaced and removed at run time",
  routes: [
    {
      method: "get",
      path: "/api/backends",
      id: "listBackends",
      summary: "List backends in routing order",
      query: [NETWORK_PROTOCOL_QUERY],
      responses: { 200: ok("Backends", listOf("BackendStatus")), 400: error("Invalid networkProtocol") },
      handler: list,
    },
    {
      method: "post",
      path: "/api/backends/{protocol}/{name}",
      id: "addBackend",
      summary: "Add a backend at the end of the routing order",
      description: `${PATH_DOC}. Without networkProtocol, every network protocol the backend serves.`,
      query: [NETWORK_PROTOCOL_QUERY],
      body: { description: "Parameters", schema: ref("BackendParameters") },
      responses: {
        201: ok("The new backend", ref("BackendStatus")),
        400: error("Invalid spec or parameters (the parser's message)"),
        409: error("A backend of that name exists"),
      },
      handler: add,
    },
    {
      method: "put",
      path: "/api/backends/{protocol}/{name}",
      id: "replaceBackend",
      summary: "Replace a backend in place",
      description: `${PATH_DOC}. Returns once the replacement is live; the old one drains in the background.`,
      query: [NETWORK_PROTOCOL_QUERY, DRAIN_TIMEOUT_QUERY],
      body: { description: "Parameters of the replacement", schema: ref("BackendParameters") },
      responses: {
        200: ok("The replacement", ref("BackendStatus")),
        400: error("Invalid spec or parameters"),
        404: error("No backend of that name"),
      },
      handler: replace,
    },
    {
      method: "delete",
      path: "/api/backends/{protocol}/{name}",
      id: "removeBackend",
      summary: "Remove a backend",
      description: `${PATH_DOC}. With drain=true open connections may finish within drainTimeout.`,
      query: [
        NETWORK_PROTOCOL_QUERY,
        {
          name: "drain",
          description: "true: let connections finish; false: close them",
          schema: { type: "boolean" },
        },
        DRAIN_TIMEOUT_QUERY,
      ],
      responses: { 200: ok("The removed backend", ref("BackendStatus")), 404: error("No such backend") },
      handler: remove,
    },
  ],
};
