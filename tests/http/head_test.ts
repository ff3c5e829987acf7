import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  canStartRequest,
  headerValue,
  type HeadState,
  parseRequestHead,
  splitHostPort,
} from "../../src/http/head.ts";
import { concat, fixture, text } from "../detect/helpers.ts";

interface Row {
  name: string;
  bytes: Uint8Array;
  state: HeadState;
  method?: string;
  path?: string;
  query?: string;
  version?: string;
}

const rows: Row[] = [
  {
    name: "curl GET with a query",
    bytes: fixture("http_get_curl.txt"),
    state: "complete",
    method: "GET",
    path: "/index.html",
    query: "?q=1",
    version: "HTTP/1.1",
  },
  {
    name: "curl POST (body after the head)",
    bytes: fixture("http_post_curl.txt"),
    state: "complete",
    method: "POST",
  },
  { name: "curl HEAD", bytes: fixture("http_head_curl.txt"), state: "complete", method: "HEAD" },
  { name: "curl OPTIONS *", bytes: fixture("http_options_star_curl.txt"), state: "complete", path: "*" },
  { name: "curl -0 (HTTP/1.0)", bytes: fixture("http10_curl.txt"), state: "complete", version: "HTTP/1.0" },
  {
    name: "curl -p (CONNECT authority-form)",
    bytes: fixture("http_connect_curl.txt"),
    state: "complete",
    method: "CONNECT",
    path: "",
  },
  { name: "curl -x (absolute-form)", bytes: fixture("http_absolute_form_curl.txt"), state: "complete" },
  {
    name: "bare LF line endings",
    bytes: text("GET /a HTTP/1.1\nHost: x\n\n"),
    state: "complete",
    path: "/a",
  },
  { name: "the request line alone", bytes: text("GET /a?b=c HTTP/1.1\r\n"), state: "line", query: "?b=c" },
  { name: "headers not finished", bytes: text("GET / HTTP/1.1\r\nHost: x\r\n"), state: "line" },
  { name: "a header cut in its name", bytes: text("GET / HTTP/1.1\r\nHo"), state: "line" },
  { name: "the request line cut", bytes: text("GET /a HTTP/1."), state: "partial" },
  { name: "empty", bytes: new Uint8Array(0), state: "partial" },
  { name: "the HTTP/2 preface", bytes: text("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), state: "invalid" },
  { name: "a TLS ClientHello", bytes: fixture("tls_client_hello_sni.bin"), state: "invalid" },
  { name: "an SSH banner", bytes: fixture("ssh_banner.txt"), state: "invalid" },
  { name: "a leading space", bytes: text(" GET / HTTP/1.1\r\n"), state: "invalid" },
  { name: "a lower-case version", bytes: text("GET / http/1.1\r\n"), state: "invalid" },
  { name: "junk after the version", bytes: text("GET / HTTP/1.1x\r\n"), state: "invalid" },
  { name: "obsolete line folding", bytes: text("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), state: "invalid" },
  { name: "a space before the colon", bytes: text("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), state: "invalid" },
  { name: "a NUL in a value", bytes: text("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"), state: "invalid" },
  { name: "a bare CR", bytes: text("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"), state: "invalid" },
];

describe("parseRequestHead()", () => {
  for (const row of rows) {
    test(`reads ${row.name} as ${row.state}`, () => {
      const r = parseRequestHead(row.bytes);
      assert.equal(r.state, row.state, r.reason);
      if (row.method) assert.equal(r.line?.method, row.method);
      if (row.path !== undefined) assert.equal(r.line?.path, row.path);
      if (row.query !== undefined) assert.equal(r.line?.query, row.query);
      if (row.version) assert.equal(r.line?.version, row.version);
    });
  }

  test("returns the headers in order, values trimmed, and the head length", () => {
    const head = text("GET / HTTP/1.1\r\nHost:  a.example:8080 \r\nX-A: 1\r\nx-a:2\r\n\r\n");
    const r = parseRequestHead(concat(head, text("BODY")));
    assert.equal(r.state, "complete");
    assert.equal(r.length, head.length);
    assert.deepEqual(r.headers, [["Host", "a.example:8080"], ["X-A", "1"], ["x-a", "2"]]);
    assert.equal(headerValue(r.headers!, "x-a"), "1, 2");
    assert.equal(headerValue(r.headers!, "missing"), undefined);
  });

  test("keeps obs-text bytes as latin-1 characters", () => {
    const r = parseRequestHead(
      Uint8Array.from([...text("GET / HTTP/1.1\r\nA: "), 0xe9, ...text("\r\n\r\n")]),
    );
    assert.equal(r.headers?.[0][1], "\u00e9");
  });

  test("takes the path of an absolute-form target", () => {
    assert.equal(parseRequestHead(text("GET http://h:1/p/q?x HTTP/1.1\r\n")).line?.path, "/p/q");
    assert.equal(parseRequestHead(text("GET http://h:1?x HTTP/1.1\r\n")).line?.path, "/");
  });

  test("is partial at every cut of the request line, then line, then complete", () => {
    const bytes = fixture("http_get_curl.txt");
    const lineEnd = bytes.indexOf(0x0a) + 1;
    for (let cut = 0; cut < bytes.length; cut++) {
      const want = cut < lineEnd ? "partial" : "line";
      assert.equal(parseRequestHead(bytes.subarray(0, cut)).state, want, `cut at ${cut}`);
    }
  });

  test("answers invalid at once when the first byte cannot start a request", () => {
    assert.equal(parseRequestHead(Uint8Array.of(0x16)).state, "invalid");
    assert.equal(canStartRequest(0x16), false);
    assert.equal(canStartRequest(0x47), true);
  });

  test("enforces the byte and header-count limits", () => {
    const long = text(`GET /${"a".repeat(100)} HTTP/1.1\r\n`);
    assert.equal(parseRequestHead(long, { maxBytes: 50 }).state, "invalid");
    const many = text(`GET / HTTP/1.1\r\n${"A: b\r\n".repeat(5)}\r\n`);
    assert.equal(parseRequestHead(many, { maxHeaders: 4 }).state, "invalid");
    assert.equal(parseRequestHead(many, { maxHeaders: 5 }).state, "complete");
    const unfinished = text(`GET / HTTP/1.1\r\n${"A: b\r\n".repeat(20)}`);
    assert.equal(parseRequestHead(unfinished, { maxBytes: unfinished.length }).state, "invalid");
  });

  test("never throws on noise or damaged requests", () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    const sample = fixture("http_post_curl.txt");
    for (let i = 0; i < 3000; i++) {
      const bytes = i % 2 === 0
        ? Uint8Array.from({ length: next() % 200 }, () => next() & 0xff)
        : sample.slice(0, 1 + (next() % sample.length));
      if (i % 2 === 1) { for (let f = next() % 4; f >= 0; f--) bytes[next() % bytes.length] = next() & 0xff; }
      const r = parseRequestHead(bytes);
      assert.ok(["invalid", "partial", "line", "complete"].includes(r.state));
    }
  });
});

describe("splitHostPort()", () => {
  test("splits names, IPv4 and bracketed IPv6 from their ports", () => {
    assert.deepEqual(splitHostPort("a.example:8080"), ["a.example", "8080"]);
    assert.deepEqual(splitHostPort("a.example"), ["a.example", ""]);
    assert.deepEqual(splitHostPort("10.0.0.1:80"), ["10.0.0.1", "80"]);
    assert.deepEqual(splitHostPort("[::1]:8443"), ["[::1]", "8443"]);
    assert.deepEqual(splitHostPort("[::1]"), ["[::1]", ""]);
    assert.deepEqual(splitHostPort("::1"), ["::1", ""]);
  });
});
