/**
 * The splice part of the socket adapter conformance suite: `Conn.splice` between two native connections of the
 * adapter (when it starts and when it declines, byte order with queued bytes and `head`, throughput, half-close,
 * backpressure, close and reset), and `relay()` on top of it.
 *
 * Every test splices A' with B, where A is a client connected to a front listener (A' its accepted side) and
 * B a connection to an upstream listener (B' its accepted side): bytes written on A arrive at B', and back.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type Conn, type NetAdapter, type SpliceStats, spliceStats } from "../../src/net/types.ts";
import { relay, type RelayResult } from "../../src/core/relay.ts";
import { Preview } from "../../src/core/preview.ts";
import { connectPair, type MakeAdapter, MiB, readAll, readExactly, sleep, within } from "./helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BLOCK = 64 * 1024;

/** A' spliced with B: `a` → `aS` → (splice) → `b` → `bS`. */
interface Rig {
  /** The client. */
  a: Conn;
  /** The client's accepted side: the connection `splice` is called on. */
  aS: Conn;
  /** The connection to the upstream: `other`. */
  b: Conn;
  /** The upstream's accepted side. */
  bS: Conn;
}

/** Builds a {@linkcode Rig}, runs `body`, then closes everything and leaves time for stray rejections. */
async function withRig(makeAdapter: MakeAdapter, body: (rig: Rig, net: NetAdapter) => Promise<void>) {
  const net = await makeAdapter();
  const front = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const back = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const conns: Conn[] = [];
  try {
    const [a, aS] = await connectPair(net, front);
    conns.push(a, aS);
    const [b, bS] = await connectPair(net, back);
    conns.push(b, bS);
    await body({ a, aS, b, bS }, net);
    await sleep(50);
  } finally {
    for (const conn of conns) conn.close();
    front.close();
    back.close();
  }
}

/**
 * Calls `aS.splice(b, stats, head, onDone)`, asserting that the adapter implements it and that it started;
 * the promise resolves when `onDone` is called, and rejects if it is called more than once.
 */
function startSplice(rig: Rig, stats: SpliceStats, head?: Uint8Array): Promise<void> {
  assert.equal(typeof rig.aS.splice, "function", "the adapter's connections implement splice()");
  let calls = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  const started = rig.aS.splice!(rig.b, stats, head, () => {
    calls++;
    resolve();
  });
  assert.equal(started, true, "splice() of two native connections starts");
  return promise.then(() => sleep(20)).then(() => assert.equal(calls, 1, "onDone is called once"));
}

/** `onDone` of a splice that must not start. */
function declined(): void {
  throw new Error("a declined splice called its onDone");
}

/** A preview of A' that has read `text` (sent by A) in one fill. */
async function previewOf(rig: Rig, text: string): Promise<Preview> {
  const preview = new Preview(rig.aS, 65536);
  await send(rig.a, text);
  assert.equal(await within(preview.fill(), 2000, "preview"), true);
  return preview;
}

/** Resolves "pending" when `promise` has not settled after `ms`. */
function stillPending(promise: Promise<unknown>, ms = 100): Promise<"settled" | "pending"> {
  return Promise.race([
    promise.then(() => "settled" as const, () => "settled" as const),
    sleep(ms).then(() => "pending" as const),
  ]);
}

/** Reads and discards until EOF (`eof`) or an error (`error`). */
async function drainToEnd(conn: Conn): Promise<"eof" | "error"> {
  try {
    for (let i = 0; i < 1_000_000; i++) if ((await conn.read()) === null) return "eof";
    return "error";
  } catch {
    return "error";
  }
}

/** Writes `text` as one chunk. */
function send(conn: Conn, text: string): Promise<void> {
  return conn.write(encoder.encode(text));
}

/** Reads to EOF as text, within `ms`. */
async function readText(conn: Conn, what: string, ms = 2000): Promise<string> {
  return decoder.decode(await within(readAll(conn), ms, what));
}

/** Progress of a {@linkcode sendBlocks} writer. */
interface Progress {
  bytes: number;
}

