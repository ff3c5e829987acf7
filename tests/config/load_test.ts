import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig, type LoadInput, preloadConfigFile } from "../../src/config/load.ts";
import { ConfigError, configError } from "../../src/config/errors.ts";
import { SpecError } from "../../src/config/spec.ts";
import { loadConfigParser } from "../../src/config/file_layer.ts";

// loadConfig() is synchronous: the YAML and TOML parsers load beforehand (run.ts does it for the file it reads).
await Promise.all(["x.toml", "x.yaml", "x.yml"].map(loadConfigParser));

const CWD = "/srv/pmmux";
const STRATEGIES = ["first-available", "least-requests", "round-robin"];

/** Loads with files from a map (path → text); everything else missing. */
function load(input: Partial<LoadInput> & { files?: Record<string, string> } = {}): Config {
  const files = input.files ?? {};
  return loadConfig({
    argv: input.argv ?? [],
    env: input.env ?? {},
    cwd: input.cwd ?? CWD,
    readTextFile: input.readTextFile ?? ((path) => files[path]),
    ...(input.knownStrategies ? { knownStrategies: input.knownStrategies } : {}),
  });
}

/** Asserts that loading fails with a ConfigError whose message is `message` (or matches it). */
function throwsConfig(fn: () => unknown, message: string | RegExp): ConfigError {
  let caught: ConfigError | undefined;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught!;
}

const toml = (body: string) => ({ [`${CWD}/pmmux.toml`]: `[pmmux]\n${body}\n` });

// ---------------------------------------------------------------------------------------------------------
// Defaults

test("loadConfig() gives every default when nothing is set and the default file is missing", () => {
  const config = load();
  assert.deepEqual(config.backends, []);
  assert.deepEqual(config.portBindings, []);
  assert.deepEqual(config.healthChecks, []);
  assert.equal(config.routingStrategy, "first-available");
  assert.equal(config.selectionTimeout, 5000);
  assert.equal(config.queueLength, 100);
  assert.equal(config.previewBufferLimit, 65536);
  assert.equal(config.udpMaxSessions, 4096);
  assert.equal(config.shutdownGrace, 10000);
  assert.equal(config.verbosity, "information");
  assert.equal(config.logFormat, "text");
  assert.equal(config.gateway, undefined);
  assert.equal(config.portMapProtocol, undefined);
  assert.equal(config.portMapRenewalLead, 10);
  assert.equal(config.portMapRequired, false);
  assert.equal(config.bindTimeout, 30000);
  assert.equal(config.tlsEnable, false);
  assert.deepEqual(config.tlsProtocols, ["tls12", "tls13"]);
  assert.equal(config.tlsHelloTimeout, 5000);
  assert.deepEqual(config.tlsAlpn, ["http/1.1"]);
  assert.equal(config.managementEnable, false);
  assert.equal(config.managementPort, 8900);
  assert.equal(config.managementBindAddress, "127.0.0.1");
  assert.equal(config.managementToken, undefined);
  assert.equal(config.acmeStoragePath, "./acme");
  assert.equal(config.acmeRenewalLead, 30);
  assert.equal(config.otlpMetricsProtocol, "HttpProtobuf");
  assert.equal(config.maxConnections, undefined);
  assert.deepEqual(config.extensions, []);
  assert.equal(config.configFile, undefined);
  assert.equal(config.sourceOf("routing-strategy"), "default");
});

test("loadConfig() hands out a fresh copy of list defaults", () => {
  load().tlsAlpn.push("h2");
  assert.deepEqual(load().tlsAlpn, ["http/1.1"]);
});

// ---------------------------------------------------------------------------------------------------------
// Command line

test("loadConfig() reads options from the command line, list aliases accumulating in order", () => {
  const config = load({
    argv: ["-b", "a:noop", "--backends", "b:noop", "--backend=c:noop", "-r", "least-requests"],
  });
  assert.deepEqual(config.backends.map((b) => b.name), ["a", "b", "c"]);
  assert.equal(config.routingStrategy, "least-requests");
  assert.equal(config.sourceOf("backends"), "command line");
  assert.equal(config.sourceOf("-r"), "command line");
});

