/**
 * Builds the OTLP exporter from the configuration (`--otlp-*`, SPEC §15), only when `--otlp-enable` is set.
 *
 * @module
 */
import { type Config, configError } from "../../config/load.ts";
import type { Logger } from "../../logging/logger.ts";
import type { Metrics } from "../metrics.ts";
import { OTLP_ENCODINGS } from "./encodings.ts";
import { createOtlpExporter, type OtlpExporter } from "./exporter.ts";

/** The configuration fields the exporter is built from. */
export type OtlpConfig = Pick<
  Config,
  | "otlpEnable"
  | "otlpMetricsEndpoint"
  | "otlpMetricsProtocol"
  | "otlpServiceName"
  | "otlpExportInterval"
  | "sourceOf"
>;

/**
 * The OTLP exporter of a configuration, not yet started, or `undefined` when `--otlp-enable` is off.
 *
 * @param config the loaded configuration
 * @param services the metrics to export, a logger (category `otlp` is a good choice) and pmmux's version
 * @throws {ConfigError} naming `--otlp-metrics-protocol` when this version cannot send that encoding
 * @example
 * ```ts
 * const otlp = createOtlpFromConfig(config, { metrics, logger: logger.child("otlp"), version: VERSION });
 * otlp?.start();
 * // ... at shutdown:
 * await otlp?.stop();
 * ```
 */
export function createOtlpFromConfig(
  config: OtlpConfig,
  services: { metrics: Metrics; logger: Logger; version?: string },
): OtlpExporter | undefined {
  if (!config.otlpEnable) return undefined;
  const encoding = OTLP_ENCODINGS.find((e) => e.protocol === config.otlpMetricsProtocol);
  if (!encoding) {
    throw configError(
      "otlp-metrics-protocol",
      config.otlpMetricsProtocol,
      config.sourceOf("otlp-metrics-protocol"),
      `this version sends OTLP metrics as ${
        OTLP_ENCODINGS.map((e) => e.protocol).join(" or ")
      } only; set --otlp-metrics-protocol ${OTLP_ENCODINGS[0].protocol}`,
    );
  }
  return createOtlpExporter(services.metrics, {
    endpoint: config.otlpMetricsEndpoint,
    encoding,
    serviceName: config.otlpServiceName,
    version: services.version,
    interval: config.otlpExportInterval,
    logger: services.logger,
  });
}
