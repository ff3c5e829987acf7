import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Watchdog, type WatchdogReason } from "../../src/http/watchdog.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Watchdog", () => {
  test("fires activity-timeout after the idle limit without touches", async () => {
    const fired: WatchdogReason[] = [];
    const w = new Watchdog(0, 60, (r) => fired.push(r));
    await sleep(120);
    assert.deepEqual(fired, ["activity-timeout"]);
    w.stop();
  });

  test("keeps quiet while touched, and fires the whole-request timeout anyway", async () => {
    const fired: WatchdogReason[] = [];
    const w = new Watchdog(200, 60, (r) => fired.push(r));
    for (let i = 0; i < 6; i++) {
      await sleep(30);
      w.touch();
    }
    assert.deepEqual(fired, []);
    await sleep(120);
    assert.deepEqual(fired, ["timeout"]);
  });

  test("never fires once stopped, nor without limits", async () => {
    const fired: WatchdogReason[] = [];
    new Watchdog(30, 30, (r) => fired.push(r)).stop();
    new Watchdog(0, 0, (r) => fired.push(r));
    await sleep(80);
    assert.deepEqual(fired, []);
  });
});
