import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileSink } from "../../src/logging/file_sink.ts";
import { createLogger } from "../../src/logging/logger.ts";

describe("file logging", () => {
  test("createFileSink() appends lines and keeps their order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pmmux-log-"));
    const sink = createFileSink({ directory: dir });
    const log = createLogger({ sinks: [sink], format: "json" });
    for (let i = 0; i < 100; i++) log.info(`line ${i}`, { i });
    await sink.flush();
    const lines = readFileSync(sink.path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 100);
    assert.deepEqual(lines.map((l) => l.i), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(lines[0].level, "information");
    assert.match(lines[0].time, /Z$/);
  });

  test("createFileSink() rolls over at the size limit and keeps only max-retain files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pmmux-log-"));
    const sink = createFileSink({ directory: join(dir, "nested"), maxSize: 1000, maxRetain: 2 });
    const line = "x".repeat(99);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10; i++) sink.write(line, "information");
      await sink.flush();
    }
    const files = readdirSync(join(dir, "nested")).sort();
    assert.deepEqual(files, ["pmmux.1.log", "pmmux.2.log", "pmmux.log"]);
    for (const f of files) assert.ok(readFileSync(join(dir, "nested", f)).length <= 1000, f);
  });
});
