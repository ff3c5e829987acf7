/**
 * System routes: the liveness probe `GET /healthz` (never behind the token) and `POST /api/reload`
 * (SPEC §20.4), which answers 501 until a reload provider is wired.
 *
 * @module
 */
import type { Context } from "hono";
import { ApiError, badRequest, messageOf } from "./errors.ts";
import { error, ok } from "./schemas.ts";
import type { RouteContext, RouteGroup } from "./types.ts";

function healthz(c: Context): Response {
  return c.json({ status: "Healthy" });
}

async function reload(c: Context, { deps }: RouteContext): Promise<Response> {
  if (!deps.reload) {
    throw new ApiError(
      501,
      "Configuration reload is not available yet: restart pmmux to apply a changed file",
    );
  }
  try {
    await deps.reload();
  } catch (err) {
    throw badRequest(`Configuration reload failed, the running configuration stays: ${messageOf(err)}`, err);
  }
  return c.json({ reloaded: true });
}

/** The system route group. */
export const systemRoutes: RouteGroup = {
  name: "system",
  description: "Liveness and configuration reload",
  routes: [
    {
      method: "get",
      path: "/healthz",
      id: "healthz",
      summary: "Liveness probe (no token needed)",
      public: true,
      responses: {
        200: ok("The server runs", { type: "object", properties: { status: { type: "string" } } }),
      },
      handler: healthz,
    },
    {
      method: "post",
      path: "/api/reload",
      id: "reload",
      summary: "Re-read the configuration file and apply the difference",
      responses: {
        200: ok("Applied"),
        400: error("The new configuration is invalid; the running one stays"),
        501: error("Reload is not available"),
      },
      handler: reload,
    },
  ],
};
