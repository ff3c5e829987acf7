/**
 * Spec string shapes for TLS (SPEC §8.1) and ACME (SPEC §14): certificates
 * `name:path=<file>[,key=<file>][,type=pem|pfx|der][,password=...]` or `name:certificate=<base64>`,
 * certificate maps `certName:hostname`, and ACME entries `<domain>[:<http-01|dns-01>[:san=a;b,...]]`.
 *
 * @module
 */
import { type Fail, specFailure, tokenizeSpec, unexpected } from "./tokenizer.ts";
import { parseChoice, parseHostname } from "./values.ts";

/** Certificate file formats. */
export const CERTIFICATE_TYPES: readonly ["pem", "pfx", "der"] = ["pem", "pfx", "der"];

/** A parsed TLS certificate spec (SPEC §8.1). Exactly one of `path` and `certificate` is set. */
export interface CertificateSpec {
  /** The spec string as written. */
  readonly spec: string;
  /** Certificate name, used by maps (`default` is the fallback certificate). */
  readonly name: string;
  /** Certificate file (PEM with or without embedded key, PKCS#12, or DER). */
  readonly path?: string;
  /** Separate private key file (PEM). */
  readonly key?: string;
  /**
   * File format: as given, else `pfx` for `.pfx`/`.p12`, `der` for `.der`, `pem` for other paths. Absent for
   * an inline certificate without `type` (the TLS layer tells PKCS#12 from DER).
   */
  readonly type?: "pem" | "pfx" | "der";
  /** PKCS#12 password. */
  readonly password?: string;
  /** Inline certificate, base64 (whitespace removed). Quote it when it ends in `=` padding. */
  readonly certificate?: string;
}

/** A parsed certificate map `certName:hostname` (SPEC §8.1). */
export interface CertificateMapping {
  /** The spec string as written. */
  readonly spec: string;
  /** Name of the certificate to serve. */
  readonly certificate: string;
  /** Host name, lower-case; may be a single-label wildcard `*.example.com`. */
  readonly hostname: string;
}

/** ACME challenge types. */
export const ACME_CHALLENGES: readonly ["http-01", "dns-01"] = ["http-01", "dns-01"];

/** A parsed ACME certificate spec `<domain>[:<http-01|dns-01>[:san=a;b,...]]` (SPEC §14). */
export interface AcmeCertificateSpec {
  /** The spec string as written. */
  readonly spec: string;
  /** Main domain, lower-case (`*.example.com` needs dns-01). */
  readonly domain: string;
  /** Challenge type. @default "http-01" */
  readonly challenge: "http-01" | "dns-01";
  /** Subject alternative names besides the domain, lower-case. */
  readonly san: string[];
  /** The other parameters as written (DNS provider settings such as `provider`, `server`, `key-name`). */
  readonly params: Record<string, string>;
}

const CERTIFICATE_KEYS = ["path", "key", "type", "password", "certificate"] as const;

/**
 * Parses a TLS certificate spec. Keys are case-insensitive; unknown keys are errors.
 *
 * @throws {SpecError} on a tokenizer error, a wrong shape, an unknown key, a bad type, invalid base64, or
 *   not exactly one of `path` and `certificate`.
 *
 * @example
 * parseCertificateSpec("site:path=/etc/tls/site.pem,key=/etc/tls/site.key");
 * // { name: "site", path: "/etc/tls/site.pem", key: "/etc/tls/site.key", type: "pem" }
 */
export function parseCertificateSpec(input: string): CertificateSpec {
  const label = "certificate spec";
  const fail: Fail = specFailure(input, label);
  const shape =
    "name:path=<file>[,key=<file>][,type=pem|pfx|der][,password=...] or name:certificate=<base64>";
  const [name, props] = tokenizeSpec(input, { label });
  if (name === undefined || name.kind !== "id" || name.value === "") fail(`expected ${shape}`);
  if (props === undefined || props.kind !== "props") fail(`expected ${shape}`);
  const found: Partial<Record<typeof CERTIFICATE_KEYS[number], string>> = {};
  for (const [key, value] of props.props) {
    const lower = key.toLowerCase();
    const known = CERTIFICATE_KEYS.find((k) => k === lower);
    if (known === undefined) return fail(`unknown key "${key}": expected ${CERTIFICATE_KEYS.join(", ")}`);
    found[known] = value;
  }
  if ((found.path === undefined) === (found.certificate === undefined)) {
    fail('expected exactly one of "path" and "certificate"');
  }
  let type: CertificateSpec["type"];
  if (found.type !== undefined) {
    try {
      type = parseChoice(found.type, CERTIFICATE_TYPES);
    } catch (e) {
      fail(`invalid type "${found.type}": ${(e as Error).message}`);
    }
  } else if (found.path !== undefined) {
    type = /\.(pfx|p12)$/i.test(found.path) ? "pfx" : /\.der$/i.test(found.path) ? "der" : "pem";
  }
  let certificate = found.certificate;
  if (certificate !== undefined) {
    certificate = certificate.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(certificate)) fail("certificate is not valid base64");
  }
  const spec: CertificateSpec = {
    spec: input,
    name: name.value,
    ...(found.path !== undefined ? { path: found.path } : {}),
    ...(found.key !== undefined ? { key: found.key } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(found.password !== undefined ? { password: found.password } : {}),
    ...(certificate !== undefined ? { certificate } : {}),
  };
  return spec;
}

