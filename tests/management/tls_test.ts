import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { CertificateMapping, CertificateSpec } from "../../src/config/spec.ts";
import type { TlsCertificateInfo, TlsMappingInfo, TlsProvider } from "../../src/management/mod.ts";
import { call, withApi } from "./helpers.ts";

/** An in-memory TLS provider following the documented error convention. */
class MemoryTls implements TlsProvider {
  certs = new Map<string, CertificateSpec>();
  maps: TlsMappingInfo[] = [];

  listCertificates(): TlsCertificateInfo[] {
    return [...this.certs.values()].map((c) => ({ name: c.name, source: c.path ? "file" : "inline" }));
  }
  addCertificate(spec: CertificateSpec): Promise<TlsCertificateInfo> {
    if (this.certs.has(spec.name)) {
      return Promise.reject(new RangeError(`Duplicate certificate "${spec.name}"`));
    }
    if (spec.path === "/missing.pem") {
      return Promise.reject(new Error(`Cannot read "${spec.path}": no such file`));
    }
    this.certs.set(spec.name, spec);
    return Promise.resolve({ name: spec.name, source: "file" });
  }
  removeCertificate(name: string): boolean {
    return this.certs.delete(name);
  }
  listMappings(): TlsMappingInfo[] {
    return this.maps;
  }
  addMapping(m: CertificateMapping): void {
    if (!this.certs.has(m.certificate)) throw new Error(`Unknown certificate "${m.certificate}"`);
    if (this.maps.some((x) => x.hostname === m.hostname)) {
      throw new RangeError(`"${m.hostname}" is mapped already`);
    }
    this.maps.push({ certificate: m.certificate, hostname: m.hostname });
  }
  removeMapping(m: TlsMappingInfo): boolean {
    const before = this.maps.length;
    this.maps = this.maps.filter((x) => x.hostname !== m.hostname || x.certificate !== m.certificate);
    return this.maps.length < before;
  }
}

describe("management API: TLS", () => {
  test("every TLS route answers 404 when TLS is not enabled", async () => {
    const f = await withApi([]);
    try {
      for (
        const [method, path] of [
          ["GET", "/api/tls/certificates"],
          ["POST", "/api/tls/certificates"],
          ["DELETE", "/api/tls/certificates?name=a"],
          ["GET", "/api/tls/certificate-mappings"],
          ["POST", "/api/tls/certificate-mappings"],
          ["DELETE", "/api/tls/certificate-mappings?certificate=a&hostname=b"],
        ]
      ) {
        const r = await call(f.api, method, path);
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.body.error, "TLS is not enabled (--tls-enable)");
      }
    } finally {
      await f.stop();
    }
  });

  test("certificates: add by spec or fields (201), list, duplicate 409, bad spec or file 400, remove 200/404", async () => {
    const tls = new MemoryTls();
    const f = await withApi([], { tls });
    try {
      const bySpec = await call(f.api, "POST", "/api/tls/certificates", {
        spec: "site:path=/etc/site.pem,key=/etc/site.key",
      });
      assert.equal(bySpec.status, 201);
      assert.equal(bySpec.body.name, "site");
      assert.equal(tls.certs.get("site")!.key, "/etc/site.key");
      const byFields = await call(f.api, "POST", "/api/tls/certificates", {
        name: "p12",
        path: "/x/a:b.pfx",
        password: "p,w",
      });
      assert.equal(byFields.status, 201, JSON.stringify(byFields.body));
      assert.equal(tls.certs.get("p12")!.type, "pfx");
      assert.equal(tls.certs.get("p12")!.password, "p,w");
      const list = await call(f.api, "GET", "/api/tls/certificates");
      assert.deepEqual(list.body.map((c: TlsCertificateInfo) => c.name), ["site", "p12"]);
      const dup = await call(f.api, "POST", "/api/tls/certificates", { spec: "site:path=/b.pem" });
      assert.equal(dup.status, 409);
      const bad = await call(f.api, "POST", "/api/tls/certificates", { spec: "x:path=/a,certificate=AAAA" });
      assert.equal(bad.status, 400);
      assert.match(
        bad.body.error,
        /^Cannot parse certificate spec "x:path=\/a,certificate=AAAA": expected exactly one/,
      );
      const unreadable = await call(f.api, "POST", "/api/tls/certificates", {
        name: "m",
        path: "/missing.pem",
      });
      assert.equal(unreadable.status, 400);
      assert.match(unreadable.body.error, /^Cannot read/);
      assert.equal((await call(f.api, "DELETE", "/api/tls/certificates?name=p12")).status, 200);
      assert.equal((await call(f.api, "DELETE", "/api/tls/certificates", { name: "p12" })).status, 404);
      assert.equal((await call(f.api, "DELETE", "/api/tls/certificates")).status, 400);
    } finally {
      await f.stop();
    }
  });

  test("mappings: add (201, host lower-cased), list, conflict 409, unknown certificate 400, remove 200/404", async () => {
    const tls = new MemoryTls();
    const f = await withApi([], { tls });
    try {
      await call(f.api, "POST", "/api/tls/certificates", { spec: "site:path=/etc/site.pem" });
      const add = await call(f.api, "POST", "/api/tls/certificate-mappings", {
        certificate: "site",
        hostname: "*.Example.COM",
      });
      assert.equal(add.status, 201);
      assert.deepEqual(add.body, { certificate: "site", hostname: "*.example.com" });
      const bySpec = await call(f.api, "POST", "/api/tls/certificate-mappings", {
        spec: "site:www.example.org",
      });
      assert.equal(bySpec.status, 201);
      const list = await call(f.api, "GET", "/api/tls/certificate-mappings");
      assert.equal(list.body.length, 2);
      const conflict = await call(f.api, "POST", "/api/tls/certificate-mappings", {
        certificate: "site",
        hostname: "*.example.com",
      });
      assert.equal(conflict.status, 409);
      const unknown = await call(f.api, "POST", "/api/tls/certificate-mappings", {
        certificate: "nope",
        hostname: "a.b",
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error, 'Unknown certificate "nope"');
      const badHost = await call(f.api, "POST", "/api/tls/certificate-mappings", {
        certificate: "site",
        hostname: "a b",
      });
      assert.equal(badHost.status, 400);
      assert.match(badHost.body.error, /^Cannot parse certificate map/);
      const del = await call(
        f.api,
        "DELETE",
        "/api/tls/certificate-mappings?certificate=site&hostname=WWW.example.org",
      );
      assert.equal(del.status, 200);
      const again = await call(f.api, "DELETE", "/api/tls/certificate-mappings", {
        certificate: "site",
        hostname: "www.example.org",
      });
      assert.equal(again.status, 404);
    } finally {
      await f.stop();
    }
  });
});
