/**
 * The selection rule (SPEC §4.3, §4.4) as a pure function over the backends' probe answers, so the router's
 * I/O loop stays small and the rule is unit-tested on its own.
 *
 * @module
 */
import type { ProbeInput, Tier, Verdict } from "./backend.ts";
import type { Candidate, Strategy, StrategyContext } from "../strategies/types.ts";

/** What selection needs of a backend. */
export interface Selectable extends Candidate {
  readonly tier: Tier;
  readonly routable: boolean;
  probe(input: ProbeInput): Verdict;
}

const RANK: Readonly<Record<Tier, number>> = { vip: 0, normal: 1, standby: 2, fallback: 3 };

/**
 * Decides from the bytes so far. Returns the chosen backend, `null` when nothing matches, or `"more"` when an
 * answer that could change the outcome still needs bytes.
 *
 * `answers` caches verdicts by index across calls for one connection ("match" and "no" are final); pass an
 * empty array for each new connection. When `input.final` is true, an undecided backend counts as "no".
 *
 * - Non-tiered (first-available): backends are asked lazily in definition order; the first "match" wins when
 *   every earlier one said "no"; an earlier "more" holds the decision.
 * - Tiered: every routable backend is asked; the highest tier with a match wins once no undecided backend of
 *   that tier or a higher one remains; `fallback` takes its first match, other tiers ask the strategy.
 */
export function decide<E extends Selectable>(
  entries: readonly E[],
  input: ProbeInput,
  strategy: Strategy,
  ctx: StrategyContext,
  answers: (Verdict | undefined)[],
): E | null | "more" {
  if (!strategy.tiered) {
    for (let i = 0; i < entries.length; i++) {
      if (!entries[i].routable) continue;
      const v = ask(entries, input, answers, i);
      if (v === "match") return entries[i];
      if (v === "more") return "more";
    }
    return null;
  }
  let best = Infinity;
  let undecided = Infinity;
  let matches: E[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!e.routable) continue;
    const v = ask(entries, input, answers, i);
    const rank = RANK[e.tier];
    if (v === "match") {
      if (rank < best) {
        best = rank;
        matches = [e];
      } else if (rank === best) {
        matches.push(e);
      }
    } else if (v === "more" && rank < undecided) {
      undecided = rank;
    }
  }
  if (undecided !== Infinity && undecided <= best) return "more";
  if (matches.length === 0) return null;
  return best === RANK.fallback ? matches[0] : strategy.pick(matches, ctx);
}

/** The `i`th entry's answer: asked again only while it wanted more bytes, and "no" once nothing more comes. */
function ask(
  entries: readonly Selectable[],
  input: ProbeInput,
  answers: (Verdict | undefined)[],
  i: number,
): Verdict {
  let v = answers[i];
  if (v === undefined || v === "more") {
    v = entries[i].probe(input);
    if (v === "more" && input.final) v = "no";
    answers[i] = v;
  }
  return v;
}
