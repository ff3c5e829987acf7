import { describe, test } from "node:test";
import { socks4 } from "../../src/detect/socks4.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  fixture,
  hex,
  text,
} from "./helpers.ts";

const curl = fixture("socks4_curl.bin");
const curl4a = fixture("socks4a_curl.bin");

const cases: Case[] = [
  {
    name: "curl --socks4 (connect 192.0.2.1:80, empty user id)",
    bytes: curl,
    transport: "tcp",
    want: "match",
  },
  { name: "curl --socks4a (host example.com)", bytes: curl4a, transport: "tcp", want: "match" },
  {
    name: "a bind request with a user id",
    bytes: hex("04 02 0050 c0000201 616c696365 00"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "the sample from DETECTORS.md",
    bytes: hex("04 01 0050 5db8d822 00"),
    transport: "tcp",
    want: "match",
  },
  { name: "command 3", bytes: hex("04 03 0050 c0000201 00"), transport: "tcp", want: "no" },
  { name: "address 0.0.0.0", bytes: hex("04 01 0050 00000000 00"), transport: "tcp", want: "no" },
  {
    name: "SOCKS4a with an empty host name",
    bytes: hex("04 01 0050 00000001 00 00"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a control byte in the user id",
    bytes: hex("04 01 0050 c0000201 0a 00"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a user id of 256 bytes",
    bytes: hex("04 01 0050 c0000201" + "61".repeat(256)),
    transport: "tcp",
    want: "no",
  },
  { name: "a SOCKS5 greeting", bytes: fixture("socks5_curl.bin"), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: text("GET / HTTP/1.1\r\n"), transport: "tcp", want: "no" },
];

describe("socks4 detector", () => {
  for (const c of cases) {
    test(`socks4.detect() answers ${c.want} for ${c.name}`, () => assertCase(socks4, c));
  }
  test("socks4.detect() answers more at every cut of curl's request", () =>
    assertMoreAtEveryCut(socks4, curl));
  test("socks4.detect() answers more at every cut of curl's SOCKS4a request", () => {
    assertMoreAtEveryCut(socks4, curl4a);
  });
  test("socks4.detect() never throws on random bytes", () => assertNeverThrows(socks4, [curl, curl4a]));
});
