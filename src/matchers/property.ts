/**
 * `property[key]=<regex>`: an anchored regex over a connection property (SPEC §6). A missing property fails.
 *
 * @module
 */
import { compileAnchored } from "./regex.ts";
import type { MatcherDecl } from "./types.ts";

/** The property matcher. */
export const PROPERTY_MATCHER: MatcherDecl = {
  key: "property",
  indexed: true,
  help: "property[key]=regex over a connection property (socket.*, tls.*, proxy.*)",
  needsBytes: false,
  compile(value, index) {
    if (!index) throw new RangeError(`property matcher needs a key: property[name]=regex`);
    const key = index.toLowerCase();
    const re = compileAnchored(value);
    return (input) => {
      const v = input.props.get(key);
      return v !== undefined && re.test(v) ? "match" : "no";
    };
  },
};