test("loadConfig() keeps the last value of a repeated single-valued option", () => {
  assert.equal(load({ argv: ["-s", "100", "--selection-timeout", "200"] }).selectionTimeout, 200);
});

test("loadConfig() reads booleans as --flag, --flag=false and --flag false", () => {
  assert.equal(load({ argv: ["--tls-enable"] }).tlsEnable, true);
  assert.equal(load({ argv: ["--tls-enable=false"] }).tlsEnable, false);
  assert.equal(load({ argv: ["--tls-enable", "FALSE"] }).tlsEnable, false);
  assert.equal(load({ argv: ["--tls-enable", "true", "-r", "x"] }).tlsEnable, true);
});

test("loadConfig() splits comma-separated values of simple list options", () => {
  const config = load({ argv: ["--tls-alpn", "h2, http/1.1", "--tls-protocol", "TLS13"] });
  assert.deepEqual(config.tlsAlpn, ["h2", "http/1.1"]);
  assert.deepEqual(config.tlsProtocols, ["tls13"]);
});

test("loadConfig() parses every spec list into its shape", () => {
  const config = load({
    argv: [
      "-p",
      "80:8080:tcp",
      "-z",
      "pass:interval=100",
      "--tls-certificate",
      "a:path=a.pem",
      "--tls-certificate-map",
      "a:example.com",
      "--acme-certificate",
      "example.com",
    ],
  });
  assert.equal(config.portBindings[0].localPort, 8080);
  assert.equal(config.healthChecks[0].interval, 100);
  assert.equal(config.tlsCertificates[0].path, "a.pem");
  assert.equal(config.tlsCertificateMaps[0].hostname, "example.com");
  assert.equal(config.acmeCertificates[0].challenge, "http-01");
});

test("loadConfig() rejects an unknown option naming it", () => {
  throwsConfig(
    () => load({ argv: ["--bogus", "1"] }),
    'Unknown option "--bogus" on the command line: see pmmux --help',
  );
});

// ---------------------------------------------------------------------------------------------------------
// Environment

test("loadConfig() reads PMMUX__ variables with underscores or hyphens, in any case", () => {
  assert.equal(load({ env: { PMMUX__ROUTING_STRATEGY: "round-robin" } }).routingStrategy, "round-robin");
  assert.equal(load({ env: { "PMMUX__ROUTING-STRATEGY": "round-robin" } }).routingStrategy, "round-robin");
  assert.equal(load({ env: { pmmux__routing_strategy: "round-robin" } }).routingStrategy, "round-robin");
  const config = load({ env: { PMMUX__ROUTING_STRATEGY: "round-robin" } });
  assert.equal(config.sourceOf("routing-strategy"), "environment variable PMMUX__ROUTING_STRATEGY");
});

test("loadConfig() reads list items from indexed variables in numeric order", () => {
  const config = load({
    env: { PMMUX__BACKENDS__10: "c:noop", PMMUX__BACKENDS__2: "b:noop", PMMUX__BACKEND__0: "a:noop" },
  });
  assert.deepEqual(config.backends.map((b) => b.name), ["a", "b", "c"]);
  assert.equal(config.sourceOf("backend", 1), "environment variable PMMUX__BACKENDS__2");
  assert.equal(
    config.sourceOf("backend"),
    "environment variables PMMUX__BACKEND__0, PMMUX__BACKENDS__2, PMMUX__BACKENDS__10",
  );
});

test("loadConfig() accepts aliases and short letters in variable names", () => {
  assert.deepEqual(load({ env: { PMMUX__B__0: "a:noop" } }).backends.map((b) => b.name), ["a"]);
});

test("loadConfig() rejects a plain variable for a list option", () => {
  throwsConfig(
    () => load({ env: { PMMUX__BACKENDS: "a:noop" } }),
    'Invalid value "a:noop" for --backend (from environment variable PMMUX__BACKENDS): expected a list: set ' +
      "PMMUX__BACKENDS__0, PMMUX__BACKENDS__1, ...",
  );
});

test("loadConfig() rejects an index on a single-valued option", () => {
  throwsConfig(
    () => load({ env: { PMMUX__QUEUE_LENGTH__0: "5" } }),
    /^Invalid value "5" for --queue-length \(from environment variable PMMUX__QUEUE_LENGTH__0\): expected a single/,
  );
});

