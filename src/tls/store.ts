/**
 * The certificate store (SPEC §8.1): named certificates, host name mappings, selection by SNI, and a secure
 * context per certificate built once. Changed at run time by the management API and ACME; a change applies
 * to the next handshake.
 *
 * @module
 */
import { createSecureContext, type SecureContext } from "node:tls";
import type { CertificateMapping, CertificateSpec } from "../config/tls_spec.ts";
import { parseHostname } from "../config/values.ts";
import { CertificateError, type CertificateInfo, type TlsCertificate } from "./certificate.ts";
import { loadCertificate, type ReadFile, readFile } from "./load.ts";
import { SelfSignedCache, type SelfSignedOptions } from "./self_signed.ts";

/** TLS versions by their option spelling. */
const VERSIONS = { tls12: "TLSv1.2", tls13: "TLSv1.3" } as const;

/** Options for {@linkcode CertificateStore}. */
export interface CertificateStoreOptions {
  /** Versions accepted (`--tls-protocol`); baked into every secure context. @default ["tls12", "tls13"] */
  protocols?: readonly ("tls12" | "tls13")[];
  /** Generate self-signed certificates for unknown names (`--tls-generate-certificates`). @default false */
  generate?: boolean;
  /** Cache bound, lifetime and renewal lead of generated certificates, and the clock. @default {} */
  selfSigned?: SelfSignedOptions;
  /** Reads certificate files for {@linkcode CertificateStore.addCertificate}. @default node:fs */
  readFile?: ReadFile;
}

/** How a certificate was chosen. */
export type SelectionRule = "exact" | "wildcard" | "generated" | "default";

/** The certificate chosen for a handshake. */
export interface Selection {
  readonly certificate: TlsCertificate;
  /** Its secure context (built once per certificate object). */
  readonly context: SecureContext;
  readonly rule: SelectionRule;
}

/** A host name mapping as listed. */
export interface MappingInfo {
  /** Certificate name. */
  readonly certificate: string;
  /** Host name, lower-case; may be `*.example.com`. */
  readonly hostname: string;
}

/**
 * Certificates by name and host name mappings.
 *
 * Errors follow the management API's convention: a duplicate is a `RangeError`; a certificate that cannot be
 * loaded or a mapping to an unknown certificate is a {@linkcode CertificateError}.
 *
 * @example
 * ```ts
 * const store = new CertificateStore({ generate: true });
 * store.addCertificate(parseCertificateSpec("site:path=site.pem"));
 * store.addMapping(parseCertificateMap("site:*.example.com"));
 * store.select("a.example.com")?.rule; // "wildcard"
 * ```
 */
export class CertificateStore {
  #certs = new Map<string, TlsCertificate>();
  #maps = new Map<string, string>();
  #contexts = new WeakMap<TlsCertificate, SecureContext>();
  #selfSigned: SelfSignedCache | null;
  #minVersion: "TLSv1.2" | "TLSv1.3";
  #maxVersion: "TLSv1.2" | "TLSv1.3";
  #read: ReadFile;
  #protocols: readonly ("tls12" | "tls13")[];

