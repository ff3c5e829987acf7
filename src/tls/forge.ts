/**
 * The two things pmmux asks of node-forge, behind typed functions: reading PKCS#12 archives and building
 * self-signed X.509 certificates. Keys and signatures stay with `node:crypto` (forge parses RSA only, and its
 * JavaScript RSA takes ~70 ms per signature against ~1 ms natively).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import forge from "node-forge";

/** What a PKCS#12 archive holds, as DER: certificates in archive order, private keys as PKCS#8. */
export interface Pkcs12Contents {
  /** X.509 certificates (DER). */
  certificates: Uint8Array[];
  /** Private keys (PKCS#8 `PrivateKeyInfo`, DER), RSA or EC alike. */
  keys: Uint8Array[];
}

/**
 * Opens a PKCS#12 (.pfx/.p12) archive, legacy (RC2/3DES) or OpenSSL 3 default (AES, PBKDF2).
 *
 * @param der the archive
 * @param password its password (`""` when it has none)
 * @throws {Error} on a malformed archive or a wrong password (forge's message)
 */
export function readPkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString("binary")), false);
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  const certificates: Uint8Array[] = [];
  const keys: Uint8Array[] = [];
  const oids = forge.pki.oids;
  for (const content of p12.safeContents as { safeBags: ForgeBag[] }[]) {
    for (const bag of content.safeBags) {
      if (bag.type === oids.certBag) {
        const node = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        if (node) certificates.push(toBytes(node));
      } else if (bag.type === oids.keyBag || bag.type === oids.pkcs8ShroudedKeyBag) {
        const node = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
        if (node) keys.push(toBytes(node));
      }
    }
  }
  return { certificates, keys };
}

/** What {@linkcode buildSelfSigned} needs. */
export interface SelfSignedRequest {
  /** DNS name (or IP literal) written as subject common name and subject alternative name. */
  hostname: string;
  /** RSA public key, PEM (SPKI). */
  publicKeyPem: string;
  /** Signs the DER `TBSCertificate` with the matching private key, RSASSA-PKCS1-v1_5 over SHA-256. */
  sign: (tbs: Uint8Array) => Uint8Array;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** Serial number, hex, positive (first byte below 0x80). */
  serialHex: string;
}

/**
 * Builds a self-signed server certificate (CA false, serverAuth) for one host name.
 *
 * @returns the certificate, PEM
 */
export function buildSelfSigned(request: SelfSignedRequest): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.publicKeyPem);
  cert.serialNumber = request.serialHex;
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  const attrs = [{ name: "commonName", value: request.hostname }, {
    name: "organizationName",
    value: "pmmux self-signed",
  }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const ip = /^[0-9.]+$|:/.test(request.hostname);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [ip ? { type: 7, ip: request.hostname } : { type: 2, value: request.hostname }],
    },
  ]);
  // forge computes `cert.tbsCertificate` and then asks the key to sign: the native signer does the RSA.
  const signer = {
    sign: () => Buffer.from(request.sign(toBytes(cert.tbsCertificate))).toString("binary"),
  };
  cert.sign(signer, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

interface ForgeBag {
  type: string;
  cert?: unknown;
  key?: unknown;
  asn1?: unknown;
}

function toBytes(node: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(forge.asn1.toDer(node).getBytes(), "binary"));
}
