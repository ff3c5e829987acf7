/**
 * Anchored, case-sensitive regexes for matcher values (SPEC §6).
 *
 * @module
 */

/**
 * Compiles a matcher regex anchored to the whole value (`^(?:...)$`); a leading `^` and a trailing unescaped
 * `$` are tolerated. Throws SyntaxError naming the pattern.
 */
export function compileAnchored(pattern: string, flags = ""): RegExp {
  let p = pattern;
  if (p.startsWith("^")) p = p.slice(1);
  if (p.endsWith("$") && !p.endsWith("\\$")) p = p.slice(0, -1);
  try {
    return new RegExp(`^(?:${p})$`, flags);
  } catch (err) {
    throw new SyntaxError(`"${pattern}" is not a valid regex: ${(err as Error).message}`, { cause: err });
  }
}
