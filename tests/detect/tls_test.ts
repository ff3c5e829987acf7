import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseClientHello, tls } from "../../src/detect/tls.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  concat,
  fixture,
  hex,
  patched,
  text,
} from "./helpers.ts";

const sni = fixture("tls_client_hello_sni.bin");
const noSni = fixture("tls_client_hello_no_sni.bin");
const alpn = fixture("tls_client_hello_alpn.bin");
const mlkem = fixture("tls_client_hello_mlkem_bun.bin");
const ffdhe = fixture("tls_client_hello_ffdhe8192.bin");
const curl = fixture("tls_client_hello_curl.bin");
const deno = fixture("tls_client_hello_deno.bin");
const twoRecords = fixture("tls_client_hello_two_records.bin");
const headerSplit = fixture("tls_client_hello_header_split.bin");

/** A minimal ClientHello without extensions, with the given legacy version. */
function bareHello(version: string): Uint8Array {
  const body = hex(`${version} ${"11".repeat(32)} 00 0002 002f 01 00`);
  return concat(hex(`16 0301 ${hexLen(body.length + 4, 2)} 01 ${hexLen(body.length, 3)}`), body);
}

function hexLen(n: number, bytes: number): string {
  return n.toString(16).padStart(bytes * 2, "0");
}

const cases: Case[] = [
  { name: "openssl s_client -servername", bytes: sni, transport: "tcp", want: "match" },
  { name: "openssl s_client -noservername", bytes: noSni, transport: "tcp", want: "match" },
  { name: "openssl s_client -alpn h2,http/1.1", bytes: alpn, transport: "tcp", want: "match" },
  {
    name: "bun fetch with an X25519MLKEM768 key share (1500 bytes)",
    bytes: mlkem,
    transport: "tcp",
    want: "match",
  },
  { name: "openssl s_client -groups ffdhe8192 (1225 bytes)", bytes: ffdhe, transport: "tcp", want: "match" },
  { name: "curl -k https://localhost", bytes: curl, transport: "tcp", want: "match" },
  { name: "deno fetch (rustls, SNI last)", bytes: deno, transport: "tcp", want: "match" },
  { name: "a hello split over two records", bytes: twoRecords, transport: "tcp", want: "match" },
  { name: "a hello whose handshake header is split", bytes: headerSplit, transport: "tcp", want: "match" },
  {
    name: "a split hello followed by a 0-RTT record",
    bytes: concat(twoRecords, hex("17 0303 0004 00000000")),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a hello followed by a 0-RTT record",
    bytes: concat(sni, hex("17 0303 0004 00000000")),
    transport: "tcp",
    want: "match",
  },
  { name: "a TLS 1.0 hello without extensions", bytes: bareHello("0301"), transport: "tcp", want: "match" },
  { name: "an SSL 3.0 hello without extensions", bytes: bareHello("0300"), transport: "tcp", want: "no" },
  {
    name: "an SSLv2-style hello",
    bytes: fixture("tls_sslv2_client_hello.bin"),
    transport: "tcp",
    want: "no",
  },
  { name: "an HTTP request", bytes: text("GET / HTTP/1.1\r\n"), transport: "tcp", want: "no" },
  { name: "an alert record", bytes: hex("15 0303 0002 0228"), transport: "tcp", want: "no" },
  { name: "a ServerHello", bytes: patched(sni, 5, 2), transport: "tcp", want: "no" },
  { name: "record version 3.5", bytes: patched(sni, 2, 5), transport: "tcp", want: "no" },
  { name: "record length zero", bytes: hex("16 0301 0000"), transport: "tcp", want: "no" },
  { name: "record length above 16 KiB", bytes: hex("16 0301 4001"), transport: "tcp", want: "no" },
  {
    name: "handshake length below a hello's minimum",
    bytes: hex("16 0301 0020 01 000010"),
    transport: "tcp",
    want: "no",
  },
  { name: "legacy version 4.3", bytes: patched(sni, 9, 4), transport: "tcp", want: "no" },
  { name: "session id longer than 32", bytes: patched(sni, 43, 33), transport: "tcp", want: "no" },
  { name: "extensions length one too long", bytes: extLenOff(sni, 1), transport: "tcp", want: "no" },
  { name: "extensions length one too short", bytes: extLenOff(sni, -1), transport: "tcp", want: "no" },
  { name: "server_name list length off by one", bytes: sniListOff(sni), transport: "tcp", want: "no" },
  {
    name: "the second record is not a handshake",
    bytes: patched(twoRecords, 105, 0x17),
    transport: "tcp",
    want: "no",
  },
];

