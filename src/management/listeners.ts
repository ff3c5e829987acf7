/**
 * Listener routes (SPEC §3, §12): list, open and close listeners at run time. Closing stops accepting;
 * established connections continue.
 *
 * @module
 */
import type { Context } from "hono";
import { parseIpLiteral } from "../config/values.ts";
import { normalizeIp } from "../net/types.ts";
import { ApiError, badRequest, conflict, messageOf, notFound } from "./errors.ts";
import {
  type JsonObject,
  NETWORK_PROTOCOLS,
  onlyFields,
  optionalInt,
  optionalString,
  optionalTransport,
  parseEnum,
  readBody,
  readSelector,
  transportOf,
} from "./input.ts";
import { error, listOf, ok, ref } from "./schemas.ts";
import { listenerView } from "./status.ts";
import type { RouteContext, RouteGroup } from "./types.ts";

function bindAddressOf(body: JsonObject): string | undefined {
  const text = optionalString(body.bindAddress, "bindAddress");
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return parseIpLiteral(text);
  } catch (err) {
    throw badRequest(`Invalid bindAddress "${text}": ${messageOf(err)}`, err);
  }
}

function list(c: Context, { deps }: RouteContext): Response {
  return c.json(deps.app.listeners.list().map(listenerView));
}

async function open(c: Context, { deps }: RouteContext): Promise<Response> {
  const body = await readBody(c);
  onlyFields(body, ["networkProtocol", "port", "bindAddress"]);
  const transport = transportOf(parseEnum(body.networkProtocol, NETWORK_PROTOCOLS, "networkProtocol"));
  const port = optionalInt(body.port, "port", 0, 65535);
  if (port === undefined) throw badRequest(`Missing "port": expected an integer from 0 to 65535`);
  const hostname = bindAddressOf(body) ?? "0.0.0.0";
  const same = deps.app.listeners.list().find((l) =>
    port !== 0 && l.transport === transport && l.addr.port === port &&
    normalizeIp(l.spec.hostname) === normalizeIp(hostname)
  );
  if (same) {
    throw conflict(
      `A ${transport.toUpperCase()} listener on "${hostname}" port ${port} is open already (id ${same.id})`,
    );
  }
  try {
    const opened = await deps.app.listeners.open({ transport, hostname, port });
    return c.json(listenerView(opened), 201);
  } catch (err) {
    const code = ((err as Error).cause as { code?: string } | undefined)?.code ??
      (err as { code?: string }).code;
    if (code === "EADDRINUSE") throw conflict(messageOf(err), err);
    throw new ApiError(code === "EACCES" ? 403 : 400, messageOf(err), { cause: err });
  }
}

async function close(c: Context, { deps }: RouteContext): Promise<Response> {
  const body = await readSelector(c);
  onlyFields(body, ["id", "networkProtocol", "port", "bindAddress"]);
  const id = optionalInt(body.id, "id", 1, Number.MAX_SAFE_INTEGER);
  const transport = optionalTransport(body.networkProtocol);
  const port = optionalInt(body.port, "port", 1, 65535);
  const hostname = bindAddressOf(body);
  if (id === undefined && port === undefined) {
    throw badRequest(`Cannot select a listener: give its "id", or "networkProtocol" and "port"`);
  }
  const found = deps.app.listeners.list().filter((l) =>
    (id === undefined || l.id === id) && (transport === undefined || l.transport === transport) &&
    (port === undefined || l.addr.port === port) &&
    (hostname === undefined || normalizeIp(l.spec.hostname) === normalizeIp(hostname))
  );
  if (found.length === 0) throw notFound(`No listener matches ${JSON.stringify(body)}`);
  for (const l of found) deps.app.listeners.close(l.id);
  return c.json(found.map(listenerView), 200);
}

/** The listener route group. */
export const listenerRoutes: RouteGroup = {
  name: "listeners",
  description: "Listening sockets opened and closed at run time",
  routes: [
    {
      method: "get",
      path: "/api/listeners",
      id: "listListeners",
      summary: "List open listeners",
      responses: { 200: ok("Listeners", listOf("Listener")) },
      handler: list,
    },
    {
      method: "post",
      path: "/api/listeners",
      id: "openListener",
      summary: "Open a listener",
      body: {
        description: "What to open (port 0 picks a free port)",
        schema: ref("ListenerInput"),
        required: true,
      },
      responses: {
        201: ok("The listener", ref("Listener")),
        400: error("Invalid request or the address cannot be bound"),
        403: error("Permission denied (privileged port)"),
        409: error("The address is in use"),
      },
      handler: open,
    },
    {
      method: "delete",
      path: "/api/listeners",
      id: "closeListener",
      summary: "Close listeners",
      description:
        "Selector in the JSON body or the query string: id, or networkProtocol and port (and bindAddress)",
      query: [
        { name: "id", description: "Listener id", schema: { type: "integer" } },
        { name: "networkProtocol", description: "Tcp or Udp", schema: { type: "string" } },
        { name: "port", description: "Port", schema: { type: "integer" } },
        { name: "bindAddress", description: "Bind address", schema: { type: "string" } },
      ],
      responses: {
        200: ok("The listeners closed", listOf("Listener")),
        400: error("No selector"),
        404: error("None matched"),
      },
      handler: close,
    },
  ],
};
