import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROUTE_GROUPS } from "../../src/management/mod.ts";
import { call, withApi } from "./helpers.ts";

/** Hono path `/api/backends/:protocol/:name` → OpenAPI `/api/backends/{protocol}/{name}`. */
function openApiPath(path: string): string {
  return path.replace(/:([^/]+)/g, "{$1}");
}

describe("management API: OpenAPI document", () => {
  for (const ui of [false, true]) {
    test(`every route the server registers is described (ui ${ui ? "on" : "off"})`, async () => {
      const f = await withApi([], { ui });
      try {
        const r = await call(f.api, "GET", "/openapi.json");
        assert.equal(r.status, 200);
        assert.equal(r.body.openapi, "3.1.0");
        const registered = f.api.routes.filter((x) => x.method !== "ALL");
        assert.ok(registered.length >= 20);
        for (const route of registered) {
          const op = r.body.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
          assert.ok(op, `${route.method} ${route.path} is missing from the document`);
          assert.ok(
            op.summary && op.operationId && op.responses,
            `${route.method} ${route.path} is incomplete`,
          );
        }
        const described = Object.entries(r.body.paths).flatMap(([p, ops]) =>
          Object.keys(ops as object).map((m) => `${m} ${p}`)
        );
        assert.equal(
          described.length,
          registered.length,
          "the document describes nothing that is not served",
        );
        assert.equal(Boolean(r.body.paths["/"]), ui);
      } finally {
        await f.stop();
      }
    });
  }

  test("SPEC §12 routes are all there, with path parameters, and operation ids are unique", async () => {
    const f = await withApi([], { ui: true });
    try {
      const doc = (await call(f.api, "GET", "/openapi.json")).body;
      const want = [
        "get /healthz",
        "get /api/backends",
        "post /api/backends/{protocol}/{name}",
        "put /api/backends/{protocol}/{name}",
        "delete /api/backends/{protocol}/{name}",
        "get /api/health-checks",
        "post /api/health-checks",
        "delete /api/health-checks",
        "get /api/listeners",
        "post /api/listeners",
        "delete /api/listeners",
        "get /api/port-maps",
        "post /api/port-maps",
        "delete /api/port-maps",
        "get /api/port-maps/device",
        "get /api/tls/certificates",
        "post /api/tls/certificates",
        "delete /api/tls/certificates",
        "get /api/tls/certificate-mappings",
        "post /api/tls/certificate-mappings",
        "delete /api/tls/certificate-mappings",
        "get /metrics",
        "get /openapi.json",
        "post /api/reload",
        "get /api/stats",
      ];
      for (const w of want) {
        const [method, path] = w.split(" ");
        assert.ok(doc.paths[path]?.[method], `${w} is described`);
      }
      const put = doc.paths["/api/backends/{protocol}/{name}"].put;
      assert.deepEqual(put.parameters.filter((p: any) => p.in === "path").map((p: any) => p.name), [
        "protocol",
        "name",
      ]);
      assert.ok(put.parameters.some((p: any) => p.in === "query" && p.name === "networkProtocol"));
      assert.equal(
        put.responses["200"].content["application/json"].schema.$ref,
        "#/components/schemas/BackendStatus",
      );
      assert.equal(put.responses["413"].description, "Request body over 1048576 bytes", "a body's limit");
      assert.equal(doc.paths["/api/backends"].get.responses["413"], undefined, "no body, no 413");
      assert.deepEqual(doc.paths["/healthz"].get.security, []);
      const ids = ROUTE_GROUPS.flatMap((g) => g.routes.map((r) => r.id));
      assert.equal(new Set(ids).size, ids.length);
      for (const ref of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
        assert.ok(doc.components.schemas[ref[1]], `schema ${ref[1]} exists`);
      }
    } finally {
      await f.stop();
    }
  });

  test("the document declares bearer security when a token is set", async () => {
    const f = await withApi([], { token: "t" });
    try {
      const doc = (await call(f.api, "GET", "/openapi.json", undefined, { authorization: "Bearer t" })).body;
      assert.deepEqual(doc.security, [{ bearer: [] }]);
      assert.equal(doc.components.securitySchemes.bearer.scheme, "bearer");
    } finally {
      await f.stop();
    }
  });
});
