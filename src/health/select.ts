/**
 * Which health-check spec applies to a backend (SPEC §11): one naming its protocol and name, else one naming
 * its protocol, else a global one.
 *
 * @module
 */
import type { HealthCheckSpec } from "../config/spec.ts";

/** Finds the spec for backend `name` of protocol `protocol`. */
export function specFor(
  specs: readonly HealthCheckSpec[],
  protocol: string,
  name: string,
): HealthCheckSpec | undefined {
  const p = protocol.toLowerCase();
  return specs.find((s) => s.protocol === p && s.backend === name) ??
    specs.find((s) => s.protocol === p && s.backend === undefined) ??
    specs.find((s) => s.protocol === undefined && s.backend === undefined);
}