/**
 * Writes `total` bytes of numbered random 64 KiB blocks, awaiting each write (so at most one is in flight),
 * then sends FIN unless `fin` is false; resolves with the SHA-256 of what was written.
 */
async function sendBlocks(conn: Conn, total: number, progress: Progress = { bytes: 0 }, fin = true) {
  const block = crypto.getRandomValues(new Uint8Array(BLOCK));
  const view = new DataView(block.buffer);
  const hash = createHash("sha256");
  for (let i = 0; progress.bytes < total; i++) {
    const chunk = block.subarray(0, Math.min(BLOCK, total - progress.bytes));
    view.setUint32(0, i);
    hash.update(chunk);
    await conn.write(chunk);
    progress.bytes += chunk.length;
  }
  if (fin) await conn.closeWrite();
  return hash.digest("hex");
}

/**
 * Reads to EOF, hashing; fails past `limit` bytes. With `prefix`, the first bytes must equal it and are left
 * out of the hash (`bytes` counts them).
 */
async function receiveAll(conn: Conn, limit: number, prefix: Uint8Array = new Uint8Array(0)) {
  const hash = createHash("sha256");
  let bytes = 0;
  for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
    let rest = chunk;
    if (bytes < prefix.length) {
      const n = Math.min(prefix.length - bytes, chunk.length);
      assert.ok(sameStart(chunk, prefix.subarray(bytes, bytes + n)), `prefix differs at offset ${bytes}`);
      rest = chunk.subarray(n);
    }
    hash.update(rest);
    bytes += chunk.length;
    if (bytes > limit) throw new Error(`Read more than ${limit} bytes`);
  }
  assert.ok(bytes >= prefix.length, `EOF after ${bytes} bytes, inside the ${prefix.length}-byte prefix`);
  return { bytes, sha: hash.digest("hex") };
}

function sameStart(chunk: Uint8Array, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (chunk[i] !== expected[i]) return false;
  return true;
}

/** Waits until `progress.bytes` stays the same for `quietMs` (true), or `maxMs` passed (false). */
async function waitStalled(progress: Progress, quietMs: number, maxMs: number): Promise<boolean> {
  const started = performance.now();
  let last = -1;
  let since = started;
  while (performance.now() - started < maxMs) {
    await sleep(20);
    const now = performance.now();
    if (progress.bytes !== last) {
      last = progress.bytes;
      since = now;
    } else if (now - since >= quietMs) return true;
  }
  return false;
}

/** A connection of no adapter: splice must decline it. */
function fakeConn(): Conn {
  const addr = { ip: "127.0.0.1", port: 9, family: "ipv4" as const };
  return {
    localAddr: addr,
    remoteAddr: addr,
    read: () => Promise.resolve(null),
    write: () => Promise.resolve(),
    closeWrite: () => Promise.resolve(),
    close: () => {},
    closed: Promise.resolve(),
  };
}

/** Wraps `conn.splice` to record what each call got and returned. */
function spySplice(conn: Conn): { calls: { head: Uint8Array | undefined; started: boolean }[] } {
  const spy = { calls: [] as { head: Uint8Array | undefined; started: boolean }[] };
  const original = conn.splice!.bind(conn);
  conn.splice = (other, stats, head, onDone) => {
    const started = original(other, stats, head, onDone);
    spy.calls.push({ head: head?.slice(), started });
    return started;
  };
  return spy;
}

/** Registers the splice tests (called by `adapterConformance`). */
export function spliceConformance(makeAdapter: MakeAdapter): void {
  spliceStart(makeAdapter);
  spliceData(makeAdapter);
  spliceEnds(makeAdapter);
  spliceRelay(makeAdapter);
}

