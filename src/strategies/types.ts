/**
 * Routing strategy contract (SPEC §4.4).
 *
 * @module
 */

/** What a strategy sees of a matching backend. */
export interface Candidate {
  /** Position in definition order. */
  readonly order: number;
  /** Connections/sessions routed to it so far. */
  readonly requests: number;
  /** Connections/sessions open now. */
  readonly active: number;
}

/** Per-connection facts a strategy may use. */
export interface StrategyContext {
  /** The client's IP (the PROXY-protocol one when accepted). */
  readonly clientIp: string;
}

/** A routing strategy instance (one per router and network protocol; may keep state). */
export interface Strategy {
  /** Name as written in `--routing-strategy`. */
  readonly name: string;
  /**
   * false: the first-available order rule applies (the first match in definition order wins, tiers ignored).
   * true: the router collects every match, keeps the highest tier present and calls `pick`.
   */
  readonly tiered: boolean;
  /** Picks one of `candidates` (non-empty, one tier, definition order). */
  pick<C extends Candidate>(candidates: readonly C[], ctx: StrategyContext): C;
}

/** A strategy plug-in (one file, one row in `mod.ts`). */
export interface StrategyFactory {
  readonly name: string;
  readonly help: string;
  create(): Strategy;
}
