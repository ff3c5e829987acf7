/**
 * The health status state machine (SPEC §11) as a pure transition function.
 *
 * @module
 */
import type { HealthStatus } from "../core/registry.ts";

/** Health state of one backend. */
export interface HealthState {
  readonly status: HealthStatus;
  /** Consecutive failures. */
  readonly failures: number;
  /** Consecutive successes. */
  readonly successes: number;
}

/** Thresholds from the health-check spec. */
export interface Thresholds {
  readonly failureThreshold: number;
  readonly recoveryThreshold: number;
}

/**
 * Applies one check result. Draining and Stopped are not changed by checks.
 *
 * - Unknown: success → Healthy, failure → Unhealthy.
 * - Healthy: failure → Degraded (Unhealthy once `failureThreshold` consecutive failures).
 * - Degraded: failure → Unhealthy at the threshold; success → Stabilizing.
 * - Unhealthy: success → Stabilizing.
 * - Stabilizing: success → Healthy once `recoveryThreshold` consecutive successes; failure → Degraded.
 */
export function nextHealth(state: HealthState, ok: boolean, t: Thresholds): HealthState {
  const { status } = state;
  if (status === "Draining" || status === "Stopped") return state;
  const failures = ok ? 0 : state.failures + 1;
  const successes = ok ? state.successes + 1 : 0;
  if (status === "Unknown") return { status: ok ? "Healthy" : "Unhealthy", failures, successes };
  if (ok) {
    if (status === "Healthy") return { status, failures, successes };
    if (status === "Degraded") {
      return { status: successes >= t.recoveryThreshold ? "Healthy" : "Stabilizing", failures, successes };
    }
    // Unhealthy or Stabilizing
    return { status: successes >= t.recoveryThreshold ? "Healthy" : "Stabilizing", failures, successes };
  }
  if (status === "Unhealthy") return { status, failures, successes };
  // Healthy, Degraded, Stabilizing
  return { status: failures >= t.failureThreshold ? "Unhealthy" : "Degraded", failures, successes };
}