function spliceStart(makeAdapter: MakeAdapter): void {
  test("splice: declines a foreign connection or a pending read, and nothing changes", {
    timeout: 20_000,
  }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const { a, aS, b, bS } = rig;
      const stats = spliceStats();
      assert.equal(typeof aS.splice, "function");
      assert.equal(aS.splice!(fakeConn(), stats, undefined, declined), false, "a foreign Conn is declined");
      assert.equal(
        aS.splice!(aS, stats, undefined, declined),
        false,
        "a connection cannot be spliced with itself",
      );
      assert.equal(b.splice!(fakeConn(), stats, encoder.encode("head"), declined), false);
      assert.deepEqual(stats, spliceStats(), "a declined splice leaves the stats alone");

      // Both still work with read/write.
      await send(a, "one");
      assert.equal(decoder.decode(await within(readExactly(aS, 3), 2000, "A' reads")), "one");
      await send(aS, "two");
      assert.equal(decoder.decode(await within(readExactly(a, 3), 2000, "A reads")), "two");
      await send(bS, "three");
      assert.equal(decoder.decode(await within(readExactly(b, 5), 2000, "B reads")), "three");

      // A read pending on this connection: declined, and the read still gets its bytes.
      const pendingA = aS.read();
      assert.equal(aS.splice!(b, stats, undefined, declined), false, "a read pending on this connection");
      await send(a, "four");
      const four = await within(pendingA, 2000, "the pending read of A'");
      assert.equal(decoder.decode(four!), "four");

      // A read pending on `other`: declined too, either way round.
      const pendingB = b.read();
      assert.equal(aS.splice!(b, stats, undefined, declined), false, "a read pending on other");
      assert.equal(b.splice!(aS, stats, undefined, declined), false, "a read pending on this connection (B)");
      await send(bS, "five");
      const five = await within(pendingB, 2000, "the pending read of B");
      assert.equal(decoder.decode(five!), "five");
      assert.deepEqual(stats, spliceStats());

      // Now it starts, and a second splice of either connection is declined.
      const done = startSplice(rig, stats);
      assert.equal(aS.splice!(b, spliceStats(), undefined, declined), false, "already spliced");
      assert.equal(b.splice!(aS, spliceStats(), undefined, declined), false, "already spliced (other)");
      await send(a, "six");
      assert.equal(
        decoder.decode(await within(readExactly(bS, 3), 2000, "B' reads through the splice")),
        "six",
      );
      await send(bS, "seven");
      assert.equal(
        decoder.decode(await within(readExactly(a, 5), 2000, "A reads through the splice")),
        "seven",
      );
      await a.closeWrite();
      await bS.closeWrite();
      assert.equal(await within(bS.read(), 2000, "B' EOF"), null);
      assert.equal(await within(a.read(), 2000, "A EOF"), null);
      await within(done, 2000, "splice ends after both FINs");
      assert.equal(stats.aToB, 3);
      assert.equal(stats.bToA, 5);
      assert.equal(stats.failed, false);
      await within(Promise.all([aS.closed, b.closed]), 2000, "spliced connections closed");
      assert.equal(
        aS.splice!(b, spliceStats(), undefined, declined),
        false,
        "a closed connection is declined",
      );
    });
  });

  test("splice: starts once the read that made it decline has completed", { timeout: 20_000 }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const stats = spliceStats();
      const pending = rig.b.read();
      assert.equal(rig.aS.splice!(rig.b, stats, undefined, declined), false);
      await send(rig.bS, "reply-1");
      assert.equal(decoder.decode((await within(pending, 2000, "pending read"))!), "reply-1");
      const done = startSplice(rig, stats);
      await send(rig.bS, "reply-2");
      await rig.bS.closeWrite();
      assert.equal(await readText(rig.a, "A reads to EOF"), "reply-2");
      await rig.a.closeWrite();
      await within(done, 2000, "splice ends");
      assert.equal(stats.bToA, 7);
      assert.equal(stats.aToB, 0);
      assert.equal(stats.firstEnd, "b");
    });
  });
}

