/**
 * The serving half of a backend loaded on demand. The HTTP backends serve through Hono and `node:http`, which
 * cost megabytes of resident memory (Bun: `node:http` alone about 5 MiB) that a multiplexer without HTTP
 * backends should not pay: their protocol descriptors (parameters, validation, probing) stay synchronous and
 * light, and the implementation module is imported in the background from the moment a backend is created
 * (at startup, on reload or when the management API adds one). Calls made before it is loaded wait for it.
 *
 * @module
 */
import type { CheckOptions, ConnContext } from "../core/backend.ts";
import type { Conn } from "../net/types.ts";
import type { Logger } from "../logging/logger.ts";

/** What an implementation module builds for one backend. */
export interface BackendImpl {
  /** Serves a TCP connection; never rejects, closes `conn` on every path. */
  handleTcp(conn: Conn, ctx: ConnContext): Promise<void>;
  /** Runs one health check (rejects with the reason). */
  check?(options: CheckOptions): Promise<void>;
  /** Releases the backend's resources. */
  close(): void;
}

/** One backend's implementation, loading from construction. */
export class LazyImpl<T extends BackendImpl> {
  #impl: T | undefined;
  #loading: Promise<T>;
  #disposed = false;
  #log: Logger;

  /**
   * @param what the protocol name, for messages
   * @param logger the backend's logger; a failed load is logged once as an error
   * @param load imports the implementation module and builds the backend's implementation
   */
  constructor(what: string, logger: Logger, load: () => Promise<T>) {
    this.#log = logger;
    this.#loading = load().then((impl) => {
      if (this.#disposed) impl.close();
      else this.#impl = impl;
      return impl;
    });
    this.#loading.catch((err) => logger.error(`Cannot load the ${what} backend: ${(err as Error).message}`));
  }

  /** The implementation, once loaded; rejects when it cannot be loaded. */
  get(): Promise<T> {
    return this.#impl ? Promise.resolve(this.#impl) : this.#loading;
  }

  /** Serves a connection with the implementation; closes `conn` when it cannot be loaded. Never rejects. */
  async handleTcp(conn: Conn, ctx: ConnContext): Promise<void> {
    let impl = this.#impl;
    if (!impl) {
      try {
        impl = await this.#loading;
      } catch (err) {
        ctx.closeReason = "error";
        this.#log.debug(`Connection ${ctx.id}: the backend is not loaded: ${(err as Error).message}`);
        conn.close();
        return;
      }
    }
    await impl.handleTcp(conn, ctx);
  }

  /** Closes the implementation now, or as soon as it is loaded. */
  dispose(): void {
    this.#disposed = true;
    const impl = this.#impl;
    this.#impl = undefined;
    impl?.close();
  }
}
