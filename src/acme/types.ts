/**
 * The contracts inside ACME: a challenge solver per challenge type, and the issuer that runs an order against
 * the CA. The manager only sees these, so its tests use a fake issuer and the real one wraps `acme-client`.
 *
 * @module
 */

/** A challenge to satisfy, as the CA sent it. */
export interface Challenge {
  /** `http-01`, `dns-01` (or another type the CA offered). */
  readonly type: string;
  /** The identifier it proves (`example.com`; a wildcard's authorization names the base domain). */
  readonly domain: string;
  /** The challenge token (http-01: the last path segment). */
  readonly token: string;
  /** What to publish: the key authorization (http-01) or its SHA-256 digest, base64url (dns-01). */
  readonly keyAuthorization: string;
}

/** Publishes and withdraws the answers to challenges of one type. */
export interface ChallengeSolver {
  /** The challenge type it solves. */
  readonly type: "http-01" | "dns-01";
  /**
   * Runs once before an order's challenges (http-01 opens a temporary port-80 listener when none serves it).
   * Resolves with the step that undoes it, run after the order whatever its outcome.
   */
  prepare?(): Promise<() => Promise<void>>;
  /** Publishes the answer; resolves once the CA may look. Rejects for a challenge of another type. */
  present(challenge: Challenge): Promise<void>;
  /** Withdraws the answer. */
  cleanup(challenge: Challenge): Promise<void>;
}

/** One certificate to obtain. */
export interface IssueRequest {
  /** The names, the main domain first. */
  readonly domains: readonly string[];
  /** Solves the challenges (its `type` is the challenge asked for). */
  readonly solver: ChallengeSolver;
}

/** An issued certificate. */
export interface IssuedCertificate {
  /** Its private key, PEM. */
  readonly keyPem: string;
  /** Leaf then intermediates, PEM. */
  readonly chainPem: string;
}

/** Runs ACME orders against a CA. */
export interface AcmeIssuer {
  /**
   * Obtains a certificate: account (registered on first use), order, challenges, finalization, download.
   *
   * @throws {Error} with the CA's or the solver's message when any step fails
   */
  issue(request: IssueRequest): Promise<IssuedCertificate>;
}
