import { test } from "node:test";
import assert from "node:assert/strict";
import { Deadlines } from "../../src/net/deadlines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("an operation not done in time expires once, within the limit plus one tick", async () => {
  const d = new Deadlines(100);
  const fired: number[] = [];
  const start = Date.now();
  d.watch(() => fired.push(Date.now() - start));
  await sleep(250);
  assert.equal(fired.length, 1);
  assert.ok(fired[0] >= 100 && fired[0] <= 100 + 10 + 60, `fired after ${fired[0]} ms`);
  assert.equal(d.size, 0);
});

test("operations done in time never expire, and the timer stops once idle", async () => {
  const d = new Deadlines(50);
  let expired = 0;
  for (let i = 0; i < 1000; i++) d.done(d.watch(() => expired++));
  await sleep(120);
  assert.equal(expired, 0);
  assert.equal(d.size, 0);
  // A stopped timer does not keep the process alive: nothing to assert beyond the test ending.
});

test("expiry follows watch order and spares those still in time", async () => {
  const d = new Deadlines(200); // ticks every 20 ms
  const order: string[] = [];
  d.watch(() => order.push("a"));
  const b = d.watch(() => order.push("b"));
  await sleep(100);
  d.watch(() => order.push("c"));
  d.done(b);
  await sleep(160); // 260 ms: a was due at 200 (fires by ~220), c is due at 300
  assert.deepEqual(order, ["a"]);
  await sleep(140); // 400 ms
  assert.deepEqual(order, ["a", "c"]);
});

test("a throwing expiry handler does not stop the others", async () => {
  const d = new Deadlines(20);
  let ran = 0;
  d.watch(() => {
    throw new Error("boom");
  });
  d.watch(() => ran++);
  await sleep(80);
  assert.equal(ran, 1);
});

test("explicit deadlines out of order still expire on time", async () => {
  const d = new Deadlines(200); // ticks every 10 ms
  const order: string[] = [];
  const now = Date.now();
  d.watchUntil(now + 150, () => order.push("late"));
  d.watchUntil(now + 40, () => order.push("early")); // added after a later one
  await sleep(90);
  assert.deepEqual(order, ["early"]);
  await sleep(120);
  assert.deepEqual(order, ["early", "late"]);
});

test("an expiry handler that finishes another due operation keeps it from expiring", async () => {
  for (const ordered of [true, false]) {
    const d = new Deadlines(20);
    const fired: string[] = [];
    const now = Date.now();
    if (!ordered) d.watchUntil(now + 60, () => fired.push("late"));
    let b: ReturnType<Deadlines["watch"]> | undefined = undefined;
    d.watchUntil(now + 20, () => {
      fired.push("a");
      d.done(b!);
    });
    b = d.watchUntil(now + 20, () => fired.push("b"));
    await sleep(120);
    assert.deepEqual(fired, ordered ? ["a"] : ["a", "late"], `ordered=${ordered}`);
    assert.equal(d.size, 0);
  }
});
