/**
 * LazyImpl: the HTTP backends' serving half, imported in the background from creation (src/backends/lazy.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type BackendImpl, LazyImpl } from "../../src/backends/lazy.ts";
import type { ConnContext } from "../../src/core/backend.ts";
import type { Conn } from "../../src/net/types.ts";
import { createLogger } from "../../src/logging/logger.ts";

function fakeConn(): Conn & { closes: number } {
  const conn = { closes: 0, close: () => void conn.closes++ };
  return conn as unknown as Conn & { closes: number };
}

const ctx = () => ({ id: 1, closeReason: "" }) as unknown as ConnContext;

function impl(): BackendImpl & { served: number; closed: number } {
  const i = {
    served: 0,
    closed: 0,
    handleTcp: (conn: Conn) => {
      i.served++;
      conn.close();
      return Promise.resolve();
    },
    close: () => void i.closed++,
  };
  return i;
}

describe("LazyImpl", () => {
  test("a connection arriving before the module is loaded waits for it", async () => {
    const built = impl();
    let release!: () => void;
    const lazy = new LazyImpl("test", createLogger({ level: "none" }), async () => {
      await new Promise<void>((r) => release = r);
      return built;
    });
    const conn = fakeConn();
    const served = lazy.handleTcp(conn, ctx());
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(built.served, 0);
    release();
    await served;
    assert.equal(built.served, 1);
    assert.equal(conn.closes, 1);
    assert.equal(await lazy.get(), built);
    lazy.dispose();
    assert.equal(built.closed, 1);
  });

  test("disposed before loading: the implementation is closed once loaded", async () => {
    const built = impl();
    const lazy = new LazyImpl("test", createLogger({ level: "none" }), () => Promise.resolve(built));
    lazy.dispose();
    await lazy.get();
    assert.equal(built.closed, 1);
  });

  test("a failed load is logged once and closes connections", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "error", sinks: [{ write: (l: string) => lines.push(l) }] });
    const lazy = new LazyImpl("test", logger, () => Promise.reject(new Error("no such module")));
    await assert.rejects(lazy.get(), /no such module/);
    const conn = fakeConn();
    const c = ctx();
    await lazy.handleTcp(conn, c);
    assert.equal(conn.closes, 1);
    assert.equal(c.closeReason, "error");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /Cannot load the test backend: no such module/);
  });
});
