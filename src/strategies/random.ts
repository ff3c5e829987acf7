/**
 * `random`: a uniformly random matching backend of the highest tier.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** The random strategy. */
export const random: StrategyFactory = {
  name: "random",
  help: "a random matching backend of the highest tier",
  create: () => ({
    name: "random",
    tiered: true,
    pick: (candidates) => candidates[Math.floor(Math.random() * candidates.length)],
  }),
};
