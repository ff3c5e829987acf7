import { describe, test } from "node:test";
import { syslog } from "../../src/detect/syslog.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, text } from "./helpers.ts";

const udp = fixture("syslog_udp_logger.txt");
const tcp = fixture("syslog_tcp_logger.txt");
const counted = fixture("syslog_tcp_octet_count_logger.txt");

const cases: Case[] = [
  { name: "logger -d (RFC 5424 over UDP)", bytes: udp, transport: "udp", want: "match" },
  {
    name: "logger --rfc3164 -d",
    bytes: fixture("syslog_udp_logger_rfc3164.txt"),
    transport: "udp",
    want: "match",
  },
  { name: "logger -T (RFC 5424 over TCP)", bytes: tcp, transport: "tcp", want: "match" },
  { name: "logger -T --octet-count", bytes: counted, transport: "tcp", want: "match" },
  { name: "the sample from DETECTORS.md", bytes: text("<42> message"), transport: "udp", want: "match" },
  { name: "PRI 0", bytes: text("<0>1 -"), transport: "udp", want: "match" },
  { name: "PRI 191", bytes: text("<191>1 -"), transport: "udp", want: "match" },
  { name: "PRI 192", bytes: text("<192>1 -"), transport: "udp", want: "no" },
  { name: "PRI with a leading zero", bytes: text("<013>1 -"), transport: "udp", want: "no" },
  { name: "an empty PRI", bytes: text("<>1 -"), transport: "udp", want: "no" },
  { name: "a four-digit PRI", bytes: text("<1000>1"), transport: "udp", want: "no" },
  { name: "a control byte after the PRI", bytes: text("<13>\x00"), transport: "udp", want: "no" },
  { name: "a datagram cut after the PRI", bytes: text("<13>"), transport: "udp", want: "no" },
  { name: "an octet count over UDP", bytes: counted, transport: "udp", want: "no" },
  { name: "an octet count with a leading zero", bytes: text("0100 <13>1 -"), transport: "tcp", want: "no" },
  { name: "an octet count of ten digits", bytes: text("1234567890 <13>1"), transport: "tcp", want: "no" },
  { name: "an XML document", bytes: text("<?xml version='1.0'?>"), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("syslog detector", () => {
  for (const c of cases) {
    test(`syslog.detect() answers ${c.want} for ${c.name}`, () => assertCase(syslog, c));
  }
  test("syslog.detect() answers more at every cut of logger's TCP message header", () => {
    assertMoreAtEveryCut(syslog, tcp.subarray(0, 5));
  });
  test("syslog.detect() answers more at every cut of an octet-counted header", () => {
    assertMoreAtEveryCut(syslog, counted.subarray(0, 9));
  });
  test("syslog.detect() never throws on random bytes", () => assertNeverThrows(syslog, [udp, tcp, counted]));
});