  constructor(options: CertificateStoreOptions = {}) {
    this.#protocols = [
      ...new Set(options.protocols?.length ? options.protocols : ["tls12", "tls13"] as const),
    ];
    const versions = this.#protocols.map((p) => VERSIONS[p]).sort();
    this.#minVersion = versions[0];
    this.#maxVersion = versions[versions.length - 1];
    this.#selfSigned = options.generate ? new SelfSignedCache(options.selfSigned) : null;
    this.#read = options.readFile ?? readFile;
  }

  /** The TLS versions the secure contexts accept (`--tls-protocol`). */
  get protocols(): readonly ("tls12" | "tls13")[] {
    return this.#protocols;
  }

  /** The generated-certificate cache, when generation is on. */
  get selfSigned(): SelfSignedCache | null {
    return this.#selfSigned;
  }

  /**
   * Loads and adds a certificate from a spec (`--tls-certificate`, `POST /api/tls/certificates`).
   *
   * @throws {RangeError} when the name is taken
   * @throws {CertificateError} when it cannot be loaded
   */
  addCertificate(spec: CertificateSpec): CertificateInfo {
    if (this.#certs.has(spec.name)) throw new RangeError(`Certificate "${spec.name}" exists already`);
    let cert: TlsCertificate;
    try {
      cert = loadCertificate(spec, this.#read);
    } catch (err) {
      throw new CertificateError(`Cannot load certificate "${spec.name}": ${(err as Error).message}`, err);
    }
    return this.install(cert);
  }

  /**
   * Installs a certificate built elsewhere (ACME), replacing one of the same name. The secure context is
   * built now, so a broken certificate fails here and not in a handshake.
   *
   * @throws {CertificateError} when no secure context can be built from it
   */
  install(cert: TlsCertificate): CertificateInfo {
    this.#context(cert);
    this.#certs.set(cert.name, cert);
    return cert.info;
  }

  /** Removes a certificate; mappings to it stay and are skipped until one of that name is added again. */
  removeCertificate(name: string): boolean {
    return this.#certs.delete(name);
  }

  /** The certificate of that name. */
  getCertificate(name: string): TlsCertificate | undefined {
    return this.#certs.get(name);
  }

  /** Every certificate added, in order of addition (generated ones are not listed). */
  listCertificates(): CertificateInfo[] {
    return [...this.#certs.values()].map((c) => c.info);
  }

  /**
   * Maps a host name (or `*.domain`) to a certificate.
   *
   * @throws {RangeError} when the host name is mapped already
   * @throws {CertificateError} when no certificate has that name
   */
  addMapping(mapping: Pick<CertificateMapping, "certificate" | "hostname">): void {
    const hostname = normalizeHost(mapping.hostname);
    if (!this.#certs.has(mapping.certificate)) {
      throw new CertificateError(`No certificate "${mapping.certificate}" to map "${hostname}" to`);
    }
    const taken = this.#maps.get(hostname);
    if (taken !== undefined) {
      throw new RangeError(`Host name "${hostname}" is mapped to certificate "${taken}" already`);
    }
    this.#maps.set(hostname, mapping.certificate);
  }

  /** Removes the mapping of a host name (of that certificate, when `certificate` is given). */
  removeMapping(mapping: { hostname: string; certificate?: string }): boolean {
    const hostname = normalizeHost(mapping.hostname);
    const current = this.#maps.get(hostname);
    if (current === undefined || (mapping.certificate !== undefined && mapping.certificate !== current)) {
      return false;
    }
    return this.#maps.delete(hostname);
  }

  /** Every mapping, in order of addition. */
  listMappings(): MappingInfo[] {
    return [...this.#maps].map(([hostname, certificate]) => ({ certificate, hostname }));
  }

  /**
   * Chooses the certificate for a handshake: the exact mapping of the SNI, else its single-label wildcard
   * (`*.example.com` for `a.example.com`, not for `a.b.example.com`), else a generated one (when enabled),
   * else the default (`default`, else the one mapped to `localhost`). Without SNI: the default, else one
   * generated for `localhost`.
   *
   * @param sni the server name from the ClientHello (any case), or undefined
   * @returns the selection, or null when nothing can serve it
   * @throws {CertificateError} when the chosen certificate's secure context cannot be built
   */
  select(sni: string | undefined): Selection | null {
    const name = sni === undefined || sni === "" ? undefined : sni.toLowerCase().replace(/\.$/, "");
    if (name !== undefined) {
      const exact = this.#mapped(name);
      if (exact) return this.#selection(exact, "exact");
      const dot = name.indexOf(".");
      const wildcard = dot > 0 ? this.#mapped(`*${name.slice(dot)}`) : undefined;
      if (wildcard) return this.#selection(wildcard, "wildcard");
      const generated = this.#generate(name);
      if (generated) return this.#selection(generated, "generated");
    }
    const fallback = this.#certs.get("default") ?? this.#mapped("localhost");
    if (fallback) return this.#selection(fallback, "default");
    const generated = name === undefined ? this.#generate("localhost") : undefined;
    return generated ? this.#selection(generated, "generated") : null;
  }

  #mapped(hostname: string): TlsCertificate | undefined {
    const certName = this.#maps.get(hostname);
    return certName === undefined ? undefined : this.#certs.get(certName);
  }

  #generate(hostname: string): TlsCertificate | undefined {
    if (this.#selfSigned === null || !isHostname(hostname)) return undefined;
    return this.#selfSigned.get(hostname);
  }

  #selection(certificate: TlsCertificate, rule: SelectionRule): Selection {
    return { certificate, context: this.#context(certificate), rule };
  }

  #context(cert: TlsCertificate): SecureContext {
    let context = this.#contexts.get(cert);
    if (context === undefined) {
      try {
        context = createSecureContext({
          cert: cert.certPem,
          key: cert.keyPem,
          minVersion: this.#minVersion,
          maxVersion: this.#maxVersion,
        });
      } catch (err) {
        throw new CertificateError(
          `Cannot use certificate "${cert.name}": ${(err as Error).message}`,
          err,
        );
      }
      this.#contexts.set(cert, context);
    }
    return context;
  }
}

function normalizeHost(hostname: string): string {
  try {
    return parseHostname(hostname);
  } catch (err) {
    throw new CertificateError(`Invalid host name "${hostname}": ${(err as Error).message}`, err);
  }
}

/** A name a certificate may be generated for: a plain host name, no wildcard, nothing odd from the wire. */
function isHostname(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(name);
}
