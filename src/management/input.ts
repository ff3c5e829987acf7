/**
 * Reading API input: JSON bodies, query strings, case-insensitive enums, and spec strings built from JSON so
 * that the API validates exactly like the command line (the same parsers read them).
 *
 * @module
 */
import type { Context } from "hono";
import type { Transport } from "../core/backend.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { NetworkProtocol } from "./types.ts";

/** A JSON object from a request body. */
export type JsonObject = Record<string, unknown>;

/** Largest request body the API reads: a spec or a parameter object takes a few KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The request body as text, read only up to `max` bytes: a larger one is refused before it is buffered. */
async function boundedText(req: Request, max: number): Promise<string> {
  const tooLarge = (size: string) =>
    new ApiError(413, `Request body of ${size} bytes is too large: the API reads at most ${max} bytes`);
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > max) throw tooLarge(String(declared));
  if (req.body === null) return "";
  const reader = req.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.length;
    if (size > max) {
      reader.cancel().catch(() => {});
      throw tooLarge(`over ${max}`);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Reads the body as a JSON object; an empty body is `{}`.
 *
 * @throws {ApiError} 400 when the body is not JSON or not an object; 413 when it is over
 * {@linkcode MAX_BODY_BYTES}.
 */
export async function readBody(c: Context): Promise<JsonObject> {
  const text = await boundedText(c.req.raw, MAX_BODY_BYTES);
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`Cannot parse the request body as JSON: ${(err as Error).message}`, err);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(
      `Invalid request body: expected a JSON object, got ${JSON.stringify(value).slice(0, 40)}`,
    );
  }
  return value as JsonObject;
}

/**
 * The fields of a DELETE request: the JSON body when there is one, else the query string. Query values are
 * strings; JSON values are as sent.
 */
export async function readSelector(c: Context): Promise<JsonObject> {
  const body = await readBody(c);
  return Object.keys(body).length > 0 ? body : { ...c.req.query() };
}

/** Rejects fields that are not in `known`, so typos do not pass silently. */
export function onlyFields(body: JsonObject, known: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      throw badRequest(`Unknown field "${key}": expected ${known.join(", ")}`);
    }
  }
}

/**
 * Matches an enum value case-insensitively and returns its canonical PascalCase spelling.
 *
 * @throws {ApiError} 400 naming the field and the accepted values.
 */
export function parseEnum<T extends string>(value: unknown, values: readonly T[], field: string): T {
  const found = typeof value === "string"
    ? values.find((v) => v.toLowerCase() === value.trim().toLowerCase())
    : undefined;
  if (found === undefined) {
    throw badRequest(`Invalid ${field} ${JSON.stringify(value)}: expected ${values.join(" or ")}`);
  }
  return found;
}

/** Network protocols as the API names them. */
export const NETWORK_PROTOCOLS: readonly NetworkProtocol[] = ["Tcp", "Udp"];

/** `Tcp` → `tcp`. */
export function transportOf(protocol: NetworkProtocol): Transport {
  return protocol === "Tcp" ? "tcp" : "udp";
}

/** `tcp` → `Tcp`. */
export function networkProtocolOf(transport: Transport): NetworkProtocol {
  return transport === "tcp" ? "Tcp" : "Udp";
}

/** An optional `networkProtocol` value (any case) as a transport; `undefined` when absent or empty. */
export function optionalTransport(value: unknown): Transport | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return transportOf(parseEnum(value, NETWORK_PROTOCOLS, "networkProtocol"));
}

/** An optional boolean from JSON (`true`) or a query string (`"True"`). */
export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  return parseEnum(value, ["true", "false"], field) === "true";
}

/**
 * An optional integer from JSON (`8080`) or a query string (`"8080"`) within a range.
 *
 * @throws {ApiError} 400 naming the field and the range.
 */
export function optionalInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && /^\s*\d+\s*$/.test(value)
    ? Number(value)
    : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badRequest(`Invalid ${field} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** An optional string field. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw badRequest(`Invalid ${field} ${JSON.stringify(value)}: expected a string`);
  }
  return value;
}

/**
 * A parameter map from JSON: values may be strings, numbers or booleans (written as the CLI would).
 *
 * @throws {ApiError} 400 for nested values.
 */
export function paramsOf(value: unknown, field: string): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`Invalid ${field}: expected an object of "key": "value" pairs`);
  }
  return Object.entries(value as JsonObject).map(([k, v]) => {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw badRequest(
        `Invalid ${field} "${k}": expected a string, number or boolean, got ${JSON.stringify(v)}`,
      );
    }
    return [k, String(v)];
  });
}

/**
 * Quotes one spec string token when it needs it, so the tokenizer reads it back verbatim (SPEC §1: double
 * quotes protect `:`, `,` and `=`; `\"` is a literal quote; tokens are trimmed unless quoted).
 *
 * @example quoteToken("a:b") // '"a:b"'
 * @example quoteToken("plain") // "plain"
 */
export function quoteToken(text: string): string {
  if (!/[:,="]/.test(text) && text.trim() === text) return text;
  return `"${text.replaceAll('"', '\\"')}"`;
}

/** Builds `id1:id2:k="v",...` from identifiers and properties, quoting every token. */
export function specString(ids: readonly string[], props: readonly [string, string][]): string {
  const parts = ids.map(quoteToken);
  if (props.length > 0) parts.push(props.map(([k, v]) => `${quoteToken(k)}=${quoteToken(v)}`).join(","));
  return parts.join(":");
}
