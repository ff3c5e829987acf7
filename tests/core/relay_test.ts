import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { relay } from "../../src/core/relay.ts";
import { memoryPair, readAll } from "../helpers/memory_conn.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("relay", () => {
  test("relay() keeps the other direction flowing after a client half-close", async () => {
    const [client, proxyClient] = memoryPair();
    const [proxyUp, upstream] = memoryPair();
    const done = relay(proxyClient, proxyUp);
    await client.write(enc.encode("question"));
    await client.closeWrite();
    assert.equal(dec.decode(await readAll(upstream)), "question");
    await upstream.write(enc.encode("answer after FIN"));
    await upstream.closeWrite();
    assert.equal(dec.decode(await readAll(client)), "answer after FIN");
    const r = await done;
    assert.equal(r.clientToUpstream, 8);
    assert.equal(r.upstreamToClient, 16);
  });

  test("relay() closes both sides after the idle timeout", async () => {
    const [, proxyClient] = memoryPair();
    const [proxyUp] = memoryPair();
    const started = Date.now();
    const r = await relay(proxyClient, proxyUp, { idleTimeout: 100 });
    assert.equal(r.reason, "idle");
    assert.ok(Date.now() - started >= 100);
    assert.ok(Date.now() - started < 1000);
  });

  test("relay() closes both sides when aborted", async () => {
    const [, proxyClient] = memoryPair();
    const [proxyUp] = memoryPair();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const r = await relay(proxyClient, proxyUp, { signal: ac.signal });
    assert.equal(r.reason, "aborted");
  });

  test("relay() applies backpressure: a stalled reader bounds what the writer gets rid of", async () => {
    const [client, proxyClient] = memoryPair(65536);
    const [proxyUp, upstream] = memoryPair(65536); // upstream never reads
    const done = relay(proxyClient, proxyUp);
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < 1000; i++) {
        await client.write(new Uint8Array(16384));
        written += 16384;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(written < 512 * 1024, `writer pushed ${written} bytes into a stalled relay`);
    client.close();
    upstream.close();
    await done;
    await writer.catch(() => {});
  });
});
