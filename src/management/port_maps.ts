/**
 * NAT port-map routes (SPEC §13, §12): the NAT device, the mappings, and adding/removing mappings at run time
 * through the {@linkcode PortMapProvider}. Without a provider there is no NAT device and no mapping.
 *
 * @module
 */
import type { Context } from "hono";
import { ApiError, badRequest, conflict, messageOf, notFound } from "./errors.ts";
import {
  type JsonObject,
  NETWORK_PROTOCOLS,
  onlyFields,
  optionalInt,
  parseEnum,
  readBody,
  readSelector,
} from "./input.ts";
import { error, listOf, ok, ref } from "./schemas.ts";
import type { PortMapProvider, PortMapRequestBody, RouteContext, RouteGroup } from "./types.ts";

const NO_DEVICE = "No NAT device: none has been found (yet)";
const DISABLED = "NAT port mapping is not enabled";

function provider(ctx: RouteContext): PortMapProvider {
  if (!ctx.deps.portMaps) throw notFound(DISABLED);
  return ctx.deps.portMaps;
}

function requestOf(body: JsonObject): PortMapRequestBody {
  onlyFields(body, ["networkProtocol", "localPort", "publicPort"]);
  const request: PortMapRequestBody = {
    networkProtocol: parseEnum(body.networkProtocol, NETWORK_PROTOCOLS, "networkProtocol"),
  };
  const localPort = optionalInt(body.localPort, "localPort", 1, 65535);
  const publicPort = optionalInt(body.publicPort, "publicPort", 1, 65535);
  if (localPort !== undefined) request.localPort = localPort;
  if (publicPort !== undefined) request.publicPort = publicPort;
  return request;
}

function list(c: Context, { deps }: RouteContext): Response {
  return c.json(deps.portMaps?.list() ?? []);
}

function device(c: Context, { deps }: RouteContext): Response {
  const d = deps.portMaps?.device();
  if (!d) throw notFound(NO_DEVICE);
  return c.json(d);
}

async function add(c: Context, ctx: RouteContext): Promise<Response> {
  const request = requestOf(await readBody(c));
  const maps = provider(ctx);
  try {
    return c.json(await maps.add(request), 201);
  } catch (err) {
    if (err instanceof RangeError) throw conflict(messageOf(err), err);
    throw new ApiError(502, messageOf(err), { cause: err });
  }
}

async function remove(c: Context, ctx: RouteContext): Promise<Response> {
  const selector = requestOf(await readSelector(c));
  if (selector.localPort === undefined && selector.publicPort === undefined) {
    throw badRequest(`Cannot select a port mapping: give its "localPort" or "publicPort"`);
  }
  const maps = provider(ctx);
  let removed;
  try {
    removed = await maps.remove(selector);
  } catch (err) {
    if (err instanceof RangeError) throw badRequest(messageOf(err), err);
    throw new ApiError(502, messageOf(err), { cause: err });
  }
  if (!removed) throw notFound(`No port mapping matches ${JSON.stringify(selector)}`);
  return c.json(removed, 200);
}

const SELECTOR_QUERY = [
  { name: "networkProtocol", description: "Tcp or Udp", schema: { type: "string" } },
  { name: "localPort", description: "Local port", schema: { type: "integer" } },
  { name: "publicPort", description: "Public port", schema: { type: "integer" } },
];

/** The port-map route group. */
export const portMapRoutes: RouteGroup = {
  name: "port-maps",
  description: "NAT port forwarding (UPnP-IGD, NAT-PMP)",
  routes: [
    {
      method: "get",
      path: "/api/port-maps",
      id: "listPortMaps",
      summary: "List port mappings",
      responses: { 200: ok("Mappings (empty without NAT)", listOf("PortMap")) },
      handler: list,
    },
    {
      method: "get",
      path: "/api/port-maps/device",
      id: "getNatDevice",
      summary: "The NAT device in use",
      responses: { 200: ok("The device", ref("NatDevice")), 404: error("No NAT device") },
      handler: device,
    },
    {
      method: "post",
      path: "/api/port-maps",
      id: "addPortMap",
      summary: "Add a port mapping; returns once the device granted it",
      body: { description: "The mapping", schema: ref("PortMapInput"), required: true },
      responses: {
        201: ok("The mapping", ref("PortMap")),
        400: error("Invalid request"),
        404: error("NAT port mapping is not enabled"),
        409: error("The mapping exists"),
        502: error("The NAT device failed"),
      },
      handler: add,
    },
    {
      method: "delete",
      path: "/api/port-maps",
      id: "removePortMap",
      summary: "Remove a port mapping",
      description: "Selector in the JSON body or the query string",
      query: SELECTOR_QUERY,
      body: { description: "Selector", schema: ref("PortMapInput") },
      responses: {
        200: ok("The mapping removed", ref("PortMap")),
        400: error("Invalid selector"),
        404: error("No such mapping, or NAT port mapping is not enabled"),
        502: error("The NAT device failed"),
      },
      handler: remove,
    },
  ],
};
