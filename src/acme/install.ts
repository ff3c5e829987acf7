/**
 * Putting an ACME certificate into the TLS store: parse the stored or issued PEM (key and chain), install it
 * under its name, and map each of its names to it, leaving host names the user mapped elsewhere alone.
 *
 * @module
 */
import { createCertificate, pemCertificates, readPrivateKey } from "../tls/certificate.ts";
import type { CertificateStore } from "../tls/store.ts";
import type { HeldCertificate } from "./state.ts";

/** The TLS store operations used. */
export type AcmeCertificateStore = Pick<CertificateStore, "install" | "addMapping" | "listMappings">;

/** The name an ACME certificate has in the TLS store. */
export function storeName(domain: string): string {
  return `acme-${domain}`;
}

/**
 * Parses a certificate file's text (private key and chain, PEM, in any order).
 *
 * @throws {CertificateError} when there is no certificate, no key, or they do not match
 */
export function parseStored(name: string, text: string) {
  const cert = createCertificate(name, pemCertificates(text), readPrivateKey(text), "acme");
  const held: HeldCertificate = {
    notBeforeMs: Date.parse(cert.info.notBefore),
    notAfterMs: cert.notAfterMs,
    names: cert.info.hostnames.map((n) => n.toLowerCase()),
  };
  return { cert, held };
}

/**
 * Installs a certificate (replacing the one of the same name) and maps `hostnames` to it.
 *
 * @returns the host names that stay mapped to another certificate, with that certificate's name
 */
export function installCertificate(
  store: AcmeCertificateStore,
  cert: ReturnType<typeof parseStored>["cert"],
  hostnames: readonly string[],
): { hostname: string; certificate: string }[] {
  store.install(cert);
  const mapped = new Map(store.listMappings().map((m) => [m.hostname, m.certificate]));
  const kept: { hostname: string; certificate: string }[] = [];
  for (const hostname of hostnames) {
    const current = mapped.get(hostname);
    if (current === undefined) store.addMapping({ certificate: cert.name, hostname });
    else if (current !== cert.name) kept.push({ hostname, certificate: current });
  }
  return kept;
}
