/**
 * JSON Schemas of the API's bodies (OpenAPI components), and small helpers the route tables use to describe
 * responses and parameters.
 *
 * @module
 */
import type { QueryParam, RouteResponse, Schema } from "./types.ts";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const strMap = { type: "object", additionalProperties: { type: "string" } } as const;
const nullable = (type: string) => ({ type: [type, "null"] });
const networkProtocol = { type: "string", enum: ["Tcp", "Udp"], description: "Any case is accepted" };

/** Component schemas by name. */
export const SCHEMAS: Readonly<Record<string, Schema>> = {
  Error: { type: "object", required: ["error"], properties: { error: str } },
  BackendStatus: {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: { name: str, protocolName: str, parameters: strMap },
      },
      networkProtocol,
      properties: strMap,
      priorityTier: { type: "string", enum: ["Vip", "Normal", "Standby", "Fallback"] },
      status: {
        type: "string",
        enum: ["Unknown", "Healthy", "Unhealthy", "Degraded", "Stabilizing", "Draining", "Stopped"],
      },
      statusReason: str,
      lastHealthCheck: { type: ["string", "null"], format: "date-time" },
      healthCheckFailureCount: int,
      healthCheckSuccessCount: int,
      activeConnections: int,
      routedConnections: int,
    },
  },
  BackendParameters: {
    type: "object",
    description: "Backend parameters as in the spec string (`target.ip`, `priority`, `detect`, ...)",
    additionalProperties: { type: ["string", "number", "boolean"] },
  },
  HealthCheck: {
    type: "object",
    properties: {
      spec: str,
      protocol: nullable("string"),
      backend: nullable("string"),
      initialDelay: int,
      interval: int,
      timeout: int,
      failureThreshold: int,
      recoveryThreshold: int,
      parameters: strMap,
    },
  },
  HealthCheckInput: {
    type: "object",
    description: "Either `spec` (as `-z`) or the fields; timings in milliseconds",
    properties: {
      spec: { type: "string", examples: ["pass:web:interval=5000"] },
      protocol: str,
      backend: str,
      initialDelay: int,
      interval: int,
      timeout: int,
      failureThreshold: int,
      recoveryThreshold: int,
      parameters: strMap,
    },
  },
  Listener: {
    type: "object",
    properties: { id: int, networkProtocol, bindAddress: str, port: int },
  },
  ListenerInput: {
    type: "object",
    required: ["networkProtocol", "port"],
    properties: {
      networkProtocol,
      port: { type: "integer", minimum: 0, maximum: 65535 },
      bindAddress: { type: "string", default: "0.0.0.0" },
    },
  },
  PortMap: {
    type: "object",
    properties: {
      networkProtocol,
      localPort: nullable("integer"),
      publicPort: nullable("integer"),
      lifetime: nullable("integer"),
      expiresAt: nullable("string"),
      status: { type: "string", enum: ["Pending", "Active", "Failed"] },
      error: str,
    },
  },
  PortMapInput: {
    type: "object",
    required: ["networkProtocol"],
    properties: { networkProtocol, localPort: int, publicPort: int },
  },
  NatDevice: {
    type: "object",
    properties: { protocol: { type: "string", enum: ["Upnp", "Pmp"] }, gateway: str, publicAddress: str },
  },
  Certificate: {
    type: "object",
    properties: {
      name: str,
      subject: str,
      issuer: str,
      hostnames: { type: "array", items: str },
      notBefore: str,
      notAfter: str,
      source: str,
    },
  },
  CertificateInput: {
    type: "object",
    description: "Either `spec` (as `--tls-certificate`) or the fields",
    properties: { spec: str, name: str, path: str, key: str, type: str, password: str, certificate: str },
  },
  CertificateMapping: {
    type: "object",
    description: "Also accepted as `spec` (`certName:hostname`, as `--tls-certificate-map`)",
    properties: { certificate: str, hostname: str },
  },
  Stats: {
    type: "object",
    properties: {
      time: { type: "integer", description: "Server time, ms since the epoch" },
      totals: {
        type: "object",
        properties: {
          connections: int,
          routed: int,
          failed: int,
          activeConnections: int,
          ingressBytes: int,
          egressBytes: int,
          udpMessages: int,
        },
      },
      backends: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: str,
            networkProtocol,
            protocolName: str,
            status: str,
            activeConnections: int,
            routedConnections: int,
            ingressBytes: int,
            egressBytes: int,
          },
        },
      },
    },
  },
};

/** A reference to a component schema. */
export function ref(name: keyof typeof SCHEMAS & string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of a component schema. */
export function listOf(name: keyof typeof SCHEMAS & string): Schema {
  return { type: "array", items: ref(name) };
}

/** A JSON response with a component schema. */
export function ok(description: string, schema?: Schema): RouteResponse {
  return schema ? { description, schema } : { description };
}

/** An error response (`{ "error": "..." }`). */
export function error(description: string): RouteResponse {
  return { description, schema: ref("Error") };
}

/** The `networkProtocol` query parameter. */
export const NETWORK_PROTOCOL_QUERY: QueryParam = {
  name: "networkProtocol",
  description: "Tcp or Udp (any case); absent = every network protocol",
  schema: networkProtocol,
};
