/**
 * OTLP/JSON (the `HttpJson` protocol): the protobuf JSON mapping with OTLP's rules — lowerCamelCase field
 * names, enums as integers, 64-bit integers as decimal strings, non-finite doubles as `"NaN"`, `"Infinity"`
 * and `"-Infinity"`.
 *
 * @module
 */
import type { ExportMetricsServiceRequest } from "./request.ts";
import type { OtlpEncoding } from "./types.ts";

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  return value;
}

/**
 * Encodes an export request as OTLP/JSON text.
 *
 * @example encodeJson(toExportRequest(metrics.snapshot(), options)) // '{"resourceMetrics":[...]}'
 */
export function encodeJson(request: ExportMetricsServiceRequest): string {
  return JSON.stringify(request, jsonValue);
}

/** The `HttpJson` encoding. */
export const JSON_ENCODING: OtlpEncoding = {
  protocol: "HttpJson",
  contentType: "application/json",
  encode: encodeJson,
};
