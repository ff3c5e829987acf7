/**
 * Backends at run time: one ordered table per network protocol, entries built from specs (common matchers
 * compiled once, parameters validated), with the counters and health status routing reads.
 *
 * @module
 */
import type {
  BackendHandler,
  BackendProtocol,
  BackendServices,
  BackendSpec,
  ProbeInput,
  Tier,
  Transport,
  Verdict,
} from "./backend.ts";
import { TIERS } from "./backend.ts";
import { compileMatchers, type MatchFn, parseKey, TransportMismatchError } from "../matchers/mod.ts";
import type { Detector } from "../detect/types.ts";

/** Health statuses (SPEC §11). */
export type HealthStatus =
  | "Unknown"
  | "Healthy"
  | "Unhealthy"
  | "Degraded"
  | "Stabilizing"
  | "Draining"
  | "Stopped";

/** Statuses that are not routed to. */
const NOT_ROUTABLE: ReadonlySet<HealthStatus> = new Set(["Unhealthy", "Draining", "Stopped"]);

/** Parameters the router itself reads on every backend (not matchers). */
export const ROUTER_PARAMS = [
  { key: "priority", help: "tier: vip, normal, standby, fallback" },
  {
    key: "max-connections",
    help: "open connections/sessions allowed at once; excess goes to the next candidate",
  },
  { key: "udp.idle-timeout", help: "UDP session idle expiry in ms (default 60000)" },
  { key: "udp.probe-datagrams", help: "datagrams held while probing a new UDP session (default 3)" },
] as const;

/** A backend in a routing table. */
export class BackendEntry {
  readonly spec: BackendSpec;
  readonly protocol: BackendProtocol;
  readonly transport: Transport;
  readonly tier: Tier;
  readonly handler: BackendHandler;
  readonly needsBytes: boolean;
  readonly maxConnections: number;
  readonly udpIdleTimeout: number;
  readonly udpProbeDatagrams: number;
  /** Aborted when the backend is removed by force (relays close). */
  readonly abort: AbortController = new AbortController();
  /** Position in definition order (kept current by the table). */
  order = 0;
  /** Connections/sessions routed so far. */
  requests = 0;
  /** Connections/sessions open now. */
  active = 0;
  status: HealthStatus = "Unknown";
  statusReason = "";
  lastHealthCheck: Date | undefined = undefined;
  healthCheckFailureCount = 0;
  healthCheckSuccessCount = 0;
  #match: MatchFn | undefined;

  constructor(init: {
    spec: BackendSpec;
    protocol: BackendProtocol;
    transport: Transport;
    tier: Tier;
    handler: BackendHandler;
    match: MatchFn | undefined;
    needsBytes: boolean;
    maxConnections: number;
    udpIdleTimeout: number;
    udpProbeDatagrams: number;
  }) {
    this.spec = init.spec;
    this.protocol = init.protocol;
    this.transport = init.transport;
    this.tier = init.tier;
    this.handler = init.handler;
    this.#match = init.match;
    this.needsBytes = init.needsBytes;
    this.maxConnections = init.maxConnections;
    this.udpIdleTimeout = init.udpIdleTimeout;
    this.udpProbeDatagrams = init.udpProbeDatagrams;
  }

  /** The backend's name. */
  get name(): string {
    return this.spec.name;
  }

  /** Whether new connections may be routed here now (health and `max-connections`). */
  get routable(): boolean {
    return !NOT_ROUTABLE.has(this.status) && this.active < this.maxConnections;
  }

  /** Common matchers AND the protocol's own probe. */
  probe(input: ProbeInput): Verdict {
    let v: Verdict = "match";
    if (this.#match) {
      v = this.#match(input);
      if (v === "no") return "no";
    }
    const own = this.handler.probe;
    if (own) {
      const w = own.call(this.handler, input);
      if (w === "no") return "no";
      if (w === "more") return "more";
    }
    return v;
  }
}

/** Options for {@linkcode createEntries}. */
export interface CreateEntryOptions {
  /** Backend protocols by name. */
  readonly protocols: readonly BackendProtocol[];
  /** Services for the factories. */
  readonly services: (spec: BackendSpec, transport: Transport) => BackendServices;
  /** Detectors `detect=` knows beyond the built-ins (from extensions). @default [] */
  readonly detectors?: readonly Detector[];
}

/**
 * Builds the entries of one backend spec: one per network protocol its protocol (and matchers) serve. Throws
 * RangeError/SyntaxError with a message naming the backend, the parameter and what is accepted.
 */
