/**
 * Loading certificates from `--tls-certificate` specs: PEM (separate and embedded key, chains), PKCS#12 with
 * a password, DER, inline base64, and the errors for files that cannot serve.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { parseCertificateSpec } from "../../src/config/tls_spec.ts";
import { CertificateError, pemCertificates } from "../../src/tls/certificate.ts";
import { loadCertificate } from "../../src/tls/load.ts";
import { CertFactory, type CertFiles, hasOpenssl, text } from "./certs.ts";

const skip = hasOpenssl() ? false : "the openssl CLI is not installed";

function subjects(pem: string): string[] {
  return pemCertificates(pem).map((p) => new X509Certificate(p).subject);
}

describe("loadCertificate()", { skip }, () => {
  let f: CertFactory;
  let ca: CertFiles;
  let site: CertFiles;
  let rsa: CertFiles;
  before(() => {
    f = new CertFactory();
    ca = f.ca();
    site = f.leaf("site.example", { ca, sans: ["site.example", "www.site.example"] });
    rsa = f.leaf("rsa.example", { keyType: "rsa" });
  });
  after(() => f?.cleanup());

  test("loads a PEM certificate with a separate key file and reports its facts", () => {
    const cert = loadCertificate(parseCertificateSpec(`site:path=${site.cert},key=${site.key}`));
    assert.equal(cert.name, "site");
    assert.equal(cert.info.subject, "site.example");
    assert.equal(cert.info.issuer, "pmmux Test CA");
    assert.deepEqual(cert.info.hostnames, ["site.example", "www.site.example"]);
    assert.equal(cert.info.source, "file");
    assert.match(cert.info.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(Date.parse(cert.info.notAfter) > Date.now() + 29 * 86400_000);
    assert.ok(Date.parse(cert.info.notBefore) <= Date.now());
    assert.match(cert.keyPem, /-----BEGIN PRIVATE KEY-----/);
  });

  test("serves a chain whole, leaf first, even when the file lists the issuer first", () => {
    const reversed = f.write("reversed.pem", text(ca.cert) + text(site.cert) + text(site.key));
    const cert = loadCertificate(parseCertificateSpec(`site:path=${reversed}`));
    assert.deepEqual(subjects(cert.certPem), ["CN=site.example", "CN=pmmux Test CA"]);
    assert.equal(cert.info.chainLength, 2);
  });

  test("loads a PEM file with an embedded RSA key", () => {
    const both = f.write("rsa_both.pem", text(rsa.key) + text(rsa.cert));
    const cert = loadCertificate(parseCertificateSpec(`r:path=${both}`));
    assert.equal(cert.info.subject, "rsa.example");
    assert.equal(cert.info.chainLength, 1);
  });

  test("loads PKCS#12 with a password, with its chain (OpenSSL 3 default and legacy encryption)", () => {
    for (const legacy of [false, true]) {
      const p12 = f.pkcs12(site, "s3cret,x", legacy);
      const cert = loadCertificate(parseCertificateSpec(`p:path=${p12},password="s3cret,x"`));
      assert.equal(cert.info.subject, "site.example");
      assert.deepEqual(subjects(cert.certPem), ["CN=site.example", "CN=pmmux Test CA"]);
    }
  });

  test("loads PKCS#12 holding an RSA key", () => {
    const cert = loadCertificate(parseCertificateSpec(`p:path=${f.pkcs12(rsa, "pw")},password=pw`));
    assert.equal(cert.info.subject, "rsa.example");
  });

  test("refuses PKCS#12 with a wrong or missing password, saying so", () => {
    const p12 = f.pkcs12(site, "right");
    assert.throws(
      () => loadCertificate(parseCertificateSpec(`p:path=${p12},password=wrong`)),
      (e: Error) => e instanceof CertificateError && /PKCS#12.*password/i.test(e.message),
    );
    assert.throws(
      () => loadCertificate(parseCertificateSpec(`p:path=${p12}`)),
      (e: Error) => e instanceof CertificateError && /no password= given/.test(e.message),
    );
  });

  test("loads a DER certificate with a DER key file, and asks for the key when it is missing", () => {
    const der = f.der(site);
    const cert = loadCertificate(parseCertificateSpec(`d:path=${der.cert},key=${der.key}`));
    assert.equal(cert.info.subject, "site.example");
    assert.throws(
      () => loadCertificate(parseCertificateSpec(`d:path=${der.cert}`)),
      /DER certificate needs a key file/,
    );
  });

  test("loads inline base64: PEM with its key, PKCS#12 and DER told apart without type=", () => {
    const pem = Buffer.from(text(site.chain) + text(site.key)).toString("base64");
    assert.equal(loadCertificate(parseCertificateSpec(`i:certificate="${pem}"`)).info.source, "inline");
    const p12 = readFileSync(f.pkcs12(site, "pw")).toString("base64");
    const fromP12 = loadCertificate(parseCertificateSpec(`i:certificate="${p12}",password=pw`));
    assert.equal(fromP12.info.chainLength, 2);
    const der = f.der(site);
    const b64 = readFileSync(der.cert).toString("base64");
    const fromDer = loadCertificate(parseCertificateSpec(`i:certificate="${b64}",key=${der.key}`));
    assert.equal(fromDer.info.subject, "site.example");
  });

  test("names the file and the reason when a file cannot be read", () => {
    assert.throws(
      () => loadCertificate(parseCertificateSpec("x:path=/nonexistent/site.pem")),
      (e: Error) =>
        e instanceof CertificateError && e.message === 'cannot read "/nonexistent/site.pem": no such file',
    );
  });

  test("refuses a key that does not belong to the certificate", () => {
    assert.throws(
      () => loadCertificate(parseCertificateSpec(`x:path=${site.cert},key=${rsa.key}`)),
      /private key does not match the certificate/,
    );
  });

  test("refuses a PEM file without a key and a file without certificates", () => {
    assert.throws(() => loadCertificate(parseCertificateSpec(`x:path=${site.cert}`)), /no private key/);
    const keyOnly = f.write("key_only.pem", text(site.key));
    assert.throws(() => loadCertificate(parseCertificateSpec(`x:path=${keyOnly}`)), /no PEM certificate/);
  });
});
