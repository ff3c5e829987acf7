import { describe, test } from "node:test";
import { xmpp } from "../../src/detect/xmpp.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, text } from "./helpers.ts";

const sendxmpp = fixture("xmpp_stream_sendxmpp.bin");
const upToJabber = (b: Uint8Array) => b.subarray(0, new TextDecoder().decode(b).indexOf("jabber") + 6);

const cases: Case[] = [
  { name: "sendxmpp's stream header (jabber at byte 73)", bytes: sendxmpp, transport: "tcp", want: "match" },
  {
    name: "a stream without XML declaration",
    bytes: text(
      "<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    ),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a server-to-server stream after a BOM and a newline",
    bytes: text("\xef\xbb\xbf<?xml version='1.0'?>\n<stream:stream xmlns='jabber:server' to='b.example'>"),
    transport: "tcp",
    want: "match",
  },
  {
    name: "a stream tag closed without jabber",
    bytes: text("<stream:stream to='a' xmlns='urn:x'>"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "another XML document",
    bytes: text("<?xml version='1.0'?><html xmlns='jabber'>"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "an unterminated XML declaration of 300 bytes",
    bytes: text("<?xml " + "a".repeat(300)),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a stream tag without jabber in 1 KiB",
    bytes: text("<stream:stream " + "a".repeat(1100)),
    transport: "tcp",
    want: "no",
  },
  {
    name: "<stream:streams",
    bytes: text("<stream:streams xmlns='jabber:client'>"),
    transport: "tcp",
    want: "no",
  },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("xmpp detector", () => {
  for (const c of cases) {
    test(`xmpp.detect() answers ${c.want} for ${c.name}`, () => assertCase(xmpp, c));
  }
  test("xmpp.detect() answers more at every cut of sendxmpp's header up to jabber", () => {
    assertMoreAtEveryCut(xmpp, upToJabber(sendxmpp));
  });
  test("xmpp.detect() never throws on random bytes", () => assertNeverThrows(xmpp, [sendxmpp]));
});
