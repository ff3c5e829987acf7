/**
 * Port-binding parameters `proxy-protocol=true` / `proxy-protocol.trusted=...` and their wiring in
 * `listenersOf()`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bindingNegotiators } from "../../src/negotiators/proxy_protocol.ts";
import { listenersOf } from "../../src/cli/run.ts";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { createLogger } from "../../src/logging/logger.ts";

const logger = createLogger({ level: "none" });
const config = (...bindings: string[]) =>
  loadConfig({
    argv: bindings.flatMap((b) => ["-p", b]),
    env: {},
    cwd: "/nonexistent",
    readTextFile: () => undefined,
  });

describe("proxy-protocol binding parameters", () => {
  test("bindingNegotiators() returns nothing without proxy-protocol=true", () => {
    assert.deepEqual(bindingNegotiators({}, logger), []);
    assert.deepEqual(bindingNegotiators({ "proxy-protocol": "false" }, logger), []);
  });

  test("bindingNegotiators() returns the PROXY negotiator with trusted ranges", () => {
    const n = bindingNegotiators(
      { "Proxy-Protocol": "true", "proxy-protocol.trusted": "10.0.0.0/8;::1" },
      logger,
    );
    assert.deepEqual(n.map((x) => x.name), ["proxy-protocol"]);
  });

  test("bindingNegotiators() refuses proxy-protocol=true without trusted senders", () => {
    assert.throws(
      () => bindingNegotiators({ "proxy-protocol": "true" }, logger),
      /proxy-protocol=true needs proxy-protocol\.trusted=<cidr;\.\.\.>/,
    );
  });

  test("bindingNegotiators() names an invalid trusted range", () => {
    assert.throws(
      () => bindingNegotiators({ "proxy-protocol": "true", "proxy-protocol.trusted": "10.0.0.0/33" }, logger),
      /proxy-protocol\.trusted "10\.0\.0\.0\/33": .*prefix length "33"/,
    );
  });

  test("listenersOf() gives a proxy-protocol binding its negotiator and the others none", () => {
    const ls = listenersOf(
      config(
        "!:8443:tcp:bind-address=127.0.0.1,proxy-protocol=true,proxy-protocol.trusted=127.0.0.1",
        "!:8080:tcp",
      ),
      logger,
    );
    assert.deepEqual(ls.map((l) => [l.port, (l.negotiators ?? []).map((n) => n.name)]), [
      [8443, ["proxy-protocol"]],
      [8080, []],
    ]);
  });

  test("listenersOf() turns a bad proxy-protocol binding into a ConfigError naming the binding", () => {
    const c = config("!:8443:tcp:proxy-protocol=true");
    assert.throws(() => listenersOf(c, logger), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        (err as Error).message,
        /"!:8443:tcp:proxy-protocol=true".*command line.*needs proxy-protocol\.trusted/,
      );
      return true;
    });
  });
});
