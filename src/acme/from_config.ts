/**
 * Builds ACME from the configuration (`--acme-*`, SPEC §14): validates every `--acme-certificate` (challenge
 * parameters, DNS provider and its settings), and creates the manager, its issuer and, when a certificate uses
 * http-01, the negotiator that answers the challenges.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { type Config, configError } from "../config/load.ts";
import type { AcmeCertificateSpec } from "../config/tls_spec.ts";
import type { Logger } from "../logging/logger.ts";
import { createAcmeHttp01Negotiator } from "../negotiators/acme_http01.ts";
import type { Negotiator } from "../negotiators/types.ts";
import type { NetAdapter } from "../net/types.ts";
import { DNS_PROVIDERS, type DnsProvider } from "./dns/mod.ts";
import { secondsParam } from "./dns/types.ts";
import { createAcmeIssuer, LETS_ENCRYPT } from "./issuer.ts";
import { AcmeManager } from "./manager.ts";
import { createDns01Solver, createHttp01Solver, Http01Tokens } from "./solvers.ts";
import { AcmeStorage } from "./storage.ts";
import type { ChallengeSolver } from "./types.ts";

/** The configuration fields ACME is built from. */
export type AcmeConfig = Pick<
  Config,
  | "acmeEmail"
  | "acmeStoragePath"
  | "acmeStaging"
  | "acmeServerUrl"
  | "acmeRenewalLead"
  | "acmeCertificates"
  | "acmeDisable"
  | "acmeCaFile"
  | "acmeEabKid"
  | "acmeEabHmac"
  | "tlsEnable"
  | "sourceOf"
>;

/** ACME as built: the manager, and the negotiator to put in the TCP chain after TLS (http-01 only). */
export interface Acme {
  readonly manager: AcmeManager;
  readonly negotiator?: Negotiator;
}

/** Parameters of an http-01 certificate. */
const HTTP01_KEYS = ["bind-address"];
/** Parameters of every dns-01 certificate, besides its provider's. */
const DNS01_KEYS = ["provider", "propagation-delay"];

/**
 * ACME of a configuration, or `undefined` when no `--acme-certificate` is given (or with `--acme-disable`
 * without TLS, when there is nothing to serve).
 *
 * @throws {ConfigError} for an `--acme-certificate` without `--tls-enable`, a duplicate domain, an unknown or
 *   misconfigured DNS provider, an unknown parameter, or an unreadable `--acme-ca-file`
 * @example
 * ```ts
 * const acme = createAcmeFromConfig(config, { net, logger });
 * const negotiators = acme?.negotiator ? [acme.negotiator, ...plugins.negotiators] : plugins.negotiators;
 * ```
 */
export function createAcmeFromConfig(
  config: AcmeConfig,
  services: { net: NetAdapter; logger: Logger },
): Acme | undefined {
  const specs = config.acmeCertificates;
  if (specs.length === 0) return undefined;
  const fail = (i: number, why: string, cause?: unknown) =>
    configError("acme-certificate", specs[i].spec, config.sourceOf("acme-certificate", i), why, cause);
  if (!config.tlsEnable) {
    if (config.acmeDisable) return undefined;
    throw fail(0, "ACME certificates are served by TLS termination: add --tls-enable");
  }
  const log = services.logger.child("acme");
  const seen = new Set<string>();
  const providers = new Map<AcmeCertificateSpec, { provider: DnsProvider; delay: number }>();
  specs.forEach((spec, i) => {
    if (seen.has(spec.domain)) throw fail(i, `domain "${spec.domain}" is given twice`);
    seen.add(spec.domain);
    const params = lowerKeys(spec.params);
    try {
      if (spec.challenge === "http-01") {
        onlyKeys(params, HTTP01_KEYS, "http-01");
        return;
      }
      const name = params.provider?.trim().toLowerCase();
      const factory = DNS_PROVIDERS.find((p) => p.name === name);
      if (!factory) {
        const known = DNS_PROVIDERS.map((p) => p.name).join(", ");
        throw new RangeError(
          name
            ? `unknown DNS provider "${name}": expected ${known}`
            : `dns-01 needs provider=<${known.replace(", ", "|")}>`,
        );
      }
      onlyKeys(params, [...DNS01_KEYS, ...factory.keys], `provider "${factory.name}"`);
      const provider = factory.create(params, {
        net: services.net,
        logger: log.child(`dns.${factory.name}`),
      });
      providers.set(spec, { provider, delay: secondsParam(params, "propagation-delay", 0) });
    } catch (err) {
      throw fail(i, (err as Error).message, err);
    }
  });
  const tokens = new Http01Tokens();
  const issuing = !config.acmeDisable;
  const storage = new AcmeStorage(config.acmeStoragePath);
  const manager = new AcmeManager({
    certificates: specs,
    storage,
    issuer: issuing ? createIssuer(config, storage, log) : undefined,
    renewalLeadDays: config.acmeRenewalLead,
    logger: log,
    solver(spec, runtime): ChallengeSolver {
      const dns = providers.get(spec);
      if (dns) return createDns01Solver({ provider: dns.provider, propagationDelay: dns.delay, logger: log });
      const listeners = runtime.listeners;
      return createHttp01Solver(
        tokens,
        listeners
          ? {
            listeners,
            portMaps: runtime.portMaps,
            address: lowerKeys(spec.params)["bind-address"]?.trim() || undefined,
            logger: log,
          }
          : undefined,
      );
    },
  });
  const negotiator = issuing && specs.some((s) => s.challenge === "http-01")
    ? createAcmeHttp01Negotiator({ lookup: (token) => tokens.get(token), logger: log.child("http-01") })
    : undefined;
  return { manager, negotiator };
}

function createIssuer(config: AcmeConfig, storage: AcmeStorage, logger: Logger) {
  let caPem: string | undefined;
  if (config.acmeCaFile !== undefined) {
    try {
      caPem = readFileSync(config.acmeCaFile, "utf8");
    } catch (err) {
      throw configError(
        "acme-ca-file",
        config.acmeCaFile,
        config.sourceOf("acme-ca-file"),
        `cannot read it: ${(err as Error).message}`,
        err,
      );
    }
    if (!caPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw configError(
        "acme-ca-file",
        config.acmeCaFile,
        config.sourceOf("acme-ca-file"),
        "no PEM certificate in it",
      );
    }
  }
  const directoryUrl = config.acmeServerUrl ??
    (config.acmeStaging ? LETS_ENCRYPT.staging : LETS_ENCRYPT.production);
  logger.info(`ACME CA ${directoryUrl}, storage ${storage.dir}`);
  return createAcmeIssuer({
    directoryUrl,
    email: config.acmeEmail,
    eab: config.acmeEabKid !== undefined && config.acmeEabHmac !== undefined
      ? { kid: config.acmeEabKid, hmacKey: config.acmeEabHmac }
      : undefined,
    caPem,
    storage,
    logger,
  });
}

function lowerKeys(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
}

function onlyKeys(params: Record<string, string>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw new RangeError(`unknown parameter "${key}" for ${what}: expected ${allowed.join(", ")}`);
    }
  }
}
