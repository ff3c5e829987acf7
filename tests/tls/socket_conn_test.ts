/**
 * The decrypted connection (`TlsSocketConn` over `connDuplex`) honours the `Conn` contract: data both ways,
 * EOF as null, half-close from our side, backpressure both ways with bounded buffering, errors without
 * unhandled rejections. Runs TLS over an in-memory connection pair, server and client on this runtime.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as tlsConnect, createSecureContext, TLSSocket } from "node:tls";
import { connDuplex } from "../../src/tls/duplex.ts";
import { TlsSocketConn } from "../../src/tls/socket_conn.ts";
import { SelfSignedCache } from "../../src/tls/self_signed.ts";
import type { Conn } from "../../src/net/types.ts";
import { runtimeName } from "../../src/net/mod.ts";
import { memoryPair } from "../helpers/memory_conn.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const cert = new SelfSignedCache().get("conn.test");
const context = createSecureContext({ cert: cert.certPem, key: cert.keyPem });

/**
 * The client side's transport writes in pieces of at most 16 KiB, as a socket would deliver them (an
 * in-process TLS client may hand over megabytes in one write).
 */
function pieces(conn: Conn): Conn {
  const write = conn.write.bind(conn);
  return Object.assign(conn, {
    async write(chunk: Uint8Array) {
      for (let at = 0; at < chunk.length; at += 16384) await write(chunk.subarray(at, at + 16384));
    },
  });
}

/**
 * A TLS session over a memory pair: `server` is the Conn under test, `client` a node:tls client socket over
 * `clientDuplex` (whose reads a test can hold back to play a client that does not read).
 */
async function session(highWater = 65536) {
  const [a, b] = memoryPair(highWater);
  const duplex = connDuplex(a);
  const serverSocket = new TLSSocket(duplex, { isServer: true, secureContext: context });
  const clientDuplex = connDuplex(pieces(b));
  const client = tlsConnect({ socket: clientDuplex, servername: "conn.test", rejectUnauthorized: false });
  client.on("error", () => {});
  await Promise.all([
    new Promise((r) => serverSocket.once("secure", r)),
    new Promise((r) => client.once("secureConnect", r)),
  ]);
  const server = new TlsSocketConn(serverSocket, a, duplex);
  return { server, client, clientDuplex, transport: a, clientTransport: b };
}

function collect(socket: TLSSocket): { text: () => string; ended: Promise<void> } {
  let text = "";
  socket.on("data", (d: Uint8Array) => text += dec.decode(d, { stream: true }));
  return { text: () => text, ended: new Promise((r) => socket.once("end", () => r())) };
}

describe("TlsSocketConn over connDuplex", () => {
  test("carries data both ways and keeps the transport's addresses", async () => {
    const { server, client, transport } = await session();
    const got = collect(client);
    client.write("ping");
    assert.equal(dec.decode((await server.read())!), "ping");
    await server.write(enc.encode("pong"));
    while (got.text() !== "pong") await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(server.remoteAddr, transport.remoteAddr);
    assert.deepEqual(server.localAddr, transport.localAddr);
    server.close();
    await server.closed;
  });

  test("closeWrite() ends the TLS stream for the peer while reading goes on (half-close)", async () => {
    const { server, client } = await session();
    const got = collect(client);
    await server.write(enc.encode("last words"));
    await server.closeWrite();
    await got.ended;
    assert.equal(got.text(), "last words");
    // The client here is this runtime's TLS over a Duplex too, and Bun's ends both ways when it receives
    // close_notify (the limitation the e2e test documents); real clients over TCP can still send.
    if (runtimeName() === "bun") return server.close();
    client.end("reply after FIN");
    let text = "";
    for (;;) {
      const c = await server.read();
      if (c === null) break;
      text += dec.decode(c);
    }
    assert.equal(text, "reply after FIN");
    await server.closed;
  });

  test("a peer's end of stream reads as null, and reads after close() resolve null", async () => {
    const { server, client } = await session();
    client.end("bye");
    assert.equal(dec.decode((await server.read())!), "bye");
    assert.equal(await server.read(), null);
    server.close();
    server.close();
    assert.equal(await server.read(), null);
    await assert.rejects(server.write(enc.encode("x")), (e: Error & { code?: string }) => e.code === "EPIPE");
  });

  test("write() waits while the peer does not read: the bytes in flight stay bounded", async () => {
    const { server, client, clientDuplex, clientTransport } = await session(64 * 1024);
    clientDuplex.pauseReads();
    const chunk = new Uint8Array(16 * 1024).fill(7);
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < 256; i++) {
        await server.write(chunk);
        written += chunk.length;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(written < 1024 * 1024, `${written} bytes accepted while the peer read nothing`);
    assert.ok((clientTransport as { queued: number }).queued <= 512 * 1024);
    let received = 0;
    client.on("data", (d: Uint8Array) => received += d.length);
    clientDuplex.resumeReads();
    await writer;
    while (received < 256 * chunk.length) await new Promise((r) => setTimeout(r, 5));
    assert.equal(received, 256 * chunk.length);
    server.close();
  });

  test("while nobody reads the decrypted side, the transport under it stops being read", async () => {
    const { server, client, transport } = await session(64 * 1024);
    const chunk = new Uint8Array(16 * 1024).fill(9);
    let queuedByClient = 0;
    for (let i = 0; i < 256; i++) if (!client.write(chunk)) queuedByClient++;
    await new Promise((r) => setTimeout(r, 300));
    const waiting = (transport as { queued: number }).queued;
    assert.ok(waiting > 0, "encrypted bytes wait in the transport: it is not drained");
    assert.ok(queuedByClient > 0, "the client sees backpressure");
    let got = 0;
    while (got < 256 * chunk.length) got += (await server.read())!.length;
    assert.equal(got, 256 * chunk.length);
    server.close();
  });

  test("a transport that breaks mid-stream ends reads without an unhandled error", async () => {
    const { server, clientTransport } = await session();
    const pending = server.read();
    clientTransport.close();
    const outcome = await pending.then((v) => v, (e: Error & { code?: string }) => e);
    assert.ok(
      outcome === null || (outcome instanceof Error && typeof outcome.code === "string"),
      String(outcome),
    );
    assert.equal(await server.read(), null);
    server.close();
    await server.closed;
  });

  test("a transport read error ends the decrypted side: no hang, no unhandled error", async () => {
    const [a, b] = memoryPair();
    let fail = false;
    const read = a.read.bind(a);
    a.read = () =>
      fail ? Promise.reject(Object.assign(new Error("connection reset"), { code: "ECONNRESET" })) : read();
    const duplex = connDuplex(a);
    const serverSocket = new TLSSocket(duplex, { isServer: true, secureContext: context });
    const client = tlsConnect({
      socket: connDuplex(pieces(b)),
      servername: "conn.test",
      rejectUnauthorized: false,
    });
    client.on("error", () => {});
    await Promise.all([
      new Promise((r) => serverSocket.once("secure", r)),
      new Promise((r) => client.once("secureConnect", r)),
    ]);
    const server = new TlsSocketConn(serverSocket, a, duplex);
    fail = true;
    client.write("this read fails");
    const outcome = await server.read().then((v) => v, (e: Error & { code?: string }) => e);
    assert.ok(
      outcome === null || (outcome instanceof Error && typeof outcome.code === "string"),
      String(outcome),
    );
    server.close();
    await server.closed;
    client.destroy();
  });
});
