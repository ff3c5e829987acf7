/**
 * One mapping request for a kept mapping, including the `?` local port rule: the listener uses the port the
 * device assigned, so when that differs from the local port asked for, the assigned port is mapped to itself.
 *
 * @module
 */
import { candidatePort } from "./schedule.ts";
import type { Entry } from "./status.ts";
import type { MapResult, NatClient } from "./types.ts";

/** The outcome of {@linkcode mapEntry}. */
export interface EntryGrant {
  /** The local port the mapping forwards to (assigned now for a `?` local port). */
  readonly localPort: number;
  readonly result: MapResult;
}

/**
 * Asks the device for an entry's mapping (creation or renewal): the ports granted before, else those wanted
 * (`?` public = 0, the device chooses). Records the ports in `e.requested` before each request, so a mapping
 * whose answer was lost can still be deleted.
 *
 * @throws whatever the client throws.
 */
export async function mapEntry(
  client: NatClient,
  e: Entry,
  options: { lifetime: number; random: () => number; signal?: AbortSignal },
): Promise<EntryGrant> {
  const { lifetime, signal } = options;
  const transport = e.transport;
  const description = `pmmux-${transport}`;
  let localPort = e.localPort ?? candidatePort(e, options.random);
  const publicPort = e.publicPort ?? (e.wantPublic === "?" ? 0 : e.wantPublic);
  e.requested = { localPort, publicPort };
  let result = await client.map({ transport, localPort, publicPort, lifetime, description }, signal);
  if (e.localPort === undefined && result.publicPort !== localPort) {
    await client.unmap({ transport, localPort, publicPort: result.publicPort }, signal).catch(() => {});
    localPort = result.publicPort;
    e.requested = { localPort, publicPort: localPort };
    result = await client.map({ transport, localPort, publicPort: localPort, lifetime, description }, signal);
  }
  return { localPort, result };
}
