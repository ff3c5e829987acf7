/**
 * ACME end to end against pebble (the ACME test CA) on loopback, pmmux run as its CLI on the test's runtime:
 * http-01 through pmmux's own listener, the certificate served by pmmux's TLS termination (`openssl s_client`
 * verifies it against pebble's root), a restart with the CA stopped serving the stored certificate, a renewal
 * through the management API validated on a temporary port-80 listener, external account binding, and dns-01
 * through TSIG-signed updates to BIND for a name and its wildcard. Needs root and `apt-get install pebble bind9` (see .ci/apt-deps).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import {
  type Daemon,
  freePort,
  runTool,
  Scratch,
  skipReason,
  waitForPort,
  which,
} from "./helpers/daemons.ts";
import { startMain } from "../helpers/spawn.ts";
import { net } from "../helpers/net.ts";

const skip = skipReason("ACME against pebble", ["pebble", "pebble-challtestsrv", "openssl", "curl"]);

type Pmmux = Awaited<ReturnType<typeof startMain>>;

/** What `openssl s_client` saw: the leaf's subject and fingerprint, and whether the chain verified. */
async function handshake(port: number, servername: string, rootPem: string) {
  const r = await runTool("openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-servername",
    servername,
    "-CAfile",
    rootPem,
    "-verify_hostname",
    servername,
    "-showcerts",
  ], { input: "", timeout: 15000 });
  const leaf = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  const cert = leaf ? new X509Certificate(leaf) : undefined;
  return {
    subject: cert?.subject ?? "",
    issuer: cert?.issuer ?? "",
    names: cert?.subjectAltName ?? "",
    fingerprint: cert?.fingerprint256 ?? "",
    verified: /Verify return code: 0 \(ok\)/.test(r.stdout),
    output: r.stdout + r.stderr,
  };
}

