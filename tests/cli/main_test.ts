/**
 * The entry point as users run it: exit codes and messages for bad configuration, --version, --help,
 * and a clean SIGTERM stop.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain, startMain } from "../helpers/spawn.ts";
import { exchange } from "../helpers/net.ts";

const bad: [string, string[], Record<string, string>, RegExp][] = [
  [
    "an unknown backend protocol",
    ["-b", "x:bogus"],
    {},
    /"x:bogus" for --backend \(from command line\).*expected one of pass, noop, echo/,
  ],
  ["a pass backend without target", ["-b", "web:pass"], {}, /backend "web" \(pass\).*target\.ip.*required/],
  [
    "a bad regex",
    ["-b", "a:pass:property[x]=(,target.ip=1.2.3.4,target.port=1"],
    {},
    /property\[x\]="\(".*regex/,
  ],
  ["a bad CIDR", ["-b", "a:noop:remote-ip=10.0.0.0/40"], {}, /remote-ip="10\.0\.0\.0\/40".*prefix length/],
  ["an unknown parameter", ["-b", "a:noop:colour=red"], {}, /unknown parameter "colour"/],
  ["an unknown detector", ["-b", "a:noop:detect=gopher"], {}, /unknown detector "gopher"/],
  ["a duplicate backend name", ["-b", "a:noop", "-b", "a:echo"], {}, /Duplicate backend name "a"/],
  [
    "an unknown strategy from the environment",
    [],
    { PMMUX__ROUTING_STRATEGY: "fast" },
    /"fast".*--routing-strategy.*environment variable PMMUX__ROUTING_STRATEGY/,
  ],
  ["a bad port binding", ["-p", "80:80:tpc"], {}, /--port-binding.*tpc/],
  ["an unknown option", ["--frobnicate"], {}, /frobnicate/],
  [
    "a missing explicit config file",
    ["-c", "/nonexistent/pmmux.toml"],
    {},
    /\/nonexistent\/pmmux\.toml.*not found/,
  ],
  [
    "a bad priority",
    ["-b", "a:noop:priority=urgent"],
    {},
    /priority "urgent".*vip, normal, standby, fallback/,
  ],
];

describe("pmmux entry point", () => {
  for (const [what, args, env, message] of bad) {
    test(`exits with code 2 and a clear message for ${what}`, () => {
      const r = runMain(args, {
        env,
        cwd: tmpdir(),
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one message line: ${r.stderr}`);
    });
  }

  test("--version prints pmmux <version> on the first line", () => {
    const r = runMain(["--version"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout.split("\n")[0], /^pmmux \d+\.\d+\.\d+/);
  });

  test("--help lists every option with its default", () => {
    const r = runMain(["--help"]);
    assert.equal(r.status, 0);
    for (
      const opt of [
        "--backend",
        "--port-binding",
        "--selection-timeout",
        "--routing-strategy",
        "--tls-enable",
      ]
    ) {
      assert.ok(r.stdout.includes(opt), opt);
    }
    assert.match(r.stdout, /first-available/);
  });

  test("a listener that cannot bind stops startup with exit code 1 naming the address", async () => {
    const p = await startMain(["-p", "!:0:tcp:bind-address=127.0.0.1", "-b", "e:echo"], { cwd: tmpdir() })
      .catch(
        (e) => e,
      );
    // Port 0 is refused by the binding parser or bound: either way no crash. Use a busy port instead:
    if (!(p instanceof Error)) await p.stop();
    const first = await startMain(["-p", "!:18777:tcp:bind-address=127.0.0.1", "-b", "e:echo"], {
      cwd: tmpdir(),
    });
    try {
      const r = runMain(["-p", "!:18777:tcp:bind-address=127.0.0.1", "-b", "e:echo"], { cwd: tmpdir() });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /127\.0\.0\.1:18777.*address already in use/);
    } finally {
      await first.stop();
    }
  });

  test("serves a config file, and SIGTERM stops it cleanly with exit code 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pmmux-"));
    writeFileSync(
      join(dir, "pmmux.yaml"),
      'pmmux:\n  port-bindings: ["!:18778:tcp:bind-address=127.0.0.1"]\n  backends: ["e:echo"]\n',
    );
    const p = await startMain(["-c", "pmmux.yaml"], { cwd: dir });
    assert.equal(await exchange(18778, "ping"), "ping");
    assert.equal(await p.stop("SIGTERM"), 0);
    assert.match(p.output(), /SIGTERM received/);
  });
});
