/**
 * Builds TLS termination from the configuration (`--tls-*`, SPEC §8.1): the certificate store with every
 * `--tls-certificate` and `--tls-certificate-map`, and the negotiator, only when `--tls-enable` is set.
 *
 * @module
 */
import { type Config, configError } from "../config/load.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { createTlsNegotiator, type TlsNegotiator } from "../negotiators/tls.ts";
import { loadCertificate, type ReadFile, readFile } from "./load.ts";
import { CertificateStore } from "./store.ts";

/** The configuration fields TLS is built from. */
export type TlsConfig = Pick<
  Config,
  | "tlsEnable"
  | "tlsEnforce"
  | "tlsProtocols"
  | "tlsGenerateCertificates"
  | "tlsHelloTimeout"
  | "tlsCertificates"
  | "tlsCertificateMaps"
  | "tlsAlpn"
  | "previewBufferLimit"
  | "sourceOf"
>;

/**
 * The TLS negotiator of a configuration, or `undefined` when `--tls-enable` is off.
 *
 * @param config the loaded configuration
 * @param services logger (category `tls` is a good choice), metrics, and a file reader for tests
 * @throws {ConfigError} naming the `--tls-certificate` or `--tls-certificate-map` value and the reason, for a
 *   certificate that cannot be loaded, a duplicate name or host name, or a map to an unknown certificate
 * @example
 * ```ts
 * const tls = createTlsFromConfig(config, { logger: logger.child("tls"), metrics });
 * new App({ ...options, negotiators: tls ? [tls] : [] }, services);
 * ```
 */
export function createTlsFromConfig(
  config: TlsConfig,
  services: { logger: Logger; metrics?: Metrics; readFile?: ReadFile },
): TlsNegotiator | undefined {
  if (!config.tlsEnable) return undefined;
  const read = services.readFile ?? readFile;
  const store = new CertificateStore({
    protocols: config.tlsProtocols,
    generate: config.tlsGenerateCertificates,
    readFile: read,
  });
  config.tlsCertificates.forEach((spec, i) => {
    try {
      if (store.getCertificate(spec.name)) {
        throw new RangeError(`a certificate named "${spec.name}" exists already`);
      }
      store.install(loadCertificate(spec, read));
    } catch (err) {
      const source = config.sourceOf("tls-certificate", i);
      throw configError("tls-certificate", spec.spec, source, lowerFirst((err as Error).message), err);
    }
  });
  config.tlsCertificateMaps.forEach((mapping, i) => {
    try {
      store.addMapping(mapping);
    } catch (err) {
      const source = config.sourceOf("tls-certificate-map", i);
      throw configError("tls-certificate-map", mapping.spec, source, lowerFirst((err as Error).message), err);
    }
  });
  const log = services.logger;
  if (config.tlsCertificates.length === 0 && !config.tlsGenerateCertificates) {
    log.warn(
      "TLS is enabled without --tls-certificate or --tls-generate-certificates: handshakes will be refused",
    );
  }
  for (const cert of store.listCertificates()) {
    log.info(
      `Certificate "${cert.name}" loaded: ${cert.subject}, ${
        cert.hostnames.join(" ") || "no names"
      }, until ${cert.notAfter}`,
    );
  }
  return createTlsNegotiator({
    enforce: config.tlsEnforce,
    helloTimeout: config.tlsHelloTimeout,
    alpn: config.tlsAlpn,
    previewLimit: config.previewBufferLimit,
  }, { store, logger: log, metrics: services.metrics });
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
