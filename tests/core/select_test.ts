import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decide, type Selectable } from "../../src/core/select.ts";
import type { ProbeInput, Tier, Verdict } from "../../src/core/backend.ts";
import { STRATEGIES } from "../../src/strategies/mod.ts";
import { netAddr } from "../../src/net/types.ts";

function entry(
  name: string,
  answer: Verdict | ((i: ProbeInput) => Verdict),
  tier: Tier = "normal",
  extra: Partial<Selectable> = {},
) {
  let asked = 0;
  return {
    name,
    tier,
    order: 0,
    requests: 0,
    active: 0,
    routable: true,
    get asked() {
      return asked;
    },
    probe(input: ProbeInput) {
      asked++;
      return typeof answer === "function" ? answer(input) : answer;
    },
    ...extra,
  };
}
const strategy = (name: string) => STRATEGIES.find((s) => s.name === name)!.create();
const input = (final = false): ProbeInput => ({
  bytes: new Uint8Array(0),
  props: new Map(),
  local: netAddr("127.0.0.1", 443),
  client: netAddr("127.0.0.1", 50000),
  final,
});
const ctx = { clientIp: "10.0.0.1" };

describe("decide()", () => {
  test("decide() picks the first match in definition order when every earlier backend said no", () => {
    const es = [entry("a", "no"), entry("b", "match"), entry("c", "match")];
    assert.equal(decide(es, input(), strategy("first-available"), ctx, [])?.valueOf(), es[1]);
  });

  test("decide() holds the decision while an earlier backend still needs bytes", () => {
    const es = [entry("a", "more"), entry("b", "match")];
    assert.equal(decide(es, input(), strategy("first-available"), ctx, []), "more");
  });

  test("decide() falls through to the catch-all when a probe is still undecided at the deadline", () => {
    const es = [entry("a", "more"), entry("b", "match")];
    assert.equal(decide(es, input(true), strategy("first-available"), ctx, []), es[1]);
  });

  test("decide() probes lazily: later backends are not asked while an earlier one decides", () => {
    const es = [entry("a", "match"), entry("b", "match")];
    decide(es, input(), strategy("first-available"), ctx, []);
    assert.equal(es[1].asked, 0);
  });

  test("decide() caches final answers across rounds for one connection", () => {
    const es = [entry("a", "no"), entry("b", "more")];
    const answers: (Verdict | undefined)[] = [];
    decide(es, input(), strategy("first-available"), ctx, answers);
    decide(es, input(), strategy("first-available"), ctx, answers);
    assert.equal(es[0].asked, 1);
    assert.equal(es[1].asked, 2);
  });

  test("decide() skips backends that are not routable", () => {
    const es = [entry("a", "match", "normal", { routable: false }), entry("b", "match")];
    assert.equal(decide(es, input(), strategy("first-available"), ctx, []), es[1]);
    assert.equal(es[0].asked, 0);
  });

  test("decide() returns null when nothing matches", () => {
    assert.equal(decide([entry("a", "no")], input(), strategy("first-available"), ctx, []), null);
    assert.equal(decide([], input(), strategy("least-requests"), ctx, []), null);
  });

  test("decide() with a tiered strategy keeps the highest tier present", () => {
    const es = [entry("s", "match", "standby"), entry("n", "match", "normal"), entry("v", "no", "vip")];
    assert.equal(decide(es, input(), strategy("least-requests"), ctx, []), es[1]);
  });

  test("decide() with a tiered strategy waits for an undecided backend of an equal or higher tier", () => {
    const es = [entry("n", "match", "normal"), entry("v", "more", "vip")];
    assert.equal(decide(es, input(), strategy("least-requests"), ctx, []), "more");
    const es2 = [entry("n", "match", "normal"), entry("s", "more", "standby")];
    assert.equal(decide(es2, input(), strategy("least-requests"), ctx, []), es2[0]);
  });

  test("decide() gives the fallback tier to its first match whatever the strategy", () => {
    const es = [
      entry("f1", "match", "fallback", { requests: 10 }),
      entry("f2", "match", "fallback", { requests: 0 }),
    ];
    assert.equal(decide(es, input(), strategy("least-requests"), ctx, []), es[0]);
  });

  test("decide() lets least-requests pick the backend with the fewest requests", () => {
    const es = [
      entry("a", "match", "normal", { requests: 5, order: 0 }),
      entry("b", "match", "normal", { requests: 2, order: 1 }),
      entry("c", "match", "normal", { requests: 2, order: 2 }),
    ];
    assert.equal(decide(es, input(), strategy("least-requests"), ctx, []), es[1]);
  });
});
