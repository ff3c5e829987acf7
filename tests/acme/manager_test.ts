import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AcmeManager, type AcmeManagerOptions, storeName } from "../../src/acme/manager.ts";
import { AcmeStorage } from "../../src/acme/storage.ts";
import type { ChallengeSolver } from "../../src/acme/types.ts";
import { parseAcmeCertificateSpec } from "../../src/config/tls_spec.ts";
import { createLogger, memorySink } from "../../src/logging/logger.ts";
import { CertificateStore } from "../../src/tls/store.ts";
import { createCertificate, readPrivateKey } from "../../src/tls/certificate.ts";
import { FakeClock, settle } from "../nat/fakes.ts";
import { FakeIssuer, makeCertificate, type Step } from "./fakes.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
const root = mkdtempSync(join(tmpdir(), "pmmux-acme-manager-"));
let dirs = 0;

function setup(
  specs: string[],
  options:
    & { steps?: Step[]; issuing?: boolean; store?: CertificateStore; storage?: AcmeStorage }
    & Partial<
      AcmeManagerOptions
    > = {},
) {
  const clock = new FakeClock();
  const sink = memorySink();
  const logger = createLogger({ level: "debug", sinks: [sink], now: () => clock.now() });
  const issuer = new FakeIssuer(() => clock.now(), options.steps);
  const storage = options.storage ?? new AcmeStorage(join(root, `s${++dirs}`));
  const store = options.store ?? new CertificateStore();
  const prepared: string[] = [];
  const solver = (): ChallengeSolver => ({
    type: "http-01",
    prepare: () => {
      prepared.push("open");
      return Promise.resolve(() => {
        prepared.push("close");
        return Promise.resolve();
      });
    },
    present: () => Promise.resolve(),
    cleanup: () => Promise.resolve(),
  });
  const manager = new AcmeManager({
    certificates: specs.map(parseAcmeCertificateSpec),
    storage,
    issuer: options.issuing === false ? undefined : issuer,
    solver,
    clock,
    logger,
    ...options,
  });
  const warnings = () => sink.lines.filter((l) => l.includes(" warn "));
  return { clock, issuer, storage, store, manager, prepared, sink, warnings };
}

/** Stores a certificate for `names` valid from `from` for `days` days, as a previous run would have. */
function stored(storage: AcmeStorage, names: string[], from: number, days: number): void {
  const c = makeCertificate(names, from, from + days * DAY);
  storage.writeCertificate(names[0], c.keyPem, c.chainPem);
}

