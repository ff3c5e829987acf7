/**
 * ACME routes (SPEC §12, §14): the certificates ACME keeps with their state, and a renewal on demand, through
 * the {@linkcode AcmeProvider}. Without a provider every route answers 404 "ACME is not enabled".
 *
 * @module
 */
import type { Context } from "hono";
import { conflict, messageOf, notFound } from "./errors.ts";
import { error, ok } from "./schemas.ts";
import type { ManagementDeps, RouteContext, RouteGroup, Schema } from "./types.ts";

/** A certificate as `GET /api/acme/certificates` lists it. */
export interface AcmeCertificateInfo {
  readonly domain: string;
  readonly sans: readonly string[];
  /** `http-01` or `dns-01`. */
  readonly challenge: string;
  /** `Pending`, `Validating`, `Valid`, `RenewalDue`, `Expired` or `Error`. */
  readonly state: string;
  /** ISO 8601 UTC, null when no certificate is held. */
  readonly notAfter: string | null;
  readonly lastError: string | null;
  /** ISO 8601 UTC, null while an attempt runs or when ACME is disabled. */
  readonly nextAttempt: string | null;
}

/**
 * ACME at run time (implemented by `src/acme/`'s `AcmeManager`). `renew` returns undefined for an unknown
 * domain (404) and throws a `RangeError` when it cannot renew now, e.g. ACME is disabled (409).
 */
export interface AcmeProvider {
  list(): readonly AcmeCertificateInfo[];
  renew(domain: string): AcmeCertificateInfo | undefined;
}

/** Management dependencies with ACME (the `acme` field is read by this group only). */
export interface AcmeManagementDeps extends ManagementDeps {
  /** ACME certificates; absent = ACME is not enabled. */
  acme?: AcmeProvider;
}

/**
 * The `acme` field to spread into the management dependencies (nothing when ACME is off).
 *
 * @example
 * serveManagement(net, { app, tls: app.tlsStore, ...acmeDeps(acme?.manager) }, listen);
 */
export function acmeDeps(acme: AcmeProvider | undefined): Pick<AcmeManagementDeps, "acme"> {
  return acme ? { acme } : {};
}

/**
 * The dependencies with ACME added (absent `acme` leaves them as they are).
 *
 * @example
 * createManagementApp(withAcme({ app }, manager));
 */
export function withAcme(deps: ManagementDeps, acme: AcmeProvider | undefined): ManagementDeps {
  return { ...deps, ...acmeDeps(acme) };
}

function provider(ctx: RouteContext): AcmeProvider {
  const acme = (ctx.deps as AcmeManagementDeps).acme;
  if (!acme) throw notFound("ACME is not enabled (--acme-certificate)");
  return acme;
}

function listCertificates(c: Context, ctx: RouteContext): Response {
  return c.json(provider(ctx).list());
}

function renewCertificate(c: Context, ctx: RouteContext): Response {
  const acme = provider(ctx);
  const domain = c.req.param("domain") ?? "";
  let status;
  try {
    status = acme.renew(domain);
  } catch (err) {
    throw conflict(messageOf(err), err);
  }
  if (!status) throw notFound(`No ACME certificate for "${domain}"`);
  return c.json(status, 202);
}

const nullableString = { type: ["string", "null"] } as const;
const CERTIFICATE: Schema = {
  type: "object",
  properties: {
    domain: { type: "string" },
    sans: { type: "array", items: { type: "string" } },
    challenge: { type: "string", enum: ["http-01", "dns-01"] },
    state: { type: "string", enum: ["Pending", "Validating", "Valid", "RenewalDue", "Expired", "Error"] },
    notAfter: { ...nullableString, format: "date-time" },
    lastError: nullableString,
    nextAttempt: { ...nullableString, format: "date-time" },
  },
};
const DISABLED = error("ACME is not enabled");

/** The ACME route group. */
export const acmeRoutes: RouteGroup = {
  name: "acme",
  description: "ACME certificates: state and renewal",
  routes: [
    {
      method: "get",
      path: "/api/acme/certificates",
      id: "listAcmeCertificates",
      summary: "List ACME certificates and their state",
      responses: { 200: ok("Certificates", { type: "array", items: CERTIFICATE }), 404: DISABLED },
      handler: listCertificates,
    },
    {
      method: "post",
      path: "/api/acme/certificates/{domain}/renew",
      id: "renewAcmeCertificate",
      summary: "Renew a certificate now",
      description:
        "Starts an attempt at once, whatever the schedule and the retry backoff; answers before it ends",
      responses: {
        202: ok("Renewal started", CERTIFICATE),
        404: error("No certificate for that domain, or ACME is not enabled"),
        409: error("ACME is disabled (--acme-disable)"),
      },
      handler: renewCertificate,
    },
  ],
};
