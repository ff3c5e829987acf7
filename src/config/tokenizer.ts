/**
 * The compact spec string tokenizer (SPEC §1), shared by backends (`-b`), port bindings (`-p`), health checks
 * (`-z`), TLS certificates and ACME entries.
 *
 * Rules: segments are separated by `:`; a segment containing `=` (anywhere, even quoted) holds properties
 * split on `,`, each split on `=`; double quotes protect `:`, `,` and `=`; `\"` is a literal quote; every
 * other backslash is kept as written (regexes pass through); an empty trailing segment means "nothing".
 *
 * Properties always come last in every shape, so the first properties segment runs to the end of the input:
 * values may contain `:` without quotes (`bind-address=::`, `proxy.address=http://127.0.0.1:8080`). A key
 * with `:` still needs quotes (`"property[a:b]"=x`), since a key comes before its segment's first `=`.
 *
 * @module
 */

/** One segment of a spec string. `position` is the offset of the segment in the input. */
export type Segment =
  | { readonly kind: "id"; readonly value: string; readonly position: number; readonly raw: string }
  | {
    readonly kind: "props";
    readonly props: [key: string, value: string][];
    readonly position: number;
    readonly raw: string;
  };

/** A spec string that cannot be parsed. The message names the whole input and the offending part. */
export class SpecError extends SyntaxError {
  /** The whole spec string. */
  readonly input: string;
  /** The message without the `Cannot parse ... "input": ` prefix (`empty property at position 4`). */
  readonly detail: string;

  /**
   * Creates the error; the message is `Cannot parse <label> "<input>": <detail>`.
   *
   * @param input The whole spec string.
   * @param detail What is wrong and where (`empty property at position 4`).
   * @param label What the string is (`spec`, `backend spec`, `port binding`).
   */
  constructor(input: string, detail: string, label = "spec") {
    super(`Cannot parse ${label} "${input}": ${detail}`);
    this.name = "SpecError";
    this.input = input;
    this.detail = detail;
  }
}

/** Throws a {@linkcode SpecError} with the given detail. */
export type Fail = (detail: string) => never;

/** Builds a thrower for one spec string. */
export function specFailure(input: string, label: string): Fail {
  return (detail) => {
    throw new SpecError(input, detail, label);
  };
}

/** Describes a segment for an error: `unexpected segment "x" at position 9`. */
export function unexpected(segment: Segment, expected: string): string {
  return `unexpected segment "${segment.raw.trim()}" at position ${segment.position}: expected ${expected}`;
}

/** Options for {@linkcode tokenizeSpec}. */
export interface TokenizeOptions {
  /** Names the string in error messages (`Cannot parse <label> "..."`). @default "spec" */
  label?: string;
}

interface Part {
  text: string;
  start: number;
}

/**
 * Splits a spec string into identifier and properties segments. An empty or blank input gives no segments;
 * an empty trailing segment (`web:pass:`) is dropped; the first properties segment takes the rest of the
 * input, colons included. Duplicate keys are detected case-insensitively, since
 * consumers look keys up that way.
 *
 * @throws {SpecError} on an unterminated quote, an empty property, an empty key, a property with more than
 *   one unquoted `=`, or a duplicate key.
 *
 * @example
 * tokenizeSpec('web:pass:"property[a:b]"=x,target.port=80');
 * // [{ kind: "id", value: "web" }, { kind: "id", value: "pass" },
 * //  { kind: "props", props: [["property[a:b]", "x"], ["target.port", "80"]] }] (plus positions)
 */
export function tokenizeSpec(input: string, options: TokenizeOptions = {}): Segment[] {
  const fail = (detail: string): never => {
    throw new SpecError(input, detail, options.label);
  };
  const parts = splitUnquoted({ text: input, start: 0 }, ":", fail);
  const props = parts.findIndex((part) => part.text.includes("="));
  if (props >= 0) {
    parts.splice(props, parts.length, { text: input.slice(parts[props].start), start: parts[props].start });
  } else if (parts.length > 1 && parts[parts.length - 1].text.trim() === "") {
    parts.pop();
  }
  if (parts.length === 1 && parts[0].text.trim() === "") return [];
  return parts.map((part): Segment => {
    if (!part.text.includes("=")) {
      return { kind: "id", value: unquote(part.text), position: part.start, raw: part.text };
    }
    return { kind: "props", props: tokenizeProps(part, fail), position: part.start, raw: part.text };
  });
}

function tokenizeProps(segment: Part, fail: (detail: string) => never): [string, string][] {
  const props: [string, string][] = [];
  const seen = new Set<string>();
  for (const prop of splitUnquoted(segment, ",", fail)) {
    const at = prop.start + leadingSpace(prop.text);
    if (prop.text.trim() === "") fail(`empty property at position ${at}`);
    const pieces = splitUnquoted(prop, "=", fail);
    if (pieces.length > 2) {
      fail(
        `property "${prop.text.trim()}" has more than one unquoted "=" at position ${pieces[2].start - 1}`,
      );
    }
    const key = unquote(pieces[0].text);
    if (key === "") fail(`empty key at position ${at}`);
    const lower = key.toLowerCase();
    if (seen.has(lower)) fail(`duplicate key "${key}" at position ${at}`);
    seen.add(lower);
    props.push([key, pieces.length > 1 ? unquote(pieces[1].text) : ""]);
  }
  return props;
}

/** Splits on `sep` outside double quotes; `\"` never opens or closes a quote. */
function splitUnquoted(part: Part, sep: string, fail: (detail: string) => never): Part[] {
  const out: Part[] = [];
  const { text } = part;
  let from = 0;
  let quoteAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && text[i + 1] === '"') {
      i++;
    } else if (c === '"') {
      quoteAt = quoteAt < 0 ? i : -1;
    } else if (c === sep && quoteAt < 0) {
      out.push({ text: text.slice(from, i), start: part.start + from });
      from = i + 1;
    }
  }
  if (quoteAt >= 0) fail(`unterminated quote at position ${part.start + quoteAt}`);
  out.push({ text: text.slice(from), start: part.start + from });
  return out;
}

/** Trims, removes one pair of quotes surrounding the whole token, and turns `\"` into `"`. */
function unquote(raw: string): string {
  let t = raw.trim();
  if (t.length >= 2 && t[0] === '"' && closingQuote(t) === t.length - 1) t = t.slice(1, -1);
  return t.replaceAll('\\"', '"');
}

/** Index of the quote closing the one at index 0, or -1. */
function closingQuote(t: string): number {
  for (let i = 1; i < t.length; i++) {
    if (t[i] === "\\" && t[i + 1] === '"') i++;
    else if (t[i] === '"') return i;
  }
  return -1;
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}
