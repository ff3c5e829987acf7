import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelay,
  covers,
  DEFAULT_RETRY,
  type Facts,
  nextAttemptAt,
  renewalAt,
  stateOf,
} from "../../src/acme/state.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const LEAD = 30 * DAY;

function facts(over: Partial<Facts> = {}): Facts {
  return { wanted: ["example.com"], failures: 0, failedAt: 0, busy: false, forced: false, ...over };
}

/** A certificate for `names` valid `days` from `from`. */
function held(from: number, days: number, names = ["example.com"]) {
  return { notBeforeMs: from, notAfterMs: from + days * DAY, names };
}

describe("ACME certificate states", () => {
  test("stateOf() is Pending with no certificate and no failure, Error after a failure", () => {
    assert.equal(stateOf(facts(), NOW, LEAD), "Pending");
    assert.equal(stateOf(facts({ failures: 1, failedAt: NOW }), NOW, LEAD), "Error");
  });

  test("stateOf() is Validating while an order runs, whatever the certificate", () => {
    assert.equal(stateOf(facts({ busy: true }), NOW, LEAD), "Validating");
    assert.equal(stateOf(facts({ busy: true, held: held(NOW - 100 * DAY, 90) }), NOW, LEAD), "Validating");
  });

  test("stateOf() is Valid before the lead, RenewalDue within it, Expired after the end", () => {
    const h = held(NOW - 10 * DAY, 90); // ends in 80 days
    assert.equal(stateOf(facts({ held: h }), NOW, LEAD), "Valid");
    assert.equal(stateOf(facts({ held: h }), NOW + 50 * DAY, LEAD), "RenewalDue");
    assert.equal(stateOf(facts({ held: h }), NOW + 80 * DAY, LEAD), "Expired");
  });

  test("stateOf() keeps the certificate's state after a failed renewal (lastError tells the rest)", () => {
    const h = held(NOW - 70 * DAY, 90);
    assert.equal(stateOf(facts({ held: h, failures: 3, failedAt: NOW }), NOW, LEAD), "RenewalDue");
  });

  test("stateOf() is RenewalDue when the certificate lacks a name asked for", () => {
    const h = held(NOW, 90);
    assert.equal(
      stateOf(facts({ held: h, wanted: ["example.com", "www.example.com"] }), NOW, LEAD),
      "RenewalDue",
    );
  });

  test("covers() compares names case-insensitively", () => {
    assert.equal(
      covers(held(NOW, 1, ["Example.COM", "www.example.com"]), ["example.com", "WWW.example.com"]),
      true,
    );
    assert.equal(covers(held(NOW, 1, ["example.com"]), ["*.example.com"]), false);
  });
});

describe("ACME schedule", () => {
  test("renewalAt() is the lead before the end, or a third of the lifetime when that is shorter", () => {
    assert.equal(renewalAt(held(NOW, 90), LEAD), NOW + 60 * DAY);
    assert.equal(renewalAt(held(NOW, 6), LEAD), NOW + 4 * DAY);
  });

  test("nextAttemptAt() is at once without a certificate, at renewal time with one", () => {
    assert.equal(nextAttemptAt(facts(), LEAD), 0);
    assert.equal(nextAttemptAt(facts({ held: held(NOW, 90) }), LEAD), NOW + 60 * DAY);
    assert.equal(nextAttemptAt(facts({ held: held(NOW, 90, ["other.test"]) }), LEAD), 0);
  });

  test("nextAttemptAt() waits out the backoff after failures, and a forced renewal ignores it", () => {
    const failed = facts({ failures: 3, failedAt: NOW });
    assert.equal(nextAttemptAt(failed, LEAD), NOW + 4 * 60_000);
    assert.equal(nextAttemptAt({ ...failed, forced: true }, LEAD), 0);
    // A failed forced renewal of a valid certificate goes back to its schedule.
    assert.equal(
      nextAttemptAt(facts({ held: held(NOW, 90), failures: 1, failedAt: NOW }), LEAD),
      NOW + 60 * DAY,
    );
  });

  test("backoffDelay() doubles from the first delay up to the cap and never stops", () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n)), [60_000, 120_000, 240_000, 480_000]);
    assert.equal(backoffDelay(9), 15_360_000);
    assert.equal(backoffDelay(10), DEFAULT_RETRY.max);
    assert.equal(backoffDelay(10_000), DEFAULT_RETRY.max);
    assert.equal(backoffDelay(0), 0);
    assert.equal(backoffDelay(3, { initial: 1000, max: 5000 }), 4000);
  });
});
