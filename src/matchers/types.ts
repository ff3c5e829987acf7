/**
 * Matcher plug-in contract.
 *
 * @module
 */
import type { ProbeInput, Transport, Verdict } from "../core/backend.ts";

/** One compiled alternative of a matcher value. */
export type MatchFn = (input: ProbeInput) => Verdict;

/** Declares a common matcher parameter (one row of the table in `mod.ts`). */
export interface MatcherDecl {
  /** Parameter name, lower-case; with `indexed`, the part before `[` (`property`). */
  readonly key: string;
  /** Whether the key takes an index: `property[tls.sni]`. @default false */
  readonly indexed?: boolean;
  /** One line for help and errors. */
  readonly help: string;
  /** Whether it needs client bytes (so address-only backends answer at once). */
  readonly needsBytes: boolean;
  /**
   * Compiles one alternative (the value between `;`). Throws RangeError/SyntaxError naming the value.
   * @param index the text inside `[...]` for indexed keys
   */
  compile(value: string, index: string | undefined, transport: Transport): MatchFn;
}

/**
 * Thrown by a matcher that cannot work on the backend's network protocol (`detect=ssh` on UDP). A backend spec
 * whose protocol serves both TCP and UDP is then created for the other transport only.
 */
export class TransportMismatchError extends RangeError {
  override name = "TransportMismatchError";
}
