/**
 * Every configuration option, in one declarative table: long name, short letter, aliases, type, default,
 * accepted values, help line and the parser of its values. The command line, the environment, the config
 * file, `--help` and the `Config` type are all derived from it. Extension options (NAT, TLS, management,
 * ACME, OTLP) are in their own groups.
 *
 * @module
 */
import { LEVELS } from "../logging/logger.ts";
import { parseBackendSpec, parseHealthCheckSpec, parsePortBinding } from "./spec_shapes.ts";
import { parseAcmeCertificateSpec, parseCertificateMap, parseCertificateSpec } from "./tls_spec.ts";
import {
  boolOption,
  choiceOption,
  inGroup,
  intOption,
  listOption,
  option,
  optionalIntOption,
  type OptionDef,
} from "./option_def.ts";
import { parseChoice, parseIpLiteral, parsePort, parseRate, parseUrl, type Rate } from "./values.ts";

export { OPTION_GROUPS } from "./option_def.ts";
export type { Elem, OptionDef, OptionGroup, OptionType, ValueType } from "./option_def.ts";

/** Log line formats. */
export const LOG_FORMATS = ["text", "json"] as const;
/** NAT port mapping protocols. */
export const PORT_MAP_PROTOCOLS = ["upnp", "pmp"] as const;
/** TLS protocol versions. */
export const TLS_PROTOCOLS = ["tls12", "tls13"] as const;
/** OTLP metric encodings. */
export const OTLP_PROTOCOLS = ["HttpProtobuf", "HttpJson"] as const;

const UNSET = undefined;
const optionalText = (text: string) => text === "" ? undefined : text;
const nonEmpty = (text: string) => {
  if (text.trim() === "") throw new TypeError("expected a non-empty value");
  return text;
};
const alpnId = (text: string) => {
  const t = text.trim();
  if (t === "" || new TextEncoder().encode(t).length > 255) throw new RangeError("expected 1 to 255 bytes");
  return t;
};
const email = (text: string) => {
  const t = text.trim();
  if (t === "") return undefined;
  if (!/^[^\s@]+@[^\s@]+$/.test(t)) throw new TypeError("expected an email address");
  return t;
};
const optional = <T>(parse: (text: string) => T) => (text: string) =>
  text.trim() === "" ? undefined : parse(text);

const core = inGroup("core", [
  option("config-file", {
    short: "c",
    type: "path",
    default: "pmmux.toml" as string | undefined,
    valueName: "<file>",
    bootstrap: true,
    parse: nonEmpty,
    help: "Config file (.toml, .yaml, .yml or .json); a missing default file is fine",
  }),
  listOption("backend", {
    field: "backends",
    short: "b",
    aliases: ["backends"],
    element: "spec",
    parse: parseBackendSpec,
    help: "Backend name:protocol[:params], repeatable; tried in the order given",
  }),
  listOption("port-binding", {
    field: "portBindings",
    short: "p",
    aliases: ["port-bindings"],
    element: "spec",
    parse: parsePortBinding,
    help: "Port binding public:local[:tcp|udp][:params]; public may be ! (no NAT) or ?; repeatable",
  }),
  listOption("health-check", {
    field: "healthChecks",
    short: "z",
    aliases: ["health-checks"],
    element: "spec",
    parse: parseHealthCheckSpec,
    help: "Health check [protocol][:backend][:params], repeatable",
  }),
  option("routing-strategy", {
    short: "r",
    type: "string",
    default: "first-available",
    valueName: "<name>",
    choicesFrom: "strategies",
    parse: (text) => nonEmpty(text).trim().toLowerCase(),
    help:
      "Routing strategy: first-available, least-requests, round-robin, least-connections, random, ip-hash",
  }),
  intOption("selection-timeout", {
    short: "s",
    default: 5000,
    min: 1,
    valueName: "<ms>",
    help: "Milliseconds allowed for probing one connection; undecided backends then count as no match",
  }),
  intOption("queue-length", { short: "q", default: 100, min: 1, help: "Listen backlog" }),
  intOption("preview-buffer-limit", {
    default: 65536,
    min: 1,
    valueName: "<bytes>",
    help: "Maximum bytes buffered for probing one connection",
  }),
  intOption("udp-max-sessions", {
    default: 4096,
    min: 1,
    help: "Maximum UDP sessions; the least recently used one is evicted",
  }),
  intOption("shutdown-grace", {
    default: 10000,
    min: 0,
    valueName: "<ms>",
    help: "Milliseconds open relays may take to finish on SIGINT/SIGTERM",
  }),
  listOption("extension", {
    field: "extensions",
    short: "x",
    aliases: ["extensions"],
    element: "path",
    valueName: "<module>",
    parse: nonEmpty,
    help: "Extra extension ES module to load, repeatable",
  }),
]);

