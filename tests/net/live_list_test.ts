import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveList } from "../../src/net/live_list.ts";

test("members come back in insertion order and leave in O(1) from anywhere", () => {
  const list = new LiveList<string>();
  const [a, b, c, d] = ["a", "b", "c", "d"].map((v) => list.add(v));
  assert.equal(list.size, 4);
  assert.deepEqual([...list], ["a", "b", "c", "d"]);
  assert.equal(list.delete(b), true);
  assert.deepEqual([...list], ["a", "c", "d"]);
  assert.equal(list.delete(a), true); // the head
  assert.equal(list.delete(d), true); // the tail
  assert.deepEqual([...list], ["c"]);
  assert.equal(list.first, c);
  list.add("e");
  assert.deepEqual([...list], ["c", "e"]);
  assert.equal(list.size, 2);
});

test("deleting twice is a no-op and a removed node holds no links", () => {
  const list = new LiveList<number>();
  const one = list.add(1);
  const two = list.add(2);
  list.add(3);
  assert.equal(list.delete(two), true);
  assert.equal(list.delete(two), false);
  assert.equal(two.prev, null);
  assert.equal(two.next, null);
  assert.equal(list.size, 2);
  assert.equal(list.delete(one), true);
  assert.equal(list.delete(list.first!), true);
  assert.equal(list.size, 0);
  assert.equal(list.first, null);
  assert.deepEqual([...list], []);
  list.add(4);
  assert.deepEqual([...list], [4]);
});

test("iteration goes over the members there were when it started, even while they are deleted", () => {
  const list = new LiveList<string>();
  const nodes = ["a", "b", "c"].map((v) => list.add(v));
  const seen: string[] = [];
  for (const v of list) {
    seen.push(v);
    for (const n of nodes) list.delete(n); // what closeAll() does: each close removes its record
    list.add(v + "'"); // added during the iteration: not visited
  }
  assert.deepEqual(seen, ["a", "b", "c"]);
  assert.deepEqual([...list], ["a'", "b'", "c'"]);
});

test("a churn of many thousands keeps the size exact", () => {
  const list = new LiveList<number>();
  const live: ReturnType<typeof list.add>[] = [];
  for (let i = 0; i < 100_000; i++) {
    live.push(list.add(i));
    if (live.length > 32) list.delete(live.splice(i % 32, 1)[0]);
  }
  assert.equal(list.size, 32);
  assert.deepEqual([...list], live.map((n) => n.value).sort((x, y) => x - y));
});