/**
 * Parses a certificate map `certName:hostname`.
 *
 * @throws {SpecError} on a wrong shape or an invalid host name.
 *
 * @example
 * parseCertificateMap("site:*.Example.com"); // { certificate: "site", hostname: "*.example.com" }
 */
export function parseCertificateMap(input: string): CertificateMapping {
  const label = "certificate map";
  const fail: Fail = specFailure(input, label);
  const [cert, host, extra] = tokenizeSpec(input, { label });
  if (cert?.kind !== "id" || host?.kind !== "id" || cert.value === "" || host.value === "" || extra) {
    fail("expected certName:hostname");
  }
  let hostname = "";
  try {
    hostname = parseHostname(host.value);
  } catch (e) {
    fail(`host name "${host.value}" at position ${host.position}: ${(e as Error).message}`);
  }
  return { spec: input, certificate: cert.value, hostname };
}

/**
 * Parses an ACME certificate spec `<domain>[:<http-01|dns-01>][:san=a;b,...]`. The challenge may be left out
 * before the parameters (`example.com:san=www.example.com`). Wildcard names require `dns-01`.
 *
 * @throws {SpecError} on a wrong shape, an invalid domain or SAN, an unknown challenge, or a wildcard name
 *   with `http-01`.
 *
 * @example
 * parseAcmeCertificateSpec("example.com:dns-01:san=www.example.com;*.example.com,provider=rfc2136");
 * // { domain: "example.com", challenge: "dns-01", san: ["www.example.com", "*.example.com"],
 * //   params: { provider: "rfc2136" } }
 */
export function parseAcmeCertificateSpec(input: string): AcmeCertificateSpec {
  const label = "ACME certificate spec";
  const fail: Fail = specFailure(input, label);
  const segments = tokenizeSpec(input, { label });
  const [domainSeg] = segments;
  if (domainSeg?.kind !== "id" || domainSeg.value === "") {
    fail("expected <domain>[:<http-01|dns-01>[:san=a;b,...]]");
  }
  const host = (text: string) => {
    try {
      return parseHostname(text);
    } catch (e) {
      return fail(`host name "${text}": ${(e as Error).message}`);
    }
  };
  const domain = host(domainSeg.value);
  let rest = segments.slice(1);
  let challenge: AcmeCertificateSpec["challenge"] | undefined;
  if (rest[0]?.kind === "id") {
    const token = rest[0].value;
    challenge = ACME_CHALLENGES.find((c) => c === token.toLowerCase());
    if (challenge === undefined) {
      fail(
        `unknown challenge "${token}" at position ${rest[0].position}: expected ${
          ACME_CHALLENGES.join(" or ")
        }`,
      );
    }
    rest = rest.slice(1);
  }
  if (rest[0] !== undefined && rest[0].kind !== "props") {
    fail(unexpected(rest[0], "parameters key=value,..."));
  }
  const san: string[] = [];
  const params: Record<string, string> = {};
  for (const [key, value] of rest[0]?.kind === "props" ? rest[0].props : []) {
    if (key.toLowerCase() !== "san") params[key] = value;
    else for (const name of value.split(";")) if (name.trim() !== "") san.push(host(name));
  }
  const wildcard = [domain, ...san].find((n) => n.startsWith("*."));
  if (wildcard !== undefined && challenge === "http-01") fail(`wildcard name "${wildcard}" needs dns-01`);
  if (wildcard !== undefined && challenge === undefined) {
    fail(`wildcard name "${wildcard}" needs dns-01: write ${domainSeg.value}:dns-01`);
  }
  return { spec: input, domain, challenge: challenge ?? "http-01", san, params };
}
