/**
 * Helpers for the management API tests: an in-process pmmux (real sockets, real backends) with its management
 * app, and a JSON request shortcut over `app.request`.
 */
import type { Hono } from "hono";
import { createManagementApp, type ManagementDeps } from "../../src/management/mod.ts";
import { startMux, type TestMux } from "../helpers/net.ts";

/** A JSON answer. */
export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** Sends a request to the app; `body` is JSON-encoded unless it is a string. */
export async function call(
  api: Hono,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await api.request(path, init);
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get("content-type")?.includes("json")) parsed = text === "" ? null : JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A mux plus its management app. */
export interface ApiFixture {
  mux: TestMux;
  api: Hono;
  stop(): Promise<void>;
}

/** Starts a mux with the given backend specs and builds the management app over it. */
export async function withApi(
  backends: string[],
  deps: Partial<Omit<ManagementDeps, "app">> = {},
  options: Parameters<typeof startMux>[1] = {},
): Promise<ApiFixture> {
  const mux = await startMux(backends, { level: "information", ...options });
  const api = createManagementApp({ app: mux.app, ...deps });
  return { mux, api, stop: () => mux.stop() };
}
