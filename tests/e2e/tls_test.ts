/**
 * TLS termination end to end (SPEC §8.1) with real clients (`openssl s_client`, `curl`) on loopback through an
 * in-process pmmux, on whichever runtime runs the test.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { parseCertificateMap, parseCertificateSpec } from "../../src/config/tls_spec.ts";
import { createTlsNegotiator, type TlsNegotiatorOptions } from "../../src/negotiators/tls.ts";
import { CertificateStore, type CertificateStoreOptions } from "../../src/tls/store.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { runtimeName } from "../../src/net/mod.ts";
import {
  connect,
  dec,
  enc,
  exchange,
  namedEcho,
  readAll,
  readUntil,
  serve,
  startMux,
  type TestMux,
  type TestServer,
  waitFor,
} from "../helpers/net.ts";
import { CertFactory, type CertFiles, hasOpenssl } from "../tls/certs.ts";
import { runClient, sClient } from "../tls/clients.ts";
import { fixture } from "../detect/helpers.ts";

const skip = hasOpenssl() ? false : "the openssl CLI is not installed";

describe("TLS termination end to end", { skip }, () => {
  let f: CertFactory;
  let files: Record<string, CertFiles>;
  let alpha: TestServer;
  let beta: TestServer;
  let plain: TestServer;
  const muxes: TestMux[] = [];
  before(async () => {
    f = new CertFactory();
    const ca = f.ca();
    files = {
      exact: f.leaf("exact.test"),
      wild: f.leaf("*.wild.test", { ca }),
      dflt: f.leaf("default.test", { keyType: "rsa" }),
    };
    alpha = await namedEcho("alpha");
    beta = await namedEcho("beta");
    plain = await namedEcho("plain");
  });
  after(async () => {
    for (const m of muxes) await m.stop();
    alpha?.close();
    beta?.close();
    plain?.close();
    f?.cleanup();
  });
  const to = (s: TestServer) => `target.ip=127.0.0.1,target.port=${s.port}`;

  /** A store with the three certificates: exact.test, *.wild.test (with its CA), default. */
  function threeCertificates(options: CertificateStoreOptions = {}): CertificateStore {
    const store = new CertificateStore(options);
    store.addCertificate(parseCertificateSpec(`exact:path=${files.exact.cert},key=${files.exact.key}`));
    store.addCertificate(parseCertificateSpec(`wild:path=${files.wild.chain},key=${files.wild.key}`));
    store.addCertificate(parseCertificateSpec(`default:path=${files.dflt.cert},key=${files.dflt.key}`));
    store.addMapping(parseCertificateMap("exact:exact.test"));
    store.addMapping(parseCertificateMap("wild:*.wild.test"));
    return store;
  }

  /** pmmux on a free port with the TLS negotiator; `tlsLogs` holds the negotiator's log lines. */
  async function mux(
    backends: string[],
    options: TlsNegotiatorOptions & { store?: CertificateStore; selectionTimeout?: number } = {},
  ): Promise<TestMux & { tlsLogs: string[] }> {
    const sink = memorySink();
    const tls = createTlsNegotiator({ helloTimeout: 2000, ...options }, {
      store: options.store ?? threeCertificates(),
      logger: createLogger({ level: "debug", sinks: [sink], category: "tls" }),
    });
    const m = await startMux(backends, { negotiators: [tls], selectionTimeout: options.selectionTimeout });
    muxes.push(m);
    return { ...m, tlsLogs: sink.lines };
  }

  test("serves three SNI names with three certificates: exact, wildcard with its chain, default", async () => {
    const m = await mux([`a:pass:${to(alpha)}`]);
    const exact = await sClient(m.port, "exact.test", { until: /alpha\n/ });
    assert.match(exact.out, /0 s:CN\s?=\s?exact\.test/);
    assert.match(exact.out, /alpha\n/);
    const wild = await sClient(m.port, "a.wild.test", { until: /alpha\n/ });
    assert.match(wild.out, /0 s:CN\s?=\s?\*\.wild\.test/);
    assert.match(wild.out, /1 s:CN\s?=\s?pmmux Test CA/, "the chain is served whole");
    const other = await sClient(m.port, "other.test", { until: /alpha\n/ });
    assert.match(other.out, /0 s:CN\s?=\s?default\.test/);
    const deep = await sClient(m.port, "a.b.wild.test", { until: /alpha\n/ });
    assert.match(deep.out, /0 s:CN\s?=\s?default\.test/, "a wildcard covers one label only");
    const none = await sClient(m.port, undefined, { until: /alpha\n/ });
    assert.match(none.out, /0 s:CN\s?=\s?default\.test/);
    await waitFor(() => m.app.tcp.openConnections === 0, 5000, "the killed clients' connections to end");
  });

  test("negotiates ALPN http/1.1 from the client's list and sets the tls.* properties", async () => {
    const m = await mux([
      `props:pass:property[tls]=true,property[tls.sni]=exact\\.test,property[tls.protocol]=tls13,` +
      `property[tls.cipher-suite]=tls_aes_256_gcm_sha384,property[tls.application-protocol]=http/1.1,${
        to(alpha)
      }`,
      `rest:pass:${to(beta)}`,
    ]);
    const run = await sClient(m.port, "exact.test", {
      extra: ["-alpn", "h2,http/1.1", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
      until: /(alpha|beta)\n/,
    });
    assert.match(run.out, /ALPN protocol: http\/1\.1/);
    assert.match(run.out, /alpha\n/, run.out);
  });

  test("reports TLS 1.2 as tls12 with the lower-case IANA cipher suite name, and no ALPN when none is offered", async () => {
    const m = await mux([
      `props:pass:property[tls.protocol]=tls12,property[tls.cipher-suite]=tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,` +
      `property[tls.application-protocol]!=.*,${to(alpha)}`,
      `rest:pass:${to(beta)}`,
    ]);
    const run = await sClient(m.port, "exact.test", {
      extra: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
      until: /(alpha|beta)\n/,
    });
    assert.match(run.out, /No ALPN negotiated/);
    assert.match(run.out, /alpha\n/, run.out);
  });

  test("routes by property[tls.sni] to two different backends after termination", async () => {
    const m = await mux([
      `one:pass:property[tls.sni]=exact\\.test,${to(alpha)}`,
      `two:pass:property[tls.sni]=.*\\.wild\\.test,${to(beta)}`,
    ]);
    assert.match((await sClient(m.port, "exact.test", { until: /(alpha|beta)\n/ })).out, /alpha\n/);
    assert.match((await sClient(m.port, "x.wild.test", { until: /(alpha|beta)\n/ })).out, /beta\n/);
  });

  test("probes the decrypted bytes: detect=http after termination, echo of what the client sent", async () => {
    const m = await mux([`web:pass:detect=http,${to(alpha)}`, `rest:pass:${to(beta)}`]);
    const run = await sClient(m.port, "exact.test", {
      extra: ["-quiet"],
      input: "GET / HTTP/1.1\r\nHost: exact.test\r\n\r\n",
      until: /Host: exact\.test/,
    });
    assert.match(run.out, /alpha\nGET \/ HTTP\/1\.1/);
  });

  test("serves curl over HTTPS with ALPN http/1.1 through --resolve", async () => {
    const http = await serve(async (conn) => {
      await readUntil(conn, "\r\n\r\n");
      await conn.write(
        enc.encode("HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nhello\n"),
      );
      await conn.closeWrite();
    });
    try {
      const m = await mux([`web:pass:${to(http)}`]);
      const run = await runClient("curl", [
        "-sv",
        "-k",
        "--max-time",
        "8",
        "--resolve",
        `app.wild.test:${m.port}:127.0.0.1`,
        `https://app.wild.test:${m.port}/`,
      ], { timeout: 10000 });
      assert.match(run.out, /ALPN: server accepted http\/1\.1|ALPN, server accepted to use http\/1\.1/);
      assert.match(run.out, /subject: CN\s?=\s?\*\.wild\.test/);
      assert.match(run.out, /^hello$/m);
    } finally {
      http.close();
    }
  });

  test("TLS and plain TCP share one port: the plain client is routed as tls=false", async () => {
    const m = await mux([
      `secure:pass:property[tls]=true,${to(alpha)}`,
      `clear:pass:property[tls]=false,${to(plain)}`,
    ]);
    assert.equal(await exchange(m.port, "hello"), "plain\nhello");
    assert.match((await sClient(m.port, "exact.test", { until: /(alpha|plain)\n/ })).out, /alpha\n/);
  });

  test("a silent server-first client reaches the catch-all once the hello timeout passes, not before", async () => {
    const m = await mux([`ssh:pass:${to(plain)}`], { helloTimeout: 700 });
    const c = await connect(m.port);
    try {
      const started = Date.now();
      assert.equal(await readUntil(c, "plain\n", 5000), "plain\n");
      const waited = Date.now() - started;
      assert.ok(waited >= 650, `routed after ${waited} ms`);
      assert.ok(waited < 2500, `routed after ${waited} ms`);
    } finally {
      c.close();
    }
  });

  test("a client whose first byte is not TLS continues at once, without waiting for the hello timeout", async () => {
    const m = await mux([`any:pass:${to(plain)}`], { helloTimeout: 5000 });
    const started = Date.now();
    assert.equal(await exchange(m.port, "SSH-2.0-test\r\n"), "plain\nSSH-2.0-test\r\n");
    assert.ok(Date.now() - started < 2000);
  });

  test("--tls-enforce closes plain TCP and silent clients, and still terminates TLS", async () => {
    const seen = await namedEcho("enforced");
    try {
      const m = await mux([`any:pass:${to(seen)}`], { enforce: true, helloTimeout: 500 });
      assert.equal(await exchange(m.port, "hello"), "");
      const silent = await connect(m.port);
      assert.equal((await readAll(silent)).length, 0, "closed after the hello timeout");
      silent.close();
      assert.equal(seen.accepted, 0, "no plain connection reached the backend");
      assert.ok(m.tlsLogs.some((l) => /not TLS .*--tls-enforce/.test(l)));
      assert.match((await sClient(m.port, "exact.test", { until: /enforced\n/ })).out, /enforced\n/);
    } finally {
      seen.close();
    }
  });

  test("a ClientHello split into two writes 200 ms apart still terminates", async () => {
    const m = await mux([`a:pass:${to(alpha)}`]);
    // A relay in front of pmmux that forwards the client's first flight in two pieces, 200 ms apart.
    const splitter = await serve(async (client) => {
      const up = await connect(m.port);
      try {
        const first = (await client.read())!.slice();
        const cut = Math.min(40, first.length - 1);
        await up.write(first.subarray(0, cut));
        await new Promise((r) => setTimeout(r, 200));
        await up.write(first.subarray(cut));
        const pump = async (from: typeof client, into: typeof client) => {
          for (;;) {
            const chunk = await from.read().catch(() => null);
            if (chunk === null) break;
            await into.write(chunk);
          }
          await into.closeWrite();
        };
        await Promise.all([pump(client, up), pump(up, client)]);
      } finally {
        up.close();
      }
    });
    try {
      const run = await sClient(splitter.port, "exact.test", { until: /alpha\n/ });
      assert.match(run.out, /0 s:CN\s?=\s?exact\.test/);
      assert.match(run.out, /alpha\n/);
    } finally {
      splitter.close();
    }
  });

  test("without a certificate for the name the handshake gets an alert, logged once per name", async () => {
    const store = new CertificateStore();
    const m = await mux([`a:pass:${to(alpha)}`], { store });
    for (let i = 0; i < 2; i++) {
      const run = await sClient(m.port, "nobody.test", { timeout: 5000 });
      assert.match(run.out, /alert unrecognized name|alert number 112/i);
      assert.doesNotMatch(run.out, /alpha/);
    }
    assert.equal(
      m.tlsLogs.filter((l) => /warn/.test(l) && /no certificate for "nobody\.test"/.test(l)).length,
      1,
    );
    assert.equal(m.tlsLogs.filter((l) => /no certificate for "nobody\.test"/.test(l)).length, 2);
  });

  test("--tls-protocol refuses a client without an accepted version with a protocol_version alert", async () => {
    const only13 = await mux([`a:pass:${to(alpha)}`], { store: threeCertificates({ protocols: ["tls13"] }) });
    const old = await sClient(only13.port, "exact.test", { extra: ["-tls1_2"], timeout: 5000 });
    assert.doesNotMatch(old.out, /alpha/);
    assert.match(old.out, /alert protocol version|alert number 70/i);
    assert.ok(only13.tlsLogs.some((l) => /no TLS version accepted by --tls-protocol \(tls13\)/.test(l)));
    const run13 = await sClient(only13.port, "exact.test", { extra: ["-tls1_3"], until: /alpha\n/ });
    assert.match(run13.out, /alpha\n/);
    const only12 = await mux([`a:pass:${to(alpha)}`], { store: threeCertificates({ protocols: ["tls12"] }) });
    const run12 = await sClient(only12.port, "exact.test", { until: /alpha\n/ });
    assert.match(run12.out, /Protocol\s*: TLSv1\.2/);
    const young = await sClient(only12.port, "exact.test", { extra: ["-tls1_3"], timeout: 5000 });
    assert.match(young.out, /alert protocol version|alert number 70/i);
  });

  test("--tls-generate-certificates answers an unknown name with a certificate generated for it", async () => {
    const m = await mux([`a:pass:${to(alpha)}`], { store: new CertificateStore({ generate: true }) });
    const run = await sClient(m.port, "fresh.test", { until: /alpha\n/ });
    assert.match(run.out, /0 s:CN\s?=\s?fresh\.test/);
    assert.match(run.out, /alpha\n/);
  });

  test("certificates and mappings added at run time apply to the next handshake", async () => {
    const store = new CertificateStore();
    const m = await mux([`a:pass:${to(alpha)}`], { store });
    assert.doesNotMatch((await sClient(m.port, "late.test", { timeout: 5000 })).out, /alpha/);
    store.addCertificate(parseCertificateSpec(`late:path=${files.exact.cert},key=${files.exact.key}`));
    store.addMapping(parseCertificateMap("late:late.test"));
    assert.match((await sClient(m.port, "late.test", { until: /alpha\n/ })).out, /alpha\n/);
  });

  /** A TLS client over TCP (this runtime's node:tls) that may keep sending after the server's close_notify. */
  function tlsClient(port: number, servername: string): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: "127.0.0.1",
        port,
        servername,
        rejectUnauthorized: false,
        allowHalfOpen: true,
      } as ConnectionOptions);
      socket.once("secureConnect", () => resolve(socket));
      socket.once("error", reject);
    });
  }

  test("half-close: the backend's FIN reaches the client as close_notify, and the client can still send", async () => {
    let heard = "";
    const done = Promise.withResolvers<void>();
    const backend = await serve(async (conn) => {
      await conn.write(enc.encode("server-first\n"));
      await conn.closeWrite();
      heard = dec.decode(await readAll(conn));
      done.resolve();
    });
    try {
      const m = await mux([`a:pass:${to(backend)}`]);
      const client = await tlsClient(m.port, "exact.test");
      let got = "";
      client.on("data", (d: Uint8Array) => got += dec.decode(d));
      await new Promise((r) => client.once("end", r));
      assert.equal(got, "server-first\n");
      client.end("after FIN\n");
      await done.promise;
      assert.equal(heard, "after FIN\n");
      client.destroy();
    } finally {
      backend.close();
    }
  });

  test("half-close from the client: Deno keeps the way back open; Bun ends both ways on close_notify", async () => {
    const backend = await serve(async (conn) => {
      const request = dec.decode(await readAll(conn));
      await conn.write(enc.encode(`reply to ${request}`)).catch(() => {});
      await conn.closeWrite();
    });
    try {
      const m = await mux([`a:pass:${to(backend)}`]);
      const client = await tlsClient(m.port, "exact.test");
      client.on("error", () => {});
      let got = "";
      client.on("data", (d: Uint8Array) => got += dec.decode(d));
      const ended = new Promise((r) => client.once("close", r));
      client.end("question");
      await ended;
      // Bun's TLS over a stream (what pmmux terminates with) answers a peer's close_notify by closing the
      // session, so a client that half-closes gets no reply there. HTTP clients do not half-close.
      assert.equal(got, runtimeName() === "bun" ? "" : "reply to question");
    } finally {
      backend.close();
    }
  });

  test("a client that stops after its ClientHello is closed once the handshake exceeds the hello timeout", async () => {
    const m = await mux([`a:pass:${to(alpha)}`], { helloTimeout: 600 });
    const accepted = alpha.accepted;
    const c = await connect(m.port);
    try {
      const started = Date.now();
      await c.write(fixture("tls_client_hello_sni.bin"));
      const reply = await readAll(c);
      const waited = Date.now() - started;
      assert.equal(reply[0], 0x16, "the ServerHello came back");
      assert.ok(waited >= 550 && waited < 3000, `closed after ${waited} ms`);
      assert.ok(m.tlsLogs.some((l) => /TLS handshake not done within 600 ms/.test(l)));
      assert.equal(alpha.accepted, accepted, "no backend was chosen");
    } finally {
      c.close();
    }
  });

  test("relays 8 MiB each way through termination byte for byte", async () => {
    const m = await mux([`a:pass:${to(alpha)}`]);
    const client = await tlsClient(m.port, "exact.test");
    const sent = randomBytes(8 * 1024 * 1024);
    const received: Uint8Array[] = [];
    let length = 0;
    const all = Promise.withResolvers<void>();
    client.on("data", (d: Uint8Array) => {
      received.push(d);
      length += d.length;
      if (length === sent.length + 6) all.resolve();
    });
    for (let at = 0; at < sent.length; at += 64 * 1024) {
      if (!client.write(sent.subarray(at, at + 64 * 1024))) await new Promise((r) => client.once("drain", r));
    }
    // The client ends only once the echo is complete: on Bun a close_notify would end the way back too.
    await all.promise;
    const echoed = Buffer.concat(received, length);
    assert.equal(echoed.subarray(0, 6).toString(), "alpha\n");
    assert.ok(echoed.subarray(6).equals(sent), "the echo is identical");
    const ended = new Promise((r) => client.once("end", r));
    client.end();
    await ended;
    client.destroy();
  });
});
