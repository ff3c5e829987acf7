/**
 * Builds the port map manager from the configuration and connects it to the app: a `?` local port gets its
 * listener once the device assigned the port. Kept here so that the run command only calls two functions.
 *
 * @module
 */
import type { App } from "../app.ts";
import type { Config } from "../config/load.ts";
import type { Logger } from "../logging/logger.ts";
import { createNatClient } from "./client.ts";
import { PortMapManager } from "./manager.ts";
import { bindingNegotiators } from "../negotiators/proxy_protocol.ts";

/**
 * Creates the manager for a running app (not started). Bindings with a `?` local port open their listeners on
 * the assigned port, with the binding's address and transports.
 *
 * @example
 * const portMaps = createPortMapping(config, app, logger);
 * await portMaps.start(); // throws only with --port-map-required
 * // on SIGTERM, after app.stop():
 * await portMaps.stop();
 */
export function createPortMapping(config: Config, app: App, logger: Logger): PortMapManager {
  const log = logger.child("portmap");
  return new PortMapManager({
    bindings: config.portBindings,
    client: () =>
      createNatClient({
        protocol: config.portMapProtocol,
        gateway: config.gateway,
        networkInterface: config.networkInterface,
      }),
    logger: log,
    metrics: app.services.metrics,
    lifetime: config.portMapLifetime,
    renewalLead: config.portMapRenewalLead,
    required: config.portMapRequired,
    bindTimeout: config.bindTimeout,
    onLocalPortAssigned(binding, transport, port) {
      if (!binding.listen) return;
      // The binding's PROXY-protocol acceptance applies to its assigned port too (validated at startup).
      const negotiators = transport === "tcp"
        ? bindingNegotiators(binding.params, logger.child("proxy-protocol"))
        : [];
      app.listeners.open({ transport, hostname: binding.bindAddress, port, negotiators }).then(
        (l) => log.info(`Listening on the assigned port ${l.addr.port} (${transport.toUpperCase()})`),
        (err) => log.error(`Cannot listen on the assigned port ${port}: ${(err as Error).message}`),
      );
    },
  });
}
