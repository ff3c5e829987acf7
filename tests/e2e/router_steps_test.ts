/**
 * The router's steps run as callbacks (`src/core/router.ts`): a backend or negotiator that throws, rejects or
 * ends a connection twice must close that connection only, leave no count behind, and keep the listener
 * serving. Over real sockets, on whichever runtime runs the test.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { BackendProtocol } from "../../src/backends/types.ts";
import { BACKENDS } from "../../src/backends/mod.ts";
import { parseBackendSpec } from "../../src/config/spec.ts";
import { param } from "../../src/core/backend.ts";
import type { Negotiator } from "../../src/negotiators/types.ts";
import { connect, exchange, readAll, startMux, type TestMux, waitFor } from "../helpers/net.ts";

/**
 * `faulty:mode=…`: `throw` (startTcp throws before doing anything), `reject` (handleTcp rejects after
 * reading the first chunk), `twice` (echoes one chunk, then calls `done` twice).
 */
const faulty: BackendProtocol = {
  name: "faulty",
  transports: ["tcp"],
  defaultTier: "normal",
  params: [{ key: "mode", required: true, help: "throw, reject or twice" }],
  create(spec) {
    const mode = param(spec.params, "mode");
    if (mode === "reject") {
      return {
        async handleTcp(conn) {
          await conn.read();
          throw new Error("handleTcp broke");
        },
      };
    }
    return {
      startTcp(conn, ctx, done) {
        if (mode === "throw") throw new Error("startTcp broke");
        conn.read().then(async (chunk) => {
          if (chunk !== null) await conn.write(chunk);
          ctx.closeReason = "client";
          conn.close();
          done();
          done();
        }).catch(() => done());
      },
    };
  },
};

const protocols = [...BACKENDS, faulty];

/** Connects, sends `hello`, and returns what came back before the close. */
async function tryOnce(port: number): Promise<string> {
  const c = await connect(port);
  try {
    await c.write(new TextEncoder().encode("hello"));
    return new TextDecoder().decode(await readAll(c).catch(() => new Uint8Array(0)));
  } finally {
    c.close();
  }
}

function closedWith(m: TestMux, name: string, reason: string): number {
  return m.metrics.snapshot().filter((s) =>
    s.name === "backend.connection.closed" && s.labels.backend === name && s.labels.initiator === reason
  ).reduce((n, s) => n + (s.value as number), 0);
}

describe("router steps fail one connection only", () => {
  for (const mode of ["throw", "reject"]) {
    test(`a backend whose ${mode === "throw" ? "startTcp throws" : "handleTcp rejects"} closes that connection, and the next ones are served`, async () => {
      const m = await startMux([`f:faulty:mode=${mode}`], { protocols });
      try {
        for (let i = 0; i < 3; i++) assert.equal(await tryOnce(m.port), "", `connection ${i + 1} is closed`);
        const entry = m.app.tcp.table.get("f")!;
        await waitFor(
          () => m.app.tcp.openConnections === 0 && entry.active === 0,
          3000,
          "counts to return to 0",
        );
        assert.equal(entry.requests, 3);
        await waitFor(() => closedWith(m, "f", "error") === 3, 3000, "three closes with reason error");
        const failed = m.logs.filter((l) =>
          l.includes(mode === "throw" ? "startTcp broke" : "handleTcp broke")
        );
        assert.equal(failed.length, 3, `one warning per connection:\n${m.logs.join("\n")}`);
        // The same listener still serves another backend.
        m.app.addBackend(parseBackendSpec("e:echo"));
        m.app.removeBackend("f", "tcp");
        assert.equal(await exchange(m.port, "still here"), "still here");
      } finally {
        await m.stop();
      }
    });
  }

  test("a backend that calls done twice is counted once", async () => {
    const m = await startMux([`f:faulty:mode=twice`], { protocols });
    try {
      for (let i = 0; i < 3; i++) assert.equal(await tryOnce(m.port), "hello");
      const entry = m.app.tcp.table.get("f")!;
      await waitFor(() => m.app.tcp.openConnections === 0, 3000, "no open connection");
      await waitFor(() => closedWith(m, "f", "client") === 3, 3000, "three closes");
      assert.equal(entry.active, 0, "active is 0, not below");
      assert.equal(closedWith(m, "f", "client"), 3);
    } finally {
      await m.stop();
    }
  });

  test("a negotiator that rejects or throws closes the connection with a warning, and the listener goes on", async () => {
    let calls = 0;
    const broken: Negotiator = {
      name: "broken",
      negotiate(preview) {
        calls++;
        if (calls === 1) throw new Error("negotiator threw");
        if (calls === 2) return Promise.reject(new Error("negotiator rejected"));
        return Promise.resolve(preview);
      },
    };
    const m = await startMux([`e:echo`], { negotiators: [broken] });
    try {
      assert.equal(await tryOnce(m.port), "", "thrown: closed");
      assert.equal(await tryOnce(m.port), "", "rejected: closed");
      assert.equal(await exchange(m.port, "third"), "third", "the third connection is served");
      await waitFor(() => m.app.tcp.openConnections === 0, 3000, "no open connection");
      assert.equal(m.logs.filter((l) => l.includes("negotiator threw")).length, 1);
      assert.equal(m.logs.filter((l) => l.includes("negotiator rejected")).length, 1);
    } finally {
      await m.stop();
    }
  });
});
