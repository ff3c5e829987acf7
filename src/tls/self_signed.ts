/**
 * Self-signed certificates generated on demand (`--tls-generate-certificates`), one per host name, kept in a
 * bounded LRU cache and generated anew before they expire.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { createCertificate, type TlsCertificate } from "./certificate.ts";
import { buildSelfSigned } from "./forge.ts";

const DAY = 24 * 60 * 60 * 1000;

/** Options for {@linkcode SelfSignedCache}. */
export interface SelfSignedOptions {
  /** Host names kept; the least recently used is dropped beyond this. @default 256 */
  capacity?: number;
  /** Validity of a generated certificate, ms. @default 30 days */
  lifetime?: number;
  /** A cached certificate is generated anew when less than this is left of its validity, ms. @default 1 day */
  renewBefore?: number;
  /** Clock, epoch ms (tests). @default Date.now */
  now?: () => number;
}

/**
 * Generates and caches self-signed certificates by host name.
 *
 * Cost: the first call creates one RSA-2048 key pair (~50–500 ms, once per cache); each new host name then
 * costs one native RSA signature and forge's ASN.1 encoding (~2–5 ms). All generated certificates share that
 * key: they are trusted by nobody anyway, and a key per name would let a client that sends random names make
 * the process generate keys without end.
 */
export class SelfSignedCache {
  #entries = new Map<string, TlsCertificate>();
  #capacity: number;
  #lifetime: number;
  #renewBefore: number;
  #now: () => number;
  #key: { privateKey: KeyObject; publicKeyPem: string } | undefined;
  #generated = 0;

  constructor(options: SelfSignedOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 256);
    this.#lifetime = options.lifetime ?? 30 * DAY;
    this.#renewBefore = Math.min(options.renewBefore ?? DAY, this.#lifetime / 2);
    this.#now = options.now ?? Date.now;
  }

  /** Number of host names cached. */
  get size(): number {
    return this.#entries.size;
  }

  /** Number of certificates generated so far (renewals included). */
  get generated(): number {
    return this.#generated;
  }

  /**
   * The certificate for `hostname` (lower-case), generated when missing or close to expiry.
   *
   * @param hostname the name to certify
   * @returns the certificate, source `generated`
   */
  get(hostname: string): TlsCertificate {
    const cached = this.#entries.get(hostname);
    const now = this.#now();
    if (cached !== undefined) {
      this.#entries.delete(hostname);
      if (cached.notAfterMs - now > this.#renewBefore) {
        this.#entries.set(hostname, cached);
        return cached;
      }
    }
    const fresh = this.#generate(hostname, now);
    this.#entries.set(hostname, fresh);
    while (this.#entries.size > this.#capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return fresh;
  }

  /** True when `hostname` is cached (does not refresh its place). */
  has(hostname: string): boolean {
    return this.#entries.has(hostname);
  }

  #generate(hostname: string, now: number): TlsCertificate {
    this.#key ??= newKey();
    const { privateKey, publicKeyPem } = this.#key;
    const serial = randomBytes(16);
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    const pem = buildSelfSigned({
      hostname,
      publicKeyPem,
      sign: (tbs) => new Uint8Array(sign("sha256", Buffer.from(tbs), privateKey)),
      // Backdated a little for clients whose clock runs behind.
      notBefore: new Date(now - 60 * 60 * 1000),
      notAfter: new Date(now + this.#lifetime),
      serialHex: serial.toString("hex"),
    });
    this.#generated++;
    return createCertificate(hostname, [pem], privateKey, "generated");
  }
}

function newKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}
