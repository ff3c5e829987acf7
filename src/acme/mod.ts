/**
 * ACME certificates (SPEC §14): the manager that keeps them, the issuer over `acme-client`, the http-01 and
 * dns-01 challenge solvers with their DNS providers, and the storage directory.
 *
 * @module
 */
export { type Acme, type AcmeConfig, createAcmeFromConfig } from "./from_config.ts";
export {
  type AcmeCertificateStatus,
  type AcmeCertificateStore,
  AcmeManager,
  type AcmeManagerOptions,
  type AcmeRuntime,
  storeName,
} from "./manager.ts";
export { type AcmeIssuerOptions, createAcmeIssuer, LETS_ENCRYPT } from "./issuer.ts";
export { type ListenerControl, openHttp01Listener, type PortMapControl } from "./http01_listener.ts";
export { createDns01Solver, createHttp01Solver, Http01Tokens } from "./solvers.ts";
export { ACME_STATES, type AcmeState, DEFAULT_RETRY, type RetryPolicy } from "./state.ts";
export { AcmeStorage, writeFileAtomic } from "./storage.ts";
export { DNS_PROVIDERS, type DnsProvider, type DnsProviderFactory } from "./dns/mod.ts";
export type { AcmeIssuer, Challenge, ChallengeSolver, IssuedCertificate, IssueRequest } from "./types.ts";
