import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, withApi } from "./helpers.ts";

const ECHO = "127.0.0.1";

describe("management API: backends", () => {
  test("GET /api/backends lists BackendStatus in routing order, per network protocol", async () => {
    const f = await withApi(["a:echo", "b:noop:detect=ssh"]);
    try {
      const all = await call(f.api, "GET", "/api/backends");
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.map((b: any) => `${b.spec.name}/${b.networkProtocol}`), [
        "a/Tcp",
        "b/Tcp",
        "a/Udp",
      ]);
      const tcp = await call(f.api, "GET", "/api/backends?networkProtocol=tCP");
      assert.deepEqual(tcp.body.map((b: any) => b.spec.name), ["a", "b"]);
      const [a] = tcp.body;
      assert.deepEqual(a.spec, { name: "a", protocolName: "echo", parameters: {} });
      assert.equal(a.priorityTier, "Normal");
      assert.equal(tcp.body[1].priorityTier, "Fallback");
      assert.equal(a.status, "Unknown");
      assert.equal(a.statusReason, "");
      assert.equal(a.lastHealthCheck, null);
      assert.equal(a.healthCheckFailureCount, 0);
      assert.equal(a.healthCheckSuccessCount, 0);
      assert.equal(a.activeConnections, 0);
      assert.equal(a.properties.order, "0");
      const udp = await call(f.api, "GET", "/api/backends?networkProtocol=udp");
      assert.deepEqual(udp.body.map((b: any) => b.spec.name), ["a"]);
    } finally {
      await f.stop();
    }
  });

  test("GET /api/backends answers 400 for an unknown networkProtocol", async () => {
    const f = await withApi([]);
    try {
      const r = await call(f.api, "GET", "/api/backends?networkProtocol=sctp");
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'Invalid networkProtocol "sctp": expected Tcp or Udp');
    } finally {
      await f.stop();
    }
  });

  test("POST adds a backend last and answers 201 with its BackendStatus", async () => {
    const f = await withApi(["first:noop"]);
    try {
      const r = await call(f.api, "POST", "/api/backends/PASS/web?networkProtocol=Tcp", {
        "target.ip": ECHO,
        "target.port": 8080,
        priority: "vip",
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.spec.name, "web");
      assert.equal(r.body.spec.protocolName, "pass");
      assert.deepEqual(r.body.spec.parameters, { "target.ip": ECHO, "target.port": "8080", priority: "vip" });
      assert.equal(r.body.priorityTier, "Vip");
      assert.equal(r.body.networkProtocol, "Tcp");
      assert.deepEqual(f.mux.app.tcp.table.entries.map((e) => e.name), ["first", "web"]);
      assert.equal(f.mux.app.udp.table.get("web"), undefined, "networkProtocol=Tcp adds the TCP entry only");
    } finally {
      await f.stop();
    }
  });

  test("POST without networkProtocol adds every network protocol the backend serves", async () => {
    const f = await withApi([]);
    try {
      const r = await call(f.api, "POST", "/api/backends/echo/e");
      assert.equal(r.status, 201);
      assert.ok(f.mux.app.tcp.table.get("e"));
      assert.ok(f.mux.app.udp.table.get("e"));
    } finally {
      await f.stop();
    }
  });

  test("POST answers 400 with the parser's or the factory's message for a bad spec", async () => {
    const f = await withApi([]);
    try {
      const unknown = await call(f.api, "POST", "/api/backends/telnet/x");
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error, /^Unknown protocol "telnet" for backend "x": expected one of pass, /);
      const missing = await call(f.api, "POST", "/api/backends/pass/x", { "target.ip": ECHO });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error, /parameter "target.port" is required/);
      const badParam = await call(f.api, "POST", "/api/backends/echo/x", { colour: "blue" });
      assert.equal(badParam.status, 400);
      assert.match(badParam.body.error, /unknown parameter "colour"/);
      const dupKey = await call(f.api, "POST", "/api/backends/echo/x", {
        priority: "vip",
        PRIORITY: "normal",
      });
      assert.equal(dupKey.status, 400);
      assert.match(dupKey.body.error, /^Cannot parse backend spec ".*": duplicate key "PRIORITY"/);
      const nested = await call(f.api, "POST", "/api/backends/echo/x", { priority: { a: 1 } });
      assert.equal(nested.status, 400);
      assert.match(nested.body.error, /^Invalid parameter "priority": expected a string, number or boolean/);
      const notJson = await call(f.api, "POST", "/api/backends/echo/x", "{oops");
      assert.equal(notJson.status, 400);
      assert.match(notJson.body.error, /^Cannot parse the request body as JSON/);
      const array = await call(f.api, "POST", "/api/backends/echo/x", "[1]");
      assert.equal(array.status, 400);
      assert.match(array.body.error, /^Invalid request body: expected a JSON object/);
      const wrongTransport = await call(f.api, "POST", "/api/backends/echo/x?networkProtocol=Udp", {
        detect: "ssh",
      });
      assert.equal(wrongTransport.status, 400);
      assert.equal(wrongTransport.body.error, 'Backend "x" (echo) does not serve UDP');
      assert.equal(f.mux.app.tcp.table.entries.length, 0, "nothing was added");
    } finally {
      await f.stop();
    }
  });

  test("POST keeps parameter values with spec punctuation verbatim", async () => {
    const f = await withApi([]);
    try {
      const r = await call(f.api, "POST", "/api/backends/echo/odd", { detect: 'regex:^a,b="c":d' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(f.mux.app.tcp.table.get("odd")!.spec.params.detect, 'regex:^a,b="c":d');
    } finally {
      await f.stop();
    }
  });

  test("POST answers 409 for a duplicate name", async () => {
    const f = await withApi(["web:echo"]);
    try {
      const r = await call(f.api, "POST", "/api/backends/noop/web?networkProtocol=tcp");
      assert.equal(r.status, 409);
      assert.equal(r.body.error, 'Duplicate backend name "web" for TCP');
    } finally {
      await f.stop();
    }
  });

  test("PUT replaces in place and answers 200 with the replacement; the old entry drains", async () => {
    const f = await withApi(["a:echo", "web:echo", "z:noop"]);
    try {
      const old = f.mux.app.tcp.table.get("web")!;
      const r = await call(f.api, "PUT", "/api/backends/noop/web?networkProtocol=TCP&drainTimeout=100");
      assert.equal(r.status, 200);
      assert.equal(r.body.spec.protocolName, "noop");
      assert.deepEqual(f.mux.app.tcp.table.entries.map((e) => `${e.name}:${e.protocol.name}`), [
        "a:echo",
        "web:noop",
        "z:noop",
      ]);
      assert.equal(f.mux.app.udp.table.get("web")!.protocol.name, "echo", "only TCP was replaced");
      assert.ok(old.status === "Draining" || old.status === "Stopped");
    } finally {
      await f.stop();
    }
  });

  test("PUT without networkProtocol replaces every entry of the name", async () => {
    const f = await withApi(["web:echo"]);
    try {
      const r = await call(f.api, "PUT", "/api/backends/noop/web");
      assert.equal(r.status, 200);
      assert.equal(f.mux.app.tcp.table.get("web")!.protocol.name, "noop");
      assert.equal(f.mux.app.udp.table.get("web")!.protocol.name, "noop");
    } finally {
      await f.stop();
    }
  });

  test("PUT answers 404 for an unknown name and 400 for an invalid replacement", async () => {
    const f = await withApi(["web:echo"]);
    try {
      const missing = await call(f.api, "PUT", "/api/backends/echo/nope");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'No backend "nope"');
      const bad = await call(f.api, "PUT", "/api/backends/pass/web", { "target.ip": ECHO });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /target.port/);
      assert.equal(f.mux.app.tcp.table.get("web")!.protocol.name, "echo", "unchanged");
      const badTimeout = await call(f.api, "PUT", "/api/backends/echo/web?drainTimeout=soon");
      assert.equal(badTimeout.status, 400);
      assert.match(badTimeout.body.error, /^Invalid drainTimeout "soon"/);
    } finally {
      await f.stop();
    }
  });

  test("DELETE removes, answers 200, and 404 for an unknown name or a protocol mismatch", async () => {
    const f = await withApi(["web:echo", "other:noop"]);
    try {
      const mismatch = await call(f.api, "DELETE", "/api/backends/pass/web");
      assert.equal(mismatch.status, 404);
      assert.equal(mismatch.body.error, 'No backend "web" (pass)');
      const r = await call(f.api, "DELETE", "/api/backends/Echo/web?networkProtocol=tcp&drain=TRUE");
      assert.equal(r.status, 200);
      assert.equal(r.body.spec.name, "web");
      assert.equal(f.mux.app.tcp.table.get("web"), undefined);
      assert.ok(f.mux.app.udp.table.get("web"), "UDP entry stays");
      const again = await call(f.api, "DELETE", "/api/backends/echo/web?networkProtocol=Tcp");
      assert.equal(again.status, 404);
      const all = await call(f.api, "DELETE", "/api/backends/noop/other");
      assert.equal(all.status, 200);
      assert.equal(f.mux.app.tcp.table.get("other"), undefined);
      assert.equal(f.mux.app.udp.table.get("other"), undefined);
      const badDrain = await call(f.api, "DELETE", "/api/backends/echo/web?drain=maybe");
      assert.equal(badDrain.status, 400);
      assert.equal(badDrain.body.error, 'Invalid drain "maybe": expected true or false');
    } finally {
      await f.stop();
    }
  });
});
