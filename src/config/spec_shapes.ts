/**
 * Spec string shapes of SPEC §1: backends `name:protocol[:params]`, port bindings
 * `public:local[:tcp|udp][:params]` and health checks `[protocol][:backend][:params]`.
 *
 * @module
 */
import type { BackendSpec } from "../core/backend.ts";
import type { Transport } from "../detect/types.ts";
import { type Fail, type Segment, specFailure, tokenizeSpec, unexpected } from "./tokenizer.ts";
import { parseBool, parseInteger, parseIpLiteral, parsePort } from "./values.ts";

/** A parsed port binding `public:local[:tcp|udp][:params]` (SPEC §1, §13, §20.2). */
export interface PortBinding {
  /** The spec string as written. */
  readonly spec: string;
  /** Public (router) port; `!` = no NAT mapping; `?` = the NAT device chooses. */
  readonly publicPort: number | "!" | "?";
  /** Local port to listen on; `?` = the port the NAT device assigns. */
  readonly localPort: number | "?";
  /** Network protocols covered; both when the spec names none. */
  readonly transports: Transport[];
  /** Address to listen on. @default "0.0.0.0" */
  readonly bindAddress: string;
  /** Whether to open a listener (`false` = only map on the router). @default true */
  readonly listen: boolean;
  /** The remaining parameters as written (`proxy-protocol`, `proxy-protocol.trusted`, ...). */
  readonly params: Record<string, string>;
}

/** A parsed health check spec `[protocol][:backend][:params]` (SPEC §11). Timings are milliseconds. */
export interface HealthCheckSpec {
  /** The spec string as written. */
  readonly spec: string;
  /** Backend protocol it applies to (lower-case); none = every protocol. */
  readonly protocol?: string;
  /** Backend name it applies to; none = every backend of the protocol. */
  readonly backend?: string;
  /** Delay before the first check. @default 0 */
  readonly initialDelay: number;
  /** Time between checks. @default 10000 */
  readonly interval: number;
  /** A check running longer fails. @default 5000 */
  readonly timeout: number;
  /** Consecutive failures that make a backend Unhealthy. @default 3 */
  readonly failureThreshold: number;
  /** Consecutive successes that make a backend Healthy again. @default 5 */
  readonly recoveryThreshold: number;
  /** The other parameters as written, passed to the backend's check (`path`, `status`, ...). */
  readonly params: Record<string, string>;
}

/**
 * Parses a backend spec `name:protocol[:params]`: exactly two identifiers, then optional properties. The
 * protocol is lower-cased; parameter keys keep their case. Parameter names and values are validated later by
 * the backend protocol, not here.
 *
 * @throws {SpecError} on a tokenizer error or a wrong shape.
 *
 * @example
 * parseBackendSpec("web:pass:target.ip=127.0.0.1,target.port=8080");
 * // { name: "web", protocol: "pass", params: { "target.ip": "127.0.0.1", "target.port": "8080" } }
 */
export function parseBackendSpec(input: string): BackendSpec {
  const label = "backend spec";
  const fail: Fail = specFailure(input, label);
  const segments = tokenizeSpec(input, { label });
  const [name, protocol, props] = segments;
  if (name === undefined) fail("expected name:protocol[:params]");
  if (name.kind !== "id" || name.value === "") fail("missing backend name: expected name:protocol[:params]");
  if (protocol === undefined || protocol.kind !== "id" || protocol.value === "") {
    fail("missing protocol: expected name:protocol[:params]");
  }
  if (props !== undefined && props.kind !== "props") fail(unexpected(props, "parameters key=value,..."));
  return {
    name: name.value,
    protocol: protocol.value.toLowerCase(),
    params: Object.fromEntries(props?.props ?? []),
  };
}

/**
 * Parses a port binding `public:local[:tcp|udp][:params]`. Recognised parameters (case-insensitive):
 * `bind-address` (IPv4/IPv6 literal), `listen` and `proxy-protocol` (`true`/`false`); the others are kept in
 * `params` for the features that read them.
 *
 * @throws {SpecError} on a tokenizer error, a wrong shape, an invalid port, address or boolean, an unknown
 *   network protocol, `?` as local port without a NAT mapping, or a binding that neither maps nor listens.
 *
 * @example
 * parsePortBinding("443:8443:tcp:bind-address=::");
 * // { publicPort: 443, localPort: 8443, transports: ["tcp"], bindAddress: "::", listen: true, params: {} }
 */
