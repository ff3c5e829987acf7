/**
 * The NAT client pmmux uses: NAT-PMP and UPnP-IGD side by side (or only the one `--port-map-protocol` names);
 * discovery asks both at once and the first to answer is used from then on.
 *
 * @module
 */
import { createPmpClient } from "./pmp.ts";
import { createUpnpClient } from "./upnp.ts";
import { type NatClient, type NatDevice, NatUnreachableError, type PortMapProtocolName } from "./types.ts";

/** Options for {@linkcode createNatClient}. */
export interface NatClientOptions {
  /** Only this protocol (`--port-map-protocol`). @default both */
  protocol?: PortMapProtocolName;
  /** The device's address (`--gateway`). @default the default route's gateway / any SSDP answer */
  gateway?: string;
  /** Interface to discover on (`--network-interface`). @default all */
  networkInterface?: string;
  /** Milliseconds to wait for each answer. @default 2000 */
  timeout?: number;
}

/**
 * Creates the NAT client over `@silentbot1/nat-api`.
 *
 * @example
 * const nat = createNatClient({ protocol: "pmp" });
 * const device = await nat.discover();
 * const granted = await nat.map({ transport: "tcp", localPort: 8080, publicPort: 0, lifetime: 7200,
 *   description: "pmmux-tcp" });
 */
export function createNatClient(options: NatClientOptions = {}): NatClient {
  const protocols: PortMapProtocolName[] = options.protocol ? [options.protocol] : ["pmp", "upnp"];
  return firstAnswering(
    protocols.map((p) => p === "pmp" ? createPmpClient(options) : createUpnpClient(options)),
  );
}

/**
 * Combines protocol clients: `discover()` asks all at once and keeps the first that answers for `map()` and
 * `unmap()`; when none answers, the error lists every reason.
 */
export function firstAnswering(clients: readonly NatClient[]): NatClient {
  let active: NatClient | undefined;

  function current(what: string): NatClient {
    if (active === undefined) {
      throw new NatUnreachableError(`Cannot ${what}: no NAT device has been discovered`);
    }
    return active;
  }

  return {
    async discover(signal) {
      active = undefined;
      const attempts = clients.map((c) =>
        c.discover(signal).then((device): [NatClient, NatDevice] => [c, device])
      );
      try {
        const [client, device] = await Promise.any(attempts);
        active = client;
        return device;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const reasons = (err as AggregateError).errors.map((e) => (e as Error).message);
        const unreachable = (err as AggregateError).errors.every((e) => e instanceof NatUnreachableError);
        const message = `No NAT device found: ${reasons.join("; ")}`;
        throw unreachable
          ? new NatUnreachableError(message, { cause: err })
          : new Error(message, { cause: err });
      }
    },
    map(request, signal) {
      return current("map a port").map(request, signal);
    },
    unmap(request, signal) {
      return current("delete a port mapping").unmap(request, signal);
    },
    async close() {
      active = undefined;
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
}
