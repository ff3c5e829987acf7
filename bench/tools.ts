/**
 * External programs the benchmark drives. Nothing is installed here: missing tools are reported with the
 * command that installs them, and the measures or contenders needing them are skipped.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/** One external program. */
export interface Tool {
  /** Executable name. */
  bin: string;
  /** Debian package providing it (empty when not an apt package). */
  pkg: string;
  /** What it is used for, shown when it is missing. */
  role: string;
}

/** Every program the harness may run. */
export const TOOLS: readonly Tool[] = [
  { bin: "iperf3", pkg: "iperf3", role: "bulk throughput load generator and upstream" },
  { bin: "wrk", pkg: "wrk", role: "HTTP load generator (connections/s, requests/s, latency, detection)" },
  { bin: "nginx", pkg: "nginx", role: "HTTP upstream and 1 GiB file upstream" },
  { bin: "haproxy", pkg: "haproxy", role: "reference contender (all ratios are to haproxy)" },
  { bin: "sslh-select", pkg: "sslh", role: "contender" },
  { bin: "socat", pkg: "socat", role: "contender (TCP and UDP)" },
  { bin: "bun", pkg: "", role: "runs pmmux on Bun (https://bun.sh)" },
];

const EXTRA_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** Absolute path of `bin` on PATH (plus the sbin directories), or `null`. */
export function which(bin: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, bin);
    try {
      if (existsSync(p) && statSync(p).isFile() && (statSync(p).mode! & 0o111) !== 0) return p;
    } catch { /* unreadable: skip */ }
  }
  return null;
}

/** Resolved tool paths; a missing tool maps to `null`. */
export type ToolPaths = Record<string, string | null>;

/** Looks every tool up. */
export function findTools(): ToolPaths {
  const out: ToolPaths = {};
  for (const t of TOOLS) out[t.bin] = which(t.bin);
  return out;
}

/** A human message naming the missing tools and how to install them, or `""` when nothing is missing. */
export function missingMessage(paths: ToolPaths): string {
  const missing = TOOLS.filter((t) => paths[t.bin] === null);
  if (missing.length === 0) return "";
  const lines = ["Missing tools (the measures or contenders that need them are skipped):"];
  for (const t of missing) lines.push(`  - ${t.bin}: ${t.role}`);
  const pkgs = [...new Set(missing.map((t) => t.pkg).filter(Boolean))];
  if (pkgs.length > 0) lines.push(`Install with: apt-get update && apt-get install -y ${pkgs.join(" ")}`);
  if (missing.some((t) => t.bin === "bun")) lines.push("Install Bun 1.x from https://bun.sh for pmmux-bun");
  return lines.join("\n");
}
