/**
 * `first-available` (default): the first matching backend in definition order; tiers ignored.
 *
 * @module
 */
import type { StrategyFactory } from "./types.ts";

/** The first-available strategy. */
export const firstAvailable: StrategyFactory = {
  name: "first-available",
  help: "first matching backend in definition order (ignores tiers)",
  create: () => ({ name: "first-available", tiered: false, pick: (c) => c[0] }),
};
