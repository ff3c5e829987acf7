import { describe, test } from "node:test";
import { socks5 } from "../../src/detect/socks5.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, hex } from "./helpers.ts";

const curl = fixture("socks5_curl.bin");
const auth = fixture("socks5_auth_curl.bin");

const cases: Case[] = [
  { name: "curl --socks5 (no auth, GSSAPI)", bytes: curl, transport: "tcp", want: "match" },
  { name: "curl --socks5 user:pw@ (adds username/password)", bytes: auth, transport: "tcp", want: "match" },
  { name: "firefox's greeting", bytes: hex("05 01 00"), transport: "tcp", want: "match" },
  { name: "a private method 0x80", bytes: hex("05 01 80"), transport: "tcp", want: "match" },
  {
    name: "a greeting followed at once by a request",
    bytes: hex("05 01 00 05 01 00 01 7f000001 0050"),
    transport: "tcp",
    want: "match",
  },
  { name: "zero methods", bytes: hex("05 00"), transport: "tcp", want: "no" },
  { name: "method 0xFF", bytes: hex("05 01 ff"), transport: "tcp", want: "no" },
  { name: "unassigned method 0x0A", bytes: hex("05 02 00 0a"), transport: "tcp", want: "no" },
  { name: "version 4", bytes: fixture("socks4_curl.bin"), transport: "tcp", want: "no" },
];

describe("socks5 detector", () => {
  for (const c of cases) {
    test(`socks5.detect() answers ${c.want} for ${c.name}`, () => assertCase(socks5, c));
  }
  test("socks5.detect() answers more at every cut of curl's greeting", () =>
    assertMoreAtEveryCut(socks5, auth));
  test("socks5.detect() never throws on random bytes", () => assertNeverThrows(socks5, [curl, auth]));
});
