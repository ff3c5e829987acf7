/**
 * Socket errors as both adapters report them: an `Error` with a POSIX-style `code` and a message that names
 * the address and the reason, whatever wording the runtime used.
 *
 * @module
 */

/** An error with a POSIX-style `code` (`ECONNRESET`, `EADDRINUSE`, ...). */
export interface NetError extends Error {
  /** POSIX-style error code. */
  readonly code: string;
}

/** Reason text per code, used in messages. */
const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  EACCES: "permission denied",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ECONNABORTED: "connection aborted",
  ENOTCONN: "connection is closed",
  EPIPE: "broken pipe",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host name not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EMFILE: "too many open files",
};

/** Deno error class names, for errors that carry no `code`. */
const CODES_BY_NAME: Readonly<Record<string, string>> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
  NotCapable: "EACCES",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  NotConnected: "ENOTCONN",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  NotFound: "ENOTFOUND",
  BadResource: "EBADF",
  Interrupted: "EINTR",
};

/**
 * The POSIX-style code of a runtime error: its `code` when it has one, else one derived from its class name,
 * else `EIO`.
 */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return CODES_BY_NAME[(error as { name?: string } | null)?.name ?? ""] ?? "EIO";
}

/**
 * Formats a host and port for messages, bracketing IPv6 literals.
 *
 * @example hostPort("::1", 80) // "[::1]:80"
 */
export function hostPort(hostname: string, port: number): string {
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

/**
 * Builds an error reading `<action> "<target>": <reason>` with the given code and the runtime's error as
 * `cause`.
 *
 * @example netError("Cannot listen on", "127.0.0.1:80", "EADDRINUSE")
 * // Error: Cannot listen on "127.0.0.1:80": address already in use
 */
export function netError(action: string, target: string, code: string, cause?: unknown): NetError {
  const reason = REASONS[code] ?? (cause instanceof Error ? cause.message : code);
  const error = new Error(`${action} "${target}": ${reason}`, { cause }) as Error & { code: string };
  error.code = code;
  return error;
}
