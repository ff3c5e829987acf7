import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { exchange, namedEcho } from "../helpers/net.ts";
import { call, withApi } from "./helpers.ts";

describe("management API: listeners", () => {
  test("GET lists the open listeners", async () => {
    const f = await withApi(["e:echo"]);
    try {
      const r = await call(f.api, "GET", "/api/listeners");
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, [{
        id: r.body[0].id,
        networkProtocol: "Tcp",
        bindAddress: "127.0.0.1",
        port: f.mux.port,
      }]);
    } finally {
      await f.stop();
    }
  });

  test("POST opens a listener that routes at once (201); DELETE by id closes it (200)", async () => {
    const f = await withApi(["e:echo"]);
    try {
      const r = await call(f.api, "POST", "/api/listeners", {
        networkProtocol: "tcp",
        port: 0,
        bindAddress: "127.0.0.1",
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.networkProtocol, "Tcp");
      assert.ok(r.body.port > 0);
      assert.equal(await exchange(r.body.port, "ping"), "ping");
      const d = await call(f.api, "DELETE", `/api/listeners?id=${r.body.id}`);
      assert.equal(d.status, 200);
      assert.equal(d.body[0].port, r.body.port);
      await assert.rejects(exchange(r.body.port, "x"));
    } finally {
      await f.stop();
    }
  });

  test("DELETE selects by networkProtocol and port in the body", async () => {
    const f = await withApi([]);
    try {
      const r = await call(f.api, "POST", "/api/listeners", {
        networkProtocol: "UDP",
        port: 0,
        bindAddress: "127.0.0.1",
      });
      assert.equal(r.status, 201);
      const d = await call(f.api, "DELETE", "/api/listeners", { networkProtocol: "udp", port: r.body.port });
      assert.equal(d.status, 200);
      assert.equal(f.mux.app.listeners.list().filter((l) => l.transport === "udp").length, 0);
    } finally {
      await f.stop();
    }
  });

  test("POST answers 409 for a port pmmux or another program holds", async () => {
    const f = await withApi([]);
    const other = await namedEcho("other");
    try {
      const ours = await call(f.api, "POST", "/api/listeners", {
        networkProtocol: "Tcp",
        port: f.mux.port,
        bindAddress: "127.0.0.1",
      });
      assert.equal(ours.status, 409);
      assert.match(ours.body.error, /is open already/);
      const theirs = await call(f.api, "POST", "/api/listeners", {
        networkProtocol: "Tcp",
        port: other.port,
        bindAddress: "127.0.0.1",
      });
      assert.equal(theirs.status, 409);
      assert.match(theirs.body.error, /^Cannot listen on TCP 127\.0\.0\.1:\d+/);
    } finally {
      other.close();
      await f.stop();
    }
  });

  test("POST answers 400 for a bad protocol, port, address or field", async () => {
    const f = await withApi([]);
    try {
      const cases: [unknown, RegExp][] = [
        [{ networkProtocol: "sctp", port: 1 }, /^Invalid networkProtocol "sctp": expected Tcp or Udp/],
        [{ networkProtocol: "Tcp" }, /^Missing "port"/],
        [{ networkProtocol: "Tcp", port: 70000 }, /^Invalid port 70000: expected an integer from 0 to 65535/],
        [
          { networkProtocol: "Tcp", port: 1, bindAddress: "localhost" },
          /^Invalid bindAddress "localhost": expected an IPv4 or IPv6 address/,
        ],
        [{ networkProtocol: "Tcp", port: 1, host: "x" }, /^Unknown field "host"/],
      ];
      for (const [body, error] of cases) {
        const r = await call(f.api, "POST", "/api/listeners", body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.body.error, error);
      }
    } finally {
      await f.stop();
    }
  });

  test("DELETE answers 404 when nothing matches and 400 without a selector", async () => {
    const f = await withApi([]);
    try {
      const none = await call(f.api, "DELETE", "/api/listeners?networkProtocol=Udp&port=9");
      assert.equal(none.status, 404);
      assert.match(none.body.error, /^No listener matches/);
      const empty = await call(f.api, "DELETE", "/api/listeners");
      assert.equal(empty.status, 400);
      assert.match(empty.body.error, /^Cannot select a listener/);
    } finally {
      await f.stop();
    }
  });
});
