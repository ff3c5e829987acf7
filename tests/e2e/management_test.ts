/**
 * The management API end to end, over real sockets: changes made through the API take effect for the next
 * connection, and replacing a backend never disturbs a transfer in progress.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { serveManagement } from "../../src/management/mod.ts";
import type { HttpServer } from "../../src/net/types.ts";
import { connect, exchange, namedEcho, net, readAll, readUntil, startMux, waitFor } from "../helpers/net.ts";

async function serve(
  mux: Awaited<ReturnType<typeof startMux>>,
): Promise<{ server: HttpServer; base: string }> {
  const server = await serveManagement(await net(), { app: mux.app, token: "e2e" }, {
    hostname: "127.0.0.1",
    port: 0,
  });
  return { server, base: `http://127.0.0.1:${server.addr.port}` };
}

function request(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(base + path, {
    method,
    headers: { authorization: "Bearer e2e", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("management API end to end", () => {
  test("a backend added through the API takes the connections that start after the call, while clients keep connecting", async () => {
    const fresh = await namedEcho("fresh");
    const mux = await startMux(["ssh-only:echo:detect=ssh"], { level: "information" });
    const { server, base } = await serve(mux);
    const results: { startedAt: number; endedAt: number; reply: string }[] = [];
    let running = true;
    const clients = (async () => {
      while (running) {
        const startedAt = performance.now();
        const reply = await exchange(mux.port, "hello").catch((err) => `error: ${err.message}`);
        results.push({ startedAt, endedAt: performance.now(), reply });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await waitFor(() => results.length >= 3, 3000, "clients before the change");
      const addingAt = performance.now();
      const res = await request(base, "POST", "/api/backends/pass/fresh", {
        "target.ip": "127.0.0.1",
        "target.port": fresh.port,
      });
      const addedAt = performance.now();
      assert.equal(res.status, 201);
      assert.equal((await res.json()).spec.name, "fresh");
      await waitFor(() => results.some((r) => r.startedAt > addedAt + 1), 3000, "clients after the change");
      const countAfter = results.filter((r) => r.startedAt > addedAt).length;
      await waitFor(
        () => results.filter((r) => r.startedAt > addedAt).length >= countAfter + 3,
        3000,
        "more clients",
      );
      running = false;
      await clients;
      const before = results.filter((r) => r.endedAt < addingAt);
      const after = results.filter((r) => r.startedAt > addedAt);
      assert.ok(
        before.length >= 1 && before.every((r) => r.reply === ""),
        "no backend took them before the add",
      );
      assert.ok(after.length >= 3);
      assert.deepEqual(new Set(after.map((r) => r.reply)), new Set(["fresh\nhello"]));
    } finally {
      running = false;
      await clients;
      await server.close();
      await mux.stop();
      fresh.close();
    }
  });

  test("replacing a backend during a long transfer: the API answers at once, the transfer completes on the old backend, new connections go to the new one", async () => {
    const oldEcho = await namedEcho("old");
    const newEcho = await namedEcho("new");
    const mux = await startMux([`web:pass:target.ip=127.0.0.1,target.port=${oldEcho.port}`], {
      level: "information",
    });
    const { server, base } = await serve(mux);
    const c = await connect(mux.port);
    try {
      assert.equal(await readUntil(c, "old\n"), "old\n");
      const oldEntry = mux.app.tcp.table.get("web")!;
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
      const chunks = 24;
      const received = readAll(c);
      for (let i = 0; i < chunks / 2; i++) {
        await c.write(chunk);
        await new Promise((r) => setTimeout(r, 20));
      }
      const t0 = performance.now();
      const res = await request(base, "PUT", "/api/backends/pass/web?networkProtocol=Tcp", {
        "target.ip": "127.0.0.1",
        "target.port": newEcho.port,
      });
      const took = performance.now() - t0;
      assert.equal(res.status, 200);
      assert.equal((await res.json()).spec.parameters["target.port"], String(newEcho.port));
      assert.ok(took < 200, `PUT answered in ${took.toFixed(1)} ms`);
      assert.equal(oldEntry.status, "Draining");
      assert.equal(await exchange(mux.port, "next"), "new\nnext", "a new connection goes to the new backend");
      for (let i = chunks / 2; i < chunks; i++) {
        await c.write(chunk);
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.closeWrite();
      const data = await received;
      assert.equal(data.length, chunks * chunk.length, "every byte came back through the old backend");
      for (let i = 0; i < chunks; i++) {
        assert.deepEqual(data.subarray(i * chunk.length, (i + 1) * chunk.length), chunk, `chunk ${i} intact`);
      }
      await waitFor(() => oldEntry.status === "Stopped", 3000, "the old backend stopped after draining");
      assert.equal(oldEcho.accepted, 1);
      assert.equal(newEcho.accepted, 1);
      const list = await (await request(base, "GET", "/api/backends?networkProtocol=Tcp")).json();
      assert.equal(list.length, 1);
      assert.equal(list[0].spec.parameters["target.port"], String(newEcho.port));
    } finally {
      c.close();
      await server.close();
      await mux.stop();
      oldEcho.close();
      newEcho.close();
    }
  });
});
