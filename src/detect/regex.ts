/**
 * User-defined detector: a regular expression over the buffered bytes viewed as latin-1.
 *
 * @module
 */

import type { Detector, Transport, Verdict } from "./types.ts";

/** Options of {@linkcode createRegexDetector}. */
export interface RegexDetectorOptions {
  /**
   * On TCP, answer "more" instead of "no" while fewer bytes than this are buffered and the pattern does not
   * match yet (for patterns whose match needs a later part of the stream).
   * @default the length of the pattern's literal prefix
   */
  minBytes?: number;
}

/** Regex syntax characters: a literal prefix stops before any of them. */
const SYNTAX = new Set("\\^$.|?*+()[]{}");
/** Escapes that stand for one literal character. */
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", f: "\f", v: "\v", "0": "\0" };

/**
 * Builds the `regex:<pattern>` detector. The pattern is compiled once with the `s` (dot matches every byte) and
 * `y` (sticky) flags, so it is anchored at the first byte; start it with `.*` to match anywhere. Each byte is one
 * character (latin-1), so `\x16\x03` matches a TLS record header.
 *
 * On TCP the answer is "more" while the bytes are a prefix of the pattern's literal start (`GET /api` in
 * `^GET /api/.*`) or fewer than `minBytes`, "match" when the pattern matches, and "no" otherwise. On UDP each
 * datagram is whole: "match" or "no".
 *
 * @param pattern a JavaScript regular expression source
 * @param options see {@linkcode RegexDetectorOptions}
 * @returns a detector named `regex:<pattern>`
 * @throws {SyntaxError} when the pattern does not compile
 * @example
 * ```ts
 * const d = createRegexDetector("GET /api/");
 * d.detect(new TextEncoder().encode("GET /api/v1 HTTP/1.1\r\n"), "tcp"); // "match"
 * ```
 */
export function createRegexDetector(pattern: string, options: RegexDetectorOptions = {}): Detector {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "sy");
  } catch (e) {
    const reason = e instanceof Error
      ? e.message.replace(/^Invalid regular expression: (?:\/.*\/[a-z]*: )?/s, "")
      : e;
    throw new SyntaxError(`Invalid regex "${pattern}" in detect=regex:${pattern}: ${reason}`);
  }
  const literal = literalPrefix(pattern);
  const minBytes = options.minBytes ?? literal.length;
  return {
    name: `regex:${pattern}`,
    transports: ["tcp", "udp"],
    detect(bytes: Uint8Array, transport: Transport): Verdict {
      const tcp = transport === "tcp";
      const n = Math.min(bytes.length, literal.length);
      for (let i = 0; i < n; i++) if (bytes[i] !== literal.charCodeAt(i)) return "no";
      if (tcp && bytes.length < literal.length) return "more";
      re.lastIndex = 0;
      if (re.test(latin1(bytes))) return "match";
      return tcp && bytes.length < minBytes ? "more" : "no";
    },
  };
}

/**
 * The characters every match must start with: the pattern's leading literal characters (after an optional `^`),
 * stopping at syntax, at a quantified character, and empty when the pattern has an alternation.
 */
function literalPrefix(pattern: string): string {
  if (pattern.includes("|")) return "";
  let out = "";
  let i = pattern.startsWith("^") ? 1 : 0;
  while (i < pattern.length) {
    let ch = pattern[i];
    let width = 1;
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      const hex = /^x[0-9A-Fa-f]{2}/.exec(pattern.slice(i + 1, i + 4));
      if (hex) {
        ch = String.fromCharCode(parseInt(hex[0].slice(1), 16));
        width = 4;
      } else if (next in ESCAPES && !(next === "0" && /[0-9]/.test(pattern[i + 2] ?? ""))) {
        ch = ESCAPES[next];
        width = 2;
      } else if (SYNTAX.has(next) || next === "/" || next === "-") {
        ch = next;
        width = 2;
      } else {
        break;
      }
    } else if (SYNTAX.has(ch)) {
      break;
    }
    const after = pattern[i + width];
    if (after === "?" || after === "*" || after === "+" || after === "{") break;
    out += ch;
    i += width;
  }
  return out;
}

/** One character per byte; built in chunks to stay within argument-count limits. */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}
