import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand, parseOptionArgs } from "../../src/cli/args.ts";
import { renderHelp } from "../../src/cli/help.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { type OptionDef, OPTIONS } from "../../src/config/options.ts";

function throwsConfig(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const TABLE = OPTIONS as readonly OptionDef[];

// ---------------------------------------------------------------------------------------------------------
// parseCommand

test("parseCommand() runs with the options when no subcommand is given", () => {
  assert.deepEqual(parseCommand([]), { command: "run", argv: [] });
  assert.deepEqual(parseCommand(["-b", "a:noop", "-c", "x.toml"]), {
    command: "run",
    argv: ["-b", "a:noop", "-c", "x.toml"],
  });
});

test("parseCommand() answers --help, -h and --version anywhere among run options", () => {
  assert.deepEqual(parseCommand(["--help"]), { command: "help" });
  assert.deepEqual(parseCommand(["-b", "a:noop", "-h"]), { command: "help" });
  assert.deepEqual(parseCommand(["--bogus", "--help"]), { command: "help" });
  assert.deepEqual(parseCommand(["-v", "debug", "--version"]), { command: "version" });
});

test("parseCommand() reads the version and help subcommands", () => {
  assert.deepEqual(parseCommand(["version"]), { command: "version" });
  assert.deepEqual(parseCommand(["help"]), { command: "help" });
  assert.deepEqual(parseCommand(["help", "install"]), { command: "help", topic: "install" });
  throwsConfig(() => parseCommand(["help", "nope"]), /^Unknown help topic "nope"/);
});

test("parseCommand() reads install with arguments that start with a dash, and a root", () => {
  assert.deepEqual(parseCommand(["install", "--arguments", "-c /etc/pmmux/pmmux.toml", "--root", "/tmp/r"]), {
    command: "install",
    arguments: "-c /etc/pmmux/pmmux.toml",
    root: "/tmp/r",
  });
  assert.deepEqual(parseCommand(["install", "--arguments=-b x:noop"]), {
    command: "install",
    arguments: "-b x:noop",
  });
  assert.deepEqual(parseCommand(["install"]), { command: "install" });
});

test("parseCommand() reads uninstall with a root", () => {
  assert.deepEqual(parseCommand(["uninstall", "--root", "/tmp/r"]), { command: "uninstall", root: "/tmp/r" });
  assert.deepEqual(parseCommand(["uninstall"]), { command: "uninstall" });
});

test("parseCommand() gives subcommand help", () => {
  assert.deepEqual(parseCommand(["install", "--help"]), { command: "help", topic: "install" });
  assert.deepEqual(parseCommand(["uninstall", "-h"]), { command: "help", topic: "uninstall" });
  assert.deepEqual(parseCommand(["version", "--help"]), { command: "help", topic: "version" });
});

test("parseCommand() rejects unknown subcommand options, stray arguments and missing values", () => {
  throwsConfig(
    () => parseCommand(["uninstall", "--arguments", "x"]),
    'Unknown option "--arguments" for pmmux uninstall: see pmmux uninstall --help',
  );
  throwsConfig(
    () => parseCommand(["install", "now"]),
    'Unexpected argument "now" for pmmux install: see pmmux install --help',
  );
  throwsConfig(() => parseCommand(["install", "--root"]), /^Missing value for --root/);
  throwsConfig(() => parseCommand(["version", "x"]), /^Unexpected argument "x" for pmmux version/);
});

test("parseCommand() rejects an unknown command", () => {
  throwsConfig(
    () => parseCommand(["start"]),
    'Unknown command "start": expected install, uninstall, version, help or options',
  );
});

test("parseCommand() validates run options", () => {
  throwsConfig(
    () => parseCommand(["--bogus"]),
    'Unknown option "--bogus" on the command line: see pmmux --help',
  );
  throwsConfig(() => parseCommand(["-Y"]), 'Unknown option "-Y" on the command line: see pmmux --help');
});

// ---------------------------------------------------------------------------------------------------------
// parseOptionArgs

test("parseOptionArgs() collects list options across aliases in order", () => {
  const layer = parseOptionArgs(["-b", "a:noop", "--backends", "b:noop", "--backend=c:noop", "-ba:x"]);
  const setting = layer.get("backend");
  assert.equal(setting?.kind, "list");
  assert.deepEqual(setting?.kind === "list" && setting.items.map((i) => i.value), [
    "a:noop",
    "b:noop",
    "c:noop",
    "a:x",
  ]);
  assert.equal(setting?.source, "command line");
});

test("parseOptionArgs() keeps booleans as text for the loader", () => {
  assert.deepEqual(parseOptionArgs(["--tls-enable"]).get("tls-enable"), {
    kind: "scalar",
    value: "true",
    source: "command line",
  });
  const layer = parseOptionArgs(["--tls-enable", "false", "--acme-staging=True", "--log-metrics"]);
  assert.equal(layer.get("tls-enable")?.kind === "scalar" && layer.get("tls-enable")?.kind, "scalar");
  assert.deepEqual([...layer].map(([k, v]) => [k, v.kind === "scalar" ? v.value : v.items]), [
    ["tls-enable", "false"],
    ["acme-staging", "True"],
    ["log-metrics", "true"],
  ]);
});

test("parseOptionArgs() rejects a missing value", () => {
  throwsConfig(
    () => parseOptionArgs(["-b"]),
    "Missing value for --backend (from command line): expected -b <spec>",
  );
});

test("parseOptionArgs() takes a dash value as a forgotten value, except negative numbers", () => {
  throwsConfig(
    () => parseOptionArgs(["-d", "-v", "debug"]),
    'Missing value for --log-directory (from command line) before option "-v": write --log-directory=-v ' +
      'for a value starting with "-"',
  );
  assert.equal(parseOptionArgs(["--log-directory=-v"]).get("log-directory")?.kind, "scalar");
  assert.equal(parseOptionArgs(["-s", "-1"]).get("selection-timeout")?.kind, "scalar");
});

test("parseOptionArgs() rejects stray arguments, also after --", () => {
  throwsConfig(
    () => parseOptionArgs(["-b", "a:noop", "extra"]),
    /^Unexpected argument "extra" on the command line/,
  );
  throwsConfig(() => parseOptionArgs(["--", "-b"]), /^Unexpected argument "-b" on the command line/);
  throwsConfig(() => parseOptionArgs(["--tls-enable", "yes"]), /^Unexpected argument "yes"/);
});

test("parseOptionArgs() does not mistake prototype names for options", () => {
  throwsConfig(() => parseOptionArgs(["--constructor"]), /^Unknown option "--constructor"/);
  throwsConfig(() => parseOptionArgs(["--toString"]), /^Unknown option "--toString"/);
});

// ---------------------------------------------------------------------------------------------------------
// The options table and --help

test("OPTIONS gives every option a unique long name, alias, short letter and field", () => {
  const names = TABLE.flatMap((o) => [o.name, ...o.aliases, ...(o.short ? [o.short] : [])]);
  assert.equal(new Set(names).size, names.length);
  const fields = TABLE.map((o) => o.field);
  assert.equal(new Set(fields).size, fields.length);
  for (const o of TABLE) {
    assert.match(o.name, /^[a-z][a-z0-9-]*$/);
    assert.ok(o.help.length > 0, o.name);
    assert.ok(o.short === undefined || o.short.length === 1, o.name);
  }
});

test("OPTIONS holds the options SPEC.md names, with their defaults", () => {
  const byName = new Map(TABLE.map((o) => [o.name, o]));
  const expected: Record<string, unknown> = {
    "config-file": "pmmux.toml",
    "routing-strategy": "first-available",
    "selection-timeout": 5000,
    "queue-length": 100,
    "preview-buffer-limit": 65536,
    "port-map-renewal-lead": 10,
    "bind-timeout": 30000,
    "verbosity": "information",
    "log-metrics": false,
    "shutdown-grace": 10000,
    "udp-max-sessions": 4096,
    "tls-enable": false,
    "tls-hello-timeout": 5000,
    "management-port": 8900,
    "management-bind-address": "127.0.0.1",
    "acme-storage-path": "./acme",
    "acme-renewal-lead": 30,
    "port-map-required": false,
    "metrics-client-label": false,
    "log-format": "text",
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(byName.get(name)?.default, value, name);
  }
  for (
    const name of [
      "backend",
      "port-binding",
      "health-check",
      "gateway",
      "network-interface",
      "port-map-protocol",
      "port-map-lifetime",
      "log-directory",
      "log-file-max-size",
      "log-file-max-retain",
      "extension",
      "tls-enforce",
      "tls-protocol",
      "tls-generate-certificates",
      "tls-certificate",
      "tls-certificate-map",
      "tls-alpn",
      "management-enable",
      "management-ui-enable",
      "management-token",
      "management-cors-origin",
      "acme-email",
      "acme-staging",
      "acme-server-url",
      "acme-certificate",
      "acme-disable",
      "acme-ca-file",
      "acme-eab-kid",
      "acme-eab-hmac",
      "otlp-enable",
      "otlp-metrics-endpoint",
      "otlp-metrics-protocol",
      "otlp-service-name",
      "max-connections",
      "max-connections-per-ip",
      "connection-rate-per-ip",
    ]
  ) {
    assert.ok(byName.has(name), name);
  }
  assert.deepEqual(byName.get("backend")?.aliases, ["backends"]);
  assert.equal(byName.get("backend")?.short, "b");
});

test("OPTIONS defaults survive their own parser", () => {
  for (const o of TABLE) {
    if (o.default === undefined || o.type === "list") continue;
    assert.deepEqual(o.parse(String(o.default)), o.default, o.name);
  }
});

test("renderHelp() lists every option with its names and default", () => {
  const help = renderHelp({ version: "1.2.3" });
  assert.match(help.split("\n")[0], /^pmmux 1\.2\.3/);
  for (const o of TABLE) {
    assert.ok(help.includes(`--${o.name}`), o.name);
    for (const alias of o.aliases) assert.ok(help.includes(`--${alias}`), alias);
    if (o.short) assert.ok(help.includes(`-${o.short}, --${o.name}`), o.short);
  }
  assert.equal(help.match(/\(default:\s/g)?.length, TABLE.length);
  assert.match(help, /-b, --backend, --backends <spec>/);
  assert.match(help, /\(default:\s+first-available\)/);
});

test("renderHelp() groups extension options under their own headings and fits 110 columns", () => {
  const help = renderHelp();
  for (
    const title of ["NAT port mapping (extension):", "TLS (extension):", "ACME certificates (extension):"]
  ) {
    assert.ok(help.includes(title), title);
  }
  assert.ok(help.indexOf("Management API") < help.indexOf("--management-port"));
  for (const line of help.split("\n")) assert.ok(line.length <= 110 || !line.includes(" "), line);
});

test("renderHelp() renders subcommand help", () => {
  assert.match(
    renderHelp({ topic: "install" }),
    /^Usage: pmmux install \[--arguments "<args>"\] \[--root <dir>\]/,
  );
  assert.match(renderHelp({ topic: "uninstall" }), /^Usage: pmmux uninstall/);
});
