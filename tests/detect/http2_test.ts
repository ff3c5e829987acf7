import { describe, test } from "node:test";
import { http2 } from "../../src/detect/http2.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, text } from "./helpers.ts";

const curl = fixture("http2_preface_curl.bin");

const cases: Case[] = [
  {
    name: "curl --http2-prior-knowledge (preface and SETTINGS)",
    bytes: curl,
    transport: "tcp",
    want: "match",
  },
  { name: "the bare preface", bytes: curl.subarray(0, 24), transport: "tcp", want: "match" },
  { name: "an HTTP/1.1 request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
  {
    name: "a preface with HTTP/2.1",
    bytes: text("PRI * HTTP/2.1\r\n\r\nSM\r\n\r\n"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a preface missing SM",
    bytes: text("PRI * HTTP/2.0\r\n\r\n\r\n\r\n"),
    transport: "tcp",
    want: "no",
  },
];

describe("http2 detector", () => {
  for (const c of cases) {
    test(`http2.detect() answers ${c.want} for ${c.name}`, () => assertCase(http2, c));
  }
  test("http2.detect() answers more at every cut of the preface", () => {
    assertMoreAtEveryCut(http2, curl.subarray(0, 24));
  });
  test("http2.detect() never throws on random bytes", () => assertNeverThrows(http2, [curl]));
});
