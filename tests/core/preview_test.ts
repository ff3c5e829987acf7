import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FillUntil, Preview } from "../../src/core/preview.ts";
import { memoryPair, readAll } from "../helpers/memory_conn.ts";
import type { ChunkReader, Conn } from "../../src/net/types.ts";
import { netAddr } from "../../src/net/types.ts";

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

  test("Preview.fillThen over a connection with readThen calls back inside the connection's own callback", async () => {
    const conn = new CallbackConn();
    const p = new Preview(conn, 65536);
    let calls = 0;
    conn.queued.push(enc.encode("GE"));
    p.fillThen(() => calls++);
    assert.equal(calls, 1, "a queued chunk: at once");
    p.fillThen(() => calls++);
    assert.equal(calls, 1);
    assert.equal(p.pending, true);
    conn.deliver(enc.encode("T / HTTP/1.1\r\n"));
    assert.equal(calls, 2, "called inside deliver(): no promise in between");
    assert.equal(p.pending, false);
    assert.equal(new TextDecoder().decode(p.bytes), "GET / HTTP/1.1\r\n");
    p.fillThen(() => calls++);
    conn.deliver(null);
    assert.equal(calls, 3);
    assert.equal(p.eof, true);
    p.fillThen(() => calls++);
    assert.equal(calls, 4, "nothing left to read: at once");
  });

  test("Preview hands a callback read still in flight at hand-off to the replaying connection", async () => {
    const conn = new CallbackConn();
    const p = new Preview(conn, 65536);
    conn.queued.push(enc.encode("ab"));
    p.fillThen(() => {});
    let late = 0;
    p.fillThen(() => late++); // the selection's deadline passes before more arrives
    const replay = p.toConn();
    const first = replay.read();
    const filled = p.fill(); // a promise for the same read, not a second one
    assert.equal(conn.readers, 2, "one read in flight");
    conn.deliver(enc.encode("cd"));
    assert.equal(late, 1);
    assert.equal(await filled, true);
    assert.equal(new TextDecoder().decode((await first)!), "abcd");
    conn.queued.push(enc.encode("ef"));
    assert.equal(new TextDecoder().decode((await replay.read())!), "ef");
  });

  test("Preview.fillThen without readThen calls back once the read resolves", async () => {
    const [client, server] = memoryPair();
    const p = new Preview(server, 65536);
    const called = Promise.withResolvers<void>();
    p.fillThen(() => called.resolve());
    await client.write(enc.encode("SSH-2.0-x\r\n"));
    await called.promise;
    assert.equal(new TextDecoder().decode(p.bytes), "SSH-2.0-x\r\n");
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

/** A connection that reads only by callback (as a Bun socket's `readThen`), fed by hand. */
class CallbackConn implements Conn {
  readonly localAddr = netAddr("127.0.0.1", 1);
  readonly remoteAddr = netAddr("127.0.0.1", 2);
  readonly closed: Promise<void> = new Promise(() => {});
  readonly queued: Uint8Array[] = [];
  /** How many readThen calls were made. */
  readers = 0;
  #reader: ChunkReader | null = null;

  readThen(reader: ChunkReader): void {
    this.readers++;
    const chunk = this.queued.shift();
    if (chunk !== undefined) return reader.chunk(chunk);
    this.#reader = reader;
  }

  /** Gives the waiting reader its chunk (`null`: the end), or queues it. */
  deliver(chunk: Uint8Array | null): void {
    const reader = this.#reader;
    assert.ok(reader !== null, "no reader waits");
    this.#reader = null;
    reader.chunk(chunk);
  }

  read(): Promise<Uint8Array | null> {
    return Promise.resolve(this.queued.shift() ?? null);
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  closeWrite(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}
