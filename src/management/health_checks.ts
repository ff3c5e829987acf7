/**
 * Health-check routes (SPEC §11, §12): list, add and remove the `-z` specs at run time. A body is either the
 * spec string (`{"spec": "pass:web:interval=5000"}`) or its fields; both go through the `-z` parser.
 *
 * @module
 */
import type { Context } from "hono";
import { type HealthCheckSpec, parseHealthCheckSpec } from "../config/spec.ts";
import { badRequest, conflict, messageOf, notFound } from "./errors.ts";
import {
  type JsonObject,
  onlyFields,
  optionalString,
  paramsOf,
  readBody,
  readSelector,
  specString,
} from "./input.ts";
import { error, listOf, ok, ref } from "./schemas.ts";
import { healthCheckView } from "./status.ts";
import type { RouteContext, RouteGroup } from "./types.ts";

const TIMINGS = {
  initialDelay: "initial-delay",
  interval: "interval",
  timeout: "timeout",
  failureThreshold: "failure-threshold",
  recoveryThreshold: "recovery-threshold",
} as const;
const FIELDS = ["spec", "protocol", "backend", ...Object.keys(TIMINGS), "parameters"];

/** Turns a body into a spec, validated like `-z`. */
export function healthCheckOf(body: JsonObject): HealthCheckSpec {
  onlyFields(body, FIELDS);
  const spec = optionalString(body.spec, "spec");
  let text: string;
  if (spec !== undefined) {
    if (Object.keys(body).length > 1) throw badRequest(`Give either "spec" or the fields, not both`);
    text = spec;
  } else {
    const props = paramsOf(body.parameters, "parameter");
    for (const [field, key] of Object.entries(TIMINGS)) {
      const v = body[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number" && typeof v !== "string") {
        throw badRequest(`Invalid ${field} ${JSON.stringify(v)}: expected an integer`);
      }
      props.push([key, String(v)]);
    }
    const ids = [optionalString(body.protocol, "protocol") ?? ""];
    const backend = optionalString(body.backend, "backend");
    if (backend !== undefined) ids.push(backend);
    text = specString(ids[0] === "" && ids.length === 1 ? [] : ids, props);
  }
  try {
    return parseHealthCheckSpec(text);
  } catch (err) {
    throw badRequest(messageOf(err), err);
  }
}

function list(c: Context, { deps }: RouteContext): Response {
  return c.json(deps.app.health.specs.map(healthCheckView));
}

async function add(c: Context, { deps }: RouteContext): Promise<Response> {
  const spec = healthCheckOf(await readBody(c));
  try {
    deps.app.health.add(spec);
  } catch (err) {
    throw conflict(messageOf(err), err);
  }
  return c.json(healthCheckView(spec), 201);
}

async function remove(c: Context, { deps }: RouteContext): Promise<Response> {
  const body = await readSelector(c);
  onlyFields(body, ["protocol", "backend"]);
  const protocol = optionalString(body.protocol, "protocol")?.trim().toLowerCase() || undefined;
  const backend = optionalString(body.backend, "backend")?.trim() || undefined;
  const found = deps.app.health.specs.find((s) => s.protocol === protocol && s.backend === backend);
  if (!found || !deps.app.health.remove(protocol, backend)) {
    const what = backend
      ? `backend "${backend}" (${protocol})`
      : protocol
      ? `protocol "${protocol}"`
      : "every backend";
    throw notFound(`No health check for ${what}`);
  }
  return c.json(healthCheckView(found), 200);
}

/** The health-check route group. */
export const healthCheckRoutes: RouteGroup = {
  name: "health-checks",
  description: "Health-check specs (`-z`) added and removed at run time",
  routes: [
    {
      method: "get",
      path: "/api/health-checks",
      id: "listHealthChecks",
      summary: "List health-check specs",
      responses: { 200: ok("Specs in force", listOf("HealthCheck")) },
      handler: list,
    },
    {
      method: "post",
      path: "/api/health-checks",
      id: "addHealthCheck",
      summary: "Add a health-check spec",
      body: { description: "The spec", schema: ref("HealthCheckInput"), required: true },
      responses: {
        201: ok("The spec added", ref("HealthCheck")),
        400: error("Invalid spec (the parser's message)"),
        409: error("A spec for the same protocol and backend exists"),
      },
      handler: add,
    },
    {
      method: "delete",
      path: "/api/health-checks",
      id: "removeHealthCheck",
      summary: "Remove the health-check spec of a protocol/backend pair",
      description:
        "Selector in the JSON body or the query string: protocol and backend, both absent = global",
      query: [
        { name: "protocol", description: "Backend protocol", schema: { type: "string" } },
        { name: "backend", description: "Backend name", schema: { type: "string" } },
      ],
      body: { description: "Selector", schema: ref("HealthCheckInput") },
      responses: { 200: ok("The spec removed", ref("HealthCheck")), 404: error("No such spec") },
      handler: remove,
    },
  ],
};
