/**
 * The ACME routes of the management API over a real manager (fake issuer, fake clock): list, renew, errors,
 * the token, and the OpenAPI description.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AcmeManager } from "../../src/acme/manager.ts";
import { AcmeStorage } from "../../src/acme/storage.ts";
import { parseAcmeCertificateSpec } from "../../src/config/tls_spec.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { withAcme } from "../../src/management/acme.ts";
import { createManagementApp } from "../../src/management/mod.ts";
import { CertificateStore } from "../../src/tls/store.ts";
import { FakeClock } from "../nat/fakes.ts";
import { startMux, type TestMux } from "../helpers/net.ts";
import { call } from "../management/helpers.ts";
import { FakeIssuer } from "./fakes.ts";

const dir = mkdtempSync(join(tmpdir(), "pmmux-acme-api-"));

function manager(issuing = true) {
  const clock = new FakeClock();
  const issuer = new FakeIssuer(() => clock.now(), [{ ok: false, error: "CA unreachable" }]);
  const m = new AcmeManager({
    certificates: [
      "example.com:http-01:san=www.example.com",
      "*.example.org:dns-01:provider=exec,command=/bin/true",
    ]
      .map(parseAcmeCertificateSpec),
    storage: new AcmeStorage(join(dir, `s${Math.random()}`)),
    issuer: issuing ? issuer : undefined,
    solver: () => ({ type: "http-01", present: () => Promise.resolve(), cleanup: () => Promise.resolve() }),
    clock,
    logger: createLogger({ level: "none" }),
  });
  m.installStored(new CertificateStore());
  m.start();
  return { m, issuer, clock };
}

describe("ACME management routes", () => {
  let mux: TestMux;
  after(async () => {
    await mux?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("GET /api/acme/certificates lists domain, sans, challenge, state, notAfter, lastError, nextAttempt", async () => {
    mux = await startMux(["web:echo"]);
    const { m, clock } = manager();
    await m.idle();
    const api = createManagementApp(withAcme({ app: mux.app }, m));
    const r = await call(api, "GET", "/api/acme/certificates");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body[0], {
      domain: "example.com",
      sans: ["www.example.com"],
      challenge: "http-01",
      state: "Error",
      notAfter: null,
      lastError: "CA unreachable",
      nextAttempt: new Date(clock.now() + 60_000).toISOString(),
    });
    assert.equal(r.body[1].domain, "*.example.org");
    assert.equal(r.body[1].challenge, "dns-01");
    await m.stop();
  });

  test("POST /api/acme/certificates/{domain}/renew starts an attempt and answers 202; unknown domains 404", async () => {
    const { m, issuer } = manager();
    await m.idle();
    const api = createManagementApp(withAcme({ app: mux.app }, m));
    const before = issuer.requests.length;
    issuer.script([{ hold: true }, { ok: true }]);
    const r = await call(api, "POST", "/api/acme/certificates/Example.com/renew");
    assert.equal(r.status, 202);
    assert.equal(r.body.domain, "example.com");
    await new Promise((res) => setTimeout(res, 10));
    assert.equal((await call(api, "GET", "/api/acme/certificates")).body[0].state, "Validating");
    issuer.release();
    await m.idle();
    assert.equal(issuer.requests.length, before + 1);
    assert.equal((await call(api, "GET", "/api/acme/certificates")).body[0].state, "Valid");
    for (const path of ["*.example.org", "%2A.example.org"]) {
      const wildcard = await call(api, "POST", `/api/acme/certificates/${path}/renew`);
      assert.equal(wildcard.status, 202, path);
      assert.equal(wildcard.body.domain, "*.example.org");
    }
    const missing = await call(api, "POST", "/api/acme/certificates/nope.test/renew");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: 'No ACME certificate for "nope.test"' });
    await m.stop();
  });

  test("renew with --acme-disable is 409; without ACME every route is 404", async () => {
    const { m } = manager(false);
    const api = createManagementApp(withAcme({ app: mux.app }, m));
    const r = await call(api, "POST", "/api/acme/certificates/example.com/renew");
    assert.equal(r.status, 409);
    assert.match(r.body.error, /ACME is disabled/);
    const none = createManagementApp(withAcme({ app: mux.app }, undefined));
    assert.equal((await call(none, "GET", "/api/acme/certificates")).status, 404);
    assert.match((await call(none, "GET", "/api/acme/certificates")).body.error, /ACME is not enabled/);
  });

  test("the routes need the token like every other, and the OpenAPI document describes them", async () => {
    const { m } = manager();
    const api = createManagementApp(withAcme({ app: mux.app, token: "s3cret" }, m));
    assert.equal((await call(api, "GET", "/api/acme/certificates")).status, 401);
    const auth = { authorization: "Bearer s3cret" };
    assert.equal((await call(api, "GET", "/api/acme/certificates", undefined, auth)).status, 200);
    const doc = (await call(api, "GET", "/openapi.json", undefined, auth)).body;
    assert.ok(doc.paths["/api/acme/certificates"].get);
    assert.ok(doc.paths["/api/acme/certificates/{domain}/renew"].post.responses["202"]);
    assert.ok(doc.tags.some((t: { name: string }) => t.name === "acme"));
    await m.stop();
  });
});