test("loadConfig() rejects an unknown PMMUX__ variable and ignores others", () => {
  throwsConfig(
    () => load({ env: { PMMUX__NOPE: "1" } }),
    /^Unknown option in environment variable PMMUX__NOPE/,
  );
  throwsConfig(() => load({ env: { PMMUX__BACKENDS__X: "1" } }), /^Unknown option in environment variable/);
  assert.equal(
    load({ env: { PMMUX_ROUTING_STRATEGY: "x", HOME: "/root" } }).routingStrategy,
    "first-available",
  );
});

test("loadConfig() rejects one option set by two spellings in the environment", () => {
  throwsConfig(
    () => load({ env: { PMMUX__ROUTING_STRATEGY: "a", "PMMUX__ROUTING-STRATEGY": "b" } }),
    /^Option --routing-strategy is set twice in the environment: as "PMMUX__ROUTING-STRATEGY" and as "PMMUX__ROUTING_STRATEGY"$/,
  );
  throwsConfig(
    () => load({ env: { PMMUX__BACKEND__0: "a:noop", PMMUX__BACKENDS__0: "b:noop" } }),
    /^Option --backend is set twice in the environment/,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Config files

test("loadConfig() reads the default pmmux.toml from the working directory", () => {
  const config = load({
    files: toml(
      'backends = ["web:pass:target.ip=127.0.0.1,target.port=80"]\nrouting-strategy = "least-requests"\n' +
        "selection-timeout = 3000\ntls-enable = true",
    ),
  });
  assert.deepEqual(config.backends, [
    { name: "web", protocol: "pass", params: { "target.ip": "127.0.0.1", "target.port": "80" } },
  ]);
  assert.equal(config.routingStrategy, "least-requests");
  assert.equal(config.selectionTimeout, 3000);
  assert.equal(config.tlsEnable, true);
  assert.equal(config.configFile, `${CWD}/pmmux.toml`);
  assert.equal(config.sourceOf("selection-timeout"), `config file ${CWD}/pmmux.toml`);
});

test("loadConfig() accepts numbers and booleans as strings in files", () => {
  const config = load({ files: toml('selection-timeout = "3000"\ntls-enable = "TRUE"\nqueue-length = 7') });
  assert.equal(config.selectionTimeout, 3000);
  assert.equal(config.tlsEnable, true);
  assert.equal(config.queueLength, 7);
});

test("loadConfig() accepts aliases, short letters and underscores as file keys", () => {
  const config = load({ files: toml('b = ["a:noop"]\nport_bindings = ["80:80"]\nRouting-Strategy = "x"') });
  assert.deepEqual(config.backends.map((b) => b.name), ["a"]);
  assert.equal(config.portBindings.length, 1);
  assert.equal(config.routingStrategy, "x");
});

test("loadConfig() reads YAML files (.yaml and .yml)", () => {
  const yaml = "pmmux:\n  backends:\n    - a:noop\n    - 'b:pass:target.ip=::1,target.port=22'\n" +
    "  verbosity: Debug\n  management-enable: true\n  management-port: 9000\n";
  for (const name of ["pmmux.yaml", "pmmux.yml"]) {
    const config = load({ argv: ["-c", name], files: { [`${CWD}/${name}`]: yaml } });
    assert.deepEqual(config.backends.map((b) => b.name), ["a", "b"]);
    assert.equal(config.backends[1].params["target.ip"], "::1");
    assert.equal(config.verbosity, "debug");
    assert.equal(config.managementEnable, true);
    assert.equal(config.managementPort, 9000);
    assert.equal(config.configFile, `${CWD}/${name}`);
  }
});

test("loadConfig() reads JSON files", () => {
  const json = JSON.stringify({ pmmux: { "health-checks": ["pass:interval=1000"], "log-format": "JSON" } });
  const config = load({ argv: ["--config-file", "/etc/pmmux.json"], files: { "/etc/pmmux.json": json } });
  assert.equal(config.healthChecks[0].interval, 1000);
  assert.equal(config.logFormat, "json");
  assert.equal(config.configFile, "/etc/pmmux.json");
});

test("loadConfig() reads a real file through the injected reader", () => {
  const dir = mkdtempSync(join(tmpdir(), "pmmux-config-"));
  try {
    writeFileSync(join(dir, "pmmux.toml"), '[pmmux]\nbackend = ["x:noop"]\n');
    const config = loadConfig({
      argv: [],
      env: {},
      cwd: dir,
      readTextFile: (path) => {
        try {
          return readFileSync(path, "utf8");
        } catch (e) {
          if ((e as { code?: string }).code === "ENOENT") return undefined;
          throw e;
        }
      },
    });
    assert.deepEqual(config.backends.map((b) => b.name), ["x"]);
    assert.equal(config.configFile, join(dir, "pmmux.toml"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("preloadConfigFile() reads the file once and hands loadConfig its text", async () => {
  const reads: string[] = [];
  const files: Record<string, string> = { [`${CWD}/p.yml`]: "pmmux:\n  backends: [a:noop]\n" };
  const input = await preloadConfigFile({
    argv: ["-c", "p.yml"],
    env: {},
    cwd: CWD,
    readTextFile: (path) => (reads.push(path), files[path]),
  });
  assert.deepEqual(loadConfig(input).backends.map((b) => b.name), ["a"]);
  assert.deepEqual(reads, [`${CWD}/p.yml`]);
  // Missing or unreadable files and bad extensions are left for loadConfig to report.
  const missing = { argv: ["-c", "none.toml"], env: {}, cwd: CWD, readTextFile: () => undefined };
  assert.equal(await preloadConfigFile(missing), missing);
  throwsConfig(() => loadConfig(missing), /none\.toml" not found/);
  const failing: LoadInput = {
    argv: [],
    env: {},
    cwd: CWD,
    readTextFile: () => {
      throw new Error("permission denied");
    },
  };
  assert.equal(await preloadConfigFile(failing), failing);
  throwsConfig(() => loadConfig(failing), /permission denied/);
});

test("loadConfig() fails when a named config file is missing", () => {
  throwsConfig(
    () => load({ argv: ["-c", "other.toml"] }),
    `Config file "${CWD}/other.toml" not found (--config-file from command line)`,
  );
  throwsConfig(
    () => load({ env: { PMMUX__CONFIG_FILE: "/etc/x.yaml" } }),
    'Config file "/etc/x.yaml" not found (--config-file from environment variable PMMUX__CONFIG_FILE)',
  );
});

test("loadConfig() reports a file that cannot be read, with the cause", () => {
  const cause = new Error("permission denied");
  const error = throwsConfig(
    () =>
      load({
        readTextFile: () => {
          throw cause;
        },
      }),
    `Cannot read config file "${CWD}/pmmux.toml": permission denied`,
  );
  assert.equal(error.cause, cause);
});

test("loadConfig() reports syntax errors of each format, with the cause", () => {
  const cases: [string, string][] = [
    ["bad.toml", "[pmmux]\nbackends = [\n"],
    ["bad.yaml", "pmmux:\n  backends: [a\n b: 2"],
    ["bad.json", '{"pmmux": '],
  ];
  for (const [name, text] of cases) {
    const error = throwsConfig(
      () => load({ argv: ["-c", name], files: { [`${CWD}/${name}`]: text } }),
      new RegExp(`^Cannot parse config file "${CWD}/${name.replace(".", "\\.")}": \\S`),
    );
    assert.ok(error.cause instanceof Error);
    assert.doesNotMatch(error.message, /\n/);
  }
});

test("loadConfig() rejects an unsupported file extension", () => {
  throwsConfig(
    () => load({ argv: ["-c", "pmmux.ini"], files: { [`${CWD}/pmmux.ini`]: "" } }),
    `Unsupported config file "${CWD}/pmmux.ini": expected a .toml, .yaml, .yml or .json file`,
  );
});

test("loadConfig() accepts an empty file and requires the pmmux table otherwise", () => {
  assert.equal(load({ files: { [`${CWD}/pmmux.toml`]: "" } }).configFile, `${CWD}/pmmux.toml`);
  throwsConfig(
    () => load({ files: { [`${CWD}/pmmux.toml`]: 'backends = ["a:noop"]' } }),
    `Config file "${CWD}/pmmux.toml" has no top-level "pmmux" table: put every option under it`,
  );
});

test("loadConfig() rejects a scalar for a list option in a file", () => {
  throwsConfig(
    () => load({ files: toml('backends = "a:noop"') }),
    `Invalid value "a:noop" for --backend (from config file ${CWD}/pmmux.toml): expected a list of values`,
  );
});

test("loadConfig() rejects a list or table for a single-valued option in a file", () => {
  throwsConfig(
    () => load({ files: toml("queue-length = [1, 2]") }),
    `Invalid value [1,2] for --queue-length (from config file ${CWD}/pmmux.toml): expected a single value`,
  );
  throwsConfig(
    () => load({ files: toml("[pmmux.verbosity]\nx = 1") }),
    /--verbosity .*expected a single value/,
  );
  throwsConfig(() => load({ files: toml("backends = [{ name = 'a' }]") }), /--backend .*expected a string/);
});

test("loadConfig() rejects unknown keys, the config file option and duplicate aliases in a file", () => {
  throwsConfig(
    () => load({ files: toml("routing-stratgy = 'x'") }),
    `Unknown option "routing-stratgy" in config file ${CWD}/pmmux.toml: see pmmux --help`,
  );
  throwsConfig(
    () => load({ files: toml("config-file = 'x.toml'") }),
    `Option --config-file cannot be set in config file ${CWD}/pmmux.toml`,
  );
  throwsConfig(
    () => load({ files: toml("backend = ['a:noop']\nbackends = ['b:noop']") }),
    `Option --backend is set twice in config file ${CWD}/pmmux.toml: as "backend" and as "backends"`,
  );
});

test("loadConfig() treats null values in YAML as unset", () => {
  const config = load({ argv: ["-c", "p.yaml"], files: { [`${CWD}/p.yaml`]: "pmmux:\n  gateway:\n" } });
  assert.equal(config.gateway, undefined);
  assert.equal(config.sourceOf("gateway"), "default");
});

// ---------------------------------------------------------------------------------------------------------
// Layering

test("loadConfig() takes each option from the highest layer that sets it", () => {
  const config = load({
    argv: ["-q", "1"],
    env: { PMMUX__QUEUE_LENGTH: "2", PMMUX__SELECTION_TIMEOUT: "20" },
    files: toml("queue-length = 3\nselection-timeout = 30\npreview-buffer-limit = 300"),
  });
  assert.equal(config.queueLength, 1);
  assert.equal(config.selectionTimeout, 20);
  assert.equal(config.previewBufferLimit, 300);
  assert.equal(config.udpMaxSessions, 4096);
  assert.equal(config.sourceOf("queue-length"), "command line");
  assert.equal(config.sourceOf("selection-timeout"), "environment variable PMMUX__SELECTION_TIMEOUT");
  assert.equal(config.sourceOf("preview-buffer-limit"), `config file ${CWD}/pmmux.toml`);
  assert.equal(config.sourceOf("udp-max-sessions"), "default");
});

test("loadConfig() replaces a lower layer's list entirely instead of merging by index", () => {
  const files = toml('backends = ["a:noop", "b:noop", "c:noop"]');
  assert.deepEqual(load({ files, env: { PMMUX__BACKENDS__0: "x:noop" } }).backends.map((b) => b.name), ["x"]);
  assert.deepEqual(
    load({ files, env: { PMMUX__BACKENDS__0: "x:noop" }, argv: ["-b", "y:noop"] }).backends.map((b) =>
      b.name
    ),
    ["y"],
  );
  assert.deepEqual(load({ argv: ["--tls-alpn", "h2"] }).tlsAlpn, ["h2"]);
});

test("loadConfig() takes the config file path from the environment and resolves it against cwd", () => {
  const config = load({
    env: { PMMUX__CONFIG_FILE: "conf/p.json" },
    files: { [`${CWD}/conf/p.json`]: '{"pmmux": {"queue-length": 9}}' },
  });
  assert.equal(config.queueLength, 9);
  assert.equal(config.configFile, `${CWD}/conf/p.json`);
  assert.equal(config.sourceOf("config-file"), "environment variable PMMUX__CONFIG_FILE");
});

// ---------------------------------------------------------------------------------------------------------
// {{env:NAME}}

test("loadConfig() substitutes {{env:NAME}} in command line, environment and file values", () => {
  const config = load({
    argv: ["--management-token", "{{env:TOKEN}}"],
    env: {
      TOKEN: "s3cret",
      PORT: "9001",
      HOST: "127.0.0.1",
      PMMUX__BACKENDS__0: "a:pass:target.ip={{env:HOST}}",
    },
    files: toml('management-port = "{{env:PORT}}"'),
  });
  assert.equal(config.managementToken, "s3cret");
  assert.equal(config.managementPort, 9001);
  assert.equal(config.backends[0].params["target.ip"], "127.0.0.1");
});

test("loadConfig() substitutes an unset variable by nothing, in one pass", () => {
  const config = load({
    argv: ["-b", "a:noop:x={{env:UNSET}}y", "-b", "b:noop:x={{env:INNER}}"],
    env: { INNER: "{{env:SECRET}}", SECRET: "no" },
  });
  assert.equal(config.backends[0].params.x, "y");
  assert.equal(config.backends[1].params.x, "{{env:SECRET}}");
});

test("loadConfig() substitutes {{env:NAME}} in the config file path", () => {
  const config = load({
    argv: ["-c", "{{env:DIR}}/p.toml"],
    env: { DIR: "/etc" },
    files: { "/etc/p.toml": "" },
  });
  assert.equal(config.configFile, "/etc/p.toml");
});

// ---------------------------------------------------------------------------------------------------------
// Bad values

test("loadConfig() rejects a routing strategy outside the known ones, naming its source", () => {
  throwsConfig(
    () => load({ env: { PMMUX__ROUTING_STRATEGY: "fast" }, knownStrategies: STRATEGIES }),
    'Invalid value "fast" for --routing-strategy (from environment variable PMMUX__ROUTING_STRATEGY): ' +
      "expected one of first-available, least-requests, round-robin",
  );
  assert.equal(
    load({ argv: ["-r", "Round-Robin"], knownStrategies: STRATEGIES }).routingStrategy,
    "round-robin",
  );
  assert.equal(load({ argv: ["-r", "anything"] }).routingStrategy, "anything");
});

test("loadConfig() rejects bad integers with the accepted range", () => {
  throwsConfig(
    () => load({ argv: ["-s", "soon"] }),
    'Invalid value "soon" for --selection-timeout (from command line): expected an integer of at least 1',
  );
  throwsConfig(() => load({ argv: ["-q", "1.5"] }), /--queue-length .*expected an integer of at least 1/);
  throwsConfig(
    () => load({ argv: ["-s", "-1"] }),
    /"-1" for --selection-timeout .*expected an integer of at least 1/,
  );
  throwsConfig(
    () => load({ files: toml("shutdown-grace = -1") }),
    `Invalid value "-1" for --shutdown-grace (from config file ${CWD}/pmmux.toml): expected a non-negative integer`,
  );
});

test("loadConfig() rejects a bad port, address, enum, level, boolean, URL and rate", () => {
  throwsConfig(() => load({ argv: ["--management-port", "70000"] }), /expected a port from 1 to 65535/);
  throwsConfig(
    () => load({ argv: ["--management-bind-address", "localhost"] }),
    'Invalid value "localhost" for --management-bind-address (from command line): expected an IPv4 or IPv6 address',
  );
  throwsConfig(
    () => load({ argv: ["-m", "natpmp"] }),
    'Invalid value "natpmp" for --port-map-protocol (from command line): expected one of upnp, pmp',
  );
  throwsConfig(
    () => load({ argv: ["-v", "verbose"] }),
    'Invalid value "verbose" for --verbosity (from command line): ' +
      "expected one of trace, debug, information, warning, error, critical, none",
  );
  throwsConfig(
    () => load({ env: { PMMUX__TLS_ENABLE: "yes" } }),
    'Invalid value "yes" for --tls-enable (from environment variable PMMUX__TLS_ENABLE): expected true or false',
  );
  throwsConfig(
    () => load({ argv: ["--otlp-metrics-endpoint", "localhost:4318"] }),
    /expected an absolute http/,
  );
  throwsConfig(
    () => load({ argv: ["--connection-rate-per-ip", "fast"] }),
    /expected a rate such as 10, 10\/s/,
  );
  throwsConfig(() => load({ argv: ["--tls-protocol", "tls11"] }), /expected one of tls12, tls13/);
  throwsConfig(() => load({ argv: ["--acme-email", "nobody"] }), /expected an email address/);
});

test("loadConfig() reads enums case-insensitively into their canonical spelling", () => {
  const config = load({ argv: ["-m", "UPNP", "--otlp-metrics-protocol", "httpjson", "-v", "WARNING"] });
  assert.equal(config.portMapProtocol, "upnp");
  assert.equal(config.otlpMetricsProtocol, "HttpJson");
  assert.equal(config.verbosity, "warning");
});

test("loadConfig() reads a connection rate", () => {
  assert.deepEqual(load({ argv: ["--connection-rate-per-ip", "100/m"] }).connectionRatePerIp, {
    count: 100,
    perMs: 60000,
  });
  assert.deepEqual(load({ argv: ["--connection-rate-per-ip", "5"] }).connectionRatePerIp, {
    count: 5,
    perMs: 1000,
  });
});

test("loadConfig() reports a bad spec with the tokenizer's detail and the SpecError as cause", () => {
  const error = throwsConfig(
    () => load({ files: toml('backends = ["ok:noop", "a:pass:x=1,,y=2"]') }),
    `Invalid value "a:pass:x=1,,y=2" for --backend (from config file ${CWD}/pmmux.toml): ` +
      "empty property at position 11",
  );
  assert.ok(error.cause instanceof SpecError);
  assert.equal(error.option, "backend");
  assert.equal(error.source, `config file ${CWD}/pmmux.toml`);
});

test("loadConfig() names the environment variable of a bad list item", () => {
  throwsConfig(
    () => load({ env: { PMMUX__PORT_BINDINGS__0: "80:80", PMMUX__PORT_BINDINGS__1: "80:80:tpc" } }),
    'Invalid value "80:80:tpc" for --port-binding (from environment variable PMMUX__PORT_BINDINGS__1): ' +
      'unknown network protocol "tpc" at position 6: expected tcp or udp',
  );
});

test("loadConfig() unsets optional text options given empty, but refuses an empty management token", () => {
  assert.equal(load({ argv: ["--log-directory="] }).logDirectory, undefined);
  assert.equal(load({ argv: ["--max-connections="] }).maxConnections, undefined);
  throwsConfig(
    () => load({ argv: ["--management-token", "{{env:MISSING}}"] }),
    'Invalid value "" for --management-token (from command line): expected a non-empty value',
  );
});

test("loadConfig() requires both halves of ACME external account binding", () => {
  throwsConfig(
    () => load({ env: { PMMUX__ACME_EAB_KID: "kid" } }),
    "Option --acme-eab-kid (from environment variable PMMUX__ACME_EAB_KID) needs --acme-eab-hmac too",
  );
  const config = load({ argv: ["--acme-eab-kid", "k", "--acme-eab-hmac", "h"] });
  assert.equal(config.acmeEabKid, "k");
  assert.equal(config.acmeEabHmac, "h");
});

test("Config.sourceOf() rejects an unknown option name", () => {
  assert.throws(() => load().sourceOf("nope"), RangeError);
});

test("configError() formats accepted names and details like the loader", () => {
  assert.equal(
    configError("--backend", "web:nope", "command line", ["pass", "noop"]).message,
    'Invalid value "web:nope" for --backend (from command line): expected one of pass, noop',
  );
  const cause = new Error("x");
  const error = configError(
    "backend",
    "w:pass",
    "default",
    'backend "w": missing parameter "target.ip"',
    cause,
  );
  assert.equal(
    error.message,
    'Invalid value "w:pass" for --backend (from default): backend "w": missing parameter "target.ip"',
  );
  assert.equal(error.cause, cause);
  assert.ok(error instanceof ConfigError);
});
