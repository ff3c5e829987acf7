/**
 * `round-robin`: rotates through the matching backends of the highest tier.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** The round-robin strategy. */
export const roundRobin: StrategyFactory = {
  name: "round-robin",
  help: "rotates through the matching backends of the highest tier",
  create: () => {
    let next = 0;
    return {
      name: "round-robin",
      tiered: true,
      pick(candidates) {
        // Take the first candidate at or after the cursor (by definition order), so the rotation stays fair
        // when the candidate set changes between connections.
        const chosen = candidates.find((c) => c.order >= next) ?? candidates[0];
        next = chosen.order + 1;
        return chosen;
      },
    };
  },
};
