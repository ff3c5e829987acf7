import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, candidatePort, MIN_RENEWAL_INTERVAL, renewalDelay } from "../../src/nat/schedule.ts";
import type { Entry } from "../../src/nat/status.ts";

const entry = (wantPublic: number | "?", siblings: Entry[] = []): Entry => ({
  transport: "tcp",
  wantPublic,
  wantLocal: "?",
  siblings,
  status: "Pending",
  failures: 0,
  dueAt: 0,
});

describe("renewalDelay()", () => {
  test("renews lead seconds before expiry", () => assert.equal(renewalDelay(7200, 10), 7190000));
  test("never sooner than 5 s", () => {
    assert.equal(MIN_RENEWAL_INTERVAL, 5000);
    assert.equal(renewalDelay(8, 10), 5000);
    assert.equal(renewalDelay(1, 10), 5000);
  });
  test("a permanent mapping is never renewed", () => assert.equal(renewalDelay(0, 10), Infinity));
});

describe("backoffDelay()", () => {
  test("doubles from the first delay up to the maximum", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 5000, 120000)), [
      5000,
      10000,
      20000,
      40000,
      80000,
      120000,
    ]);
  });
  test("stays finite after very many failures", () =>
    assert.equal(backoffDelay(10000, 5000, 120000), 120000));
});

describe("candidatePort()", () => {
  test("uses a sibling's assigned port, else the public port, else an ephemeral one", () => {
    const tcp = entry("?");
    const udp = entry("?");
    tcp.siblings = udp.siblings = [tcp, udp];
    assert.equal(candidatePort(tcp, () => 0), 49152);
    assert.equal(candidatePort(tcp, () => 0.999999), 65535);
    tcp.localPort = 50000;
    assert.equal(candidatePort(udp, () => 0), 50000);
    assert.equal(candidatePort(entry(7400), () => 0), 7400);
  });
});