function spliceData(makeAdapter: MakeAdapter): void {
  test("splice: head, then bytes queued before the call, then later bytes, exactly", {
    timeout: 20_000,
  }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const { a, bS } = rig;
      await send(a, "early-1|");
      await send(a, "early-2|");
      await send(bS, "up-early|");
      await sleep(100); // queued in the adapter (Bun) or the kernel (Deno) of A' and B
      const stats = spliceStats();
      const done = startSplice(rig, stats, encoder.encode("HEAD|"));
      await send(a, "late|");
      await send(bS, "up-late|");
      await a.closeWrite();
      await bS.closeWrite();
      assert.equal(await readText(bS, "B' reads to EOF"), "HEAD|early-1|early-2|late|");
      assert.equal(await readText(a, "A reads to EOF"), "up-early|up-late|");
      await within(done, 2000, "splice ends");
      assert.equal(stats.aToB, "HEAD|early-1|early-2|late|".length);
      assert.equal(stats.bToA, "up-early|up-late|".length);
      assert.ok(stats.chunks >= 3, `chunks ${stats.chunks}`);
      assert.equal(stats.failed, false);
    });
  });

  test("splice: a FIN queued before the call is passed on after head and the queued bytes", {
    timeout: 20_000,
  }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const { a, bS } = rig;
      await send(a, "early and done");
      await a.closeWrite();
      await sleep(100);
      const stats = spliceStats();
      const done = startSplice(rig, stats, encoder.encode("H:"));
      assert.equal(await readText(bS, "B' reads to EOF"), "H:early and done");
      assert.equal(await stillPending(done), "pending", "the other direction is still open");
      await send(bS, "answer");
      await bS.closeWrite();
      assert.equal(await readText(a, "A reads the answer"), "answer");
      await within(done, 2000, "splice ends");
      assert.equal(stats.firstEnd, "a");
      assert.equal(stats.aToB, 16);
      assert.equal(stats.bToA, 6);
    });
  });

  test(
    "splice: after read() already returned EOF, only head goes on, then FIN",
    { timeout: 20_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const { a, aS, bS } = rig;
        await send(a, "preview bytes");
        await a.closeWrite();
        assert.equal(await readText(aS, "A' reads to EOF"), "preview bytes");
        const stats = spliceStats();
        const done = startSplice(rig, stats, encoder.encode("preview bytes"));
        assert.equal(await readText(bS, "B' reads to EOF"), "preview bytes");
        await send(bS, "ok");
        await bS.closeWrite();
        assert.equal(await readText(a, "A reads the answer"), "ok");
        await within(done, 2000, "splice ends");
        assert.equal(stats.firstEnd, "a");
        assert.equal(stats.aToB, 13);
        assert.equal(stats.bToA, 2);
      });
    },
  );

  test("splice: carries 16 MiB each way at once unchanged, and counts it", { timeout: 120_000 }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const { a, aS, b, bS } = rig;
      const total = 16 * MiB;
      const head = crypto.getRandomValues(new Uint8Array(1000));
      const stats = spliceStats();
      const started = performance.now();
      const done = startSplice(rig, stats, head);
      const [upSha, downSha, upGot, downGot] = await within(
        Promise.all([
          sendBlocks(a, total),
          sendBlocks(bS, total),
          receiveAll(bS, total + head.length, head),
          receiveAll(a, total),
        ]),
        60_000,
        "16 MiB each way",
      );
      const seconds = (performance.now() - started) / 1000;
      assert.equal(upGot.bytes, total + head.length);
      assert.equal(downGot.bytes, total);
      assert.equal(upGot.sha, upSha, "A to B' (after the head)");
      assert.equal(downGot.sha, downSha, "B' to A");
      await within(done, 2000, "splice ends");
      assert.equal(stats.aToB, total + head.length);
      assert.equal(stats.bToA, total);
      assert.ok(stats.chunks > 0);
      assert.equal(stats.failed, false);
      assert.ok(stats.firstEnd === "a" || stats.firstEnd === "b", stats.firstEnd);
      await within(Promise.all([aS.closed, b.closed]), 2000, "spliced connections closed");
      console.log(`spliced 16 MiB each way in ${seconds.toFixed(2)} s`);
    });
  });

  test(
    "splice: a writer stalls while nobody reads, then everything arrives",
    { timeout: 120_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const { a, bS } = rig;
        const total = 64 * MiB;
        const stats = spliceStats();
        const done = startSplice(rig, stats);
        const progress: Progress = { bytes: 0 };
        const writer = sendBlocks(a, total, progress);
        writer.catch(() => {});
        await sleep(500);
        assert.ok(progress.bytes < total, "all 64 MiB accepted within 500 ms while nobody reads");
        assert.ok(
          await waitStalled(progress, 300, 10_000),
          `the writer never stalled (${progress.bytes} bytes)`,
        );
        const buffered = progress.bytes;
        console.log(`splice: writer stalled after ${(buffered / MiB).toFixed(1)} MiB`);
        assert.ok(buffered <= 48 * MiB, `${buffered} bytes buffered before the writer stalled`);
        assert.equal(await stillPending(writer, 200), "pending");
        const got = await within(receiveAll(bS, total), 60_000, "B' reads everything");
        const sha = await within(writer, 5000, "writer finishes");
        assert.equal(got.bytes, total);
        assert.equal(got.sha, sha);
        await bS.closeWrite();
        assert.equal(await within(a.read(), 2000, "A EOF"), null);
        await within(done, 2000, "splice ends");
        assert.equal(stats.aToB, total);
        assert.equal(stats.failed, false);
      });
    },
  );

  test("splice: a large head and bytes queued before the call keep backpressure", {
    timeout: 120_000,
  }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const { a, bS } = rig;
      const early = new Uint8Array(1 * MiB).fill(1);
      await within(a.write(early), 5000, "early MiB"); // more than a connection queues before pausing
      await sleep(200);
      const head = new Uint8Array(16 * MiB).fill(2); // more than the kernel takes at once
      const stats = spliceStats();
      const done = startSplice(rig, stats, head);
      const progress: Progress = { bytes: 0 };
      const total = 64 * MiB;
      const writer = sendBlocks(a, total, progress);
      writer.catch(() => {});
      assert.ok(
        await waitStalled(progress, 300, 10_000),
        `the writer never stalled (${progress.bytes} bytes)`,
      );
      console.log(`splice with a 16 MiB head: writer stalled after ${(progress.bytes / MiB).toFixed(1)} MiB`);
      assert.ok(progress.bytes <= 48 * MiB, `${progress.bytes} bytes buffered before the writer stalled`);
      const prefix = new Uint8Array(head.length + early.length);
      prefix.set(head);
      prefix.set(early, head.length);
      const got = await within(receiveAll(bS, total + prefix.length, prefix), 60_000, "B' reads everything");
      const sha = await within(writer, 5000, "writer finishes");
      assert.equal(got.bytes, total + prefix.length);
      assert.equal(got.sha, sha);
      await bS.closeWrite();
      assert.equal(await within(a.read(), 2000, "A EOF"), null);
      await within(done, 2000, "splice ends");
      assert.equal(stats.aToB, total + prefix.length);
    });
  });
}

