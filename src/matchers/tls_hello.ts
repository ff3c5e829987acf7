/**
 * `sni=<regex>` and `alpn=<regex>` (SPEC §20.1): TLS passthrough routing from the ClientHello, without
 * terminating. SNI is compared lower-case; `alpn` matches when any offered protocol matches.
 *
 * @module
 */
import { parseClientHello } from "../detect/tls.ts";
import { compileAnchored } from "./regex.ts";
import { type MatcherDecl, TransportMismatchError } from "./types.ts";

/** The sni matcher. */
export const SNI_MATCHER: MatcherDecl = {
  key: "sni",
  help: "regex over the ClientHello server name (lower-case)",
  needsBytes: true,
  compile(value, _index, transport) {
    if (transport !== "tcp") throw new TransportMismatchError(`sni works on TCP only`);
    const re = compileAnchored(value);
    return (input) => {
      const hello = parseClientHello(input.bytes);
      if (hello.verdict !== "match") return hello.verdict;
      return hello.sni !== undefined && re.test(hello.sni) ? "match" : "no";
    };
  },
};

/** The alpn matcher. */
export const ALPN_MATCHER: MatcherDecl = {
  key: "alpn",
  help: "regex over the ALPN protocols offered in the ClientHello (any one matching)",
  needsBytes: true,
  compile(value, _index, transport) {
    if (transport !== "tcp") throw new TransportMismatchError(`alpn works on TCP only`);
    const re = compileAnchored(value);
    return (input) => {
      const hello = parseClientHello(input.bytes);
      if (hello.verdict !== "match") return hello.verdict;
      return hello.alpn?.some((p) => re.test(p)) ? "match" : "no";
    };
  },
};
