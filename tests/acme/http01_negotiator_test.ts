/**
 * The ACME http-01 negotiator on real loopback sockets: in front of every backend it answers pending tokens,
 * and passes every other connection on untouched and without delay.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Http01Tokens } from "../../src/acme/solvers.ts";
import { createAcmeHttp01Negotiator, parseChallengeRequest } from "../../src/negotiators/acme_http01.ts";
import { connect as tlsConnect } from "node:tls";
import { createLogger } from "../../src/logging/logger.ts";
import { createTlsNegotiator } from "../../src/negotiators/tls.ts";
import { CertificateStore } from "../../src/tls/store.ts";
import {
  connect,
  dec,
  enc,
  exchange,
  namedEcho,
  readAll,
  readUntil,
  startMux,
  type TestMux,
  type TestServer,
} from "../helpers/net.ts";

const TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
const KEY_AUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n\r\n`;

describe("parseChallengeRequest()", () => {
  const cases: [string, string, string][] = [
    ["a whole request", request(`/.well-known/acme-challenge/${TOKEN}`), `request ${TOKEN} complete`],
    [
      "a request line without the headers' end",
      `GET /.well-known/acme-challenge/abc HTTP/1.0\r\nHost: x\r\n`,
      "request abc incomplete",
    ],
    ["the first byte only", "G", "more"],
    ["part of the prefix", "GET /.well-kn", "more"],
    ["a token still arriving", "GET /.well-known/acme-challenge/abc", "more"],
    ["a request line without its CRLF", "GET /.well-known/acme-challenge/abc HTTP/1.1", "more"],
    ["another path", request("/index.html"), "no"],
    ["another method", "POST /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n", "no"],
    ["a TLS ClientHello", "\x16\x03\x01\x02\x00\x01", "no"],
    ["an SSH banner", "SSH-2.0-OpenSSH_9.2\r\n", "no"],
    ["an empty token", "GET /.well-known/acme-challenge/ HTTP/1.1\r\n\r\n", "no"],
    ["a token with a query", "GET /.well-known/acme-challenge/abc?x=1 HTTP/1.1\r\n\r\n", "no"],
    ["a deeper path", "GET /.well-known/acme-challenge/abc/def HTTP/1.1\r\n\r\n", "no"],
    ["HTTP/2 version", "GET /.well-known/acme-challenge/abc HTTP/2.0\r\n\r\n", "no"],
    ["a token of 300 characters", `GET /.well-known/acme-challenge/${"a".repeat(300)}`, "no"],
  ];
  for (const [name, text, want] of cases) {
    test(`parseChallengeRequest() on ${name} answers ${want}`, () => {
      const r = parseChallengeRequest(enc.encode(text));
      const got = r.kind === "request"
        ? `request ${r.token} ${r.complete ? "complete" : "incomplete"}`
        : r.kind;
      assert.equal(got, want);
    });
  }
});

describe("ACME http-01 negotiator on loopback", () => {
  const tokens = new Http01Tokens();
  let web: TestServer;
  let mux: TestMux;

  before(async () => {
    web = await namedEcho("web");
    const logger = createLogger({ level: "none" });
    const acme = createAcmeHttp01Negotiator({ lookup: (t) => tokens.get(t), logger });
    // The chain pmmux runs: TLS (which waits for the first bytes) then the http-01 answers.
    const tls = createTlsNegotiator({ helloTimeout: 2000 }, {
      store: new CertificateStore({ generate: true }),
      logger,
    });
    // A catch-all backend that would take every connection: the challenge must be answered before it.
    mux = await startMux([`web:pass:target.ip=127.0.0.1,target.port=${web.port}`], {
      negotiators: [tls, acme],
      routingStrategy: "round-robin",
    });
    tokens.set(TOKEN, KEY_AUTH);
  });
  after(async () => {
    await mux?.stop();
    web?.close();
  });

  test("a pending token is answered with its key authorization, and the connection is closed", async () => {
    const reply = await exchange(mux.port, request(`/.well-known/acme-challenge/${TOKEN}`));
    const [head, body] = reply.split("\r\n\r\n");
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, new RegExp(`Content-Length: ${KEY_AUTH.length}`));
    assert.match(head, /Connection: close/);
    assert.equal(body, KEY_AUTH);
    assert.equal(web.accepted, 0, "the backend saw the challenge request");
  });

  test("a request sent a few bytes at a time is answered all the same", async () => {
    const c = await connect(mux.port);
    try {
      const text = request(`/.well-known/acme-challenge/${TOKEN}`);
      for (let i = 0; i < text.length; i += 7) {
        await c.write(enc.encode(text.slice(i, i + 7)));
        await new Promise((r) => setTimeout(r, 2));
      }
      const reply = dec.decode(await readAll(c));
      assert.ok(reply.endsWith(`\r\n\r\n${KEY_AUTH}`), reply);
    } finally {
      c.close();
    }
  });

  test("a token that is not pending goes to the backend byte for byte", async () => {
    const text = request("/.well-known/acme-challenge/not-a-pending-token");
    const reply = await exchange(mux.port, text);
    assert.equal(reply, `web\n${text}`);
  });

  test("ordinary HTTP and other protocols go to the backend untouched", async () => {
    for (const text of [request("/"), "SSH-2.0-OpenSSH_9.2\r\n", "GET /.well-known/other HTTP/1.1\r\n\r\n"]) {
      assert.equal(await exchange(mux.port, text), `web\n${text}`);
    }
  });

  test("a connection whose first bytes diverge from the request line continues at once", async () => {
    const c = await connect(mux.port);
    try {
      const started = Date.now();
      // "GE" could start a challenge request; "GEX" cannot, and must not wait for more bytes.
      await c.write(enc.encode("GEX"));
      const text = await readUntil(c, "GEX", 3000);
      assert.equal(text, "web\nGEX");
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    } finally {
      c.close();
    }
  });

  test("a challenge request inside TLS is answered too (a CA following a redirect to https)", async () => {
    const accepted = web.accepted;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({
        host: "127.0.0.1",
        port: mux.port,
        servername: "example.com",
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
      });
      let text = "";
      s.on("secureConnect", () => s.write(request(`/.well-known/acme-challenge/${TOKEN}`)));
      s.on("data", (d) => text += String(d));
      s.on("end", () => resolve(text));
      s.on("close", () => resolve(text));
      s.on("error", reject);
    });
    assert.ok(reply.endsWith(`\r\n\r\n${KEY_AUTH}`), reply);
    assert.equal(web.accepted, accepted);
  });

  test("a silent connection (server speaks first) is passed on after the TLS wait, not held longer", async () => {
    const c = await connect(mux.port);
    try {
      const started = Date.now();
      const text = await readUntil(c, "web\n", 5000);
      assert.equal(text, "web\n");
      assert.ok(Date.now() - started < 3500, `took ${Date.now() - started} ms`);
    } finally {
      c.close();
    }
  });

  test("a withdrawn token is no longer answered", async () => {
    tokens.set("short-lived", "short-lived.key");
    const first = await exchange(mux.port, request("/.well-known/acme-challenge/short-lived"));
    assert.ok(first.endsWith("short-lived.key"));
    tokens.delete("short-lived");
    const text = request("/.well-known/acme-challenge/short-lived");
    assert.equal(await exchange(mux.port, text), `web\n${text}`);
  });
});
