/**
 * The challenge solvers: http-01 publishes key authorizations in a token table that the http-01 negotiator
 * answers from (after making sure something listens on port 80); dns-01 adds and removes TXT records through a
 * {@linkcode DnsProvider}.
 *
 * @module
 */
import type { Logger } from "../logging/logger.ts";
import { challengeRecordName, type DnsProvider } from "./dns/mod.ts";
import { type Http01ListenerOptions, openHttp01Listener } from "./http01_listener.ts";
import type { Challenge, ChallengeSolver } from "./types.ts";

/** Tokens of pending http-01 challenges and their key authorizations. */
export class Http01Tokens {
  #tokens = new Map<string, string>();

  /** The key authorization for a token, undefined when none is pending. */
  get(token: string): string | undefined {
    return this.#tokens.get(token);
  }

  /** Publishes a token. */
  set(token: string, keyAuthorization: string): void {
    this.#tokens.set(token, keyAuthorization);
  }

  /** Withdraws a token. */
  delete(token: string): void {
    this.#tokens.delete(token);
  }

  /** Number of pending tokens. */
  get size(): number {
    return this.#tokens.size;
  }
}

function expect(type: string, challenge: Challenge): void {
  if (challenge.type !== type) {
    throw new Error(`The CA offers no ${type} challenge for "${challenge.domain}" (only ${challenge.type})`);
  }
}

/**
 * The http-01 solver.
 *
 * @param listener what `prepare()` needs to open a temporary port-80 listener; without it nothing is opened
 */
export function createHttp01Solver(
  tokens: Http01Tokens,
  listener?: Http01ListenerOptions,
): ChallengeSolver {
  return {
    type: "http-01",
    prepare: () => listener ? openHttp01Listener(listener) : Promise.resolve(async () => {}),
    // Executors that throw reject, so a challenge of another type fails the promise and not the caller.
    present: (challenge) =>
      new Promise((resolve) => {
        expect("http-01", challenge);
        resolve(tokens.set(challenge.token, challenge.keyAuthorization));
      }),
    cleanup: (challenge) => new Promise((resolve) => resolve(tokens.delete(challenge.token))),
  };
}

/** Options of {@linkcode createDns01Solver}. */
export interface Dns01SolverOptions {
  readonly provider: DnsProvider;
  /** ms to wait after adding a record before the CA may look (`propagation-delay=`). @default 0 */
  readonly propagationDelay?: number;
  readonly logger: Logger;
}

/** The dns-01 solver: `_acme-challenge.<domain>` TXT records, added and removed one value at a time. */
export function createDns01Solver(options: Dns01SolverOptions): ChallengeSolver {
  const delay = options.propagationDelay ?? 0;
  return {
    type: "dns-01",
    async present(challenge) {
      expect("dns-01", challenge);
      const name = challengeRecordName(challenge.domain);
      await options.provider.create(name, challenge.keyAuthorization);
      options.logger.debug(`Added TXT ${name} for ACME dns-01`);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    },
    async cleanup(challenge) {
      if (challenge.type !== "dns-01") return;
      const name = challengeRecordName(challenge.domain);
      await options.provider.delete(name, challenge.keyAuthorization);
      options.logger.debug(`Removed TXT ${name} of ACME dns-01`);
    },
  };
}
