/**
 * A server certificate ready for handshakes: the chain and key as PEM, checked against each other once, with
 * the facts the management API lists (subject, names, validity, fingerprint).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";

/** What is shown of a certificate (never the key). */
export interface CertificateInfo {
  /** Certificate name (maps refer to it; `default` is the fallback). */
  readonly name: string;
  /** Subject common name (the whole subject when it has none). */
  readonly subject: string;
  /** Issuer common name (the whole issuer when it has none). */
  readonly issuer: string;
  /** Subject alternative names: DNS names and IP addresses. */
  readonly hostnames: readonly string[];
  /** Start of validity, ISO 8601 UTC. */
  readonly notBefore: string;
  /** End of validity, ISO 8601 UTC. */
  readonly notAfter: string;
  /** SHA-256 fingerprint of the leaf, colon-separated hex. */
  readonly fingerprint: string;
  /** Where it came from: `file`, `inline`, `generated`, `acme`, ... */
  readonly source: string;
  /** Certificates served: the leaf plus its chain. */
  readonly chainLength: number;
}

/** A loaded certificate. Immutable: replacing one installs a new object. */
export interface TlsCertificate {
  /** Certificate name. */
  readonly name: string;
  /** Leaf first, then the chain, PEM. */
  readonly certPem: string;
  /** Private key, PKCS#8 PEM. */
  readonly keyPem: string;
  /** End of validity of the leaf, epoch ms. */
  readonly notAfterMs: number;
  /** What the management API shows. */
  readonly info: CertificateInfo;
}

/** A certificate that cannot be loaded or used (unreadable file, wrong password, key not matching). */
export class CertificateError extends Error {
  override name = "CertificateError";
  /**
   * @param message sentence case, no trailing period
   * @param cause the underlying error
   */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificate blocks of a PEM text, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERT) ?? [];
}

/** A DER certificate as PEM. */
export function derToPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/**
 * Builds a certificate from PEM blocks and a private key: finds the leaf (the one the key belongs to), orders
 * the chain by issuer, and reads the facts shown by the management API.
 *
 * @param name certificate name
 * @param certs PEM certificate blocks, in any order, at least one
 * @param key the private key
 * @param source where it came from (`file`, `inline`, `generated`, `acme`)
 * @throws {CertificateError} when there is no certificate, a block does not parse, or no certificate matches
 *   the key
 */
export function createCertificate(
  name: string,
  certs: readonly string[],
  key: KeyObject,
  source: string,
): TlsCertificate {
  if (certs.length === 0) throw new CertificateError("no certificate found");
  let parsed: X509Certificate[];
  try {
    parsed = certs.map((pem) => new X509Certificate(pem));
  } catch (err) {
    throw new CertificateError(`invalid certificate: ${(err as Error).message}`, err);
  }
  const leafAt = parsed.findIndex((c) => matches(c, key));
  if (leafAt < 0) throw new CertificateError("the private key does not match the certificate");
  const ordered = orderChain(parsed, leafAt);
  const leaf = ordered[0];
  const notBefore = dateOf(leaf.validFrom);
  const notAfter = dateOf(leaf.validTo);
  return {
    name,
    certPem: ordered.map((c) => c.toString().trim()).join("\n") + "\n",
    keyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
    notAfterMs: notAfter.getTime(),
    info: {
      name,
      subject: commonName(leaf.subject),
      issuer: commonName(leaf.issuer),
      hostnames: altNames(leaf.subjectAltName),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprint: leaf.fingerprint256,
      source,
      chainLength: ordered.length,
    },
  };
}

/**
 * Reads a private key, PEM or DER (PKCS#8, PKCS#1, SEC1), encrypted PEM with `password`.
 *
 * @throws {CertificateError} when it does not parse
 */
export function readPrivateKey(bytes: Uint8Array | string, password?: string): KeyObject {
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("latin1");
  try {
    const block = text.match(/-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/);
    if (block) return createPrivateKey({ key: block[0], format: "pem", passphrase: password });
    if (text.includes("-----BEGIN")) throw new Error("no PRIVATE KEY block");
  } catch (err) {
    throw new CertificateError(`invalid private key: ${(err as Error).message}`, err);
  }
  const der = Buffer.from(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return createPrivateKey({ key: der, format: "der", type });
    } catch { /* try the next encoding */ }
  }
  throw new CertificateError("invalid private key: not PEM, nor DER PKCS#8, PKCS#1 or SEC1");
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** Leaf first, then each issuer found among the rest; certificates outside the chain follow in their order. */
function orderChain(certs: X509Certificate[], leafAt: number): X509Certificate[] {
  const rest = certs.filter((_, i) => i !== leafAt);
  const out = [certs[leafAt]];
  for (;;) {
    const last = out[out.length - 1];
    if (last.subject === last.issuer) break;
    const next = rest.findIndex((c) => c.subject === last.issuer);
    if (next < 0) break;
    out.push(...rest.splice(next, 1));
  }
  return out.concat(rest);
}

function dateOf(text: string): Date {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

function commonName(dn: string): string {
  const cn = dn.split("\n").find((part) => part.startsWith("CN="));
  return cn !== undefined ? cn.slice(3) : dn.split("\n").join(", ");
}

function altNames(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/,\s*/).map((s) => s.replace(/^(DNS|IP Address):/, "")).filter((s) => s !== "");
}