describe("AcmeManager", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  test("installStored() serves the stored certificate at once, mapped to each of its names, with no CA", () => {
    const { storage, store, manager, issuer, clock } = setup(["example.com:http-01:san=www.example.com"]);
    stored(storage, ["example.com", "www.example.com"], clock.now() - DAY, 90);
    assert.equal(manager.installStored(store), 1);
    const selected = store.select("www.example.com");
    assert.equal(selected?.certificate.name, storeName("example.com"));
    assert.equal(selected?.rule, "exact");
    assert.equal(store.getCertificate("acme-example.com")?.info.source, "acme");
    assert.deepEqual(store.listMappings().map((m) => m.hostname), ["example.com", "www.example.com"]);
    assert.equal(manager.list()[0].state, "Valid");
    assert.equal(issuer.requests.length, 0);
  });

  test("a valid stored certificate is not requested again; its renewal waits for the lead", async () => {
    const { storage, store, manager, issuer, clock } = setup(["example.com"]);
    stored(storage, ["example.com"], clock.now(), 90);
    manager.installStored(store);
    manager.start();
    await clock.advance(59 * DAY);
    assert.equal(issuer.requests.length, 0, "renewed before the lead");
    assert.equal(manager.list()[0].nextAttempt, new Date(clock.start + 60 * DAY).toISOString());
    await clock.advance(DAY + MINUTE);
    await manager.idle();
    assert.equal(issuer.requests.length, 1, "not renewed at the lead (timers past 24 days must still fire)");
    const s = manager.list()[0];
    assert.equal(s.state, "Valid");
    assert.equal(s.notAfter, new Date(clock.start + 150 * DAY).toISOString());
  });

  test("a missing certificate goes Pending → Validating → Valid, and is stored, installed and mapped", async () => {
    const { store, storage, manager, issuer, clock, prepared } = setup([
      "example.com:http-01:san=a.example.com",
    ], {
      steps: [{ hold: true }, { ok: true }],
    });
    manager.installStored(store);
    assert.equal(manager.list()[0].state, "Pending");
    manager.start();
    await settle();
    assert.equal(manager.list()[0].state, "Validating");
    assert.equal(manager.list()[0].nextAttempt, null);
    assert.deepEqual(issuer.requests[0].domains, ["example.com", "a.example.com"]);
    issuer.release();
    await manager.idle();
    const s = manager.list()[0];
    assert.equal(s.state, "Valid");
    assert.equal(s.lastError, null);
    assert.deepEqual(s.sans, ["a.example.com"]);
    assert.equal(s.challenge, "http-01");
    assert.deepEqual(prepared, ["open", "close"]);
    assert.match(storage.readCertificate("example.com") ?? "", /PRIVATE KEY[\s\S]+CERTIFICATE/);
    assert.equal(store.select("a.example.com")?.certificate.name, "acme-example.com");
    void clock;
  });

  test("failures are retried with exponential backoff without a limit, and the state says Error", async () => {
    const { store, manager, issuer, clock, warnings } = setup(["example.com"], {
      steps: [{ ok: false, error: "connect ECONNREFUSED 127.0.0.1:14000" }],
      retry: { initial: MINUTE, max: 16 * MINUTE },
    });
    manager.installStored(store);
    manager.start();
    await manager.idle();
    assert.equal(issuer.requests.length, 1);
    let s = manager.list()[0];
    assert.equal(s.state, "Error");
    assert.equal(s.lastError, "connect ECONNREFUSED 127.0.0.1:14000");
    assert.equal(s.nextAttempt, new Date(clock.now() + MINUTE).toISOString());
    assert.match(
      warnings()[0],
      /Cannot obtain a certificate for "example.com" \(attempt 1\): connect ECONNREFUSED .*next attempt in 60 s/,
    );
    const gaps: number[] = [];
    let last = clock.now();
    for (let i = 0; i < 12; i++) {
      const before: number = issuer.requests.length;
      while (issuer.requests.length === before) await clock.advance(MINUTE);
      await manager.idle();
      gaps.push((clock.now() - last) / MINUTE);
      last = clock.now();
    }
    assert.deepEqual(gaps, [1, 2, 4, 8, 16, 16, 16, 16, 16, 16, 16, 16]);
    s = manager.list()[0];
    assert.equal(s.state, "Error");
    issuer.script([{ ok: true }]);
    await clock.advance(16 * MINUTE);
    await manager.idle();
    s = manager.list()[0];
    assert.equal(s.state, "Valid");
    assert.equal(s.lastError, null);
  });

  test("a stored certificate within the renewal lead is RenewalDue and renewed at once", async () => {
    const { storage, store, manager, issuer, clock } = setup(["example.com"], { renewalLeadDays: 30 });
    stored(storage, ["example.com"], clock.now() - 70 * DAY, 90);
    manager.installStored(store);
    assert.equal(manager.list()[0].state, "RenewalDue");
    const before = store.getCertificate("acme-example.com");
    manager.start();
    await manager.idle();
    assert.equal(issuer.requests.length, 1);
    assert.equal(manager.list()[0].state, "Valid");
    assert.notEqual(
      store.getCertificate("acme-example.com"),
      before,
      "the renewed certificate replaces the old one",
    );
  });

  test("an expired stored certificate is Expired and still served until a new one arrives", async () => {
    const { storage, store, manager, clock } = setup(["example.com"], {
      steps: [{ ok: false, error: "CA down" }],
    });
    stored(storage, ["example.com"], clock.now() - 100 * DAY, 90);
    manager.installStored(store);
    manager.start();
    await manager.idle();
    const s = manager.list()[0];
    assert.equal(s.state, "Expired");
    assert.equal(s.lastError, "CA down");
    assert.equal(store.select("example.com")?.certificate.name, "acme-example.com");
  });

  test("a stored certificate lacking a name now asked for is served and requested again with every name", async () => {
    const { storage, store, manager, issuer, clock } = setup(["example.com:http-01:san=new.example.com"]);
    stored(storage, ["example.com"], clock.now(), 90);
    manager.installStored(store);
    assert.equal(manager.list()[0].state, "RenewalDue");
    assert.equal(store.select("example.com")?.certificate.name, "acme-example.com");
    manager.start();
    await manager.idle();
    assert.deepEqual(issuer.requests[0].domains, ["example.com", "new.example.com"]);
    assert.equal(manager.list()[0].state, "Valid");
  });

  test("renew() starts an attempt at once despite the backoff; unknown domains give undefined", async () => {
    const { store, manager, issuer } = setup(["example.com", "other.test"], {
      steps: [{ ok: false, error: "rate limited" }],
    });
    manager.installStored(store);
    manager.start();
    await manager.idle();
    assert.equal(issuer.requests.length, 2);
    issuer.script([{ ok: true }]);
    const s = manager.renew("EXAMPLE.com");
    assert.ok(s);
    await manager.idle();
    assert.equal(issuer.requests.length, 3);
    assert.equal(manager.list()[0].state, "Valid");
    assert.equal(manager.list()[1].state, "Error");
    assert.equal(manager.renew("nope.test"), undefined);
  });

  test("attempts run one at a time, in configuration order", async () => {
    const { store, manager, issuer } = setup(["a.test", "b.test", "c.test"], {
      steps: [{ hold: true }, { ok: true }],
    });
    manager.installStored(store);
    manager.start();
    await settle();
    assert.deepEqual(manager.list().map((s) => s.state), ["Validating", "Pending", "Pending"]);
    issuer.script([{ ok: true }]);
    issuer.release();
    await manager.idle();
    assert.deepEqual(issuer.requests.map((r) => r.domains[0]), ["a.test", "b.test", "c.test"]);
    assert.deepEqual(manager.list().map((s) => s.state), ["Valid", "Valid", "Valid"]);
  });

  test("with --acme-disable, stored certificates are served and nothing is requested", async () => {
    const { storage, store, manager, issuer, clock } = setup(["example.com", "missing.test"], {
      issuing: false,
    });
    stored(storage, ["example.com"], clock.now() - 80 * DAY, 90);
    manager.installStored(store);
    manager.start();
    await clock.advance(30 * DAY);
    assert.equal(issuer.requests.length, 0);
    assert.deepEqual(manager.list().map((s) => [s.state, s.nextAttempt]), [["Expired", null], [
      "Pending",
      null,
    ]]);
    assert.throws(() => manager.renew("example.com"), /ACME is disabled/);
  });

  test("a host name the user mapped to another certificate stays with it, with one warning", () => {
    const store = new CertificateStore();
    const { storage, manager, clock, warnings } = setup(["example.com:http-01:san=www.example.com"], {
      store,
    });
    const mine = makeCertificate(["www.example.com"], clock.now(), clock.now() + 90 * DAY);
    store.install(createCertificate("mine", [mine.chainPem], readPrivateKey(mine.keyPem), "file"));
    store.addMapping({ certificate: "mine", hostname: "www.example.com" });
    stored(storage, ["example.com", "www.example.com"], clock.now(), 90);
    manager.installStored(store);
    assert.equal(store.select("www.example.com")?.certificate.name, "mine");
    assert.equal(store.select("example.com")?.certificate.name, "acme-example.com");
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0], /Host name "www.example.com" stays mapped to certificate "mine"/);
  });

  test("a stored file that does not parse is logged and treated as missing", async () => {
    const { storage, store, manager, issuer, warnings } = setup(["example.com"]);
    storage.writeCertificate("example.com", "garbage", "more garbage");
    assert.equal(manager.installStored(store), 0);
    assert.match(warnings()[0], /Cannot use the stored certificate .*example\.com\.pem/);
    manager.start();
    await manager.idle();
    assert.equal(issuer.requests.length, 1);
    assert.equal(manager.list()[0].state, "Valid");
  });

  test("a certificate that cannot be stored is served anyway, and not requested again at once", async () => {
    const blocked = join(root, `blocked${++dirs}`);
    writeFileSync(blocked, "a file where the storage directory should be");
    const { store, manager, issuer, clock, sink } = setup(["example.com"], {
      storage: new AcmeStorage(blocked),
    });
    manager.installStored(store);
    manager.start();
    await manager.idle();
    assert.equal(manager.list()[0].state, "Valid");
    assert.equal(store.select("example.com")?.certificate.name, "acme-example.com");
    assert.match(
      sink.lines.join("\n"),
      /Cannot store the certificate for "example.com" in .*: .*requested again after a restart/,
    );
    await clock.advance(DAY);
    assert.equal(issuer.requests.length, 1);
  });

  test("stop() ends the schedule: no attempt happens afterwards", async () => {
    const { store, manager, issuer, clock } = setup(["example.com"], {
      steps: [{ ok: false, error: "down" }],
    });
    manager.installStored(store);
    manager.start();
    await manager.idle();
    await manager.stop();
    await clock.advance(DAY);
    assert.equal(issuer.requests.length, 1);
    assert.equal(clock.pending, 0);
    assert.throws(() => manager.renew("example.com"), /not running/);
  });
});
