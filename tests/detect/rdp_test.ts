import { describe, test } from "node:test";
import { rdp } from "../../src/detect/rdp.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  fixture,
  hex,
  patched,
} from "./helpers.ts";

const xfreerdp = fixture("rdp_connection_request_xfreerdp.bin");
const minimal = fixture("rdp_connection_request_minimal.bin");

const cases: Case[] = [
  {
    name: "xfreerdp's connection request (cookie and RDP_NEG_REQ)",
    bytes: xfreerdp,
    transport: "tcp",
    want: "match",
  },
  { name: "the minimal request from DETECTORS.md", bytes: minimal, transport: "tcp", want: "match" },
  {
    name: "a TPKT length of 300 (beyond what the LI can say)",
    bytes: hex("0300012c ff e0"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a length indicator that disagrees with TPKT",
    bytes: patched(minimal, 4, 0x0f),
    transport: "tcp",
    want: "no",
  },
  { name: "a connection confirm (0xD0)", bytes: patched(minimal, 5, 0xd0), transport: "tcp", want: "no" },
  { name: "a non-zero DST-REF", bytes: patched(minimal, 7, 1), transport: "tcp", want: "no" },
  { name: "class option 2", bytes: patched(minimal, 10, 0x20), transport: "tcp", want: "no" },
  { name: "TPKT version 2", bytes: patched(minimal, 0, 2), transport: "tcp", want: "no" },
  { name: "a TPKT length of 10", bytes: patched(minimal, 3, 10), transport: "tcp", want: "no" },
  { name: "a TLS ClientHello", bytes: fixture("tls_client_hello_sni.bin"), transport: "tcp", want: "no" },
];

describe("rdp detector", () => {
  for (const c of cases) {
    test(`rdp.detect() answers ${c.want} for ${c.name}`, () => assertCase(rdp, c));
  }
  test("rdp.detect() answers more at every cut below 11 bytes", () =>
    assertMoreAtEveryCut(rdp, xfreerdp, 11));
  test("rdp.detect() never throws on random bytes", () => assertNeverThrows(rdp, [xfreerdp, minimal]));
});
