/**
 * The issuer over `acme-client` (RFC 8555 with its JWS, CSR and account handling): one account per storage
 * directory, registered on first use (with external account binding when configured), ECDSA P-256 keys, and
 * the CA's TLS certificate checked against the system roots plus `--acme-ca-file`.
 *
 * `acme-client` keeps its HTTP settings on one shared axios instance, so the trust, timeout and retry settings
 * here apply to the whole process; pmmux has one ACME client, so that is what is wanted.
 *
 * @module
 */
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";
import * as acme from "acme-client";
import type { Logger } from "../logging/logger.ts";
import type { AcmeStorage } from "./storage.ts";
import type { AcmeIssuer, Challenge, IssuedCertificate, IssueRequest } from "./types.ts";

/** Let's Encrypt's directories (`--acme-server-url` unset; `--acme-staging` picks staging). */
export const LETS_ENCRYPT = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** Options of {@linkcode createAcmeIssuer}. */
export interface AcmeIssuerOptions {
  /** The CA's directory URL. */
  readonly directoryUrl: string;
  /** Contact address registered with the account (`--acme-email`). @default none */
  readonly email?: string;
  /** External account binding (`--acme-eab-kid`, `--acme-eab-hmac`). @default none */
  readonly eab?: { readonly kid: string; readonly hmacKey: string };
  /** PEM of a private CA to trust besides the system roots (`--acme-ca-file`). @default none */
  readonly caPem?: string;
  /** Where the account key is kept (created there on first use). */
  readonly storage: AcmeStorage;
  /** ms allowed for one HTTP request to the CA. @default 30000 */
  readonly requestTimeout?: number;
  /** Polling of pending authorizations and orders: attempts, first and longest delay in ms. */
  readonly polling?: { attempts?: number; min?: number; max?: number };
  /** `acme-client`'s own messages go here at trace level. */
  readonly logger: Logger;
}

let configured = false;

/**
 * Creates the issuer. Nothing is sent until the first `issue()`.
 *
 * @example
 * ```ts
 * const issuer = createAcmeIssuer({ directoryUrl: LETS_ENCRYPT.staging, storage, logger });
 * const { keyPem, chainPem } = await issuer.issue({ domains: ["example.com"], solver });
 * ```
 */
export function createAcmeIssuer(options: AcmeIssuerOptions): AcmeIssuer {
  const log = options.logger;
  const http = acme.axios.defaults as typeof acme.axios.defaults & {
    acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number };
  };
  http.timeout = options.requestTimeout ?? 30000;
  // Our own backoff retries whole attempts; a few quick retries of one request are enough here.
  http.acmeSettings.retryMaxAttempts = 3;
  http.acmeSettings.retryDefaultDelay = 2;
  if (options.caPem !== undefined) {
    http.httpsAgent = new Agent({ ca: [...rootCertificates, options.caPem] });
  }
  if (!configured) {
    configured = true;
    acme.setLogger((message: string) => log.trace(message));
  }
  let client: acme.Client | undefined;

  async function account(): Promise<acme.Client> {
    if (client) return client;
    let key = options.storage.readAccountKey();
    if (key === undefined) {
      key = (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
      options.storage.writeAccountKey(key);
      log.info(`Created the ACME account key ${options.storage.accountKeyPath}`);
    }
    client = new acme.Client({
      directoryUrl: options.directoryUrl,
      accountKey: key,
      ...(options.eab
        ? { externalAccountBinding: { kid: options.eab.kid, hmacKey: options.eab.hmacKey } }
        : {}),
      backoffAttempts: options.polling?.attempts ?? 10,
      backoffMin: options.polling?.min ?? 2000,
      backoffMax: options.polling?.max ?? 30000,
    });
    return client;
  }

  return {
    async issue(request: IssueRequest): Promise<IssuedCertificate> {
      const c = await account();
      const [main] = request.domains;
      const certKey = await acme.crypto.createPrivateEcdsaKey("P-256");
      const [, csr] = await acme.crypto.createCsr({
        // A common name is limited to 64 characters; the names are in the SAN extension anyway.
        ...(main.length <= 64 ? { commonName: main } : {}),
        altNames: [...request.domains],
      }, certKey);
      const solver = request.solver;
      const asChallenge = (
        authz: { identifier: { value: string } },
        ch: { type: string; token: string },
        keyAuthorization: string,
      ): Challenge => ({ type: ch.type, domain: authz.identifier.value, token: ch.token, keyAuthorization });
      const chainPem = await c.auto({
        csr,
        email: options.email,
        termsOfServiceAgreed: true,
        // The self-check would resolve and connect from here, which often differs from what the CA sees.
        skipChallengeVerification: true,
        challengePriority: [solver.type],
        challengeCreateFn: (authz, ch, ka) => solver.present(asChallenge(authz, ch, ka)),
        challengeRemoveFn: (authz, ch, ka) => solver.cleanup(asChallenge(authz, ch, ka)),
      });
      return { keyPem: certKey.toString(), chainPem };
    },
  };
}
