/**
 * Finds the default IPv4 gateway (the NAT-PMP server) and the local IPv4 addresses used for SSDP discovery.
 * The gateway comes from `/proc/net/route` rather than from running `ip route`, so that the single binary also
 * works in a container without any other program; elsewhere `--gateway` must be given.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";

/**
 * Picks the default route's gateway from the text of `/proc/net/route` (lowest metric wins).
 *
 * @param table The file's text.
 * @param networkInterface Only routes through this interface.
 * @returns The gateway address, or `undefined` when there is no default route.
 *
 * @example
 * parseDefaultGateway("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n" +
 *   "eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n"); // "192.168.1.1"
 */
export function parseDefaultGateway(table: string, networkInterface?: string): string | undefined {
  let best: { gateway: string; metric: number } | undefined;
  for (const line of table.split("\n").slice(1)) {
    const [iface, destination, gateway, flags, , , metric, mask] = line.trim().split(/\s+/);
    if (!iface || destination !== "00000000" || mask !== "00000000") continue;
    if (networkInterface !== undefined && iface !== networkInterface) continue;
    // RTF_UP (1) and RTF_GATEWAY (2).
    if ((parseInt(flags, 16) & 3) !== 3) continue;
    const n = parseInt(gateway, 16);
    const address = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
    const m = Number(metric);
    if (best === undefined || m < best.metric) best = { gateway: address, metric: m };
  }
  return best?.gateway;
}

/**
 * The default IPv4 gateway of this host.
 *
 * @param networkInterface Only routes through this interface.
 * @throws {Error} when the routing table cannot be read or has no default route.
 */
export function defaultGateway(networkInterface?: string): string {
  let table: string;
  try {
    table = readFileSync("/proc/net/route", "utf8");
  } catch (err) {
    throw new Error(
      `Cannot find the default gateway: "/proc/net/route" is not readable (${
        (err as Error).message
      }); give --gateway`,
    );
  }
  const gateway = parseDefaultGateway(table, networkInterface);
  if (gateway === undefined) {
    throw new Error(
      networkInterface === undefined
        ? "Cannot find the default gateway: there is no default IPv4 route; give --gateway"
        : `Cannot find the default gateway: no default IPv4 route through "${networkInterface}"; give --gateway`,
    );
  }
  return gateway;
}

/**
 * The non-internal IPv4 addresses of this host, optionally of one interface only.
 *
 * @throws {Error} when the named interface does not exist or has no IPv4 address.
 */
export function localIpv4Addresses(networkInterface?: string): string[] {
  const all = networkInterfaces();
  if (networkInterface !== undefined && all[networkInterface] === undefined) {
    throw new Error(
      `Network interface "${networkInterface}" not found: available are ${Object.keys(all).join(", ")}`,
    );
  }
  const out: string[] = [];
  for (const [name, addresses] of Object.entries(all)) {
    if (networkInterface !== undefined && name !== networkInterface) continue;
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) out.push(a.address);
    }
  }
  if (out.length === 0) {
    throw new Error(
      networkInterface === undefined
        ? "No network interface has an IPv4 address for NAT discovery"
        : `Network interface "${networkInterface}" has no IPv4 address for NAT discovery`,
    );
  }
  return out;
}
