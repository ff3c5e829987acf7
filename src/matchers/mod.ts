/**
 * Common matcher parameters, accepted by every backend protocol (SPEC §6, §20.1), and their compiler.
 * `name!` negates, `a;b;c` lists alternatives, every matcher of a backend must pass.
 *
 * @module
 */
import type { Transport, Verdict } from "../core/backend.ts";
import { ADDRESS_MATCHERS } from "./address.ts";
import type { Detector } from "../detect/types.ts";
import { createDetectMatcher, DETECT_MATCHER } from "./detect.ts";
import { PROPERTY_MATCHER } from "./property.ts";
import { ALPN_MATCHER, SNI_MATCHER } from "./tls_hello.ts";
import { type MatcherDecl, type MatchFn, TransportMismatchError } from "./types.ts";

export type { MatcherDecl, MatchFn };
export { TransportMismatchError };

/** Built-in common matchers, cheapest first (evaluation order). */
export const COMMON_MATCHERS: readonly MatcherDecl[] = [
  ...ADDRESS_MATCHERS,
  PROPERTY_MATCHER,
  DETECT_MATCHER,
  SNI_MATCHER,
  ALPN_MATCHER,
];

/** Result of {@linkcode compileMatchers}. */
export interface CompiledMatchers {
  /** AND of every matcher; `undefined` when the backend has none (matches everything). */
  readonly match: MatchFn | undefined;
  /** True when some matcher needs client bytes. */
  readonly needsBytes: boolean;
  /** Parameters that are not matchers, keys as written. */
  readonly rest: Record<string, string>;
}

/** A parameter key split into its parts: `header[X-Api-Key]!` → name `header`, index `X-Api-Key`, negated. */
export interface ParsedKey {
  readonly name: string;
  readonly index: string | undefined;
  readonly negated: boolean;
}

/** Parses a parameter key (name lower-cased; index kept as written). */
export function parseKey(key: string): ParsedKey {
  let k = key.trim();
  const negated = k.endsWith("!");
  if (negated) k = k.slice(0, -1);
  const open = k.indexOf("[");
  if (open > 0 && k.endsWith("]")) {
    return { name: k.slice(0, open).toLowerCase(), index: k.slice(open + 1, -1), negated };
  }
  return { name: k.toLowerCase(), index: undefined, negated };
}

/** Options for {@linkcode compileMatchers}. */
export interface CompileMatchersOptions {
  /** Detectors `detect=` knows beyond the built-in catalogue (from extensions). @default [] */
  readonly detectors?: readonly Detector[];
}

/**
 * Compiles the matcher parameters of a backend. `extra` adds protocol-specific matchers (HTTP `host`, ...),
 * evaluated after the common ones. Throws RangeError/SyntaxError whose message names the key and the value.
 */
export function compileMatchers(
  params: Readonly<Record<string, string>>,
  transport: Transport,
  extra: readonly MatcherDecl[] = [],
  options: CompileMatchersOptions = {},
): CompiledMatchers {
  const common = options.detectors?.length
    ? COMMON_MATCHERS.map((d) => d === DETECT_MATCHER ? createDetectMatcher(options.detectors) : d)
    : COMMON_MATCHERS;
  const decls = [...common, ...extra];
  const fns: MatchFn[] = [];
  const rest: Record<string, string> = {};
  let needsBytes = false;
  const ordered: { order: number; fn: MatchFn }[] = [];
  for (const [key, value] of Object.entries(params)) {
    const parsed = parseKey(key);
    const order = decls.findIndex((d) =>
      d.key === parsed.name && !!d.indexed === (parsed.index !== undefined)
    );
    if (order < 0) {
      rest[key] = value;
      continue;
    }
    const decl = decls[order];
    const alternatives = value.split(";").map((v) => v.trim()).filter((v) => v !== "");
    if (alternatives.length === 0) throw new RangeError(`matcher "${key}" has no value`);
    let alts: MatchFn[];
    try {
      alts = alternatives.map((v) => decl.compile(v, parsed.index, transport));
    } catch (err) {
      if (err instanceof TransportMismatchError) throw err;
      const reason = (err as Error).message;
      const e = err instanceof SyntaxError
        ? new SyntaxError(`${key}="${value}": ${reason}`, { cause: err })
        : new RangeError(`${key}="${value}": ${reason}`, { cause: err });
      throw e;
    }
    needsBytes ||= decl.needsBytes;
    const any = alts.length === 1 ? alts[0] : anyOf(alts);
    ordered.push({ order, fn: parsed.negated ? negate(any) : any });
  }
  ordered.sort((a, b) => a.order - b.order);
  for (const o of ordered) fns.push(o.fn);
  return { match: fns.length === 0 ? undefined : fns.length === 1 ? fns[0] : allOf(fns), needsBytes, rest };
}

function anyOf(fns: MatchFn[]): MatchFn {
  return (input) => {
    let more = false;
    for (const f of fns) {
      const v = f(input);
      if (v === "match") return "match";
      if (v === "more") more = true;
    }
    return more ? "more" : "no";
  };
}

function allOf(fns: MatchFn[]): MatchFn {
  return (input) => {
    let more = false;
    for (const f of fns) {
      const v = f(input);
      if (v === "no") return "no";
      if (v === "more") more = true;
    }
    return more ? "more" : "match";
  };
}

function negate(fn: MatchFn): MatchFn {
  return (input) => {
    const v: Verdict = fn(input);
    // At the end of probing an undecided inner matcher counts as "no", so its negation passes.
    if (v === "more") return input.final ? "match" : "more";
    return v === "match" ? "no" : "match";
  };
}
