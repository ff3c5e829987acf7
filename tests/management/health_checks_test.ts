import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseHealthCheckSpec } from "../../src/config/spec.ts";
import { call, withApi } from "./helpers.ts";

describe("management API: health checks", () => {
  test("GET lists the specs in force as JSON", async () => {
    const f = await withApi(["web:echo"], {}, {
      healthChecks: [parseHealthCheckSpec("echo:web:interval=60000,path=/up")],
    });
    try {
      const r = await call(f.api, "GET", "/api/health-checks");
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, [{
        spec: "echo:web:interval=60000,path=/up",
        protocol: "echo",
        backend: "web",
        initialDelay: 0,
        interval: 60000,
        timeout: 5000,
        failureThreshold: 3,
        recoveryThreshold: 5,
        parameters: { path: "/up" },
      }]);
    } finally {
      await f.stop();
    }
  });

  test("POST adds a spec given as a string (201) and checks start at once", async () => {
    const f = await withApi(["web:echo"]);
    try {
      const r = await call(f.api, "POST", "/api/health-checks", { spec: "echo:web:interval=20" });
      assert.equal(r.status, 201);
      assert.equal(r.body.backend, "web");
      assert.equal(r.body.interval, 20);
      assert.equal(f.mux.app.health.specs.length, 1);
      const entry = f.mux.app.tcp.table.get("web")!;
      for (let i = 0; i < 100 && entry.status !== "Healthy"; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(entry.status, "Healthy");
    } finally {
      await f.stop();
    }
  });

  test("POST accepts the fields and validates them like -z", async () => {
    const f = await withApi([]);
    try {
      const r = await call(f.api, "POST", "/api/health-checks", {
        protocol: "Pass",
        interval: 60000,
        failureThreshold: "2",
        parameters: { path: "/a:b" },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.protocol, "pass");
      assert.equal(r.body.backend, null);
      assert.equal(r.body.failureThreshold, 2);
      assert.deepEqual(r.body.parameters, { path: "/a:b" });
      const global = await call(f.api, "POST", "/api/health-checks", { timeout: 100 });
      assert.equal(global.status, 201);
      assert.equal(global.body.protocol, null);
    } finally {
      await f.stop();
    }
  });

  test("POST answers 400 with the parser's message, and for unknown or mixed fields", async () => {
    const f = await withApi([]);
    try {
      const timing = await call(f.api, "POST", "/api/health-checks", { spec: "pass:interval=0" });
      assert.equal(timing.status, 400);
      assert.match(
        timing.body.error,
        /^Cannot parse health check "pass:interval=0": invalid value "0" for "interval"/,
      );
      const noProtocol = await call(f.api, "POST", "/api/health-checks", { backend: "web", interval: 5 });
      assert.equal(noProtocol.status, 400);
      assert.match(noProtocol.body.error, /backend "web" is named without its protocol/);
      const typo = await call(f.api, "POST", "/api/health-checks", { intervall: 5 });
      assert.equal(typo.status, 400);
      assert.match(typo.body.error, /^Unknown field "intervall"/);
      const mixed = await call(f.api, "POST", "/api/health-checks", { spec: "pass", interval: 5 });
      assert.equal(mixed.status, 400);
      assert.equal(mixed.body.error, 'Give either "spec" or the fields, not both');
      const empty = await call(f.api, "POST", "/api/health-checks", {});
      assert.equal(empty.status, 400);
      assert.equal(f.mux.app.health.specs.length, 0);
    } finally {
      await f.stop();
    }
  });

  test("POST answers 409 for a second spec of the same protocol and backend", async () => {
    const f = await withApi([]);
    try {
      assert.equal(
        (await call(f.api, "POST", "/api/health-checks", { spec: "pass:web:interval=9000" })).status,
        201,
      );
      const r = await call(f.api, "POST", "/api/health-checks", { spec: "PASS:web:timeout=10" });
      assert.equal(r.status, 409);
      assert.equal(r.body.error, 'Duplicate health check for backend "web" (pass)');
    } finally {
      await f.stop();
    }
  });

  test("DELETE removes by body or query string (any case), 404 when none matches", async () => {
    const f = await withApi(["web:echo"], {}, {
      healthChecks: [parseHealthCheckSpec("echo:web:interval=60000"), parseHealthCheckSpec("interval=60000")],
    });
    try {
      const byBody = await call(f.api, "DELETE", "/api/health-checks", { protocol: "ECHO", backend: "web" });
      assert.equal(byBody.status, 200);
      assert.equal(byBody.body.backend, "web");
      const global = await call(f.api, "DELETE", "/api/health-checks?protocol=&backend=");
      assert.equal(global.status, 200);
      assert.equal(f.mux.app.health.specs.length, 0);
      const missing = await call(f.api, "DELETE", "/api/health-checks?protocol=pass");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'No health check for protocol "pass"');
      const typo = await call(f.api, "DELETE", "/api/health-checks?proto=pass");
      assert.equal(typo.status, 400);
    } finally {
      await f.stop();
    }
  });
});
