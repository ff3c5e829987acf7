/**
 * Port and port-range values for `local-port` / `remote-port` (SPEC §6).
 *
 * @module
 */

/** An inclusive port range. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** Parses `N` or `A-B` (1-65535, A ≤ B). Throws RangeError naming the value. */
export function parsePortRange(s: string): PortRange {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(s);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? (m[2] !== undefined ? Number(m[2]) : from) : NaN;
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new RangeError(`"${s}" is not a port or port range: expected N or A-B with 1 ≤ A ≤ B ≤ 65535`);
  }
  return { from, to };
}
