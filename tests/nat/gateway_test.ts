import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { localIpv4Addresses, parseDefaultGateway } from "../../src/nat/gateway.ts";

const HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
const row = (iface: string, dest: string, gw: string, flags: string, metric: number, mask: string) =>
  `${iface}\t${dest}\t${gw}\t${flags}\t0\t0\t${metric}\t${mask}\t0\t0\t0\n`;

describe("parseDefaultGateway()", () => {
  test("reads the default route's gateway, little-endian hex", () => {
    const table = HEADER + row("eth0", "0001A8C0", "00000000", "0001", 0, "00FFFFFF") +
      row("eth0", "00000000", "0101A8C0", "0003", 0, "00000000");
    assert.equal(parseDefaultGateway(table), "192.168.1.1");
  });

  test("prefers the lowest metric", () => {
    const table = HEADER + row("wlan0", "00000000", "FE01A8C0", "0003", 600, "00000000") +
      row("eth0", "00000000", "01014D0A", "0003", 100, "00000000");
    assert.equal(parseDefaultGateway(table), "10.77.1.1");
  });

  test("keeps to the named interface", () => {
    const table = HEADER + row("wlan0", "00000000", "FE01A8C0", "0003", 600, "00000000") +
      row("eth0", "00000000", "01014D0A", "0003", 100, "00000000");
    assert.equal(parseDefaultGateway(table, "wlan0"), "192.168.1.254");
    assert.equal(parseDefaultGateway(table, "eth9"), undefined);
  });

  test("ignores routes without a gateway or that are down, and an empty table", () => {
    const table = HEADER + row("eth0", "00000000", "00000000", "0001", 0, "00000000") +
      row("eth1", "00000000", "0101A8C0", "0002", 0, "00000000");
    assert.equal(parseDefaultGateway(table), undefined);
    assert.equal(parseDefaultGateway(""), undefined);
  });
});

describe("localIpv4Addresses()", () => {
  test("names the missing interface and the ones that exist", () => {
    assert.throws(
      () => localIpv4Addresses("no-such-if0"),
      /Network interface "no-such-if0" not found: available are /,
    );
  });

  test("the loopback interface has no address for discovery", () => {
    const lo = process.platform === "linux" ? "lo" : undefined;
    if (lo) assert.throws(() => localIpv4Addresses(lo), /Network interface "lo" has no IPv4 address/);
  });
});
