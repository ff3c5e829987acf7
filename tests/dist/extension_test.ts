/**
 * Extensions (`-x <module>`, SPEC §17): the loader's errors, and the example extension
 * (examples/extension/greeting.ts) routed to under Deno, Bun and the Bun single binary.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ConfigError } from "../../src/config/errors.ts";
import { BACKENDS } from "../../src/backends/mod.ts";
import { loadExtensions, loadPlugins, mergeExtensions } from "../../src/extensions/mod.ts";
import { extension as greeting } from "../../examples/extension/greeting.ts";
import {
  buildBinary,
  type Built,
  exchange,
  freePort,
  namedServer,
  ROOT,
  runCommand,
  sourceCommand,
  startMux,
} from "./helpers.ts";

const EXAMPLE = "examples/extension/greeting.ts";
const SSH_HELLO = "SSH-2.0-OpenSSH_9.6\r\n";

/** Writes extension modules into a temporary directory. */
function moduleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pmmux-ext-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const PROTOCOL = `{ name: "hi", transports: ["tcp"], defaultTier: "normal", params: [], create: () => ({}) }`;

describe("extension loading", () => {
  let dir: string;
  before(() => {
    dir = moduleDir({
      "ok.mjs": `export const extension = { name: "ok", backends: [${PROTOCOL}] };`,
      "default.mjs": `export default { name: "d" };`,
      "nocreate.mjs": `export const extension = { name: "x", backends: [{ ...${PROTOCOL}, create: 1 }] };`,
      "typo.mjs": `export const extension = { name: "x", backend: [] };`,
      "badtransport.mjs":
        `export const extension = { name: "x", detectors: [{ name: "d", transports: ["sctp"], detect() {} }] };`,
      "echo.mjs": `export const extension = { name: "mine", backends: [{ ...${PROTOCOL}, name: "echo" }] };`,
      "ssh.mjs":
        `export const extension = { name: "mine", detectors: [{ name: "ssh", transports: ["tcp"], detect() {} }] };`,
      "again.mjs": `export const extension = { name: "again", backends: [${PROTOCOL}] };`,
      "syntax.mjs": `export const extension = {`,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function loadError(...specifiers: string[]): Promise<ConfigError> {
    try {
      await loadPlugins({ extensions: specifiers, sourceOf: () => "command line" }, { cwd: dir });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err;
    }
    throw new Error("no error");
  }

  test("loads a module by a path relative to the working directory and appends its plug-ins", async () => {
    const plugins = await loadPlugins({ extensions: ["ok.mjs"], sourceOf: () => "command line" }, {
      cwd: dir,
    });
    assert.deepEqual(plugins.protocols.map((p) => p.name), [...BACKENDS.map((p) => p.name), "hi"]);
    assert.equal(plugins.extensions[0].extension.name, "ok");
  });

  test("names the file and what is wrong", async () => {
    const cases: [string, string][] = [
      [
        "missing.mjs",
        `Cannot load extension "missing.mjs" (from command line): file "${dir}/missing.mjs" does not exist`,
      ],
      [
        "default.mjs",
        'Invalid extension module "default.mjs" (from command line): the module has no named export "extension": ' +
        "found a default export, write export const extension = { ... }",
      ],
      [
        "nocreate.mjs",
        'Invalid extension module "nocreate.mjs" (from command line): backends[0] "hi": "create" must be a function, ' +
        "got 1",
      ],
      [
        "typo.mjs",
        'Invalid extension module "typo.mjs" (from command line): "extension" has an unknown field "backend": ' +
        "accepted: name, backends, detectors, strategies, negotiators",
      ],
      [
        "badtransport.mjs",
        'Invalid extension module "badtransport.mjs" (from command line): detectors[0] "d": "transports" must be ' +
        'a non-empty array of "tcp", "udp", got an array',
      ],
    ];
    for (const [file, message] of cases) assert.equal((await loadError(file)).message, message);
    assert.match(
      (await loadError("syntax.mjs")).message,
      /^Cannot load extension "syntax.mjs" \(from command line\): /,
    );
  });

  test("an extension cannot reuse a built-in or an earlier extension's name", async () => {
    assert.equal(
      (await loadError("echo.mjs")).message,
      'Invalid extension "mine" in "echo.mjs" (from command line): backend protocol "echo" is already defined by ' +
        "pmmux itself",
    );
    assert.match((await loadError("ssh.mjs")).message, /detector "ssh" is already defined by pmmux itself$/);
    assert.match(
      (await loadError("ok.mjs", "again.mjs")).message,
      /^Invalid extension "again" in "again.mjs" .*: backend protocol "hi" is already defined by extension "ok" in "ok.mjs"$/,
    );
  });

  test("the example extension validates and merges", async () => {
    const loaded = await loadExtensions([EXAMPLE], { cwd: ROOT });
    assert.equal(loaded[0].extension, greeting);
    const tables = mergeExtensions(loaded);
    assert.deepEqual(tables.detectors.map((d) => d.name), ["hello", "tftp"]);
    assert.ok(tables.strategies.some((s) => s.name === "last-match"));
  });
});

describe("the example extension, routed to", () => {
  let bin: Built;
  let alpha: { port: number; close(): void };
  before(async () => {
    bin = await buildBinary();
    alpha = await namedServer("alpha");
  });
  after(() => alpha?.close());

  const args = (port: number) => [
    "-x",
    EXAMPLE,
    "-p",
    `!:${port}:tcp:bind-address=127.0.0.1`,
    "-b",
    "hi:greeting:detect=hello,banner=Hello there",
    "-b",
    `ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=${alpha.port}`,
    "-b",
    "echo:echo",
  ];

  for (const runtime of ["deno", "bun", "binary"] as const) {
    test(`under ${runtime === "binary" ? "the Bun single binary" : runtime}: HELLO → greeting, SSH → alpha, else echo`, async () => {
      const port = await freePort();
      const command = runtime === "binary" ? [bin.path] : sourceCommand(runtime);
      const mux = await startMux([...command, ...args(port)], port);
      try {
        assert.equal(await exchange(port, "HELLO pmmux\n"), "Hello there\n");
        assert.equal(await exchange(port, SSH_HELLO), `alpha\n${SSH_HELLO}`);
        assert.equal(await exchange(port, "HELL\n"), "HELL\n");
        assert.match(mux.output(), /Extension "greeting" loaded from "examples\/extension\/greeting.ts"/);
      } finally {
        assert.equal((await mux.stop()).code, 0, mux.output());
      }
    });
  }

  test("in the binary: its strategy is accepted by --routing-strategy and its UDP detector routes TFTP", async () => {
    const port = await freePort();
    const mux = await startMux([
      bin.path,
      ...args(port),
      "-p",
      `!:${port}:udp:bind-address=127.0.0.1`,
      "-b",
      "tftp:greeting:detect=tftp,banner=no TFTP here",
      "-r",
      "last-match",
    ], port);
    try {
      // last-match: of every backend that matches (hi, echo), the last one defined.
      assert.equal(await exchange(port, "HELLO pmmux\n"), "HELLO pmmux\n");
      const socket = createSocket("udp4");
      try {
        const reply = new Promise<string>((resolve, reject) => {
          socket.once("message", (m) => resolve(m.toString()));
          setTimeout(() => reject(new Error("no UDP reply")), 5000);
        });
        // RRQ "boot.img" in octet mode.
        socket.send(Buffer.from("\x00\x01boot.img\x00octet\x00", "latin1"), port, "127.0.0.1");
        assert.equal(await reply, "no TFTP here\n");
      } finally {
        socket.close();
      }
    } finally {
      assert.equal((await mux.stop()).code, 0, mux.output());
    }
  });

  test("in the binary: extensions and their strategy from a config file, kept across a SIGHUP reload", async () => {
    const port = await freePort();
    const dir = moduleDir({
      "pmmux.toml": `[pmmux]
extensions = ["${join(ROOT, EXAMPLE)}"]
port-bindings = ["!:${port}:tcp:bind-address=127.0.0.1"]
backends = ["hi:greeting:detect=hello,banner=from file", "echo:echo"]
routing-strategy = "last-match"
`,
    });
    const mux = await startMux([bin.path, "-c", join(dir, "pmmux.toml")], port);
    try {
      assert.equal(await exchange(port, "HELLO\n"), "HELLO\n");
      process.kill(mux.child.pid!, "SIGHUP");
      const until = Date.now() + 5000;
      while (!/Configuration reloaded|Reload rejected/.test(mux.output()) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(mux.output(), /Configuration reloaded/);
      assert.equal(await exchange(port, "HELLO\n"), "HELLO\n");
    } finally {
      assert.equal((await mux.stop()).code, 0, mux.output());
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("in the binary: a module that is not an extension exits with 2 and names the file", async () => {
    const r = await runCommand(bin.path, ["-x", "tests/dist/helpers.ts", "-b", "echo:echo"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'pmmux: Invalid extension module "tests/dist/helpers.ts" (from command line): the module has no named ' +
        'export "extension"\n',
    );
  });
});
