/**
 * OTLP/HTTP metric export (SPEC §15): every export interval a snapshot of the metrics is encoded and POSTed
 * to the configured endpoint, with a final export at shutdown. Encodings are listed in
 * {@linkcode OTLP_ENCODINGS}.
 *
 * @module
 */
export { OTLP_ENCODINGS } from "./encodings.ts";
export { createOtlpExporter, type OtlpExporter, type OtlpExporterOptions } from "./exporter.ts";
export { createOtlpFromConfig, type OtlpConfig } from "./from_config.ts";
export { encodeJson, JSON_ENCODING } from "./json.ts";
export { type ExportMetricsServiceRequest, toExportRequest } from "./request.ts";
export type { OtlpEncoding, OtlpProtocol } from "./types.ts";
