/**
 * First-request matchers of the HTTP backends (SPEC §9): `host`, `path`, `method`, `protocol-version`,
 * `header[name]` — anchored, case-sensitive regexes with `!` and `;` as in §6 — and the probe built from them.
 *
 * @module
 */
import type { ParamDecl, ProbeInput, Verdict } from "../core/backend.ts";
import { compileMatchers, type MatcherDecl, type MatchFn, parseKey } from "../matchers/mod.ts";
import { compileAnchored } from "../matchers/regex.ts";
import { headerValue, type HeadParse, parseRequestHead, splitHostPort } from "./head.ts";

/** One parse per probe round: the router hands every backend the same input object. */
const parsed = new WeakMap<ProbeInput, HeadParse>();

/** The head parsed from a probe input (cached per input object). */
export function headOf(input: ProbeInput): HeadParse {
  let head = parsed.get(input);
  if (!head) {
    head = parseRequestHead(input.bytes);
    parsed.set(input, head);
  }
  return head;
}

/** "more" while bytes may still come, else "no". */
function pending(input: ProbeInput): Verdict {
  return input.final ? "no" : "more";
}

function lineMatcher(
  key: string,
  help: string,
  pick: (line: NonNullable<HeadParse["line"]>) => string,
): MatcherDecl {
  return {
    key,
    help,
    needsBytes: true,
    compile(value) {
      const re = compileAnchored(value);
      return (input) => {
        const head = headOf(input);
        if (head.state === "invalid") return "no";
        if (!head.line) return pending(input);
        return re.test(pick(head.line)) ? "match" : "no";
      };
    },
  };
}

/** `host`: the TLS SNI when there is one, else the Host header without its port; compared lower-case. */
const HOST: MatcherDecl = {
  key: "host",
  help: "regex over the SNI, else the Host header without port (lower-case)",
  needsBytes: true,
  compile(value) {
    const re = compileAnchored(value);
    return (input) => {
      const sni = input.props.get("tls.sni");
      if (sni) return re.test(sni.toLowerCase()) ? "match" : "no";
      const head = headOf(input);
      if (head.state === "invalid") return "no";
      if (!head.headers) return pending(input);
      const host = headerValue(head.headers, "host");
      return host !== undefined && re.test(splitHostPort(host)[0].toLowerCase()) ? "match" : "no";
    };
  },
};

/** `header[name]`: a request header (several fields of one name joined with `, `); missing fails. */
const HEADER: MatcherDecl = {
  key: "header",
  indexed: true,
  help: "header[name]=regex over a request header of the first request",
  needsBytes: true,
  compile(value, index) {
    if (!index) throw new RangeError(`header matcher needs a name: header[name]=regex`);
    const name = index.trim();
    const re = compileAnchored(value);
    return (input) => {
      const head = headOf(input);
      if (head.state === "invalid") return "no";
      if (!head.headers) return pending(input);
      const v = headerValue(head.headers, name);
      return v !== undefined && re.test(v) ? "match" : "no";
    };
  },
};

/** The HTTP matchers, request-line ones first (they decide earliest). */
export const HTTP_MATCHERS: readonly MatcherDecl[] = [
  lineMatcher("method", "regex over the request method (GET)", (l) => l.method),
  lineMatcher("path", "regex over the request path without the query", (l) => l.path),
  lineMatcher("protocol-version", "regex over the protocol version (HTTP/1.1)", (l) => l.version),
  HOST,
  HEADER,
];

/**
 * Parameter declarations for the matchers (plain and negated keys: the registry accepts declared keys only).
 */
export const HTTP_MATCHER_PARAMS: readonly ParamDecl[] = HTTP_MATCHERS.flatMap((m) =>
  m.indexed ? [{ key: `${m.key}[`, help: m.help }] : [
    { key: m.key, help: m.help },
    { key: `${m.key}!`, help: `negated ${m.key}` },
  ]
);

/**
 * Builds the probe of an HTTP backend: the first request line must be HTTP/1.x (a first byte that cannot start
 * one is "no" at once), then every HTTP matcher in `params` must pass. Throws RangeError/SyntaxError naming the
 * parameter on a bad matcher.
 */
export function createHttpProbe(params: Readonly<Record<string, string>>): (input: ProbeInput) => Verdict {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const k = parseKey(key);
    if (HTTP_MATCHERS.some((m) => m.key === k.name && !!m.indexed === (k.index !== undefined))) {
      own[key] = value;
    }
  }
  const match: MatchFn | undefined = compileMatchers(own, "tcp", HTTP_MATCHERS).match;
  return (input) => {
    const head = headOf(input);
    if (head.state === "invalid") return "no";
    if (head.state === "partial") return pending(input);
    return match ? match(input) : "match";
  };
}
