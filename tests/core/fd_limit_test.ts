/**
 * The default of `--max-connections` from the open-file limit (`src/core/fd_limit.ts`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fdBudget, openFileLimit } from "../../src/core/fd_limit.ts";
import { connectionCaps } from "../../src/cli/run.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test("openFileLimit reads the soft limit; unlimited or absent gives undefined", () => {
  assert.equal(openFileLimit(LIMITS), 1024);
  assert.equal(openFileLimit(LIMITS.replace("1024 ", "unlimited ")), undefined);
  assert.equal(openFileLimit("Max cpu time  unlimited  unlimited  seconds\n"), undefined);
  const own = openFileLimit();
  assert.ok(own === undefined || (Number.isInteger(own) && own > 0), String(own));
});

test("the budget keeps 64 descriptors, gives UDP sessions up to a quarter of the rest, TCP two each", () => {
  assert.deepEqual(fdBudget(1024, 4096), { tcp: 360, udp: 240 });
  assert.deepEqual(fdBudget(20000, 4096), { tcp: 7920, udp: 4096 });
  assert.deepEqual(fdBudget(150, 4096), { tcp: 32, udp: 21 });
  assert.deepEqual(fdBudget(150, 5), { tcp: 40, udp: 5 });
  assert.deepEqual(fdBudget(64, 4096), { tcp: 1, udp: 1 });
});

test("--max-connections wins over the limit; --udp-max-sessions is lowered to fit; no limit, no cap", () => {
  assert.deepEqual(connectionCaps({ maxConnections: 5000, udpMaxSessions: 100 }, () => 1024), {
    maxConnections: 5000,
    udpMaxSessions: 100,
  });
  assert.deepEqual(connectionCaps({ maxConnections: undefined, udpMaxSessions: 4096 }, () => 1024), {
    maxConnections: 360,
    maxConnectionsSource: "the default for an open-file limit of 1024",
    udpMaxSessions: 240,
    udpLowered:
      "--udp-max-sessions 4096 is lowered to 240 for an open-file limit of 1024; beyond it the least " +
      "recently used session is evicted",
  });
  assert.deepEqual(connectionCaps({ maxConnections: undefined, udpMaxSessions: 4096 }, () => undefined), {
    maxConnections: Infinity,
    udpMaxSessions: 4096,
  });
});
