import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { STRATEGIES } from "../../src/strategies/mod.ts";
import type { Candidate } from "../../src/strategies/types.ts";

const make = (name: string) => STRATEGIES.find((s) => s.name === name)!.create();
const cands = (...xs: [number, number][]): Candidate[] =>
  xs.map(([requests, active], order) => ({ order, requests, active }));

describe("strategies", () => {
  test("every strategy picks one of the candidates it is given", () => {
    const cs = cands([1, 1], [2, 0], [0, 3]);
    for (const f of STRATEGIES) {
      const s = f.create();
      for (let i = 0; i < 20; i++) assert.ok(cs.includes(s.pick(cs, { clientIp: `10.0.0.${i}` })), f.name);
    }
  });

  test("first-available is not tiered and picks the first", () => {
    const s = make("first-available");
    assert.equal(s.tiered, false);
    assert.equal(s.pick(cands([9, 9], [0, 0]), { clientIp: "x" }).order, 0);
  });

  test("least-connections picks the fewest active, ties in definition order", () => {
    const s = make("least-connections");
    assert.equal(s.pick(cands([0, 3], [0, 1], [0, 1]), { clientIp: "x" }).order, 1);
  });

  test("round-robin rotates through the candidates", () => {
    const s = make("round-robin");
    const cs = cands([0, 0], [0, 0], [0, 0]);
    const seen = Array.from({ length: 6 }, () => s.pick(cs, { clientIp: "x" }).order);
    assert.deepEqual(seen, [0, 1, 2, 0, 1, 2]);
  });

  test("ip-hash is stable per client address and spreads different addresses", () => {
    const s = make("ip-hash");
    const cs = cands([0, 0], [0, 0], [0, 0], [0, 0]);
    const a = s.pick(cs, { clientIp: "192.0.2.7" });
    for (let i = 0; i < 10; i++) assert.equal(s.pick(cs, { clientIp: "192.0.2.7" }), a);
    const spread = new Set(
      Array.from({ length: 64 }, (_, i) => s.pick(cs, { clientIp: `198.51.100.${i}` }).order),
    );
    assert.ok(spread.size >= 3);
  });

  test("random spreads over the candidates", () => {
    const s = make("random");
    const cs = cands([0, 0], [0, 0]);
    const seen = new Set(Array.from({ length: 200 }, () => s.pick(cs, { clientIp: "x" }).order));
    assert.equal(seen.size, 2);
  });
});
