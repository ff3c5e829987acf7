/**
 * TLS from the configuration: `--tls-enable` gates it, certificates and maps load at startup, and a bad
 * certificate or map stops startup with exit code 2 and a message naming the value and the reason.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { createTlsFromConfig } from "../../src/tls/from_config.ts";
import { runMain, startMain } from "../helpers/spawn.ts";
import { connect, net, readUntil, serve, type TestServer } from "../helpers/net.ts";
import { CertFactory, type CertFiles, hasOpenssl } from "./certs.ts";
import { sClient } from "./clients.ts";

const skip = hasOpenssl() ? false : "the openssl CLI is not installed";

/** A port that was free a moment ago (the subprocess binds it itself). */
async function freePort(): Promise<number> {
  const listener = await (await net()).listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

function config(argv: string[]) {
  return loadConfig({ argv, env: {}, cwd: tmpdir(), readTextFile: () => undefined });
}

function build(argv: string[]) {
  const sink = memorySink();
  const tls = createTlsFromConfig(config(argv), { logger: createLogger({ level: "debug", sinks: [sink] }) });
  return { tls, logs: sink.lines };
}

describe("createTlsFromConfig()", { skip }, () => {
  let f: CertFactory;
  let site: CertFiles;
  before(() => {
    f = new CertFactory();
    site = f.leaf("site.test");
  });
  after(() => f?.cleanup());

  test("builds nothing without --tls-enable, even with certificates given", () => {
    assert.equal(build(["--tls-certificate", `s:path=${site.cert},key=${site.key}`]).tls, undefined);
  });

  test("loads certificates and maps, and carries --tls-protocol into the store", () => {
    const { tls, logs } = build([
      "--tls-enable",
      "--tls-protocol",
      "tls13",
      "--tls-certificate",
      `s:path=${site.cert},key=${site.key}`,
      "--tls-certificate-map",
      "s:*.Site.test",
    ]);
    assert.ok(tls);
    assert.equal(tls.name, "tls");
    assert.deepEqual(tls.store.protocols, ["tls13"]);
    assert.equal(tls.store.select("a.site.test")?.certificate.name, "s");
    assert.ok(logs.some((l) => /Certificate "s" loaded: site\.test/.test(l)));
  });

  test("warns when TLS is enabled with nothing to serve", () => {
    const { logs } = build(["--tls-enable"]);
    assert.ok(logs.some((l) => /handshakes will be refused/.test(l)));
  });

  const bad: [string, string[], RegExp][] = [
    [
      "a missing certificate file",
      ["--tls-certificate", "x:path=/nonexistent/x.pem"],
      /^Invalid value "x:path=\/nonexistent\/x\.pem" for --tls-certificate \(from command line\): cannot read "\/nonexistent\/x\.pem": no such file$/,
    ],
    [
      "a key that does not match",
      ["--tls-certificate", "x:path=CERT,key=OTHERKEY"],
      /--tls-certificate .*: the private key does not match the certificate$/,
    ],
    [
      "a duplicate certificate name",
      ["--tls-certificate", "x:path=CERT,key=KEY", "--tls-certificate", "x:path=CERT,key=KEY"],
      /--tls-certificate .*: a certificate named "x" exists already$/,
    ],
    [
      "a map to an unknown certificate",
      ["--tls-certificate-map", "nope:a.test"],
      /^Invalid value "nope:a\.test" for --tls-certificate-map \(from command line\): no certificate "nope"/,
    ],
    [
      "a host name mapped twice",
      [
        "--tls-certificate",
        "x:path=CERT,key=KEY",
        "--tls-certificate-map",
        "x:a.test",
        "--tls-certificate-map",
        "x:A.test",
      ],
      /--tls-certificate-map .*: host name "a\.test" is mapped to certificate "x" already$/,
    ],
  ];
  for (const [what, args, message] of bad) {
    test(`throws a ConfigError for ${what}`, () => {
      const other = f.leaf("other.test");
      const argv = args.map((a) =>
        a.replace("CERT", site.cert).replace("OTHERKEY", other.key).replace("KEY", site.key)
      );
      assert.throws(
        () => build(["--tls-enable", ...argv]),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  test("the entry point exits with code 2 naming the value and the reason for a bad certificate file", () => {
    const r = runMain(["--tls-enable", "--tls-certificate", "x:path=/nonexistent/x.pem"], { cwd: tmpdir() });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /"x:path=\/nonexistent\/x\.pem" for --tls-certificate.*no such file/);
  });

  describe("the entry point", () => {
    let backend: TestServer;
    before(async () => {
      backend = await serve(async (conn) => {
        await conn.write(new TextEncoder().encode("backend\n"));
        await readUntil(conn, "never", 3000).catch(() => {});
      });
    });
    after(() => backend?.close());

    for (const enabled of [true, false]) {
      test(`${enabled ? "terminates TLS with --tls-enable" : "passes TLS through untouched without --tls-enable"}`, async () => {
        const port = await freePort();
        const args = [
          "-p",
          `!:${port}:tcp:bind-address=127.0.0.1`,
          "-b",
          `b:pass:target.ip=127.0.0.1,target.port=${backend.port}`,
          ...(enabled ? ["--tls-enable", "--tls-generate-certificates"] : ["--tls-generate-certificates"]),
        ];
        const p = await startMain(args, { cwd: tmpdir() });
        try {
          const r = await sClient(port, "cli.test", { until: /backend\n/, timeout: 10000 });
          const out = r.out;
          if (enabled) {
            assert.match(out, /s:CN\s?=\s?cli\.test/, out);
            assert.match(out, /backend\n/);
          } else {
            assert.doesNotMatch(out, /s:CN\s?=\s?cli\.test/);
            const c = await connect(port);
            assert.equal(await readUntil(c, "backend\n"), "backend\n", "plain clients reach the backend");
            c.close();
          }
        } finally {
          await p.stop();
        }
      });
    }
  });
});
