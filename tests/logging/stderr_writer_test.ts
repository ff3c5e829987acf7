/**
 * The batched standard-error writer: lines below `warning` that come close together go out together, urgent
 * ones at once and in order, a standard error that refuses bytes never blocks or loses order, and a full hold
 * drops lines with a count.
 * The last test runs pmmux as users do, at the default level, and reads its standard error through a pipe.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { BatchedWriter } from "../../src/logging/stderr_writer.ts";
import { startMain } from "../helpers/spawn.ts";
import { exchange, waitFor } from "../helpers/net.ts";

const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A standard error that records each write. Each write takes the next step of `plan` (at most that many bytes,
 * or "EAGAIN"), then `refuse` makes writes throw EAGAIN, and `max` caps a write.
 */
function fakeStderr() {
  const writes: string[] = [];
  const state = { refuse: 0, max: Infinity, gone: false, plan: [] as (number | "EAGAIN")[] };
  return {
    writes,
    state,
    get text() {
      return writes.join("");
    },
    write(bytes: Uint8Array): number {
      if (state.gone) throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
      const step = state.plan.shift();
      if (step === "EAGAIN") {
        throw Object.assign(new Error("resource temporarily unavailable"), { code: "EAGAIN" });
      }
      if (step !== undefined) {
        writes.push(dec.decode(bytes.subarray(0, step)));
        return Math.min(step, bytes.length);
      }
      if (state.refuse > 0) {
        state.refuse--;
        throw Object.assign(new Error("resource temporarily unavailable"), { code: "EAGAIN" });
      }
      const n = Math.min(bytes.length, state.max);
      writes.push(dec.decode(bytes.subarray(0, n)));
      return n;
    },
  };
}

describe("BatchedWriter", () => {
  test("a line after a quiet spell goes out at once; the next ones wait and go out together, or with a warning", async () => {
    const err = fakeStderr();
    const w = new BatchedWriter({ write: (b) => err.write(b), flushMs: 20 });
    w.line("one", false);
    assert.deepEqual(err.writes, ["one\n"], "nothing was written before: at once");
    w.line("two", false);
    w.line("three", false);
    assert.equal(err.writes.length, 1, "within 20 ms of a write: they wait");
    await waitFor(() => err.writes.length === 2, 1000, "the batch");
    assert.equal(err.writes[1], "two\nthree\n");
    w.line("four", false);
    w.line("five (a warning)", true);
    assert.equal(err.writes.length, 3, "the warning is written at once, with the line before it");
    assert.equal(err.writes[2], "four\nfive (a warning)\n");
    await sleep(40);
    assert.equal(err.writes.length, 3, "nothing left to write");
    w.line("six", false);
    assert.equal(err.writes.length, 4, "quiet again: at once");
  });

  test("partial writes continue where they stopped", () => {
    const err = fakeStderr();
    err.state.max = 3;
    const w = new BatchedWriter({ write: (b) => err.write(b) });
    w.line("abcdefgh", true);
    assert.equal(err.text, "abcdefgh\n");
    assert.ok(err.writes.length >= 3);
  });

  test("bytes standard error refuses (EAGAIN) are written first once it takes them, in order", async () => {
    const err = fakeStderr();
    const w = new BatchedWriter({ write: (b) => err.write(b), flushMs: 5 });
    err.state.plan = [4, "EAGAIN", "EAGAIN"];
    w.line("first", true); // "firs" goes, then the refusal: "t\n" is held
    w.line("second", true); // refused again: kept behind "t\n"
    assert.equal(err.text, "firs");
    await waitFor(() => err.text === "first\nsecond\n", 1000, "the held bytes");
  });

  test("lines over the hold are dropped and counted once standard error drains", async () => {
    const err = fakeStderr();
    const w = new BatchedWriter({ write: (b) => err.write(b), flushMs: 5, maxHeld: 40 });
    err.state.refuse = 1_000_000;
    for (let i = 0; i < 10; i++) w.line(`line ${i}`, i === 0);
    assert.equal(err.text, "");
    err.state.refuse = 0;
    await waitFor(() => err.text.includes("dropped"), 1000, "the drop line");
    const lines = err.text.trim().split("\n");
    assert.deepEqual(lines.slice(0, 5), ["line 0", "line 1", "line 2", "line 3", "line 4"]);
    assert.equal(lines.at(-1), "pmmux: 5 log line(s) dropped: standard error did not take them");
  });

  test("a standard error that is gone loses the lines without throwing", () => {
    const err = fakeStderr();
    err.state.gone = true;
    const w = new BatchedWriter({ write: (b) => err.write(b) });
    w.line("lost", true);
    w.line("lost too", false);
    w.flush();
    err.state.gone = false;
    w.line("after", true);
    assert.equal(err.text, "after\n");
  });

  test("pmmux at the default level writes every access line to a pipe, the last ones at exit", async () => {
    const port = 18779;
    const p = await startMain(["-p", `!:${port}:tcp:bind-address=127.0.0.1`, "-b", "e:echo"], {
      cwd: tmpdir(),
    });
    const n = 40;
    for (let i = 0; i < n; i++) assert.equal(await exchange(port, `hello ${i}`), `hello ${i}`);
    assert.equal(await p.stop("SIGTERM"), 0);
    const out = p.output();
    const access = out.split("\n").filter((l) => l.includes("router.access") && l.includes("-> e "));
    assert.equal(access.length, n, out);
    assert.match(out, /SIGTERM received/);
    assert.ok(out.indexOf("SIGTERM received") > out.lastIndexOf("router.access"), "lines stay in order");
  });
});
