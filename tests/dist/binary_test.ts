/**
 * The Bun single binary (`deno task compile:bun`), built once for this file: version, the end-to-end smoke
 * scenario, start-up time, size, independence from any installed runtime, exit codes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../../src/version.ts";
import {
  buildBinary,
  type Built,
  exchange,
  freePort,
  namedServer,
  packageVersion,
  runCommand,
  startMux,
} from "./helpers.ts";

const SSH_HELLO = "SSH-2.0-OpenSSH_9.6\r\n";
const HTTP_GET = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";

/** Options for the smoke scenario: ssh → alpha, http → beta, anything else → the built-in echo backend. */
function smokeArgs(port: number, alpha: number, beta: number): string[] {
  return [
    "-p",
    `!:${port}:tcp:bind-address=127.0.0.1`,
    "-b",
    `ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=${alpha}`,
    "-b",
    `web:pass:detect=http,target.ip=127.0.0.1,target.port=${beta}`,
    "-b",
    "echo:echo",
  ];
}

describe("the Bun single binary", () => {
  let bin: Built;
  let alpha: { port: number; close(): void };
  let beta: { port: number; close(): void };
  before(async () => {
    bin = await buildBinary();
    alpha = await namedServer("alpha");
    beta = await namedServer("beta");
  });
  after(() => {
    alpha?.close();
    beta?.close();
  });

  test("is reported with its size", () => {
    console.log(
      `binary size: ${(bin.size / 1e6).toFixed(1)} MB (${bin.size} bytes), built in ${bin.buildMs} ms`,
    );
    assert.ok(bin.size > 10e6 && bin.size < 250e6, `unexpected size ${bin.size}`);
  });

  test("--version prints pmmux <package version>+<revision> on the first line, then the runtime", async () => {
    const r = await runCommand(bin.path, ["--version"]);
    assert.equal(r.code, 0, r.stderr);
    const [first, second] = r.stdout.trim().split("\n");
    assert.match(first, new RegExp(`^pmmux ${packageVersion().replaceAll(".", "\\.")}(\\+[0-9a-f]{4,})?$`));
    assert.match(second, /^runtime: bun \d+\.\d+\.\d+/);
    assert.equal((await runCommand(bin.path, ["version"])).stdout, r.stdout);
  });

  test("the version built into src/version.ts for runs from source matches package.json", () => {
    assert.equal(VERSION, packageVersion());
  });

  test("routes ssh, http and anything else on one port to three services, then stops on SIGTERM with 0", async () => {
    const port = await freePort();
    const mux = await startMux([bin.path, ...smokeArgs(port, alpha.port, beta.port)], port);
    try {
      assert.equal(await exchange(port, SSH_HELLO), `alpha\n${SSH_HELLO}`);
      assert.equal(await exchange(port, HTTP_GET), `beta\n${HTTP_GET}`);
      assert.equal(await exchange(port, "hello\n"), "hello\n");
    } finally {
      const exit = await mux.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, mux.output());
      assert.match(mux.output(), /SIGTERM received/);
    }
  });

  test("starts listening in under 200 ms", async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      const mux = await startMux([bin.path, ...smokeArgs(port, alpha.port, beta.port)], port);
      times.push(mux.startupMs);
      await mux.stop();
    }
    times.sort((a, b) => a - b);
    console.log(
      `start-up to listening: best ${times[0].toFixed(1)} ms, median ${times[2].toFixed(1)} ms ` +
        `(runs: ${times.map((t) => t.toFixed(1)).join(", ")})`,
    );
    assert.ok(times[0] < 200, `best start-up ${times[0].toFixed(1)} ms`);
  });

  test("needs no runtime: it runs with an empty PATH and environment from another directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pmmux-nopath-"));
    try {
      const port = await freePort();
      const mux = await startMux([bin.path, ...smokeArgs(port, alpha.port, beta.port)], port, {
        cwd: dir,
        env: { PATH: "/nonexistent" },
      });
      try {
        assert.equal(await exchange(port, SSH_HELLO), `alpha\n${SSH_HELLO}`);
      } finally {
        assert.equal((await mux.stop()).code, 0, mux.output());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a configuration error exits with code 2 and one line naming the option", async () => {
    const r = await runCommand(bin.path, ["-p", "!:0:tcp"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pmmux: Invalid value "!:0:tcp" for --port-binding \(from command line\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  });
});
