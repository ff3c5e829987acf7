import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FillUntil, Preview } from "../../src/core/preview.ts";
import { memoryPair, readAll } from "../helpers/memory_conn.ts";

const enc = new TextEncoder();

describe("Preview", () => {
  test("Preview replays every probed byte before live data, byte for byte", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 65536);
    await client.write(enc.encode("GET "));
    await p.fill();
    await client.write(enc.encode("/ HTTP/1.1\r\n"));
    await p.fill();
    assert.equal(new TextDecoder().decode(p.bytes), "GET / HTTP/1.1\r\n");
    const conn = p.toConn();
    await client.write(enc.encode("Host: x\r\n"));
    await client.closeWrite();
    assert.equal(new TextDecoder().decode(await readAll(conn)), "GET / HTTP/1.1\r\nHost: x\r\n");
  });

  test("Preview hands a read still pending at hand-off to the replaying connection", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 65536);
    await client.write(enc.encode("ab"));
    await p.fill();
    const pending = p.fill(); // nothing arrives yet
    const conn = p.toConn();
    const first = conn.read();
    await client.write(enc.encode("cd"));
    assert.equal(await pending, true);
    assert.equal(new TextDecoder().decode((await first)!), "abcd");
    await client.closeWrite();
    assert.equal(await conn.read(), null);
  });

  test("Preview keeps every byte while its buffer grows from the first chunk's size", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 65536);
    const sizes = [3, 5000, 1, 9000, 4096];
    const sent: number[] = [];
    for (const [k, size] of sizes.entries()) {
      const chunk = Uint8Array.from({ length: size }, (_, i) => (i * 7 + k * 31) & 0xff);
      sent.push(...chunk);
      await client.write(chunk);
      assert.equal(await p.fill(), true);
      assert.deepEqual([...p.bytes], sent, `after chunk ${k} (${size} bytes)`);
    }
    p.consume(2);
    assert.deepEqual([...p.bytes], sent.slice(2));
  });

  test("FillUntil resolves false at the expiry and leaves the pending read to the replaying connection", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 65536);
    const until = new FillUntil(p);
    await client.write(enc.encode("ab"));
    assert.equal(await until.fill(), true);
    const waiting = until.fill(); // nothing arrives before the expiry
    until.expire();
    assert.equal(await waiting, false);
    assert.equal(until.expired, true);
    assert.equal(await until.fill(), false, "every round after the expiry ends at once");
    assert.ok(p.pending, "the read is still the preview's");
    const conn = p.toConn();
    await client.write(enc.encode("cd"));
    await client.closeWrite();
    assert.equal(new TextDecoder().decode(await readAll(conn)), "abcd");
  });

  test("Preview stops reading at the buffer limit and reports exhausted", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 8);
    await client.write(new Uint8Array(10));
    assert.equal(await p.fill(), true);
    assert.equal(p.exhausted, true);
    assert.equal(await p.fill(), false);
  });

  test("Preview reports eof when the client closes before sending", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 64);
    await client.closeWrite();
    assert.equal(await p.fill(), false);
    assert.equal(p.eof, true);
    assert.equal(await p.toConn().read(), null);
  });

  test("Preview.consume strips a parsed header", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 64);
    await client.write(enc.encode("HDRpayload"));
    await p.fill();
    p.consume(3);
    assert.equal(new TextDecoder().decode(p.bytes), "payload");
    assert.throws(() => p.consume(100), RangeError);
  });
});
