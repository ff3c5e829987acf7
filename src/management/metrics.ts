/**
 * Metrics routes: `GET /metrics` in the Prometheus text format (SPEC §15) and `GET /api/stats`, the live traffic
 * figures the UI polls.
 *
 * @module
 */
import type { Context } from "hono";
import { PROMETHEUS_CONTENT_TYPE, toPrometheus } from "./prometheus.ts";
import { ok, ref } from "./schemas.ts";
import { collectStats } from "./stats.ts";
import type { RouteContext, RouteGroup } from "./types.ts";

function prometheus(c: Context, { deps }: RouteContext): Response {
  return c.body(toPrometheus(deps.app.services.metrics.snapshot()), 200, {
    "content-type": PROMETHEUS_CONTENT_TYPE,
  });
}

function stats(c: Context, { deps }: RouteContext): Response {
  return c.json(collectStats(deps.app));
}

/** The metrics route group. */
export const metricsRoutes: RouteGroup = {
  name: "metrics",
  description: "Prometheus metrics and live traffic figures",
  routes: [
    {
      method: "get",
      path: "/metrics",
      id: "getMetrics",
      summary: "Metrics in the Prometheus text format",
      responses: {
        200: {
          description: "Prometheus text format 0.0.4",
          contentType: "text/plain",
          schema: { type: "string" },
        },
      },
      handler: prometheus,
    },
    {
      method: "get",
      path: "/api/stats",
      id: "getStats",
      summary: "Live traffic: per backend and process-wide counters (rates come from polling)",
      responses: { 200: ok("Counters now", ref("Stats")) },
      handler: stats,
    },
  ],
};
