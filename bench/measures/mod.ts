/**
 * Every measure, in the order each round runs them (keep-alive before latency: the latency measure paces
 * itself on haproxy's keep-alive rate).
 *
 * @module
 */
import { bulk1, bulk8 } from "./bulk.ts";
import { detectCost } from "./detect.ts";
import { connRate, keepalive } from "./http.ts";
import { latency } from "./latency.ts";
import { idleMemory, slowReadMemory } from "./memory.ts";
import type { Measure } from "./types.ts";
import { udpForward, udpReverse } from "./udp.ts";

export type { Measure } from "./types.ts";

/** The measures, in run order. */
export const MEASURES: readonly Measure[] = [
  bulk1,
  bulk8,
  connRate,
  keepalive,
  latency,
  idleMemory,
  slowReadMemory,
  detectCost,
  udpForward,
  udpReverse,
];
