/**
 * Compact spec strings (SPEC §1): the tokenizer and every shape built on it, in one import.
 *
 * - `tokenizer.ts`: {@linkcode tokenizeSpec} and {@linkcode SpecError}
 * - `spec_shapes.ts`: backends, port bindings, health checks
 * - `tls_spec.ts`: TLS certificates, certificate maps, ACME certificates
 *
 * @module
 */
export { SpecError, tokenizeSpec } from "./tokenizer.ts";
export type { Segment, TokenizeOptions } from "./tokenizer.ts";
export { parseBackendSpec, parseHealthCheckSpec, parsePortBinding } from "./spec_shapes.ts";
export type { HealthCheckSpec, PortBinding } from "./spec_shapes.ts";
export { parseAcmeCertificateSpec, parseCertificateMap, parseCertificateSpec } from "./tls_spec.ts";
export type { AcmeCertificateSpec, CertificateMapping, CertificateSpec } from "./tls_spec.ts";
export type { BackendSpec } from "../core/backend.ts";
export type { Transport } from "../detect/types.ts";
