/**
 * Generated self-signed certificates: valid for the name asked, cached, the cache bounded (LRU), and generated
 * anew before they expire.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { SelfSignedCache } from "../../src/tls/self_signed.ts";

const MINUTE = 60_000;

describe("SelfSignedCache", () => {
  test("get() returns a certificate for the name whose key matches and that node:tls accepts", () => {
    const cache = new SelfSignedCache();
    const cert = cache.get("gen.example");
    const x509 = new X509Certificate(cert.certPem);
    assert.equal(x509.subject.split("\n").find((l) => l.startsWith("CN=")), "CN=gen.example");
    assert.equal(x509.subjectAltName, "DNS:gen.example");
    assert.equal(x509.subject, x509.issuer);
    assert.ok(x509.checkPrivateKey(createPrivateKey(cert.keyPem)));
    assert.ok(x509.checkHost("gen.example"));
    assert.ok(x509.verify(x509.publicKey), "self-signed signature verifies");
    assert.equal(cert.info.source, "generated");
    createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  });

  test("get() returns the cached certificate for a name it has seen", () => {
    const cache = new SelfSignedCache();
    const a = cache.get("a.example");
    assert.equal(cache.get("a.example"), a);
    assert.notEqual(cache.get("b.example").info.fingerprint, a.info.fingerprint);
    assert.equal(cache.generated, 2);
  });

  test("the cache keeps at most `capacity` names and drops the least recently used", () => {
    const cache = new SelfSignedCache({ capacity: 3 });
    for (const n of ["a", "b", "c"]) cache.get(`${n}.example`);
    cache.get("a.example"); // a is now the most recently used; b the least
    cache.get("d.example");
    assert.equal(cache.size, 3);
    assert.ok(cache.has("a.example"));
    assert.ok(!cache.has("b.example"));
    assert.ok(cache.has("c.example") && cache.has("d.example"));
    for (let i = 0; i < 20; i++) cache.get(`n${i}.example`);
    assert.equal(cache.size, 3);
  });

  test("a certificate is generated anew once less than `renewBefore` is left of its validity", () => {
    let now = Date.UTC(2030, 0, 1);
    const cache = new SelfSignedCache({ lifetime: 60 * MINUTE, renewBefore: 10 * MINUTE, now: () => now });
    const first = cache.get("renew.example");
    assert.equal(Date.parse(first.info.notAfter), now + 60 * MINUTE);
    now += 45 * MINUTE;
    assert.equal(cache.get("renew.example"), first, "still 15 minutes left");
    now += 6 * MINUTE;
    const second = cache.get("renew.example");
    assert.notEqual(second, first);
    assert.notEqual(second.info.fingerprint, first.info.fingerprint);
    assert.equal(Date.parse(second.info.notAfter), now + 60 * MINUTE);
    assert.ok(Date.parse(second.info.notBefore) < now, "backdated for clients whose clock runs behind");
    assert.equal(cache.size, 1);
  });

  test("generating a certificate takes milliseconds once the key exists (native signature)", () => {
    const cache = new SelfSignedCache();
    cache.get("warm.example");
    const started = performance.now();
    for (let i = 0; i < 10; i++) cache.get(`fast${i}.example`);
    const each = (performance.now() - started) / 10;
    assert.ok(each < 50, `${each.toFixed(1)} ms per certificate`);
  });
});
