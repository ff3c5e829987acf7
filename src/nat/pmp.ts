/**
 * NAT-PMP (RFC 6886) through `@silentbot1/nat-api`'s protocol client: the external address request finds the
 * device, mapping requests create, renew (same request again) and delete (lifetime 0) mappings. The library has
 * no time limit and blocks its queue behind an unanswered request, so every request gets a deadline and a
 * timed-out client is replaced.
 *
 * @module
 */
import PmpClient from "@silentbot1/nat-api/lib/pmp/index.js";
import { withDeadline } from "./deadline.ts";
import { defaultGateway } from "./gateway.ts";
import {
  type MapRequest,
  type MapResult,
  type NatClient,
  type NatDevice,
  NatUnreachableError,
  type UnmapRequest,
} from "./types.ts";

/** Options for {@linkcode createPmpClient}. */
export interface PmpClientOptions {
  /** Gateway address; when unset, the default route's gateway. */
  gateway?: string;
  /** Interface whose default route gives the gateway when `gateway` is unset. */
  networkInterface?: string;
  /** Milliseconds to wait for one answer. @default 2000 */
  timeout?: number;
}

interface LibClient {
  gateway: string;
  socket: unknown;
  on(event: "error", fn: (err: Error) => void): void;
  externalIp(): Promise<string>;
  portMapping(o: { public: number; private: number; type: string; ttl: number }): Promise<LibMapping>;
  close(): Promise<void>;
}
interface LibMapping {
  public: number;
  private: number;
  ttl: number;
}

/**
 * Creates a NAT-PMP client. Nothing is sent before {@linkcode NatClient.discover}.
 *
 * @example
 * const pmp = createPmpClient({ gateway: "192.168.1.1" });
 * const device = await pmp.discover(); // { protocol: "Pmp", gateway: "192.168.1.1", publicAddress: "..." }
 */
export function createPmpClient(options: PmpClientOptions = {}): NatClient {
  const timeout = options.timeout ?? 2000;
  let lib: LibClient | undefined;
  let gateway: string | undefined = options.gateway;
  let failure: Error | undefined;

  function client(): LibClient {
    gateway ??= defaultGateway(options.networkInterface);
    if (lib === undefined || lib.socket == null) {
      const fresh = new PmpClient(gateway) as LibClient;
      // Without a listener a socket error (port 5350 in use) would be thrown from an event handler.
      fresh.on("error", (err) => failure = err);
      lib = fresh;
    }
    return lib;
  }

  async function request<T>(
    what: string,
    send: (c: LibClient) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const c = client();
    failure = undefined;
    try {
      return await withDeadline(
        send(c),
        timeout,
        () =>
          `NAT-PMP gateway "${gateway}" did not answer ${what} within ${timeout} ms${
            failure ? `: ${failure.message}` : ""
          }`,
        signal,
      );
    } catch (err) {
      if (err instanceof NatUnreachableError || signal?.aborted) {
        // The library would wait for this answer forever: start over with a new socket.
        lib = undefined;
        await c.close().catch(() => {});
        throw err;
      }
      throw new Error(`NAT-PMP gateway "${gateway}" refused ${what}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  return {
    async discover(signal) {
      const publicAddress = await request("the external address request", (c) => c.externalIp(), signal);
      return { protocol: "Pmp", gateway: gateway!, publicAddress } satisfies NatDevice;
    },
    async map(req: MapRequest, signal) {
      const what = `to map ${describe(req)}`;
      const m = await request(
        what,
        (c) =>
          c.portMapping({
            public: req.publicPort,
            private: req.localPort,
            type: req.transport,
            ttl: req.lifetime,
          }),
        signal,
      );
      return { publicPort: m.public, localPort: m.private, lifetime: m.ttl } satisfies MapResult;
    },
    async unmap(req: UnmapRequest, signal) {
      await request(
        `to delete ${describe(req)}`,
        (c) => c.portMapping({ public: 0, private: req.localPort, type: req.transport, ttl: 0 }),
        signal,
      );
    },
    async close() {
      const c = lib;
      lib = undefined;
      await c?.close().catch(() => {});
    },
  };
}

function describe(req: { transport: string; localPort: number; publicPort: number }): string {
  return `${req.transport.toUpperCase()} public port ${
    req.publicPort || "(any)"
  } to local port ${req.localPort}`;
}