/** Offset of the extensions length field in a single-record hello. */
function extensionsAt(b: Uint8Array): number {
  let p = 9 + 34;
  p += 1 + b[p];
  p += 2 + ((b[p] << 8) | b[p + 1]);
  return p + 1 + b[p];
}

function extLenOff(b: Uint8Array, delta: number): Uint8Array {
  const at = extensionsAt(b);
  const len = ((b[at] << 8) | b[at + 1]) + delta;
  return patched(b, at, len >> 8, len & 0xff);
}

function sniListOff(b: Uint8Array): Uint8Array {
  const at = extensionsAt(b) + 2;
  assert.equal((b[at] << 8) | b[at + 1], 0, "server_name comes first in the openssl hello");
  return patched(b, at + 5, b[at + 5] + 1);
}

describe("tls detector", () => {
  for (const c of cases) {
    test(`tls.detect() answers ${c.want} for ${c.name}`, () => assertCase(tls, c));
  }

  test("tls.detect() answers more at every cut of a hello", () => assertMoreAtEveryCut(tls, sni));
  test("tls.detect() answers more at every cut of a hello split over two records", () => {
    assertMoreAtEveryCut(tls, twoRecords);
  });
  test("tls.detect() answers more at every cut of the 1500-byte post-quantum hello", () => {
    assertMoreAtEveryCut(tls, mlkem);
  });
  test("tls.detect() never throws on random bytes", () => {
    assertNeverThrows(tls, [sni, alpn, twoRecords, headerSplit]);
  });
});

describe("parseClientHello()", () => {
  test("parseClientHello() lower-cases the server name", () => {
    const info = parseClientHello(sni);
    assert.equal(info.verdict, "match");
    assert.equal(info.sni, "example.com");
    assert.equal(info.legacyVersion, 0x0303);
    assert.deepEqual(info.supportedVersions, [0x0304, 0x0303, 0x0302, 0x0301]);
  });

  test("parseClientHello() reads the ALPN list in order", () => {
    assert.deepEqual(parseClientHello(alpn).alpn, ["h2", "http/1.1"]);
  });

  test("parseClientHello() finds no server name when the client sends none", () => {
    const info = parseClientHello(noSni);
    assert.equal(info.verdict, "match");
    assert.equal(info.sni, undefined);
  });

  test("parseClientHello() finds the server name of a post-quantum hello", () => {
    assert.equal(parseClientHello(mlkem).sni, "localhost");
    assert.equal(parseClientHello(ffdhe).sni, "big.example.com");
  });

  test("parseClientHello() reassembles a hello split over two records", () => {
    const info = parseClientHello(twoRecords);
    assert.equal(info.verdict, "match");
    assert.equal(info.sni, "example.com");
  });

  test("parseClientHello() reassembles a hello split over records and arriving in segments", () => {
    const segments = [3, 7, 104, 106, 200, twoRecords.length];
    for (const end of segments.slice(0, -1)) {
      assert.deepEqual(parseClientHello(twoRecords.subarray(0, end)), { verdict: "more" });
    }
    assert.equal(parseClientHello(twoRecords).sni, "example.com");
  });

  test("parseClientHello() reports only the verdict before the hello is complete", () => {
    assert.deepEqual(parseClientHello(sni.subarray(0, 200)), { verdict: "more" });
  });

  test("parseClientHello() answers no for an SSLv2-style hello", () => {
    assert.deepEqual(parseClientHello(fixture("tls_sslv2_client_hello.bin")), { verdict: "no" });
  });
});
