/**
 * The web UI (`--management-ui-enable`, SPEC §12): an HTML shell, one stylesheet and one script, all embedded
 * as strings so they work offline and inside a compiled single binary. The static files are served without the
 * token (they hold no data); the script asks for the token when the API answers 401.
 *
 * @module
 */
import type { Context } from "hono";
import type { RouteGroup } from "../types.ts";
import { PAGE_HTML } from "./page.ts";
import { BACKENDS_JS } from "./script_backends.ts";
import { CORE_JS } from "./script_core.ts";
import { NETWORK_JS } from "./script_network.ts";
import { TLS_JS } from "./script_tls.ts";
import { TRAFFIC_JS } from "./script_traffic.ts";
import { STYLE_CSS } from "./style.ts";

/** The UI script: the parts in dependency order, in one function scope. */
export const UI_SCRIPT: string = `(function () {\n${
  [CORE_JS, BACKENDS_JS, NETWORK_JS, TLS_JS, TRAFFIC_JS].join("\n")
}\n})();\n`;

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

function asset(body: string, type: string) {
  return (c: Context) => c.body(body, 200, { ...SECURITY_HEADERS, "content-type": type });
}

/** The UI route group (served only with `ui: true`). */
export const uiRoutes: RouteGroup = {
  name: "ui",
  description: "The web UI's static files",
  enabled: (deps) => deps.ui === true,
  routes: [
    {
      method: "get",
      path: "/",
      id: "uiPage",
      summary: "The web UI",
      public: true,
      responses: { 200: { description: "HTML", contentType: "text/html", schema: { type: "string" } } },
      handler: asset(PAGE_HTML, "text/html; charset=utf-8"),
    },
    {
      method: "get",
      path: "/ui/app.js",
      id: "uiScript",
      summary: "The web UI's script",
      public: true,
      responses: {
        200: { description: "JavaScript", contentType: "text/javascript", schema: { type: "string" } },
      },
      handler: asset(UI_SCRIPT, "text/javascript; charset=utf-8"),
    },
    {
      method: "get",
      path: "/ui/style.css",
      id: "uiStyle",
      summary: "The web UI's stylesheet",
      public: true,
      responses: { 200: { description: "CSS", contentType: "text/css", schema: { type: "string" } } },
      handler: asset(STYLE_CSS, "text/css; charset=utf-8"),
    },
  ],
};
