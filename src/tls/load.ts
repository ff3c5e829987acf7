/**
 * Loads a certificate from a `--tls-certificate` spec (SPEC §8.1): PEM with a separate or embedded key,
 * PKCS#12 with a password, DER with a key file, or inline base64 of any of them.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import type { CertificateSpec } from "../config/tls_spec.ts";
import {
  CertificateError,
  createCertificate,
  derToPem,
  pemCertificates,
  readPrivateKey,
  type TlsCertificate,
} from "./certificate.ts";
import { readPkcs12 } from "./forge.ts";

/** Reads a whole file. */
export type ReadFile = (path: string) => Uint8Array;

/** Reads a file with `node:fs`. */
export const readFile: ReadFile = (path) => readFileSync(path);

/**
 * Loads the certificate a spec names.
 *
 * @param spec a parsed `--tls-certificate` value
 * @param read reads files (tests pass their own)
 * @returns the certificate, its source `file` or `inline`
 * @throws {CertificateError} with the reason: unreadable file, wrong password, key missing or not matching
 * @example
 * ```ts
 * const cert = loadCertificate(parseCertificateSpec("site:path=site.pfx,password=secret"));
 * ```
 */
export function loadCertificate(spec: CertificateSpec, read: ReadFile = readFile): TlsCertificate {
  const source = spec.path !== undefined ? "file" : "inline";
  const bytes = spec.path !== undefined
    ? readOrFail(spec.path, read)
    : new Uint8Array(Buffer.from(spec.certificate ?? "", "base64"));
  const type = spec.type ?? sniff(bytes);
  const keyBytes = spec.key !== undefined ? readOrFail(spec.key, read) : undefined;
  if (type === "pfx") return fromPkcs12(spec, bytes, source);
  if (type === "der") {
    if (keyBytes === undefined) throw new CertificateError("a DER certificate needs a key file (key=<file>)");
    const key = readPrivateKey(keyBytes, spec.password);
    return createCertificate(spec.name, [derToPem(bytes)], key, source);
  }
  const text = Buffer.from(bytes).toString("latin1");
  const certs = pemCertificates(text);
  if (certs.length === 0) throw new CertificateError("no PEM certificate block found");
  if (keyBytes === undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new CertificateError("no private key: give key=<file> or put the key in the PEM file");
  }
  return createCertificate(spec.name, certs, readPrivateKey(keyBytes ?? text, spec.password), source);
}

function fromPkcs12(spec: CertificateSpec, bytes: Uint8Array, source: string): TlsCertificate {
  let contents;
  try {
    contents = readPkcs12(bytes, spec.password ?? "");
  } catch (err) {
    const hint = spec.password === undefined ? " (no password= given)" : "";
    throw new CertificateError(`cannot open PKCS#12${hint}: ${(err as Error).message}`, err);
  }
  if (contents.keys.length === 0) throw new CertificateError("the PKCS#12 archive holds no private key");
  const key = readPrivateKey(contents.keys[0]);
  return createCertificate(spec.name, contents.certificates.map((der) => derToPem(der)), key, source);
}

/** Tells PEM (text), a DER certificate and a PKCS#12 archive apart. */
function sniff(bytes: Uint8Array): "pem" | "der" | "pfx" {
  if (Buffer.from(bytes).toString("latin1").includes("-----BEGIN")) return "pem";
  try {
    new X509Certificate(Buffer.from(bytes));
    return "der";
  } catch {
    return "pfx";
  }
}

function readOrFail(path: string, read: ReadFile): Uint8Array {
  try {
    return read(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === "ENOENT"
      ? "no such file"
      : code === "EACCES"
      ? "permission denied"
      : code === "EISDIR"
      ? "is a directory"
      : (err as Error).message;
    throw new CertificateError(`cannot read "${path}": ${reason}`, err);
  }
}
