/**
 * Bulk relaying through `pass`: 1 GiB each way with checksums, and a slow reader that must not grow the
 * process. Real loopback sockets on the running runtime.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import process from "node:process";
import type { Conn } from "../../src/net/types.ts";
import { connect, serve, startMux } from "../helpers/net.ts";

const GiB = 1024 * 1024 * 1024;
const BLOCK = 64 * 1024;

/** Deterministic pseudo-random block `i` (xorshift), so both ends can hash what they expect. */
function block(i: number, out: Uint8Array): Uint8Array {
  let x = (i * 2654435761) >>> 0 || 1;
  const v = new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  for (let k = 0; k < v.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[k] = x >>> 0;
  }
  return out;
}

async function sendBlocks(conn: Conn, total: number): Promise<string> {
  const h = createHash("sha1");
  const buf = new Uint8Array(BLOCK);
  for (let i = 0; i * BLOCK < total; i++) {
    block(i, buf);
    h.update(buf);
    await conn.write(buf);
  }
  await conn.closeWrite();
  return h.digest("hex");
}

async function hashAll(conn: Conn): Promise<{ bytes: number; sha1: string }> {
  const h = createHash("sha1");
  let bytes = 0;
  for (;;) {
    const c = await conn.read();
    if (c === null) break;
    h.update(c);
    bytes += c.length;
  }
  return { bytes, sha1: h.digest("hex") };
}

describe("bulk relaying", () => {
  test("1 GiB each way at once through pass arrives whole, with matching checksums", async () => {
    let serverGot: Promise<{ bytes: number; sha1: string }> | undefined;
    let serverSent: Promise<string> | undefined;
    const s = await serve(async (conn) => {
      serverGot = hashAll(conn);
      serverSent = sendBlocks(conn, GiB);
      await Promise.all([serverGot, serverSent]);
    });
    const m = await startMux([`b:pass:target.ip=127.0.0.1,target.port=${s.port}`], { level: "information" });
    try {
      const started = Date.now();
      const c = await connect(m.port);
      const [sent, got] = await Promise.all([sendBlocks(c, GiB), hashAll(c)]);
      c.close();
      const ms = Date.now() - started;
      const theirs = await serverGot!;
      assert.equal(theirs.bytes, GiB);
      assert.equal(theirs.sha1, sent, "client → server checksum");
      assert.equal(got.bytes, GiB);
      assert.equal(got.sha1, await serverSent!, "server → client checksum");
      console.log(
        `bulk: 1 GiB each way in ${ms} ms (${((2 * GiB) / 1048576 / (ms / 1000)).toFixed(0)} MiB/s total)`,
      );
    } finally {
      await m.stop();
      s.close();
    }
  });

  test("a slow reader of 512 MiB keeps the process RSS bounded", async () => {
    const total = 512 * 1024 * 1024;
    const s = await serve(async (conn) => {
      await sendBlocks(conn, total);
    });
    const m = await startMux([`b:pass:target.ip=127.0.0.1,target.port=${s.port}`], { level: "information" });
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => {
      const r = process.memoryUsage().rss;
      if (r > peak) peak = r;
    }, 50);
    try {
      const c = await connect(m.port);
      // Read at ~256 MiB/s: slower than the writer, so every buffer on the way fills up.
      const rate = 256 * 1024 * 1024;
      const started = Date.now();
      let bytes = 0;
      for (;;) {
        const chunk = await c.read();
        if (chunk === null) break;
        bytes += chunk.length;
        const due = started + (bytes / rate) * 1000;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      c.close();
      assert.equal(bytes, total);
      const grew = (peak - base) / 1048576;
      console.log(
        `slow reader: 512 MiB in ${Date.now() - started} ms, RSS base ${
          (base / 1048576).toFixed(0)
        } MiB, peak +${grew.toFixed(1)} MiB`,
      );
      assert.ok(grew < 128, `RSS grew by ${grew.toFixed(1)} MiB`);
    } finally {
      clearInterval(sampler);
      await m.stop();
      s.close();
    }
  });
});
