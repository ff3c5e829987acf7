/**
 * Negotiator contract: transport-level steps that run on a new TCP connection before probing (PROXY header,
 * TLS detection/termination).
 *
 * @module
 */
import type { ConnContext } from "../core/backend.ts";
import type { Preview } from "../core/preview.ts";

/** A negotiator in the chain. */
export interface Negotiator {
  /** Name, for logs. */
  readonly name: string;
  /**
   * Runs on a new connection. Returns the preview to continue with (the same one, or a new one over a wrapped
   * connection such as decrypted TLS), or `null` when it refused the connection (it has closed it and logged
   * why). May set properties on `ctx.props`. `deadlineAt` is the selection deadline (epoch ms).
   */
  negotiate(preview: Preview, ctx: ConnContext, deadlineAt: number): Promise<Preview | null>;
}
