/**
 * UPnP-IGD: our SSDP search finds the device, `@silentbot1/nat-api`'s device class speaks SOAP to it
 * (`GetExternalIPAddress`, `AddPortMapping`, `AddAnyPortMapping` on IGDv2, `DeletePortMapping`). Every request
 * gets a deadline, since the library sets none.
 *
 * @module
 */
import Device from "@silentbot1/nat-api/lib/upnp/device.js";
import { withDeadline } from "./deadline.ts";
import { searchGateway, type SsdpAnswer } from "./ssdp.ts";
import {
  type MapRequest,
  type MapResult,
  type NatClient,
  type NatDevice,
  NatUnreachableError,
  type UnmapRequest,
} from "./types.ts";

/** Options for {@linkcode createUpnpClient}. */
export interface UpnpClientOptions {
  /** Only this device's SSDP answer counts. */
  gateway?: string;
  /** Only search on this interface. */
  networkInterface?: string;
  /** Milliseconds to wait for the SSDP answer and for each SOAP request. @default 2000 */
  timeout?: number;
}

interface LibDevice {
  run(action: string, args: [string, string | number][]): Promise<Record<string, any>>;
}

/**
 * Creates a UPnP-IGD client. Nothing is sent before {@linkcode NatClient.discover}.
 *
 * @example
 * const upnp = createUpnpClient({ networkInterface: "eth0" });
 * const device = await upnp.discover(); // { protocol: "Upnp", gateway: "192.168.1.1", publicAddress: "..." }
 */
export function createUpnpClient(options: UpnpClientOptions = {}): NatClient {
  const timeout = options.timeout ?? 2000;
  let found: { answer: SsdpAnswer; device: LibDevice } | undefined;

  async function soap(
    action: string,
    args: [string, string | number][],
    what: string,
    signal?: AbortSignal,
  ): Promise<Record<string, any>> {
    if (found === undefined) throw new Error(`Cannot ${what}: no UPnP gateway has been discovered`);
    const gateway = found.answer.gateway;
    let body: Record<string, any>;
    try {
      body = await withDeadline(
        found.device.run(action, args),
        timeout,
        `UPnP gateway "${gateway}" did not answer ${action} within ${timeout} ms`,
        signal,
      );
    } catch (err) {
      if (err instanceof NatUnreachableError || signal?.aborted) throw err;
      if (err instanceof TypeError) {
        // fetch() failed: connection refused or reset, the device is gone.
        throw new NatUnreachableError(`UPnP gateway "${gateway}" is unreachable: ${err.message}`, {
          cause: err,
        });
      }
      throw new Error(`UPnP gateway "${gateway}" refused to ${what}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const key = Object.keys(body ?? {}).find((k) => k.endsWith(`${action}Response`));
    if (key === undefined) {
      throw new Error(`UPnP gateway "${gateway}" gave no ${action} response when asked to ${what}`);
    }
    return body[key] ?? {};
  }

  function add(req: MapRequest, publicPort: number, signal?: AbortSignal): Promise<Record<string, any>> {
    const any = publicPort === 0;
    return soap(
      any ? "AddAnyPortMapping" : "AddPortMapping",
      [
        ["NewRemoteHost", ""],
        ["NewExternalPort", any ? req.localPort : publicPort],
        ["NewProtocol", req.transport.toUpperCase()],
        ["NewInternalPort", req.localPort],
        ["NewInternalClient", found!.answer.localAddress],
        ["NewEnabled", 1],
        ["NewPortMappingDescription", req.description],
        ["NewLeaseDuration", req.lifetime],
      ],
      `map ${describe(req)}`,
      signal,
    );
  }

  return {
    async discover(signal) {
      found = undefined;
      const answer = await searchGateway({ ...options, timeout, signal });
      // permanentFallback: a device that only takes permanent leases gets one (we still renew and delete it).
      found = { answer, device: new Device({ url: answer.location, permanentFallback: true }) as LibDevice };
      const ip = await soap("GetExternalIPAddress", [], "tell its external address", signal);
      const publicAddress = String(ip.NewExternalIPAddress ?? "");
      if (publicAddress === "") {
        throw new Error(`UPnP gateway "${answer.gateway}" reports no external address`);
      }
      return { protocol: "Upnp", gateway: answer.gateway, publicAddress } satisfies NatDevice;
    },
    async map(req, signal) {
      if (req.publicPort === 0) {
        try {
          const r = await add(req, 0, signal);
          const port = Number(r.NewReservedPort);
          if (Number.isInteger(port) && port > 0) {
            return { publicPort: port, localPort: req.localPort, lifetime: req.lifetime } satisfies MapResult;
          }
        } catch (err) {
          if (err instanceof NatUnreachableError || signal?.aborted) throw err;
          // IGDv1 has no AddAnyPortMapping: ask for the local port instead.
        }
        await add(req, req.localPort, signal);
        return { publicPort: req.localPort, localPort: req.localPort, lifetime: req.lifetime };
      }
      await add(req, req.publicPort, signal);
      return { publicPort: req.publicPort, localPort: req.localPort, lifetime: req.lifetime };
    },
    async unmap(req: UnmapRequest, signal) {
      await soap(
        "DeletePortMapping",
        [
          ["NewRemoteHost", ""],
          ["NewExternalPort", req.publicPort],
          ["NewProtocol", req.transport.toUpperCase()],
        ],
        `delete ${describe(req)}`,
        signal,
      );
    },
    close() {
      found = undefined;
      return Promise.resolve();
    },
  };
}

function describe(req: { transport: string; localPort: number; publicPort: number }): string {
  return `${req.transport.toUpperCase()} public port ${
    req.publicPort || "(any)"
  } to local port ${req.localPort}`;
}
