import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAcmeFromConfig } from "../../src/acme/from_config.ts";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { runMain } from "../helpers/spawn.ts";
import { net } from "../helpers/net.ts";

const dir = mkdtempSync(join(tmpdir(), "pmmux-acme-config-"));
const SECRET = "c2VjcmV0LWtleS1mb3ItcG1tdXgtdHNpZy10ZXN0cyE=";

function config(args: string[]) {
  return loadConfig({ argv: args, env: {}, cwd: dir, readTextFile: () => undefined });
}

async function build(args: string[]) {
  return createAcmeFromConfig(config(["--acme-storage-path", join(dir, "acme"), ...args]), {
    net: await net(),
    logger: createLogger({ level: "none" }),
  });
}

describe("ACME from the configuration", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("no --acme-certificate means no ACME", async () => {
    assert.equal(await build(["--tls-enable"]), undefined);
  });

  test("an --acme-certificate without --tls-enable is a configuration error that says so", async () => {
    await assert.rejects(build(["--acme-certificate", "example.com"]), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /--acme-certificate \(from command line\): ACME certificates are served by TLS termination: add --tls-enable/,
      );
      return true;
    });
  });

  test("with --acme-disable and no TLS there is nothing to do and no error", async () => {
    assert.equal(await build(["--acme-certificate", "example.com", "--acme-disable"]), undefined);
  });

  test("http-01 certificates get the negotiator; dns-01 alone does not", async () => {
    const http = await build([
      "--tls-enable",
      "--acme-certificate",
      "example.com",
      "--acme-server-url",
      "https://127.0.0.1:1/dir",
    ]);
    assert.equal(http?.negotiator?.name, "acme-http-01");
    assert.equal(http?.manager.issuing, true);
    const dns = await build([
      "--tls-enable",
      "--acme-certificate",
      // Values holding ":" or "=" are quoted, as in every spec string.
      `example.com:dns-01:san=*.example.com,provider=rfc2136,server="127.0.0.1:53",key-name=k,key-secret="${SECRET}"`,
    ]);
    assert.equal(dns?.negotiator, undefined);
    assert.deepEqual(dns?.manager.list().map((c) => [c.domain, c.sans, c.challenge, c.state]), [
      ["example.com", ["*.example.com"], "dns-01", "Pending"],
    ]);
    const disabled = await build(["--tls-enable", "--acme-disable", "--acme-certificate", "example.com"]);
    assert.equal(disabled?.negotiator, undefined);
    assert.equal(disabled?.manager.issuing, false);
  });

  const bad: [string, string[], RegExp][] = [
    ["dns-01 without a provider", ["example.com:dns-01"], /dns-01 needs provider=<rfc2136\|exec>/],
    [
      "an unknown provider",
      ["example.com:dns-01:provider=route53"],
      /unknown DNS provider "route53": expected rfc2136, exec/,
    ],
    [
      "rfc2136 without its secret",
      ["example.com:dns-01:provider=rfc2136,server=ns,key-name=k"],
      /DNS provider "rfc2136" needs the parameter "key-secret"/,
    ],
    ["a parameter the provider does not take", [
      "example.com:dns-01:provider=exec,command=/bin/true,server=x",
    ], /unknown parameter "server" for provider "exec"/],
    [
      "a parameter http-01 does not take",
      ["example.com:http-01:provider=exec"],
      /unknown parameter "provider" for http-01: expected bind-address/,
    ],
    [
      "a bad propagation delay",
      ["example.com:dns-01:provider=exec,command=/bin/true,propagation-delay=soon"],
      /Invalid propagation-delay "soon"/,
    ],
    [
      "a domain given twice",
      ["example.com", "example.com:http-01:san=www.example.com"],
      /domain "example.com" is given twice/,
    ],
  ];
  for (const [what, certs, message] of bad) {
    test(`${what} is a configuration error naming the spec`, async () => {
      const args = ["--tls-enable", ...certs.flatMap((c) => ["--acme-certificate", c])];
      await assert.rejects(build(args), (err: Error) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /^Invalid value ".*" for --acme-certificate \(from command line\): /);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test("an unreadable --acme-ca-file, or one without a certificate, is a configuration error", async () => {
    await assert.rejects(
      build([
        "--tls-enable",
        "--acme-certificate",
        "example.com",
        "--acme-ca-file",
        join(dir, "missing.pem"),
      ]),
      /--acme-ca-file \(from command line\): cannot read it/,
    );
    writeFileSync(join(dir, "empty.pem"), "nothing here");
    await assert.rejects(
      build(["--tls-enable", "--acme-certificate", "example.com", "--acme-ca-file", join(dir, "empty.pem")]),
      /no PEM certificate in it/,
    );
  });

  test("pmmux exits with 2 and says --tls-enable is needed", () => {
    const r = runMain(["--acme-certificate", "example.com", "-p", "!:18080"], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /add --tls-enable/);
  });
});
