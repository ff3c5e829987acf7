/**
 * Built-in routing strategies (SPEC §4.4, §20), in the order `--help` lists them.
 *
 * @module
 */
import { firstAvailable } from "./first_available.ts";
import { ipHash } from "./ip_hash.ts";
import { leastConnections } from "./least_connections.ts";
import { leastRequests } from "./least_requests.ts";
import { random } from "./random.ts";
import { roundRobin } from "./round_robin.ts";
import type { StrategyFactory } from "./types.ts";

export type { Candidate, Strategy, StrategyContext, StrategyFactory } from "./types.ts";

/** Every built-in strategy. */
export const STRATEGIES: readonly StrategyFactory[] = [
  firstAvailable,
  leastRequests,
  roundRobin,
  leastConnections,
  random,
  ipHash,
];
