/**
 * The shape of an OTLP/HTTP encoding: the protocol name the configuration uses, the content type it is sent
 * with, and the encoder of an export request.
 *
 * @module
 */
import type { OTLP_PROTOCOLS } from "../../config/options.ts";
import type { ExportMetricsServiceRequest } from "./request.ts";

/** An OTLP/HTTP protocol name as in `--otlp-metrics-protocol`. */
export type OtlpProtocol = typeof OTLP_PROTOCOLS[number];

/** One OTLP/HTTP encoding of metric export requests. */
export interface OtlpEncoding {
  /** The `--otlp-metrics-protocol` value that selects it. */
  readonly protocol: OtlpProtocol;
  /** The `Content-Type` of the request body. */
  readonly contentType: string;
  /** Encodes a request as the body of the POST. */
  encode(request: ExportMetricsServiceRequest): Uint8Array<ArrayBuffer> | string;
}
