import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createManagementApp, type RouteGroup } from "../../src/management/mod.ts";
import { call, withApi } from "./helpers.ts";

describe("management API: token auth", () => {
  test("without a token every route is open", async () => {
    const f = await withApi([]);
    try {
      assert.equal((await call(f.api, "GET", "/api/backends")).status, 200);
    } finally {
      await f.stop();
    }
  });

  test("with a token: 401 JSON without or with a wrong one, 200 with it; GET /healthz stays open", async () => {
    const token = "s3cret:with spaces/and=symbols!";
    const f = await withApi([], { token });
    try {
      const none = await call(f.api, "GET", "/api/backends");
      assert.equal(none.status, 401);
      assert.equal(none.body.error, "Authentication required: send Authorization: Bearer <token>");
      assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="pmmux"');
      const wrong = await call(f.api, "GET", "/api/backends", undefined, { authorization: "Bearer nope" });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, "Invalid token in the Authorization header");
      const basic = await call(f.api, "GET", "/api/backends", undefined, { authorization: `Basic ${token}` });
      assert.equal(basic.status, 401);
      const prefix = await call(f.api, "GET", "/api/backends", undefined, {
        authorization: `Bearer ${token.slice(0, -1)}`,
      });
      assert.equal(prefix.status, 401);
      const ok = await call(f.api, "GET", "/api/backends", undefined, { authorization: `bearer ${token}` });
      assert.equal(ok.status, 200);
      for (
        const [method, path] of [["GET", "/metrics"], ["GET", "/openapi.json"], ["POST", "/api/reload"], [
          "GET",
          "/nope",
        ]]
      ) {
        assert.equal((await call(f.api, method, path)).status, 401, `${method} ${path}`);
      }
      const health = await call(f.api, "GET", "/healthz");
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: "Healthy" });
      assert.equal((await call(f.api, "POST", "/healthz")).status, 401, "only GET /healthz is open");
    } finally {
      await f.stop();
    }
  });

  test("the UI's static files are served without the token; the API behind them is not", async () => {
    const f = await withApi([], { token: "t", ui: true });
    try {
      const page = await call(f.api, "GET", "/");
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type")!, /^text\/html/);
      assert.match(page.body, /<script src="\/ui\/app.js"><\/script>/);
      assert.match(page.headers.get("content-security-policy")!, /default-src 'none'; script-src 'self'/);
      const script = await call(f.api, "GET", "/ui/app.js");
      assert.equal(script.status, 200);
      assert.match(script.headers.get("content-type")!, /^text\/javascript/);
      assert.equal((await call(f.api, "GET", "/ui/style.css")).status, 200);
      assert.equal((await call(f.api, "GET", "/api/stats")).status, 401);
    } finally {
      await f.stop();
    }
  });
});

describe("management API: CORS, errors, reload, UI", () => {
  test("CORS is off by default and allows only the configured origins", async () => {
    const off = await withApi([]);
    try {
      const r = await call(off.api, "GET", "/api/backends", undefined, { origin: "http://evil.example" });
      assert.equal(r.headers.get("access-control-allow-origin"), null);
    } finally {
      await off.stop();
    }
    const on = await withApi([], { corsOrigins: ["http://ui.example"], token: "t" });
    try {
      const pre = await on.api.request("/api/backends", {
        method: "OPTIONS",
        headers: {
          origin: "http://ui.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      assert.equal(pre.status, 204, "the preflight needs no token");
      assert.equal(pre.headers.get("access-control-allow-origin"), "http://ui.example");
      assert.match(pre.headers.get("access-control-allow-headers")!, /Authorization/);
      const get = await call(on.api, "GET", "/api/backends", undefined, {
        origin: "http://ui.example",
        authorization: "Bearer t",
      });
      assert.equal(get.headers.get("access-control-allow-origin"), "http://ui.example");
      const other = await call(on.api, "GET", "/api/backends", undefined, {
        origin: "http://evil.example",
        authorization: "Bearer t",
      });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await on.stop();
    }
  });

  test("unknown routes answer 404 JSON and a failing handler answers 500 JSON, never empty", async () => {
    const f = await withApi([]);
    try {
      const missing = await call(f.api, "GET", "/api/nothing");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'No route for GET "/api/nothing"');
      const broken: RouteGroup = {
        name: "broken",
        description: "A route that throws",
        routes: [{
          method: "get",
          path: "/boom",
          id: "boom",
          summary: "Throws",
          responses: {},
          handler: () => {
            throw new TypeError("kaboom");
          },
        }],
      };
      const api = createManagementApp({ app: f.mux.app }, [broken]);
      const r = await call(api, "GET", "/boom");
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { error: "Internal error: kaboom" });
    } finally {
      await f.stop();
    }
  });

  test("a route table with a duplicate route is refused", async () => {
    const f = await withApi([]);
    try {
      const route = {
        method: "get" as const,
        path: "/x",
        id: "x",
        summary: "x",
        responses: {},
        handler: () => new Response(),
      };
      assert.throws(
        () =>
          createManagementApp({ app: f.mux.app }, [{ name: "a", description: "", routes: [route, route] }]),
        /Duplicate management route "get \/x" in group "a"/,
      );
    } finally {
      await f.stop();
    }
  });

  test("POST /api/reload: 501 without a reload provider, 200 when it succeeds, 400 when it rejects", async () => {
    let fail = false;
    const none = await withApi([]);
    try {
      const r = await call(none.api, "POST", "/api/reload");
      assert.equal(r.status, 501);
      assert.match(r.body.error, /^Configuration reload is not available yet/);
    } finally {
      await none.stop();
    }
    const f = await withApi([], {
      reload: () => fail ? Promise.reject(new Error('Invalid backend "x"')) : Promise.resolve(),
    });
    try {
      assert.deepEqual((await call(f.api, "POST", "/api/reload")).body, { reloaded: true });
      fail = true;
      const r = await call(f.api, "POST", "/api/reload");
      assert.equal(r.status, 400);
      assert.equal(
        r.body.error,
        'Configuration reload failed, the running configuration stays: Invalid backend "x"',
      );
    } finally {
      await f.stop();
    }
  });

  test("the UI is not served unless enabled, and its script compiles", async () => {
    const f = await withApi([]);
    try {
      assert.equal((await call(f.api, "GET", "/")).status, 404);
      assert.equal((await call(f.api, "GET", "/ui/app.js")).status, 404);
      const on = createManagementApp({ app: f.mux.app, ui: true });
      const script = await (await on.request("/ui/app.js")).text();
      assert.doesNotThrow(() => new Function(script), "the script is valid JavaScript");
      assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(script), "no external URL (works offline)");
    } finally {
      await f.stop();
    }
  });
});
