/**
 * Fakes for the ACME tests: certificates with chosen names and validity (node-forge, signed natively), and an
 * issuer whose answers the test scripts (success, failure, or held open to watch `Validating`).
 */
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import forge from "node-forge";
import type { AcmeIssuer, IssuedCertificate, IssueRequest } from "../../src/acme/types.ts";

let keys: { privateKey: KeyObject; publicKeyPem: string; keyPem: string } | undefined;

/** One RSA key for every test certificate (generating one per certificate would only cost time). */
function testKey() {
  if (!keys) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    keys = {
      privateKey,
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
  }
  return keys;
}

/** A self-signed certificate for `names` (the first is the subject) valid from `notBefore` to `notAfter`. */
export function makeCertificate(
  names: readonly string[],
  notBefore: number,
  notAfter: number,
): IssuedCertificate {
  const k = testKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(k.publicKeyPem);
  cert.serialNumber = Buffer.from(Array.from({ length: 8 }, () => Math.floor(Math.random() * 127) + 1))
    .toString(
      "hex",
    );
  cert.validity.notBefore = new Date(notBefore);
  cert.validity.notAfter = new Date(notAfter);
  const attrs = [{ name: "commonName", value: names[0] }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "subjectAltName", altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  const signer = {
    sign: () => {
      const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
      return sign("sha256", tbs, k.privateKey).toString("binary");
    },
  };
  cert.sign(signer as unknown as forge.pki.PrivateKey, forge.md.sha256.create());
  return { keyPem: k.keyPem, chainPem: forge.pki.certificateToPem(cert) };
}

const DAY = 86_400_000;

/** What the fake issuer does next. */
export type Step =
  | { readonly ok: true; readonly days?: number }
  | { readonly ok: false; readonly error: string }
  | { readonly hold: true };

/**
 * An issuer that follows a script of steps (the last one repeats) and records each request. Certificates are
 * valid from one hour before `now()` for `days` (default 90). A `hold` step waits until `release()`.
 */
export class FakeIssuer implements AcmeIssuer {
  readonly requests: IssueRequest[] = [];
  #steps: Step[];
  #now: () => number;
  #release: (() => void) | undefined;

  constructor(now: () => number, steps: Step[] = [{ ok: true }]) {
    this.#now = now;
    this.#steps = steps;
  }

  /** Replaces the script. */
  script(steps: Step[]): void {
    this.#steps = steps;
  }

  /** Lets a held request go on with the next step. */
  release(): void {
    this.#release?.();
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    this.requests.push(request);
    let step = this.#steps.length > 1 ? this.#steps.shift()! : this.#steps[0];
    if ("hold" in step) {
      await new Promise<void>((r) => this.#release = r);
      step = this.#steps.length > 1 ? this.#steps.shift()! : this.#steps[0];
    }
    if ("hold" in step || !step.ok) throw new Error("hold" in step ? "held twice" : step.error);
    const now = this.#now();
    return makeCertificate(request.domains, now - 3_600_000, now + (step.days ?? 90) * DAY);
  }
}
