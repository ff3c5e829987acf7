import { readFileSync } from "node:fs";
import forge from "node-forge";
for (const f of ["rsa.p12", "ec.p12", "rsa_legacy.p12", "rsa_nopass.p12"]) {
  try {
    const der = readFileSync("/tmp/tlsx/" + f);
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")));
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, f.includes("nopass") ? "" : "s3cret");
    const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag];
    const keyBags = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag];
    console.log(f, "certs", certBags?.length, certBags?.[0]?.cert ? "cert ok" : "no cert obj", "keys", keyBags?.length, keyBags?.[0]?.key ? "key ok" : "no key obj", keyBags?.[0]?.asn1 ? "asn1" : "");
  } catch (e) { console.log(f, "ERR", (e as Error).message); }
}
