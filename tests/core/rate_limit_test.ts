import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RateLimiter } from "../../src/core/rate_limit.ts";

describe("RateLimiter", () => {
  test("RateLimiter allows a burst of `count`, then refills continuously", () => {
    let now = 0;
    const r = new RateLimiter({ count: 3, perMs: 1000 }, () => now);
    assert.deepEqual([r.allow("a"), r.allow("a"), r.allow("a"), r.allow("a")], [true, true, true, false]);
    assert.equal(r.allow("b"), true, "another address has its own bucket");
    now = 334;
    assert.equal(r.allow("a"), true);
    assert.equal(r.allow("a"), false);
  });

  test("RateLimiter forgets addresses idle for a whole period", () => {
    let now = 0;
    const r = new RateLimiter({ count: 1, perMs: 100 }, () => now);
    for (let i = 0; i < 50; i++) r.allow(`10.0.0.${i}`);
    now = 1000;
    r.allow("x");
    assert.equal(r.size, 1);
  });
});