const logging = inGroup("logging", [
  choiceOption("verbosity", LEVELS, {
    short: "v",
    type: "level",
    default: "information",
    valueName: "<level>",
    help: `Log level: ${LEVELS.join(" ")}`,
  }),
  choiceOption("log-format", LOG_FORMATS, { default: "text", help: "Log line format: text or json" }),
  option("log-directory", {
    short: "d",
    type: "path",
    default: UNSET as string | undefined,
    valueName: "<dir>",
    parse: optionalText,
    help: "Directory for log files; enables file logging",
  }),
  optionalIntOption("log-file-max-size", {
    min: 1,
    valueName: "<bytes>",
    defaultText: "unlimited",
    help: "Bytes per log file before it rolls over",
  }),
  optionalIntOption("log-file-max-retain", {
    min: 1,
    defaultText: "all",
    help: "Number of log files kept",
  }),
  boolOption("log-metrics", { help: "Log every metric at trace level" }),
  boolOption("metrics-client-label", {
    help: "Label metrics with the client address (creates one series per connection)",
  }),
]);

const limits = inGroup("limits", [
  optionalIntOption("max-connections", {
    min: 1,
    defaultText: "(open-file limit - 64) / 2",
    help: "Maximum concurrent TCP connections; further ones are closed at accept",
  }),
  optionalIntOption("max-connections-per-ip", {
    min: 1,
    defaultText: "unlimited",
    help: "Maximum concurrent TCP connections per client address",
  }),
  option("connection-rate-per-ip", {
    type: "rate",
    default: UNSET as Rate | undefined,
    defaultText: "unlimited",
    parse: optional(parseRate),
    help: "New connections allowed per client address: N (per second), N/s, N/m or N/h",
  }),
]);

const nat = inGroup("nat", [
  option("gateway", {
    short: "g",
    type: "ip",
    default: UNSET as string | undefined,
    defaultText: "auto",
    parse: optional(parseIpLiteral),
    help: "NAT gateway address",
  }),
  option("network-interface", {
    short: "i",
    type: "string",
    default: UNSET as string | undefined,
    defaultText: "all",
    valueName: "<name>",
    parse: optionalText,
    help: "Network interface used for NAT discovery",
  }),
  option("port-map-protocol", {
    short: "m",
    type: "enum",
    default: UNSET as typeof PORT_MAP_PROTOCOLS[number] | undefined,
    values: PORT_MAP_PROTOCOLS,
    valueName: "<name>",
    defaultText: "both",
    parse: optional((text) => parseChoice(text, PORT_MAP_PROTOCOLS)),
    help: "Port mapping protocol: upnp or pmp; when unset both are tried and the first answer wins",
  }),
  optionalIntOption("port-map-lifetime", {
    min: 1,
    valueName: "<s>",
    defaultText: "device default",
    help: "Requested mapping lifetime in seconds; mappings are renewed before expiry",
  }),
  intOption("port-map-renewal-lead", {
    default: 10,
    min: 1,
    valueName: "<s>",
    help: "Seconds before expiry at which a mapping is renewed",
  }),
  boolOption("port-map-required", {
    help: "Stop startup when NAT discovery or a mapping fails, instead of warning and retrying",
  }),
  intOption("bind-timeout", {
    short: "t",
    default: 30000,
    min: 1,
    valueName: "<ms>",
    help: "Milliseconds for NAT discovery plus the initial mappings",
  }),
]);

const tls = inGroup("tls", [
  boolOption("tls-enable", { help: "Detect and terminate TLS in front of the backends" }),
  boolOption("tls-enforce", { help: "Reject connections that do not start with TLS" }),
  listOption("tls-protocol", {
    field: "tlsProtocols",
    element: "enum",
    values: TLS_PROTOCOLS,
    default: TLS_PROTOCOLS,
    split: true,
    valueName: "<name>",
    parse: (text) => parseChoice(text, TLS_PROTOCOLS),
    help: "TLS versions accepted: tls12, tls13; repeatable or comma-separated",
  }),
  boolOption("tls-generate-certificates", { help: "Generate self-signed certificates on demand" }),
  intOption("tls-hello-timeout", {
    default: 5000,
    min: 1,
    valueName: "<ms>",
    help: "Milliseconds to wait for a ClientHello, and for the handshake",
  }),
  listOption("tls-certificate", {
    field: "tlsCertificates",
    element: "spec",
    parse: parseCertificateSpec,
    help: "Certificate name:path=<file>[,key=..][,type=pem|pfx|der][,password=..] or name:certificate=<b64>",
  }),
  listOption("tls-certificate-map", {
    field: "tlsCertificateMaps",
    element: "spec",
    parse: parseCertificateMap,
    help: "Certificate mapping certName:hostname (hostname may be *.domain), repeatable",
  }),
  listOption("tls-alpn", {
    field: "tlsAlpn",
    element: "string",
    default: ["http/1.1"],
    split: true,
    valueName: "<protocol>",
    parse: alpnId,
    help: "ALPN protocols offered to clients; repeatable or comma-separated",
  }),
]);

