/**
 * API errors: every failure is answered as JSON `{ "error": "<message>" }` with a meaningful status, never as
 * an empty 500 (SPEC §12, §19).
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the API answers with its own status code. */
export class ApiError extends Error {
  override name = "ApiError";
  /** HTTP status of the answer. */
  readonly status: ContentfulStatusCode;

  /**
   * @param status HTTP status to answer with
   * @param message sentence-case message quoting the offending value
   */
  constructor(status: ContentfulStatusCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** 400: the request is malformed or its spec is invalid. */
export function badRequest(message: string, cause?: unknown): ApiError {
  return new ApiError(400, message, { cause });
}

/** 404: the thing named does not exist (or the feature is not enabled). */
export function notFound(message: string): ApiError {
  return new ApiError(404, message);
}

/** 409: a duplicate or a conflict with the current state. */
export function conflict(message: string, cause?: unknown): ApiError {
  return new ApiError(409, message, { cause });
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return (err as Error)?.message || String(err);
}

/** Hono `onError` handler: JSON for every error, with the status an {@linkcode ApiError} carries. */
export function answerError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) return c.json({ error: err.message }, err.status);
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    if (res.headers.get("content-type")?.includes("json")) return res;
    return c.json({ error: err.message || res.statusText || "Request failed" }, err.status);
  }
  return c.json({ error: `Internal error: ${messageOf(err)}` }, 500);
}

/** Hono `notFound` handler. */
export function answerNotFound(c: Context): Response {
  return c.json({ error: `No route for ${c.req.method} "${c.req.path}"` }, 404);
}
