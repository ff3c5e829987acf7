/**
 * `ip-hash`: the same client IP goes to the same backend while the candidate set is unchanged.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** FNV-1a over the characters of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The ip-hash strategy. */
export const ipHash: StrategyFactory = {
  name: "ip-hash",
  help: "stable per client address within the highest tier",
  create: () => ({
    name: "ip-hash",
    tiered: true,
    pick: (candidates, ctx) => candidates[fnv1a(ctx.clientIp) % candidates.length],
  }),
};
