/**
 * Time limits for requests to the NAT device: the library's requests have none of their own.
 *
 * @module
 */
import { NatUnreachableError } from "./types.ts";

/**
 * Settles like `work`, or rejects with a {@linkcode NatUnreachableError} carrying `message` (or what the
 * function returns then) after `ms` milliseconds, or with the signal's reason when it aborts first. `work` itself is not cancelled.
 *
 * @example
 * await withDeadline(client.externalIp(), 2000, 'NAT-PMP gateway "10.0.0.1" did not answer within 2000 ms');
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  message: string | (() => string),
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new NatUnreachableError(typeof message === "string" ? message : message()));
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then((v) => {
      done();
      resolve(v);
    }, (err) => {
      done();
      reject(err);
    });
  });
}
