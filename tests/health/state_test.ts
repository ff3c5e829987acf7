import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type HealthState, nextHealth } from "../../src/health/state.ts";
import { specFor } from "../../src/health/select.ts";
import { parseHealthCheckSpec } from "../../src/config/spec.ts";

const t = { failureThreshold: 3, recoveryThreshold: 2 };
const s = (status: HealthState["status"], failures = 0, successes = 0): HealthState => ({
  status,
  failures,
  successes,
});

describe("nextHealth()", () => {
  const table: [string, HealthState, boolean, HealthState][] = [
    ["Unknown + success → Healthy", s("Unknown"), true, s("Healthy", 0, 1)],
    ["Unknown + failure → Unhealthy", s("Unknown"), false, s("Unhealthy", 1, 0)],
    ["Healthy + success → Healthy", s("Healthy", 0, 4), true, s("Healthy", 0, 5)],
    ["Healthy + failure → Degraded", s("Healthy", 0, 3), false, s("Degraded", 1, 0)],
    ["Degraded + failure below the threshold → Degraded", s("Degraded", 1), false, s("Degraded", 2, 0)],
    ["Degraded + failure at the threshold → Unhealthy", s("Degraded", 2), false, s("Unhealthy", 3, 0)],
    ["Degraded + success → Stabilizing", s("Degraded", 2), true, s("Stabilizing", 0, 1)],
    ["Unhealthy + failure → Unhealthy", s("Unhealthy", 5), false, s("Unhealthy", 6, 0)],
    ["Unhealthy + success → Stabilizing", s("Unhealthy", 5), true, s("Stabilizing", 0, 1)],
    [
      "Stabilizing + success below the threshold → Stabilizing",
      s("Stabilizing", 0, 0),
      true,
      s("Stabilizing", 0, 1),
    ],
    ["Stabilizing + success at the threshold → Healthy", s("Stabilizing", 0, 1), true, s("Healthy", 0, 2)],
    ["Stabilizing + failure → Degraded", s("Stabilizing", 0, 1), false, s("Degraded", 1, 0)],
    ["Draining is not changed by checks", s("Draining"), false, s("Draining")],
    ["Stopped is not changed by checks", s("Stopped"), true, s("Stopped")],
  ];
  for (const [name, from, ok, to] of table) {
    test(name, () => assert.deepEqual(nextHealth(from, ok, t), to));
  }

  test("a failure threshold of 1 makes Healthy + failure Unhealthy at once", () => {
    assert.equal(
      nextHealth(s("Healthy"), false, { failureThreshold: 1, recoveryThreshold: 1 }).status,
      "Unhealthy",
    );
  });
});

describe("specFor()", () => {
  const specs = ["interval=1", "pass:interval=2", "pass:web:interval=3"].map(parseHealthCheckSpec);
  test("prefers protocol and name, then protocol, then global", () => {
    assert.equal(specFor(specs, "pass", "web")?.interval, 3);
    assert.equal(specFor(specs, "pass", "other")?.interval, 2);
    assert.equal(specFor(specs, "noop", "x")?.interval, 1);
    assert.equal(specFor(specs.slice(1), "noop", "x"), undefined);
  });
});