export function createEntries(spec: BackendSpec, options: CreateEntryOptions): BackendEntry[] {
  const where = `backend "${spec.name}" (${spec.protocol})`;
  if (!spec.name) throw new RangeError(`Invalid backend: the name is empty`);
  const protocol = options.protocols.find((p) => p.name === spec.protocol.toLowerCase());
  if (!protocol) {
    throw new RangeError(
      `Unknown protocol "${spec.protocol}" for backend "${spec.name}": expected one of ${
        options.protocols.map((p) => p.name).join(", ")
      }`,
    );
  }
  const entries: BackendEntry[] = [];
  const mismatches: string[] = [];
  for (const transport of protocol.transports) {
    let compiled;
    try {
      compiled = compileMatchers(spec.params, transport, [], { detectors: options.detectors });
    } catch (err) {
      if (err instanceof TransportMismatchError) {
        mismatches.push((err as Error).message);
        continue;
      }
      throw rewrap(err, `Invalid ${where}`);
    }
    const rest = compiled.rest;
    const tier = readTier(rest, protocol, where);
    const maxConnections = readInt(rest, "max-connections", Infinity, 1, where);
    const udpIdleTimeout = readInt(rest, "udp.idle-timeout", 60000, 1, where);
    const udpProbeDatagrams = readInt(rest, "udp.probe-datagrams", 3, 1, where);
    for (const key of Object.keys(rest)) {
      const k = key.toLowerCase();
      if (ROUTER_PARAMS.some((p) => p.key === k)) continue;
      const pk = parseKey(key);
      const known = protocol.params.some((d) =>
        d.key.endsWith("[") ? k.startsWith(d.key) || pk.name + "[" === d.key : d.key === k
      );
      if (!known) {
        const accepted = [
          ...protocol.params.map((d) => d.key.endsWith("[") ? d.key + "...]" : d.key),
          ...ROUTER_PARAMS.map((p) => p.key),
          "local-ip",
          "remote-ip",
          "local-port",
          "remote-port",
          "property[...]",
          "detect",
          "sni",
          "alpn",
        ];
        throw new RangeError(
          `Invalid ${where}: unknown parameter "${key}": accepted: ${accepted.join(", ")}`,
        );
      }
    }
    for (const d of protocol.params) {
      if (d.required && !Object.keys(rest).some((k) => k.toLowerCase() === d.key)) {
        throw new RangeError(`Invalid ${where}: parameter "${d.key}" is required (${d.help})`);
      }
    }
    let handler: BackendHandler;
    try {
      handler = protocol.create(spec, transport, options.services(spec, transport));
    } catch (err) {
      throw rewrap(err, `Invalid ${where}`);
    }
    entries.push(
      new BackendEntry({
        spec,
        protocol,
        transport,
        tier,
        handler,
        match: compiled.match,
        needsBytes: compiled.needsBytes,
        maxConnections,
        udpIdleTimeout,
        udpProbeDatagrams,
      }),
    );
  }
  if (entries.length === 0) {
    throw new RangeError(`Invalid ${where}: it fits no network protocol: ${mismatches.join("; ")}`);
  }
  return entries;
}

function rewrap(err: unknown, prefix: string): Error {
  const msg = `${prefix}: ${(err as Error)?.message ?? String(err)}`;
  return err instanceof SyntaxError
    ? new SyntaxError(msg, { cause: err })
    : new RangeError(msg, { cause: err });
}

function lookup(params: Record<string, string>, key: string): string | undefined {
  for (const k in params) if (k.toLowerCase() === key) return params[k];
  return undefined;
}

function readTier(params: Record<string, string>, protocol: BackendProtocol, where: string): Tier {
  const v = lookup(params, "priority");
  if (v === undefined) return protocol.defaultTier;
  const t = v.trim().toLowerCase();
  if (!(TIERS as readonly string[]).includes(t)) {
    throw new RangeError(`Invalid ${where}: priority "${v}": expected one of ${TIERS.join(", ")}`);
  }
  return t as Tier;
}

function readInt(
  params: Record<string, string>,
  key: string,
  dflt: number,
  min: number,
  where: string,
): number {
  const v = lookup(params, key);
  if (v === undefined) return dflt;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < min) {
    throw new RangeError(`Invalid ${where}: ${key} "${v}": expected a whole number ≥ ${min}`);
  }
  return Number(v);
}

/** The ordered backends of one network protocol. */
export class BackendTable {
  readonly transport: Transport;
  #entries: BackendEntry[] = [];

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** The entries in routing order (a stable snapshot: the table copies on change). */
  get entries(): readonly BackendEntry[] {
    return this.#entries;
  }

  /** Finds an entry by name (case-sensitive, as names are). */
  get(name: string): BackendEntry | undefined {
    return this.#entries.find((e) => e.name === name);
  }

  /** Appends an entry; throws on a duplicate name. */
  add(entry: BackendEntry): void {
    if (this.get(entry.name)) {
      throw new RangeError(`Duplicate backend name "${entry.name}" for ${this.transport.toUpperCase()}`);
    }
    this.#entries = [...this.#entries, entry];
    this.#renumber();
  }

  /** Replaces the entry of the same name in place; returns the old one. */
  replace(entry: BackendEntry): BackendEntry {
    const i = this.#entries.findIndex((e) => e.name === entry.name);
    if (i < 0) throw new RangeError(`No backend "${entry.name}" for ${this.transport.toUpperCase()}`);
    const old = this.#entries[i];
    const next = [...this.#entries];
    next[i] = entry;
    this.#entries = next;
    this.#renumber();
    return old;
  }

  /** Removes an entry by name; returns it. */
  remove(name: string): BackendEntry | undefined {
    const old = this.get(name);
    if (!old) return undefined;
    this.#entries = this.#entries.filter((e) => e !== old);
    this.#renumber();
    return old;
  }

  /** Replaces the whole order at once (config reload); names must be unique. */
  setAll(entries: readonly BackendEntry[]): void {
    const names = new Set<string>();
    for (const e of entries) {
      if (names.has(e.name)) {
        throw new RangeError(`Duplicate backend name "${e.name}" for ${this.transport.toUpperCase()}`);
      }
      names.add(e.name);
    }
    this.#entries = [...entries];
    this.#renumber();
  }

  #renumber(): void {
    this.#entries.forEach((e, i) => e.order = i);
  }
}
