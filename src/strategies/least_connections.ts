/**
 * `least-connections`: fewest active connections; ties go to definition order.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** The least-connections strategy. */
export const leastConnections: StrategyFactory = {
  name: "least-connections",
  help: "fewest active connections within the highest tier (ties: definition order)",
  create: () => ({
    name: "least-connections",
    tiered: true,
    pick(candidates) {
      let best = candidates[0];
      for (const c of candidates) if (c.active < best.active) best = c;
      return best;
    },
  }),
};
