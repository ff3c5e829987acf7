/**
 * `least-requests`: fewest connections routed so far; ties go to definition order.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** The least-requests strategy. */
export const leastRequests: StrategyFactory = {
  name: "least-requests",
  help: "fewest requests routed so far within the highest tier (ties: definition order)",
  create: () => ({
    name: "least-requests",
    tiered: true,
    pick(candidates) {
      let best = candidates[0];
      for (const c of candidates) if (c.requests < best.requests) best = c;
      return best;
    },
  }),
};
