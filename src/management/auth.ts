/**
 * Bearer-token authentication (`--management-token`, SPEC §12). Hono's `bearerAuth` is not used because it
 * answers 400 to tokens outside the RFC 6750 character set, while any non-empty token is a valid setting; the
 * comparison is Hono's constant-time one.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";

/**
 * Requires `Authorization: Bearer <token>` on every request that `isPublic` does not exempt; answers 401 with
 * a JSON error otherwise.
 *
 * @param token the configured token
 * @param isPublic exempts requests (`GET /healthz`, the UI's static files)
 */
export function tokenAuth(
  token: string,
  isPublic: (method: string, path: string) => boolean,
): MiddlewareHandler {
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return await next();
    const header = c.req.header("authorization");
    const given = header?.match(/^\s*Bearer\s+(.*?)\s*$/i)?.[1];
    if (given === undefined || given === "" || !(await timingSafeEqual(token, given))) {
      const message = header === undefined
        ? "Authentication required: send Authorization: Bearer <token>"
        : "Invalid token in the Authorization header";
      return c.json({ error: message }, 401, { "WWW-Authenticate": 'Bearer realm="pmmux"' });
    }
    await next();
  };
}