async function getJson(port: number, path: string): Promise<any> {
  // The management API may start a moment after the line a test waited for: retry a refused connect.
  let res: Response | undefined;
  for (let attempt = 0; res === undefined; attempt++) {
    try {
      res = await fetch(`http://127.0.0.1:${port}${path}`);
    } catch (err) {
      const text = `${(err as Error).message} ${(err as { cause?: unknown }).cause ?? ""}`;
      if (attempt >= 50 || !/ECONNREFUSED|refused/i.test(text)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return await res.json();
}

async function waitUntil<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function portFree(port: number): Promise<boolean> {
  try {
    (await (await net()).listenTcp({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

describe("ACME against pebble", { skip }, () => {
  const s = new Scratch("acme");
  const muxPort = { value: 0 };
  let challPort = 0;
  let pebblePort = 0;
  let pebbleMgmt = 0;
  let pebble: Daemon | undefined;
  let rootPem = "";
  let fingerprint = "";
  const running: Pmmux[] = [];

  /** Starts pebble validating http-01 on `httpPort`, names resolved by `dnsServer`. */
  async function startPebble(
    httpPort: number,
    dnsServer: string,
    eab?: Record<string, string>,
  ): Promise<Daemon> {
    const config = s.path(`pebble-${httpPort}-${eab ? "eab" : "open"}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${pebblePort}`,
          managementListenAddress: `127.0.0.1:${pebbleMgmt}`,
          certificate: s.path("pebble.pem"),
          privateKey: s.path("pebble.key"),
          httpPort,
          tlsPort: await freePort(),
          ocspResponderURL: "",
          externalAccountBindingRequired: eab !== undefined,
          ...(eab ? { externalAccountMACKeys: eab } : {}),
        },
      }),
    );
    // Deterministic pebble: no sleeps before validating, every challenge really checked, no rejected nonces,
    // no reused authorizations.
    const d = s.daemon("pebble", "env", [
      "PEBBLE_VA_NOSLEEP=1",
      "PEBBLE_VA_ALWAYS_VALID=0",
      "PEBBLE_WFE_NONCEREJECT=0",
      "PEBBLE_AUTHZREUSE=0",
      which("pebble")!,
      "-config",
      config,
      "-dnsserver",
      dnsServer,
    ]);
    await waitForPort(pebblePort, "127.0.0.1", 10000, "pebble");
    return d;
  }

  /** pebble's current root, which signs what it issues. */
  async function fetchRoot(name: string): Promise<string> {
    const path = s.path(name);
    const r = await runTool("curl", [
      "-sf",
      "--cacert",
      s.path("ca.pem"),
      "-o",
      path,
      `https://127.0.0.1:${pebbleMgmt}/roots/0`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return path;
  }

  function pmmuxArgs(mgmt: number, certs: string[], store = "store"): string[] {
    return [
      "-p",
      `!:${muxPort.value}:tcp:bind-address=127.0.0.1`,
      "--tls-enable",
      "-b",
      "web:echo",
      ...certs.flatMap((c) => ["--acme-certificate", c]),
      "--acme-server-url",
      `https://127.0.0.1:${pebblePort}/dir`,
      "--acme-ca-file",
      s.path("ca.pem"),
      "--acme-storage-path",
      s.path(store),
      "--acme-email",
      "ops@pmmux.test",
      "--management-enable",
      "--management-port",
      String(mgmt),
    ];
  }

  async function run(args: string[], needle: string, timeout = 60000): Promise<Pmmux> {
    // One left running by a failed test would hold the port.
    for (const old of running.splice(0)) await old.stop("SIGKILL").catch(() => {});
    const p = await startMain(args, { needle, timeout, cwd: s.dir });
    running.push(p);
    return p;
  }

  async function stop(p: Pmmux): Promise<void> {
    running.splice(running.indexOf(p), 1);
    assert.equal(await p.stop(), 0, p.output());
  }

  before(async () => {
    // pebble's own HTTPS certificate, from a CA that pmmux is told to trust with --acme-ca-file.
    const sh = (args: string[]) => runTool("openssl", args, { cwd: s.dir });
    await sh([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=pmmux test ACME server CA",
    ]);
    await sh([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "pebble.key",
      "-out",
      "pebble.csr",
      "-subj",
      "/CN=localhost",
    ]);
    writeFileSync(s.path("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    const signed = await sh([
      "x509",
      "-req",
      "-in",
      "pebble.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "pebble.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    assert.equal(signed.code, 0, signed.stderr);
    // Every name resolves to 127.0.0.1 for pebble.
    challPort = await freePort();
    s.daemon("challtestsrv", "pebble-challtestsrv", [
      "-http01",
      "",
      "-https01",
      "",
      "-tlsalpn01",
      "",
      "-dns01",
      `127.0.0.1:${challPort}`,
      "-management",
      `127.0.0.1:${await freePort()}`,
      "-defaultIPv6",
      "",
    ]);
    pebblePort = await freePort();
    pebbleMgmt = await freePort();
    muxPort.value = await freePort();
    pebble = await startPebble(muxPort.value, `127.0.0.1:${challPort}`);
    rootPem = await fetchRoot("root-1.pem");
  });
  after(async () => {
    for (const p of running.splice(0)) await p.stop("SIGKILL").catch(() => {});
    await s.cleanup();
  });

  test("http-01: pebble validates through pmmux's listener and pmmux's TLS serves the certificate", async () => {
    const mgmt = await freePort();
    const p = await run(
      pmmuxArgs(mgmt, ["site.pmmux.test:http-01:san=www.pmmux.test,bind-address=127.0.0.1"]),
      'Obtained the certificate for "site.pmmux.test"',
    );
    assert.match(p.output(), /answered ACME http-01 token/);
    for (const name of ["site.pmmux.test", "www.pmmux.test"]) {
      const h = await handshake(muxPort.value, name, rootPem);
      assert.ok(h.verified, h.output);
      assert.match(h.subject, /CN=site\.pmmux\.test/);
      assert.match(h.issuer, /Pebble Intermediate CA/);
      assert.match(h.names, /DNS:www\.pmmux\.test/);
      fingerprint = h.fingerprint;
    }
    const list = await getJson(mgmt, "/api/acme/certificates");
    assert.equal(list[0].state, "Valid");
    assert.equal(list[0].lastError, null);
    const mode = (await runTool("stat", [
      "-c",
      "%a",
      s.path("store"),
      s.path("store/certificates/site.pmmux.test.pem"),
      s.path("store/account.key"),
    ])).stdout.trim().split("\n");
    assert.deepEqual(mode, ["700", "600", "600"]);
    await stop(p);
  });

  test("a restart with the CA stopped serves the stored certificate at once", async () => {
    assert.ok(fingerprint, "the first test did not obtain a certificate");
    await pebble!.stop();
    const mgmt = await freePort();
    const p = await run(
      pmmuxArgs(mgmt, ["site.pmmux.test:http-01:san=www.pmmux.test,bind-address=127.0.0.1"]),
      'Serving the stored ACME certificate for "site.pmmux.test"',
    );
    const h = await handshake(muxPort.value, "www.pmmux.test", rootPem);
    assert.ok(h.verified, h.output);
    assert.equal(h.fingerprint, fingerprint);
    const list = await getJson(mgmt, "/api/acme/certificates");
    assert.equal(list[0].state, "Valid");
    assert.doesNotMatch(p.output(), /Requesting a certificate/);
    await stop(p);
  });

  test("a renewal through the API is validated on a temporary port-80 listener, which is gone afterwards", async (t) => {
    if (!(await portFree(80))) {
      t.skip("port 80 on 127.0.0.1 is in use");
      return;
    }
    pebble = await startPebble(80, `127.0.0.1:${challPort}`);
    const root = await fetchRoot("root-2.pem");
    const mgmt = await freePort();
    const p = await run(
      pmmuxArgs(mgmt, ["site.pmmux.test:http-01:san=www.pmmux.test,bind-address=127.0.0.1"]),
      "Management API on",
    );
    const res = await fetch(`http://127.0.0.1:${mgmt}/api/acme/certificates/site.pmmux.test/renew`, {
      method: "POST",
    });
    assert.equal(res.status, 202, await res.text());
    await waitUntil("the renewed certificate", 60000, async () => {
      const h = await handshake(muxPort.value, "site.pmmux.test", root);
      return h.verified && h.fingerprint !== fingerprint ? h : undefined;
    });
    const out = p.output();
    assert.match(out, /Opened a temporary listener on port 80/);
    assert.match(out, /Closed the temporary port 80 listener/);
    assert.equal(await portFree(80), true, "the temporary listener is still open");
    assert.equal((await getJson(mgmt, "/api/acme/certificates"))[0].state, "Valid");
    await stop(p);
    await pebble.stop();
  });

  test("external account binding: refused without it, issued with --acme-eab-kid/--acme-eab-hmac", async () => {
    await pebble?.stop();
    const hmac = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
    pebble = await startPebble(muxPort.value, `127.0.0.1:${challPort}`, { "kid-1": hmac });
    const cert = "eab.pmmux.test:http-01:bind-address=127.0.0.1";
    const mgmt = await freePort();
    const without = await run(pmmuxArgs(mgmt, [cert], "store-eab"), "Cannot obtain a certificate");
    const failed = (await getJson(mgmt, "/api/acme/certificates"))[0];
    assert.equal(failed.state, "Error");
    assert.match(failed.lastError, /externalAccountBinding/);
    await stop(without);
    const p = await run(
      [
        ...pmmuxArgs(await freePort(), [cert], "store-eab"),
        "--acme-eab-kid",
        "kid-1",
        "--acme-eab-hmac",
        hmac,
      ],
      'Obtained the certificate for "eab.pmmux.test"',
    );
    const h = await handshake(muxPort.value, "eab.pmmux.test", await fetchRoot("root-eab.pem"));
    assert.ok(h.verified, h.output);
    await stop(p);
    await pebble.stop();
  });

  describe("dns-01 with rfc2136 against BIND", {
    skip: which("named") ? false : "named (bind9) is not installed",
  }, () => {
    const secret = Buffer.from("pmmux-acme-system-test-tsig-key!").toString("base64");
    let dnsPort = 0;
    let named: Daemon;

    before(async () => {
      dnsPort = await freePort();
      const zone = s.path("db.pmmux.test");
      writeFileSync(
        zone,
        "$TTL 60\n@ IN SOA ns.pmmux.test. admin.pmmux.test. 1 60 60 600 60\n@ IN NS ns.pmmux.test.\nns IN A 127.0.0.1\n",
      );
      writeFileSync(
        s.path("named.conf"),
        `options {
  directory "${s.dir}";
  listen-on port ${dnsPort} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${s.path("named.pid")}";
  session-keyfile "${s.path("session.key")}";
  managed-keys-directory "${s.dir}";
  recursion no;
  dnssec-validation no;
};
key "acme-key" { algorithm hmac-sha256; secret "${secret}"; };
zone "pmmux.test" { type primary; file "${zone}"; allow-update { key "acme-key"; }; };
`,
      );
      named = s.daemon("named", "named", ["-g", "-c", s.path("named.conf"), "-u", "root"]);
      await waitForPort(dnsPort, "127.0.0.1", 10000, "named");
      pebble = await startPebble(await freePort(), `127.0.0.1:${dnsPort}`);
    });

    test("a name and its wildcard are validated through TSIG-signed updates, and the records are removed", async () => {
      const root = await fetchRoot("root-3.pem");
      const mgmt = await freePort();
      const spec =
        `dns.pmmux.test:dns-01:san=*.dns.pmmux.test,provider=rfc2136,server=127.0.0.1,port=${dnsPort},` +
        `key-name=acme-key,key-algorithm=hmac-sha256,key-secret="${secret}"`;
      const p = await run(pmmuxArgs(mgmt, [spec]), 'Obtained the certificate for "dns.pmmux.test"');
      for (const name of ["dns.pmmux.test", "anything.dns.pmmux.test"]) {
        const h = await handshake(muxPort.value, name, root);
        assert.ok(h.verified, `${name}: ${h.output}`);
        assert.match(h.names, /DNS:\*\.dns\.pmmux\.test/);
      }
      // Both values were added to one name (they coexist), then each was deleted.
      const log = named.output();
      assert.equal(
        (log.match(/adding an RR at '_acme-challenge\.dns\.pmmux\.test' TXT/g) ?? []).length,
        2,
        log,
      );
      const left = await runTool("dig", [
        "@127.0.0.1",
        "-p",
        String(dnsPort),
        "+short",
        "TXT",
        "_acme-challenge.dns.pmmux.test",
      ]);
      assert.equal(left.stdout.trim(), "");
      assert.equal((await getJson(mgmt, "/api/acme/certificates"))[0].state, "Valid");
      await stop(p);
    });
  });
});
