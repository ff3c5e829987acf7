import { X509Certificate, createPrivateKey, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import forge from "node-forge";
for (const f of ["cert.pem", "eccert.pem"]) {
  const x = new X509Certificate(readFileSync("/tmp/tlsx/" + f));
  console.log(f, x.subject, "|", x.subjectAltName, "|", x.validFrom, "|", x.validTo, "|", x.fingerprint256, "|", x.issuer, typeof x.raw, x.raw?.length, "validToDate" in x ? (x as any).validToDate : "-");
  console.log("checkPrivateKey", x.checkPrivateKey?.(createPrivateKey(readFileSync("/tmp/tlsx/" + f.replace("cert", "key")))));
}
const k = createPrivateKey(readFileSync("/tmp/tlsx/eckey.pem"));
const der = k.export({ format: "der", type: "pkcs8" });
console.log("der", der.length, createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({ format: "pem", type: "pkcs8" }).toString().slice(0, 40));
console.log("forge", typeof forge.pki.rsa.generateKeyPair, typeof forge.pkcs12.pkcs12FromAsn1);
const t0 = Date.now();
const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
console.log("rsa gen ms", Date.now() - t0);
