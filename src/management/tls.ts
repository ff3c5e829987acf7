/**
 * TLS routes (SPEC §8.1, §12): certificates and hostname mappings listed, added and removed at run time through
 * the {@linkcode TlsProvider}; input goes through the `--tls-certificate` / `--tls-certificate-map` parsers.
 * Without a provider every route answers 404 "TLS is not enabled".
 *
 * @module
 */
import type { Context } from "hono";
import {
  type CertificateMapping,
  type CertificateSpec,
  parseCertificateMap,
  parseCertificateSpec,
} from "../config/spec.ts";
import { badRequest, conflict, messageOf, notFound } from "./errors.ts";
import { type JsonObject, onlyFields, optionalString, readBody, readSelector, specString } from "./input.ts";
import { error, listOf, ok, ref } from "./schemas.ts";
import type { RouteContext, RouteGroup, TlsProvider } from "./types.ts";

const CERT_FIELDS = ["name", "path", "key", "type", "password", "certificate"] as const;

function provider(ctx: RouteContext): TlsProvider {
  if (!ctx.deps.tls) throw notFound("TLS is not enabled (--tls-enable)");
  return ctx.deps.tls;
}

function parsed<T>(parse: (text: string) => T, text: string): T {
  try {
    return parse(text);
  } catch (err) {
    throw badRequest(messageOf(err), err);
  }
}

/** A certificate body (`{spec}` or the fields) as a spec, validated like `--tls-certificate`. */
function certificateOf(body: JsonObject): CertificateSpec {
  onlyFields(body, ["spec", ...CERT_FIELDS]);
  const spec = optionalString(body.spec, "spec");
  if (spec !== undefined) {
    if (Object.keys(body).length > 1) throw badRequest(`Give either "spec" or the fields, not both`);
    return parsed(parseCertificateSpec, spec);
  }
  const props: [string, string][] = [];
  for (const f of CERT_FIELDS.slice(1)) {
    const v = optionalString(body[f], f);
    if (v !== undefined) props.push([f, v]);
  }
  return parsed(parseCertificateSpec, specString([optionalString(body.name, "name") ?? ""], props));
}

/** A mapping body or query (`{spec}` or `{certificate, hostname}`), validated like `--tls-certificate-map`. */
function mappingOf(body: JsonObject): CertificateMapping {
  onlyFields(body, ["spec", "certificate", "hostname"]);
  const spec = optionalString(body.spec, "spec");
  if (spec !== undefined) return parsed(parseCertificateMap, spec);
  const ids = [
    optionalString(body.certificate, "certificate") ?? "",
    optionalString(body.hostname, "hostname") ?? "",
  ];
  return parsed(parseCertificateMap, specString(ids, []));
}

async function listCertificates(c: Context, ctx: RouteContext): Promise<Response> {
  return c.json(await provider(ctx).listCertificates());
}

async function addCertificate(c: Context, ctx: RouteContext): Promise<Response> {
  const tls = provider(ctx);
  const spec = certificateOf(await readBody(c));
  let info;
  try {
    info = await tls.addCertificate(spec);
  } catch (err) {
    if (err instanceof RangeError) throw conflict(messageOf(err), err);
    throw badRequest(messageOf(err), err);
  }
  return c.json(info ?? { name: spec.name }, 201);
}

async function removeCertificate(c: Context, ctx: RouteContext): Promise<Response> {
  const tls = provider(ctx);
  const body = await readSelector(c);
  onlyFields(body, ["name"]);
  const name = optionalString(body.name, "name")?.trim();
  if (!name) throw badRequest(`Missing "name" of the certificate to remove`);
  if (!(await tls.removeCertificate(name))) throw notFound(`No certificate "${name}"`);
  return c.json({ name }, 200);
}

async function listMappings(c: Context, ctx: RouteContext): Promise<Response> {
  return c.json(await provider(ctx).listMappings());
}

async function addMapping(c: Context, ctx: RouteContext): Promise<Response> {
  const tls = provider(ctx);
  const m = mappingOf(await readBody(c));
  try {
    await tls.addMapping(m);
  } catch (err) {
    if (err instanceof RangeError) throw conflict(messageOf(err), err);
    throw badRequest(messageOf(err), err);
  }
  return c.json({ certificate: m.certificate, hostname: m.hostname }, 201);
}

async function removeMapping(c: Context, ctx: RouteContext): Promise<Response> {
  const tls = provider(ctx);
  const m = mappingOf(await readSelector(c));
  const view = { certificate: m.certificate, hostname: m.hostname };
  if (!(await tls.removeMapping(view))) throw notFound(`No mapping of "${m.hostname}" to "${m.certificate}"`);
  return c.json(view, 200);
}

const DISABLED = error("TLS is not enabled");

/** The TLS route group. */
export const tlsRoutes: RouteGroup = {
  name: "tls",
  description: "TLS certificates and hostname mappings",
  routes: [
    {
      method: "get",
      path: "/api/tls/certificates",
      id: "listCertificates",
      summary: "List certificates",
      responses: { 200: ok("Certificates", listOf("Certificate")), 404: DISABLED },
      handler: listCertificates,
    },
    {
      method: "post",
      path: "/api/tls/certificates",
      id: "addCertificate",
      summary: "Load and install a certificate",
      body: { description: "The certificate", schema: ref("CertificateInput"), required: true },
      responses: {
        201: ok("The certificate", ref("Certificate")),
        400: error("Invalid spec, or the certificate cannot be loaded"),
        404: DISABLED,
        409: error("A certificate of that name exists"),
      },
      handler: addCertificate,
    },
    {
      method: "delete",
      path: "/api/tls/certificates",
      id: "removeCertificate",
      summary: "Remove a certificate",
      query: [{ name: "name", description: "Certificate name", schema: { type: "string" }, required: true }],
      responses: {
        200: ok("Removed"),
        400: error("No name"),
        404: error("No such certificate, or TLS disabled"),
      },
      handler: removeCertificate,
    },
    {
      method: "get",
      path: "/api/tls/certificate-mappings",
      id: "listCertificateMappings",
      summary: "List hostname mappings",
      responses: { 200: ok("Mappings", listOf("CertificateMapping")), 404: DISABLED },
      handler: listMappings,
    },
    {
      method: "post",
      path: "/api/tls/certificate-mappings",
      id: "addCertificateMapping",
      summary: "Map a hostname to a certificate",
      body: { description: "The mapping", schema: ref("CertificateMapping"), required: true },
      responses: {
        201: ok("The mapping", ref("CertificateMapping")),
        400: error("Invalid mapping or unknown certificate"),
        404: DISABLED,
        409: error("The hostname is mapped already"),
      },
      handler: addMapping,
    },
    {
      method: "delete",
      path: "/api/tls/certificate-mappings",
      id: "removeCertificateMapping",
      summary: "Remove a hostname mapping",
      description: "Selector in the JSON body or the query string",
      query: [
        { name: "certificate", description: "Certificate name", schema: { type: "string" } },
        { name: "hostname", description: "Host name", schema: { type: "string" } },
      ],
      responses: {
        200: ok("Removed", ref("CertificateMapping")),
        400: error("Invalid"),
        404: error("No such mapping"),
      },
      handler: removeMapping,
    },
  ],
};
