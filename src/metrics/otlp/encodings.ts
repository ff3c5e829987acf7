/**
 * The table of OTLP/HTTP encodings, in `--otlp-metrics-protocol` terms.
 *
 * @module
 */
import { JSON_ENCODING } from "./json.ts";
import { PROTOBUF_ENCODING } from "./protobuf.ts";
import type { OtlpEncoding } from "./types.ts";

/** The OTLP/HTTP encodings this version can send. Adding one is one file and one entry here. */
export const OTLP_ENCODINGS: readonly OtlpEncoding[] = [PROTOBUF_ENCODING, JSON_ENCODING];
