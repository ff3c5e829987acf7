/**
 * The management server over a real socket (the runtime's HTTP server): token auth checked with curl and fetch.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { serveManagement } from "../../src/management/mod.ts";
import { net, startMux } from "../helpers/net.ts";

/** Runs curl; resolves with `[status, body]`, or `undefined` when curl is not installed. */
function curl(args: string[]): Promise<[number, string] | undefined> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-w", "\n%{http_code}", ...args], (err, stdout) => {
      if (err && (err as { code?: unknown }).code === "ENOENT") return resolve(undefined);
      if (err) return reject(err);
      const i = stdout.lastIndexOf("\n");
      resolve([Number(stdout.slice(i + 1)), stdout.slice(0, i)]);
    });
  });
}

describe("management server over a socket", () => {
  test("token auth over HTTP: curl and fetch get 401 without the token, 200 with it; /healthz is open", async () => {
    const mux = await startMux(["web:echo"], { level: "information" });
    const server = await serveManagement(await net(), { app: mux.app, token: "tok-123" }, {
      hostname: "127.0.0.1",
      port: 0,
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      const noToken = await curl([`${base}/api/backends`]);
      if (noToken === undefined) {
        console.log("curl is not installed: checking with fetch only");
      } else {
        assert.equal(noToken[0], 401);
        assert.equal(
          JSON.parse(noToken[1]).error,
          "Authentication required: send Authorization: Bearer <token>",
        );
        const withToken = await curl(["-H", "Authorization: Bearer tok-123", `${base}/api/backends`]);
        assert.equal(withToken![0], 200);
        assert.equal(JSON.parse(withToken![1])[0].spec.name, "web");
        const wrong = await curl(["-H", "Authorization: Bearer tok-124", `${base}/api/backends`]);
        assert.equal(wrong![0], 401);
        const healthz = await curl([`${base}/healthz`]);
        assert.equal(healthz![0], 200);
        const post = await curl([
          "-X",
          "POST",
          "-H",
          "Authorization: Bearer tok-123",
          "-H",
          "Content-Type: application/json",
          "--data",
          "{}",
          `${base}/api/backends/noop/late`,
        ]);
        assert.equal(post![0], 201);
        assert.ok(mux.app.tcp.table.get("late"));
      }
      const a = await fetch(`${base}/metrics`);
      assert.equal(a.status, 401);
      assert.deepEqual(await a.json(), {
        error: "Authentication required: send Authorization: Bearer <token>",
      });
      const b = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer tok-123" } });
      assert.equal(b.status, 200);
      assert.match(await b.text(), /^# (HELP|TYPE) /m);
    } finally {
      await server.close();
      await mux.stop();
    }
  });
});

describe("management request bodies", () => {
  test("a body over 1 MiB is answered 413 JSON before it is buffered, with or without Content-Length", async () => {
    const mux = await startMux(["web:echo"], { level: "information" });
    const server = await serveManagement(await net(), { app: mux.app }, { hostname: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${server.addr.port}/api/backends/pass/big`;
    try {
      const big = new Uint8Array(2 * 1024 * 1024).fill(0x20);
      const declared = await fetch(url, { method: "POST", body: big });
      assert.equal(declared.status, 413);
      assert.match(
        (await declared.json()).error,
        /Request body of 2097152 bytes is too large: the API reads at most 1048576 bytes/,
      );
      // Streamed: no Content-Length, so the limit is found while reading.
      const streamed = await fetch(url, {
        method: "POST",
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 32; i++) c.enqueue(big.subarray(0, 64 * 1024));
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.match((await streamed.json()).error, /over 1048576 bytes is too large/);
      // A body within the limit is read as before.
      const ok = await fetch(url, {
        method: "POST",
        body: JSON.stringify({ "target.ip": "127.0.0.1", "target.port": "9" }),
      });
      assert.equal(ok.status, 201, await ok.text());
      assert.ok(mux.app.tcp.table.get("big"));
    } finally {
      await server.close();
      await mux.stop();
    }
  });
});
