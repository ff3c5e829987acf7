import forge from "node-forge";
let t0 = Date.now();
const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
console.log("keygen", Date.now() - t0);
for (let i = 0; i < 3; i++) {
  t0 = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = "01" + forge.util.bytesToHex(forge.random.getBytesSync(15));
  cert.validity.notBefore = new Date(); cert.validity.notAfter = new Date(Date.now() + 86400000);
  const attrs = [{ name: "commonName", value: "a.example" }];
  cert.setSubject(attrs); cert.setIssuer(attrs);
  cert.setExtensions([{ name: "basicConstraints", cA: false }, { name: "subjectAltName", altNames: [{ type: 2, value: "a.example" }] }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  console.log("sign", Date.now() - t0, pem.length);
}
