/**
 * The certificate store: selection by SNI (exact, single-label wildcard, generated, default), host names
 * case-insensitive, runtime changes, secure contexts built once, and the management API's error convention.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseCertificateMap, parseCertificateSpec } from "../../src/config/tls_spec.ts";
import { CertificateError } from "../../src/tls/certificate.ts";
import { CertificateStore } from "../../src/tls/store.ts";
import type { TlsProvider } from "../../src/management/types.ts";
import { CertFactory, type CertFiles, hasOpenssl } from "./certs.ts";

const skip = hasOpenssl() ? false : "the openssl CLI is not installed";

describe("CertificateStore", { skip }, () => {
  let f: CertFactory;
  const files: Record<string, CertFiles> = {};
  before(() => {
    f = new CertFactory();
    for (const name of ["exact", "wild", "dflt", "local", "other"]) files[name] = f.leaf(`${name}.test`);
  });
  after(() => f?.cleanup());

  const spec = (name: string, file = name) =>
    parseCertificateSpec(`${name}:path=${files[file].cert},key=${files[file].key}`);

  function store(options: ConstructorParameters<typeof CertificateStore>[0] = {}): CertificateStore {
    const s = new CertificateStore(options);
    s.addCertificate(spec("exact"));
    s.addCertificate(spec("wild"));
    s.addMapping(parseCertificateMap("exact:app.example.com"));
    s.addMapping(parseCertificateMap("wild:*.Example.com"));
    return s;
  }

  test("select() prefers the exact mapping, then the single-label wildcard, then the default certificate", () => {
    const s = store();
    s.addCertificate(spec("default", "dflt"));
    assert.equal(s.select("app.example.com")?.certificate.name, "exact");
    assert.equal(s.select("app.example.com")?.rule, "exact");
    assert.equal(s.select("api.example.com")?.certificate.name, "wild");
    assert.equal(s.select("api.example.com")?.rule, "wildcard");
    assert.equal(s.select("elsewhere.test")?.certificate.name, "default");
    assert.equal(s.select("elsewhere.test")?.rule, "default");
    assert.equal(s.select(undefined)?.certificate.name, "default");
  });

  test("select() matches a wildcard on one label only, and not the bare domain", () => {
    const s = store();
    assert.equal(s.select("a.b.example.com"), null);
    assert.equal(s.select("example.com"), null);
    assert.equal(s.select("x.example.com")?.certificate.name, "wild");
  });

  test("select() compares host names case-insensitively and ignores a trailing dot", () => {
    const s = store();
    assert.equal(s.select("APP.Example.COM")?.certificate.name, "exact");
    assert.equal(s.select("Api.EXAMPLE.com.")?.certificate.name, "wild");
    assert.deepEqual(s.listMappings().map((m) => m.hostname), ["app.example.com", "*.example.com"]);
  });

  test("select() falls back to the certificate mapped to localhost when none is named default", () => {
    const s = store();
    assert.equal(s.select("unknown.test"), null);
    s.addCertificate(spec("local"));
    s.addMapping({ certificate: "local", hostname: "LocalHost" });
    assert.equal(s.select("unknown.test")?.certificate.name, "local");
    assert.equal(s.select("unknown.test")?.rule, "default");
    s.addCertificate(spec("default", "dflt"));
    assert.equal(s.select("unknown.test")?.certificate.name, "default");
  });

  test("select() generates a certificate for an unknown name ahead of the default, and uses the default without SNI", () => {
    const s = store({ generate: true });
    s.addCertificate(spec("default", "dflt"));
    const got = s.select("new.test");
    assert.equal(got?.rule, "generated");
    assert.equal(got?.certificate.info.subject, "new.test");
    assert.deepEqual(got?.certificate.info.hostnames, ["new.test"]);
    assert.equal(got?.certificate.info.source, "generated");
    assert.equal(s.select(undefined)?.certificate.name, "default");
    assert.equal(s.select("app.example.com")?.rule, "exact");
    assert.equal(s.listCertificates().length, 3, "generated certificates are not listed");
  });

  test("select() generates for localhost when there is neither SNI nor a default, and never for odd names", () => {
    const s = new CertificateStore({ generate: true });
    assert.equal(s.select(undefined)?.certificate.info.subject, "localhost");
    assert.equal(s.select("bad name\u0000.test"), null);
  });

  test("select() builds a secure context once per certificate and again after the certificate is replaced", () => {
    const s = store();
    const first = s.select("app.example.com")!.context;
    assert.equal(s.select("app.example.com")!.context, first);
    assert.equal(s.select("APP.example.com")!.context, first);
    assert.ok(s.removeCertificate("exact"));
    s.addCertificate(spec("exact", "other"));
    const again = s.select("app.example.com")!;
    assert.notEqual(again.context, first);
    assert.equal(again.certificate.info.subject, "other.test");
  });

  test("runtime changes apply to the next selection; removed certificates leave their mappings skipped", () => {
    const s = store();
    s.addCertificate(spec("default", "dflt"));
    assert.ok(s.removeCertificate("exact"));
    assert.equal(s.removeCertificate("exact"), false);
    assert.equal(s.select("app.example.com")?.certificate.name, "wild", "falls to the wildcard");
    assert.ok(s.removeMapping({ hostname: "*.EXAMPLE.com", certificate: "wild" }));
    assert.equal(s.removeMapping({ hostname: "*.example.com" }), false);
    assert.equal(s.select("api.example.com")?.certificate.name, "default");
    assert.equal(
      s.removeMapping({ hostname: "app.example.com", certificate: "wild" }),
      false,
      "wrong certificate",
    );
    assert.ok(s.removeMapping({ hostname: "app.example.com" }));
    assert.deepEqual(s.listMappings(), []);
  });

  test("duplicates are RangeErrors and unknown certificates or unloadable files CertificateErrors", () => {
    const s = store();
    assert.throws(() => s.addCertificate(spec("exact")), RangeError);
    assert.throws(() => s.addMapping(parseCertificateMap("wild:APP.example.com")), RangeError);
    assert.throws(
      () => s.addMapping(parseCertificateMap("nope:x.test")),
      (e: Error) => e instanceof CertificateError && e.message === 'No certificate "nope" to map "x.test" to',
    );
    assert.throws(
      () => s.addCertificate(parseCertificateSpec("gone:path=/nonexistent.pem")),
      (e: Error) =>
        e instanceof CertificateError &&
        e.message === 'Cannot load certificate "gone": cannot read "/nonexistent.pem": no such file',
    );
    assert.equal(s.getCertificate("gone"), undefined);
  });

  test("listCertificates() describes every certificate without its key", () => {
    const s = store();
    const list = s.listCertificates();
    assert.deepEqual(list.map((c) => [c.name, c.subject, c.source]), [
      ["exact", "exact.test", "file"],
      ["wild", "wild.test", "file"],
    ]);
    assert.ok(!JSON.stringify(list).includes("PRIVATE KEY"));
  });

  test("the store is what the management API's TlsProvider expects", () => {
    const provider: TlsProvider = store();
    assert.equal((provider.listMappings() as unknown[]).length, 2);
  });
});
