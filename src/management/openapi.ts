/**
 * The OpenAPI 3.1 document, generated from the same route table the server is built from, so it cannot drift
 * from what is served.
 *
 * @module
 */
import type { Context } from "hono";
import { error, SCHEMAS } from "./schemas.ts";
import { MAX_BODY_BYTES } from "./input.ts";
import type { ManagementDeps, Route, RouteContext, RouteGroup } from "./types.ts";

/** `{name}` segments of an OpenAPI path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

function operation(route: Route, tag: string): Record<string, unknown> {
  const parameters = [
    ...pathParams(route.path).map((name) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    })),
    ...(route.query ?? []).map((q) => ({
      name: q.name,
      in: "query",
      required: q.required ?? false,
      description: q.description,
      schema: q.schema,
    })),
  ];
  const all = route.body
    ? { ...route.responses, 413: error(`Request body over ${MAX_BODY_BYTES} bytes`) }
    : route.responses;
  const responses: Record<string, unknown> = {};
  for (const [code, r] of Object.entries(all)) {
    responses[code] = r.schema
      ? {
        description: r.description,
        content: { [r.contentType ?? "application/json"]: { schema: r.schema } },
      }
      : { description: r.description };
  }
  return {
    operationId: route.id,
    tags: [tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
        requestBody: {
          description: route.body.description,
          required: route.body.required ?? false,
          content: { "application/json": { schema: route.body.schema } },
        },
      }
      : {}),
    responses,
    ...(route.public ? { security: [] } : {}),
  };
}

/** Builds the OpenAPI document describing every route of `groups`. */
export function openApiDocument(
  groups: readonly RouteGroup[],
  deps: ManagementDeps,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const route of group.routes) {
      (paths[route.path] ??= {})[route.method] = operation(route, group.name);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "pmmux management API",
      version: deps.version ?? "0.0.0",
      description: 'Errors are JSON {"error": "<message>"}; enums are PascalCase and accepted in any case.',
    },
    tags: groups.map((g) => ({ name: g.name, description: g.description })),
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    ...(deps.token ? { security: [{ bearer: [] }] } : {}),
  };
}

function document(c: Context, ctx: RouteContext): Response {
  return c.json(openApiDocument(ctx.groups, ctx.deps));
}

/** The OpenAPI route group. */
export const openApiRoutes: RouteGroup = {
  name: "openapi",
  description: "This API's description",
  routes: [
    {
      method: "get",
      path: "/openapi.json",
      id: "getOpenApi",
      summary: "The OpenAPI 3.1 document describing every route",
      responses: { 200: { description: "OpenAPI document", schema: { type: "object" } } },
      handler: document,
    },
  ],
};
