/**
 * `local-ip`, `remote-ip`, `local-port`, `remote-port` (SPEC §6): the connection's real addresses, read from
 * the `socket.*` properties (which a trusted PROXY header replaces for the remote side).
 *
 * @module
 */
import { inRange, parseCidr } from "./ip.ts";
import { parsePortRange } from "./port.ts";
import type { MatcherDecl } from "./types.ts";

function ipMatcher(key: string, prop: string): MatcherDecl {
  return {
    key,
    help: "IP or CIDR (10.0.0.0/8, 1.2.3.4, ::1)",
    needsBytes: false,
    compile(value) {
      const range = parseCidr(value);
      return (input) => {
        const ip = input.props.get(prop);
        return ip !== undefined && inRange(range, ip) ? "match" : "no";
      };
    },
  };
}

function portMatcher(key: string, prop: string): MatcherDecl {
  return {
    key,
    help: "port N or range A-B",
    needsBytes: false,
    compile(value) {
      const { from, to } = parsePortRange(value);
      return (input) => {
        const p = Number(input.props.get(prop));
        return p >= from && p <= to ? "match" : "no";
      };
    },
  };
}

/** The address matchers. */
export const ADDRESS_MATCHERS: readonly MatcherDecl[] = [
  ipMatcher("local-ip", "socket.local-ip"),
  ipMatcher("remote-ip", "socket.remote-ip"),
  portMatcher("local-port", "socket.local-port"),
  portMatcher("remote-port", "socket.remote-port"),
];
