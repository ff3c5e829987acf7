/**
 * The default of `--max-connections` from the open-file limit (`src/core/fd_limit.ts`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connectionCapFor, openFileLimit } from "../../src/core/fd_limit.ts";
import { maxConnectionsOf } from "../../src/cli/run.ts";

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

test("the cap leaves 64 descriptors and gives each connection two, at least one", () => {
  assert.equal(connectionCapFor(1024), 480);
  assert.equal(connectionCapFor(150), 43);
  assert.equal(connectionCapFor(64), 1);
});

test("--max-connections wins over the limit; without either there is no cap", () => {
  assert.deepEqual(maxConnectionsOf({ maxConnections: 5000 }, () => 1024), { maxConnections: 5000 });
  assert.deepEqual(maxConnectionsOf({ maxConnections: undefined }, () => 1024), {
    maxConnections: 480,
    maxConnectionsSource: "the default for an open-file limit of 1024",
  });
  assert.deepEqual(maxConnectionsOf({ maxConnections: undefined }, () => undefined), {
    maxConnections: Infinity,
  });
});
