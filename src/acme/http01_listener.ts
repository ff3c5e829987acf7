/**
 * The temporary port-80 listener of http-01 (SPEC §14): when no listener serves port 80 on the address the CA
 * will connect to, one is opened for the validation (with a NAT mapping when pmmux maps ports) and removed
 * afterwards. Connections to it go through the same negotiator chain, so the challenge answer comes first.
 *
 * @module
 */
import type { Logger } from "../logging/logger.ts";

/** The listener operations used (the app's `listeners`). */
export interface ListenerControl {
  list(): readonly {
    readonly id: number;
    readonly transport: string;
    readonly spec: { readonly hostname: string; readonly port: number };
    readonly addr: { readonly port: number };
  }[];
  open(spec: { transport: "tcp"; hostname: string; port: number }): Promise<{ readonly id: number }>;
  close(id: number): boolean;
}

/** The port-mapping operations used (the `PortMapManager`). */
export interface PortMapControl {
  list(): readonly {
    readonly networkProtocol: string;
    readonly localPort: number | null;
    readonly publicPort: number | null;
  }[];
  add(request: { networkProtocol: "Tcp"; localPort: number; publicPort: number }): Promise<unknown>;
  remove(selector: { networkProtocol: "Tcp"; localPort: number; publicPort: number }): Promise<unknown>;
}

/** Options of {@linkcode openHttp01Listener}. */
export interface Http01ListenerOptions {
  readonly listeners: ListenerControl;
  /** Port mapping; a mapping is added only when it keeps mappings already (the user maps ports). */
  readonly portMaps?: PortMapControl;
  /** The port the CA connects to. @default 80 */
  readonly port?: number;
  /** The address to listen on. @default "0.0.0.0" */
  readonly address?: string;
  readonly logger: Logger;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** True when a TCP listener on `port` covers `address` (same address, or it listens on every address). */
export function servesPort(listeners: ListenerControl, port: number, address: string): boolean {
  return listeners.list().some((l) =>
    l.transport === "tcp" && l.addr.port === port &&
    (WILDCARDS.has(l.spec.hostname) || l.spec.hostname === address)
  );
}

/**
 * Makes sure something listens where the CA will connect. Failing to open the listener or the mapping is
 * logged, not thrown: the validation may still reach pmmux another way, and the CA will say if not.
 *
 * @returns the step that removes what was added (nothing when a listener was there already)
 */
export async function openHttp01Listener(options: Http01ListenerOptions): Promise<() => Promise<void>> {
  const port = options.port ?? 80;
  const address = options.address ?? "0.0.0.0";
  const log = options.logger;
  if (servesPort(options.listeners, port, address)) return async () => {};
  let listenerId: number | undefined;
  try {
    listenerId = (await options.listeners.open({ transport: "tcp", hostname: address, port })).id;
    log.info(`Opened a temporary listener on port ${port} for ACME http-01 validation`);
  } catch (err) {
    log.warn(`Cannot open a temporary port ${port} listener for ACME http-01: ${(err as Error).message}`);
  }
  let mapped = false;
  const maps = options.portMaps;
  const kept = maps?.list() ?? [];
  if (maps && kept.length > 0 && !kept.some((m) => m.networkProtocol === "Tcp" && m.publicPort === port)) {
    try {
      await maps.add({ networkProtocol: "Tcp", localPort: port, publicPort: port });
      mapped = true;
    } catch (err) {
      log.warn(`Cannot map public port ${port} for ACME http-01: ${(err as Error).message}`);
    }
  }
  return async () => {
    if (mapped) {
      await maps!.remove({ networkProtocol: "Tcp", localPort: port, publicPort: port }).catch((err) =>
        log.warn(`Cannot remove the temporary port ${port} mapping: ${(err as Error).message}`)
      );
    }
    if (listenerId !== undefined) {
      options.listeners.close(listenerId);
      log.info(`Closed the temporary port ${port} listener of ACME http-01`);
    }
  };
}
