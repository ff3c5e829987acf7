import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execProvider } from "../../src/acme/dns/exec.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { net } from "../helpers/net.ts";

const dir = mkdtempSync(join(tmpdir(), "pmmux-acme-exec-"));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("exec DNS provider", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const services = async () => ({ net: await net(), logger: createLogger({ level: "none" }) });

  test("create() and delete() run the command with create|delete <name> <value>, arguments kept whole", async () => {
    const log = join(dir, "calls.log");
    const hook = script("hook.sh", `printf '%s|%s|%s|%s\\n' "$#" "$1" "$2" "$3" >> "${log}"`);
    const dns = execProvider.create({ command: hook }, await services());
    await dns.create("_acme-challenge.example.com", "abc-DEF_123");
    await dns.create("_acme-challenge.example.com", "value with spaces; $(not run)");
    await dns.delete("_acme-challenge.example.com", "abc-DEF_123");
    assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [
      "3|create|_acme-challenge.example.com|abc-DEF_123",
      "3|create|_acme-challenge.example.com|value with spaces; $(not run)",
      "3|delete|_acme-challenge.example.com|abc-DEF_123",
    ]);
  });

  test("a non-zero exit fails with the code and the command's last words", async () => {
    const hook = script("fail.sh", 'echo "zone example.com is locked" >&2; exit 3');
    const dns = execProvider.create({ command: hook }, await services());
    await assert.rejects(
      dns.create("_acme-challenge.example.com", "v"),
      /DNS hook ".*fail\.sh create _acme-challenge\.example\.com" exited with 3: zone example\.com is locked/,
    );
  });

  test("a command that runs too long is stopped and reported", async () => {
    const hook = script("slow.sh", "sleep 5");
    const dns = execProvider.create({ command: hook, timeout: "0.3" }, await services());
    const started = Date.now();
    await assert.rejects(dns.delete("_acme-challenge.example.com", "v"), /did not finish within 0.3 s/);
    assert.ok(Date.now() - started < 3000);
  });

  test("a missing command fails with the reason, and the command parameter is required", async () => {
    const dns = execProvider.create({ command: join(dir, "nope") }, await services());
    await assert.rejects(
      dns.create("_acme-challenge.example.com", "v"),
      /DNS hook ".*nope create .*" cannot run: .*ENOENT/,
    );
    assert.throws(
      () => execProvider.create({}, { net: undefined as never, logger: createLogger({ level: "none" }) }),
      /needs the parameter "command"/,
    );
  });
});