function spliceEnds(makeAdapter: MakeAdapter): void {
  for (const first of ["a", "b"] as const) {
    test(`splice: half-close, ${first === "a" ? "client" : "upstream"} first (firstEnd "${first}")`, {
      timeout: 20_000,
    }, async () => {
      await withRig(makeAdapter, async (rig) => {
        const stats = spliceStats();
        const done = startSplice(rig, stats);
        // `asker` sends FIN first; `answerer` reads to EOF, then replies and sends its FIN.
        const [asker, answerer] = first === "a" ? [rig.a, rig.bS] : [rig.bS, rig.a];
        await send(asker, "question");
        await asker.closeWrite();
        assert.equal(await readText(answerer, "answerer reads to EOF"), "question");
        assert.equal(await stillPending(done), "pending", "one direction still open");
        assert.equal(stats.firstEnd, first);
        await send(answerer, "an answer after FIN");
        assert.equal(
          decoder.decode(await within(readExactly(asker, 19), 2000, "asker reads the answer")),
          "an answer after FIN",
        );
        assert.equal(await stillPending(done, 50), "pending");
        await answerer.closeWrite();
        assert.equal(await within(asker.read(), 2000, "asker EOF"), null);
        await within(done, 2000, "splice ends after both FINs");
        assert.equal(stats.firstEnd, first);
        assert.equal(stats.failed, false);
        assert.equal(first === "a" ? stats.aToB : stats.bToA, 8);
        assert.equal(first === "a" ? stats.bToA : stats.aToB, 19);
        await within(Promise.all([rig.aS.closed, rig.b.closed]), 2000, "spliced connections closed");
        await within(Promise.all([rig.a.closed, rig.bS.closed]), 2000, "outer connections closed");
      });
    });
  }

  for (const closer of ["A'", "B"] as const) {
    for (const traffic of ["idle", "streaming"] as const) {
      test(
        `splice: ${closer}.close() on ${
          traffic === "idle" ? "an idle" : "a streaming"
        } splice ends it and both far ends`,
        {
          timeout: 20_000,
        },
        async () => {
          await withRig(makeAdapter, async (rig) => {
            const { a, bS } = rig;
            const stats = spliceStats();
            const done = startSplice(rig, stats);
            let writer: Promise<unknown> = Promise.resolve();
            let reader: Promise<"eof" | "error"> | null = null;
            if (traffic === "streaming") {
              writer = sendBlocks(a, 1024 * MiB, undefined, false).catch((error) => error);
              reader = drainToEnd(bS);
              await sleep(200);
            } else {
              await send(a, "x");
              assert.equal(decoder.decode(await within(readExactly(bS, 1), 2000, "one byte")), "x");
            }
            (closer === "A'" ? rig.aS : rig.b).close();
            await within(done, 1000, "splice ends after close()");
            await within(Promise.all([rig.aS.closed, rig.b.closed]), 1000, "spliced connections closed");
            const aEnd = await within(drainToEnd(a), 2000, "A sees EOF or an error");
            const bEnd = await within(reader ?? drainToEnd(bS), 2000, "B' sees EOF or an error");
            assert.ok(aEnd === "eof" || aEnd === "error");
            assert.ok(bEnd === "eof" || bEnd === "error");
            if (traffic === "streaming") {
              assert.ok((await within(writer, 2000, "A's writer ends")) instanceof Error, "writes fail");
            }
            assert.ok(stats.aToB >= 1);
          });
        },
      );
    }
  }

  // A reset is provoked as in conformance_failures.ts: closing a socket whose receive queue holds unread
  // bytes makes the kernel send RST instead of FIN.
  for (const side of ["upstream", "client"] as const) {
    for (const via of ["splice", "relay"] as const) {
      test(
        `splice: a reset from the ${side} fails the ${via} and closes both`,
        { timeout: 30_000 },
        async () => {
          await withRig(makeAdapter, async (rig) => {
            const stats = spliceStats();
            let relayed: Promise<RelayResult> | null = null;
            let done: Promise<unknown>;
            if (via === "splice") done = startSplice(rig, stats);
            else {
              const spy = spySplice(rig.aS);
              done = relayed = relay(rig.aS, rig.b);
              assert.equal(spy.calls.length, 1);
              assert.equal(spy.calls[0].started, true, "relay() splices two native connections");
            }
            // `writer` floods `victim`'s peer, which stops reading; then `victim` is closed with bytes unread.
            const [writer, victim, survivor] = side === "upstream"
              ? [rig.a, rig.bS, rig.a]
              : [rig.bS, rig.a, rig.bS];
            const progress: Progress = { bytes: 0 };
            const writing = sendBlocks(writer, 1024 * MiB, progress, false).catch((error) => error);
            assert.ok(await waitStalled(progress, 200, 10_000), "the writer stalls");
            victim.close();
            await within(done, 2000, "splice ends after the reset");
            await within(Promise.all([rig.aS.closed, rig.b.closed]), 1000, "spliced connections closed");
            const end = await within(writing, 2000, "the writer ends");
            assert.ok(end instanceof Error, "writes fail once the splice is gone");
            const seen = await within(drainToEnd(survivor), 2000, "the survivor sees EOF or an error");
            assert.ok(seen === "eof" || seen === "error");
            if (relayed !== null) {
              const result = await relayed;
              assert.equal(result.reason, "error");
              assert.ok(result[side === "upstream" ? "clientToUpstream" : "upstreamToClient"] > 0);
            } else assert.equal(stats.failed, true, "a reset marks the splice failed");
          });
        },
      );
    }
  }
}