const management = inGroup("management", [
  boolOption("management-enable", { help: "Serve the management API" }),
  option("management-port", {
    type: "int",
    default: 8900,
    valueName: "<port>",
    parse: parsePort,
    help: "Management API port",
  }),
  option("management-bind-address", {
    type: "ip",
    default: "127.0.0.1",
    parse: parseIpLiteral,
    help: "Management API address",
  }),
  boolOption("management-ui-enable", { help: "Serve the web UI at / of the management server" }),
  option("management-token", {
    type: "string",
    default: UNSET as string | undefined,
    valueName: "<token>",
    parse: nonEmpty,
    help: "Require Authorization: Bearer <token> on every request except GET /healthz",
  }),
  listOption("management-cors-origin", {
    field: "managementCorsOrigins",
    element: "string",
    split: true,
    valueName: "<origin>",
    parse: (text) => nonEmpty(text).trim(),
    help: "Origin allowed by CORS (CORS is off without one); repeatable or comma-separated",
  }),
]);

const acme = inGroup("acme", [
  option("acme-email", {
    type: "string",
    default: UNSET as string | undefined,
    valueName: "<email>",
    parse: email,
    help: "Contact address of the ACME account",
  }),
  option("acme-storage-path", {
    type: "path",
    default: "./acme",
    valueName: "<dir>",
    parse: nonEmpty,
    help: "Directory for the ACME account and issued certificates",
  }),
  boolOption("acme-staging", { help: "Use the CA's staging environment" }),
  option("acme-server-url", {
    type: "url",
    default: UNSET as string | undefined,
    defaultText: "Let's Encrypt",
    parse: optional((text) => parseUrl(text)),
    help: "ACME directory URL",
  }),
  intOption("acme-renewal-lead", {
    default: 30,
    min: 1,
    valueName: "<days>",
    help: "Days before expiry at which a certificate is renewed",
  }),
  listOption("acme-certificate", {
    field: "acmeCertificates",
    element: "spec",
    parse: parseAcmeCertificateSpec,
    help: "Certificate to obtain: <domain>[:<http-01|dns-01>[:san=a;b,...]], repeatable",
  }),
  boolOption("acme-disable", { help: "Do not obtain or renew certificates" }),
  option("acme-ca-file", {
    type: "path",
    default: UNSET as string | undefined,
    valueName: "<file>",
    parse: optionalText,
    help: "PEM file of a private ACME CA to trust",
  }),
  option("acme-eab-kid", {
    type: "string",
    default: UNSET as string | undefined,
    valueName: "<kid>",
    parse: optionalText,
    help: "External account binding key id (with --acme-eab-hmac)",
  }),
  option("acme-eab-hmac", {
    type: "string",
    default: UNSET as string | undefined,
    valueName: "<key>",
    parse: optionalText,
    help: "External account binding HMAC key, base64url (with --acme-eab-kid)",
  }),
]);

const otlp = inGroup("otlp", [
  boolOption("otlp-enable", { help: "Export metrics with OTLP/HTTP" }),
  option("otlp-metrics-endpoint", {
    type: "url",
    default: "http://localhost:4318/v1/metrics",
    parse: (text) => parseUrl(text),
    help: "OTLP/HTTP metrics endpoint",
  }),
  choiceOption("otlp-metrics-protocol", OTLP_PROTOCOLS, {
    default: "HttpProtobuf",
    help: "OTLP encoding: HttpProtobuf or HttpJson",
  }),
  option("otlp-service-name", {
    type: "string",
    default: "pmmux",
    valueName: "<name>",
    parse: (text) => nonEmpty(text).trim(),
    help: "service.name resource attribute",
  }),
  intOption("otlp-export-interval", {
    default: 60000,
    min: 1000,
    valueName: "<ms>",
    help: "Milliseconds between metric exports",
  }),
]);

/** Every option, in `--help` order. */
export const OPTIONS = [
  ...core,
  ...logging,
  ...limits,
  ...nat,
  ...tls,
  ...management,
  ...acme,
  ...otlp,
] as const;

/** One option of the table. */
export type AnyOption = typeof OPTIONS[number];

/** The option values, one camelCase field per option (`routingStrategy`, `backends`, `tlsEnable`, ...). */
export type ConfigValues = { -readonly [O in AnyOption as O["field"]]: O["default"] };

/** Options by every name they answer to (long name, aliases, short letter), lower-case. */
export const OPTIONS_BY_NAME: ReadonlyMap<string, OptionDef> = new Map(
  OPTIONS.flatMap((o: OptionDef) =>
    [o.name, ...o.aliases, ...(o.short ? [o.short] : [])].map((n) => [n.toLowerCase(), o] as const)
  ),
);
