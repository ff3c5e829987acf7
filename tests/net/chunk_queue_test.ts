import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChunkQueue } from "../../src/net/chunk_queue.ts";

describe("ChunkQueue", () => {
  test("ChunkQueue holds the source at high water and releases it under low water", () => {
    const events: string[] = [];
    const q = new ChunkQueue(10, 4, {
      pause: () => events.push("hold"),
      resume: () => events.push("release"),
    });
    q.push(new Uint8Array(6));
    q.push(new Uint8Array(6));
    assert.deepEqual(events, ["hold"]);
    assert.equal(q.shift()?.length, 6);
    assert.deepEqual(events, ["hold"], "6 bytes left: still above low water");
    assert.equal(q.shift()?.length, 6);
    assert.deepEqual(events, ["hold", "release"]);
    assert.equal(q.shift(), undefined);
  });

  test("ChunkQueue hands a pushed chunk to a waiting reader, and end()/fail() settle it", async () => {
    const q = new ChunkQueue(10, 4, { pause() {}, resume() {} });
    const first = q.wait();
    assert.equal(q.waiting, true);
    q.push(new Uint8Array([1, 2]));
    assert.deepEqual(await first, new Uint8Array([1, 2]));
    const second = q.wait();
    assert.equal(q.end(), true);
    assert.equal(await second, null);
    const third = q.wait();
    assert.equal(q.fail(new Error("reset")), true);
    await assert.rejects(third, /reset/);
    assert.equal(q.end(), false);
  });

  test("ChunkQueue gives a callback reader a pushed chunk at once, and its end or error in a microtask", async () => {
    const q = new ChunkQueue(10, 4, { pause() {}, resume() {} });
    const got: string[] = [];
    const reader = {
      chunk: (c: Uint8Array | null) => got.push(c === null ? "end" : `chunk ${c.length}`),
      failed: (e: unknown) => got.push(`failed ${(e as Error).message}`),
    };
    q.waitWith(reader);
    assert.equal(q.waiting, true);
    q.push(new Uint8Array(3));
    assert.deepEqual(got, ["chunk 3"], "inside push(): no promise in between");
    assert.equal(q.waiting, false);
    q.push(new Uint8Array(2));
    assert.deepEqual(got, ["chunk 3"], "no reader: queued");
    assert.equal(q.shift()?.length, 2);
    q.waitWith(reader);
    assert.equal(q.end(), true);
    assert.deepEqual(got, ["chunk 3"], "end() does not call back inside itself (it runs inside close())");
    await Promise.resolve();
    assert.deepEqual(got, ["chunk 3", "end"]);
    q.waitWith(reader);
    assert.equal(q.fail(new Error("reset")), true);
    await Promise.resolve();
    assert.deepEqual(got, ["chunk 3", "end", "failed reset"]);
    assert.equal(q.end(), false, "each reader hears once");
  });
});