function spliceRelay(makeAdapter: MakeAdapter): void {
  for (const first of ["client", "upstream"] as const) {
    test(
      `relay: spliced, counts bytes and reports "${first}" ending first`,
      { timeout: 20_000 },
      async () => {
        await withRig(makeAdapter, async (rig) => {
          const spy = spySplice(rig.aS);
          const relayed = relay(rig.aS, rig.b);
          assert.equal(spy.calls.length, 1);
          assert.equal(spy.calls[0].started, true, "relay() splices two native connections");
          const [asker, answerer] = first === "client" ? [rig.a, rig.bS] : [rig.bS, rig.a];
          const question = new Uint8Array(300_001).map((_, i) => i % 253);
          await asker.write(question);
          await asker.closeWrite();
          const got = await within(readAll(answerer), 5000, "answerer reads to EOF");
          assert.equal(got.length, question.length);
          assert.ok(got.every((v, i) => v === i % 253), "question differs");
          await send(answerer, "answer");
          await answerer.closeWrite();
          assert.equal(await readText(asker, "asker reads the answer"), "answer");
          const result = await within(relayed, 2000, "relay ends");
          assert.equal(result.reason, first);
          const [up, down] = first === "client" ? [question.length, 6] : [6, question.length];
          assert.deepEqual(result, { clientToUpstream: up, upstreamToClient: down, reason: first });
        });
      },
    );
  }

  test("relay: the idle timeout closes a spliced pair that went quiet, not one with traffic", {
    timeout: 20_000,
  }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const spy = spySplice(rig.aS);
      const relayed = relay(rig.aS, rig.b, { idleTimeout: 300 });
      assert.equal(spy.calls[0]?.started, true);
      for (let i = 0; i < 12; i++) { // 600 ms of traffic, twice the idle timeout
        await send(rig.a, "k");
        assert.equal(decoder.decode(await within(readExactly(rig.bS, 1), 2000, "keepalive")), "k");
        await sleep(50);
      }
      assert.equal(await stillPending(relayed, 10), "pending", "traffic keeps the relay alive");
      const quiet = performance.now();
      const result = await within(relayed, 2000, "relay ends after the idle timeout");
      const waited = performance.now() - quiet;
      assert.ok(waited >= 200, `closed after ${waited.toFixed(0)} ms of quiet`);
      assert.deepEqual(result, { clientToUpstream: 12, upstreamToClient: 0, reason: "idle" });
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.a), 2000, "A ends")));
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.bS), 2000, "B' ends")));
      await within(Promise.all([rig.aS.closed, rig.b.closed]), 1000, "both closed");
    });
  });

  test('relay: aborting the signal ends a spliced relay with "aborted"', { timeout: 20_000 }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const controller = new AbortController();
      const spy = spySplice(rig.aS);
      const relayed = relay(rig.aS, rig.b, { signal: controller.signal });
      assert.equal(spy.calls[0]?.started, true);
      await send(rig.a, "abc");
      assert.equal(decoder.decode(await within(readExactly(rig.bS, 3), 2000, "up")), "abc");
      await send(rig.bS, "de");
      assert.equal(decoder.decode(await within(readExactly(rig.a, 2), 2000, "down")), "de");
      controller.abort();
      const result = await within(relayed, 1000, "relay ends after abort");
      assert.deepEqual(result, { clientToUpstream: 3, upstreamToClient: 2, reason: "aborted" });
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.a), 2000, "A ends")));
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.bS), 2000, "B' ends")));
    });
  });

  test("relay: an already aborted signal closes both without splicing", { timeout: 20_000 }, async () => {
    await withRig(makeAdapter, async (rig) => {
      const spy = spySplice(rig.aS);
      const result = await within(relay(rig.aS, rig.b, { signal: AbortSignal.abort() }), 1000, "relay");
      assert.equal(result.reason, "aborted");
      assert.equal(spy.calls.filter((c) => c.started).length, 0);
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.a), 2000, "A ends")));
      assert.ok(["eof", "error"].includes(await within(drainToEnd(rig.bS), 2000, "B' ends")));
    });
  });

  test(
    "relay: a preview's bytes go first as the splice head, then live bytes",
    { timeout: 20_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const preview = await previewOf(rig, "GET / HTTP/1.1\r\n");
        assert.equal(decoder.decode(preview.bytes), "GET / HTTP/1.1\r\n");
        await send(rig.a, "Host: x\r\n"); // arrives before the hand-off, not read by the preview
        await sleep(100);
        const spy = spySplice(rig.aS);
        const relayed = relay(preview.toConn(), rig.b);
        assert.equal(spy.calls.length, 1);
        assert.equal(spy.calls[0].started, true);
        assert.equal(decoder.decode(spy.calls[0].head), "GET / HTTP/1.1\r\n");
        await send(rig.a, "\r\n");
        await rig.a.closeWrite();
        assert.equal(await readText(rig.bS, "B' reads to EOF"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await send(rig.bS, "HTTP/1.1 204 No Content\r\n\r\n");
        await rig.bS.closeWrite();
        assert.equal(await readText(rig.a, "A reads to EOF"), "HTTP/1.1 204 No Content\r\n\r\n");
        const result = await within(relayed, 2000, "relay ends");
        assert.deepEqual(result, { clientToUpstream: 27, upstreamToClient: 27, reason: "client" });
      });
    },
  );

  test(
    "splice: a head given to a preview's connection goes first, then the preview's bytes, then live bytes",
    { timeout: 20_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const preview = await previewOf(rig, "preview|");
        const replay = preview.toConn();
        const stats = spliceStats();
        const { promise, resolve } = Promise.withResolvers<void>();
        assert.equal(replay.splice!(rig.b, stats, encoder.encode("head|"), resolve), true);
        await send(rig.a, "live");
        await rig.a.closeWrite();
        assert.equal(await readText(rig.bS, "B' reads to EOF"), "head|preview|live");
        await rig.bS.closeWrite();
        assert.equal(await readText(rig.a, "A reads to EOF"), "");
        await within(promise, 2000, "onDone");
        assert.equal(stats.aToB, 17);
        assert.equal(stats.bToA, 0);
      });
    },
  );

  test(
    "relay: a preview that saw the client's FIN splices its bytes, then FIN",
    { timeout: 20_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const preview = new Preview(rig.aS, 65536);
        await send(rig.a, "SSH-2.0-x\r\n");
        await rig.a.closeWrite();
        for (let i = 0; i < 10 && !preview.eof; i++) await within(preview.fill(), 2000, "preview");
        assert.equal(preview.eof, true);
        const spy = spySplice(rig.aS);
        const relayed = relay(preview.toConn(), rig.b);
        assert.equal(spy.calls[0]?.started, true);
        assert.equal(await readText(rig.bS, "B' reads to EOF"), "SSH-2.0-x\r\n");
        await send(rig.bS, "bye");
        await rig.bS.closeWrite();
        assert.equal(await readText(rig.a, "A reads to EOF"), "bye");
        const result = await within(relayed, 2000, "relay ends");
        assert.deepEqual(result, { clientToUpstream: 11, upstreamToClient: 3, reason: "client" });
      });
    },
  );

  test(
    "relay: a preview with a read in flight falls back to pumps, losing nothing",
    { timeout: 20_000 },
    async () => {
      await withRig(makeAdapter, async (rig) => {
        const preview = await previewOf(rig, "ab");
        const pending = preview.fill(); // nothing arrives yet
        const spy = spySplice(rig.aS);
        const relayed = relay(preview.toConn(), rig.b);
        assert.equal(spy.calls.filter((c) => c.started).length, 0, "no splice while a read is in flight");
        await send(rig.a, "cd");
        assert.equal(await within(pending, 2000, "pending fill"), true);
        await send(rig.a, "ef");
        await rig.a.closeWrite();
        assert.equal(await readText(rig.bS, "B' reads to EOF"), "abcdef");
        await send(rig.bS, "ok");
        await rig.bS.closeWrite();
        assert.equal(await readText(rig.a, "A reads to EOF"), "ok");
        const result = await within(relayed, 2000, "relay ends");
        assert.deepEqual(result, { clientToUpstream: 6, upstreamToClient: 2, reason: "client" });
      });
    },
  );
}
