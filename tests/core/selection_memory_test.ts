/**
 * What one connection holds while its selection waits: a client that trickles its first bytes one read at a
 * time must not make each read keep memory until the deadline (it did: every round's `Promise.race` left a
 * reaction on the deadline's promise, some 3.9 MiB on Bun and 18 MiB on Deno for 60000 one-byte reads).
 * The probe runs in its own process, on the runtime under test, with the collector exposed.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { runtimeName } from "../../src/net/mod.ts";
import { ROOT } from "../helpers/spawn.ts";

const PROBE = `${ROOT}tests/core/selection_heap_probe.ts`;
const ROUNDS = 60000;

describe("selection memory", () => {
  test(`${ROUNDS} one-byte reads before the deadline hold less than 2 MiB`, { timeout: 60_000 }, () => {
    const argv = runtimeName() === "bun"
      ? [PROBE, String(ROUNDS)]
      : ["run", "-A", "--v8-flags=--expose-gc", PROBE, String(ROUNDS)];
    const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: "utf8", timeout: 50_000 });
    assert.equal(r.status, 0, `probe failed: ${r.stdout}${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { rounds: number; heapGrowth: number };
    assert.equal(out.rounds, ROUNDS);
    assert.ok(out.heapGrowth < 2 * 1048576, `heap grew ${(out.heapGrowth / 1048576).toFixed(1)} MiB`);
  });
});
