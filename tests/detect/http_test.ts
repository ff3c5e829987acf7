import { describe, test } from "node:test";
import { http } from "../../src/detect/http.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, text } from "./helpers.ts";

const get = fixture("http_get_curl.txt");
const requestLine = (b: Uint8Array) => b.subarray(0, b.indexOf(0x0a) + 1);

const cases: Case[] = [
  { name: "curl GET", bytes: get, transport: "tcp", want: "match" },
  { name: "curl POST", bytes: fixture("http_post_curl.txt"), transport: "tcp", want: "match" },
  { name: "curl HEAD", bytes: fixture("http_head_curl.txt"), transport: "tcp", want: "match" },
  { name: "curl OPTIONS *", bytes: fixture("http_options_star_curl.txt"), transport: "tcp", want: "match" },
  { name: "curl -0 (HTTP/1.0)", bytes: fixture("http10_curl.txt"), transport: "tcp", want: "match" },
  {
    name: "curl -p (CONNECT host:port)",
    bytes: fixture("http_connect_curl.txt"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "curl -x (absolute-form target)",
    bytes: fixture("http_absolute_form_curl.txt"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a request line ending in a bare LF",
    bytes: text("GET / HTTP/1.1\nHost: a\n\n"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a WebSocket upgrade",
    bytes: text("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "an extension method (PROPFIND)",
    bytes: text("PROPFIND /dav/ HTTP/1.1\r\n"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "the HTTP/2 preface",
    bytes: text("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a method with a bad token character",
    bytes: text("GE(T / HTTP/1.1\r\n"),
    transport: "tcp",
    want: "no",
  },
  { name: "a method with a space inside", bytes: text("GE T / HTTP/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "a leading space", bytes: text(" GET / HTTP/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "an empty target", bytes: text("GET  HTTP/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "a lower-case version", bytes: text("GET / http/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "a version without minor digit", bytes: text("GET / HTTP/1\r\n"), transport: "tcp", want: "no" },
  { name: "HTTP/0.9 (no version)", bytes: text("GET /\r\n"), transport: "tcp", want: "no" },
  { name: "a CR not followed by LF", bytes: text("GET / HTTP/1.1\rX"), transport: "tcp", want: "no" },
  {
    name: "a control byte in the target",
    bytes: text("GET /\x01 HTTP/1.1\r\n"),
    transport: "tcp",
    want: "no",
  },
  { name: "a 25-character method", bytes: text("A".repeat(25)), transport: "tcp", want: "no" },
  { name: "an SSH banner", bytes: fixture("ssh_banner.txt"), transport: "tcp", want: "no" },
  { name: "a TLS ClientHello", bytes: fixture("tls_client_hello_sni.bin"), transport: "tcp", want: "no" },
];

describe("http detector", () => {
  for (const c of cases) {
    test(`http.detect() answers ${c.want} for ${c.name}`, () => assertCase(http, c));
  }
  test("http.detect() answers more at every cut of curl's request line", () => {
    assertMoreAtEveryCut(http, requestLine(get));
  });
  test("http.detect() answers more at every cut of a CONNECT request line", () => {
    assertMoreAtEveryCut(http, requestLine(fixture("http_connect_curl.txt")));
  });
  test("http.detect() never throws on random bytes", () => assertNeverThrows(http, [get]));
});
