import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, type LogSink, memorySink } from "../../src/logging/logger.ts";

describe("logger", () => {
  test("a failing sink loses its line without throwing, and the other sinks still get it", () => {
    const failing: LogSink = {
      write() {
        throw new Error("EPIPE: standard error is closed");
      },
    };
    const kept = memorySink();
    const logger = createLogger({ level: "information", sinks: [failing, kept] });
    logger.info("connection 1 closed");
    logger.child("access").warn("connection 2 closed");
    assert.equal(kept.lines.length, 2);
    assert.match(kept.lines[0], /connection 1 closed/);
    assert.match(kept.lines[1], /access: connection 2 closed/);
  });

  test("fields that cannot be serialised lose the fields, not the message", () => {
    const kept = memorySink();
    const logger = createLogger({ level: "information", format: "json", sinks: [kept] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    logger.info("with a cycle", { cyclic, big: 1n });
    assert.equal(kept.lines.length, 1);
    const parsed = JSON.parse(kept.lines[0]);
    assert.equal(parsed.message, "with a cycle");
    assert.match(parsed.fields, /^not serialisable: /);
  });
});
