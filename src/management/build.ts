/**
 * Builds the Hono app from route groups: error handlers, CORS when configured, token auth, then one Hono route
 * per table row.
 *
 * @module
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { tokenAuth } from "./auth.ts";
import { answerError, answerNotFound } from "./errors.ts";
import type { ManagementDeps, RouteContext, RouteGroup } from "./types.ts";

/** `/api/backends/{protocol}/{name}` → `/api/backends/:protocol/:name`. */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

/**
 * Builds the app serving the enabled groups.
 *
 * @throws {Error} when two routes share a method and path (a mistake in the table).
 */
export function buildManagementApp(groups: readonly RouteGroup[], deps: ManagementDeps): Hono {
  const active = groups.filter((g) => g.enabled?.(deps) ?? true);
  const ctx: RouteContext = { deps, groups: active };
  const app = new Hono();
  app.onError(answerError);
  app.notFound(answerNotFound);
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    app.use(
      "*",
      cors({
        origin: [...deps.corsOrigins],
        allowHeaders: ["Authorization", "Content-Type"],
        allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        maxAge: 600,
      }),
    );
  }
  const open = new Set<string>();
  for (const g of active) for (const r of g.routes) if (r.public && r.method === "get") open.add(r.path);
  if (deps.token) {
    app.use(
      "*",
      tokenAuth(deps.token, (method, path) => (method === "GET" || method === "HEAD") && open.has(path)),
    );
  }
  const seen = new Set<string>();
  for (const g of active) {
    for (const r of g.routes) {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) throw new Error(`Duplicate management route "${key}" in group "${g.name}"`);
      seen.add(key);
      app.on(r.method.toUpperCase(), honoPath(r.path), (c) => r.handler(c, ctx));
    }
  }
  return app;
}