export function parsePortBinding(input: string): PortBinding {
  const label = "port binding";
  const fail: Fail = specFailure(input, label);
  const shape = "public:local[:tcp|udp][:params]";
  const segments = tokenizeSpec(input, { label });
  const [pub, local] = segments;
  if (pub === undefined || local === undefined || pub.kind !== "id" || local.kind !== "id") {
    fail(`expected ${shape}`);
  }
  const publicPort = pub.value === "!" || pub.value === "?" ? pub.value : port(pub, "public", fail);
  const localPort = local.value === "?" ? "?" : port(local, "local", fail);
  let transports: Transport[] = ["tcp", "udp"];
  let rest = segments.slice(2);
  if (rest[0]?.kind === "id") {
    const token = rest[0].value.toLowerCase();
    if (token !== "tcp" && token !== "udp") {
      fail(
        `unknown network protocol "${rest[0].value}" at position ${rest[0].position}: expected tcp or udp`,
      );
    }
    transports = [token as Transport];
    rest = rest.slice(1);
  }
  if (rest[0] !== undefined && rest[0].kind !== "props") {
    fail(unexpected(rest[0], "parameters key=value,..."));
  }
  let bindAddress = "0.0.0.0";
  let listen = true;
  const params: Record<string, string> = {};
  for (const [key, value] of rest[0]?.kind === "props" ? rest[0].props : []) {
    const lower = key.toLowerCase();
    if (lower === "bind-address") bindAddress = typed(key, value, parseIpLiteral, fail);
    else if (lower === "listen") listen = typed(key, value, parseBool, fail);
    else if (lower === "proxy-protocol") params[key] = String(typed(key, value, parseBool, fail));
    else params[key] = value;
  }
  if (publicPort === "!" && localPort === "?") {
    fail('local port "?" needs a NAT mapping, but the public port is "!"');
  }
  if (publicPort === "!" && !listen) fail('the binding neither maps a port (public "!") nor listens');
  return { spec: input, publicPort, localPort, transports, bindAddress, listen, params };
}

function port(segment: Segment & { kind: "id" }, which: string, fail: (d: string) => never): number {
  try {
    return parsePort(segment.value);
  } catch (e) {
    return fail(`${which} port "${segment.value}" at position ${segment.position}: ${(e as Error).message}`);
  }
}

function typed<T>(key: string, value: string, parse: (v: string) => T, fail: (d: string) => never): T {
  try {
    return parse(value);
  } catch (e) {
    return fail(`invalid value "${value}" for "${key}": ${(e as Error).message}`);
  }
}

const TIMINGS = {
  "initial-delay": { field: "initialDelay", min: 0, default: 0 },
  "interval": { field: "interval", min: 1, default: 10000 },
  "timeout": { field: "timeout", min: 1, default: 5000 },
  "failure-threshold": { field: "failureThreshold", min: 1, default: 3 },
  "recovery-threshold": { field: "recoveryThreshold", min: 1, default: 5 },
} as const;
type TimingField = typeof TIMINGS[keyof typeof TIMINGS]["field"];

/**
 * Parses a health check spec `[protocol][:backend][:params]`: `interval=5000` applies to every backend,
 * `pass:interval=5000` to every `pass` backend, `pass:web:interval=5000` to `web` only. Timing parameters
 * (`initial-delay`, `interval`, `timeout`, `failure-threshold`, `recovery-threshold`; case-insensitive) are
 * integers: `initial-delay` may be 0, the others are at least 1. Other parameters go to `params`.
 *
 * @throws {SpecError} on a tokenizer error, a wrong shape, a backend without protocol, or a bad timing.
 */
export function parseHealthCheckSpec(input: string): HealthCheckSpec {
  const label = "health check";
  const fail: Fail = specFailure(input, label);
  const segments = tokenizeSpec(input, { label });
  if (segments.length === 0) fail("expected [protocol][:backend][:params]");
  const ids = [];
  while (ids.length < segments.length && segments[ids.length].kind === "id") ids.push(segments[ids.length]);
  const props = segments[ids.length];
  if (ids.length > 2) fail(unexpected(ids[2], "parameters key=value,..."));
  const [protocol, backend] = ids.map((s) => s.kind === "id" ? s.value : "");
  if (backend !== undefined && backend === "") fail(`empty backend name at position ${ids[1].position}`);
  if (backend !== undefined && protocol === "") fail(`backend "${backend}" is named without its protocol`);
  const timings: Record<TimingField, number> = {
    initialDelay: TIMINGS["initial-delay"].default,
    interval: TIMINGS.interval.default,
    timeout: TIMINGS.timeout.default,
    failureThreshold: TIMINGS["failure-threshold"].default,
    recoveryThreshold: TIMINGS["recovery-threshold"].default,
  };
  const params: Record<string, string> = {};
  for (const [key, value] of props?.kind === "props" ? props.props : []) {
    const lower = key.toLowerCase();
    const timing = Object.hasOwn(TIMINGS, lower) ? TIMINGS[lower as keyof typeof TIMINGS] : undefined;
    if (timing === undefined) params[key] = value;
    else timings[timing.field] = typed(key, value, (v) => parseInteger(v, { min: timing.min }), fail);
  }
  return {
    spec: input,
    ...(protocol ? { protocol: protocol.toLowerCase() } : {}),
    ...(backend !== undefined ? { backend } : {}),
    ...timings,
    params,
  };
}
