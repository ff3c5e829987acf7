import { describe, test } from "node:test";
import { postgres } from "../../src/detect/postgres.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  concat,
  fixture,
  hex,
  patched,
} from "./helpers.ts";

const startup = fixture("postgres_startup_psql.bin");
const ssl = fixture("postgres_ssl_request_psql.bin");
const gss = fixture("postgres_gssenc_request.bin");
const cancel = fixture("postgres_cancel_request.bin");

const cases: Case[] = [
  { name: "psql's StartupMessage (sslmode=disable)", bytes: startup, transport: "tcp", want: "match" },
  { name: "psql's SSLRequest (sslmode=require)", bytes: ssl, transport: "tcp", want: "match" },
  { name: "a GSSENCRequest", bytes: gss, transport: "tcp", want: "match" },
  { name: "a CancelRequest", bytes: cancel, transport: "tcp", want: "match" },
  {
    name: "a StartupMessage for protocol 3.2",
    bytes: patched(startup, 7, 2),
    transport: "tcp",
    want: "match",
  },
  {
    name: "an SSLRequest followed by a TLS hello",
    bytes: concat(ssl, fixture("tls_client_hello_sni.bin")),
    transport: "tcp",
    want: "match",
  },
  { name: "an SSLRequest of length 9", bytes: patched(ssl, 3, 9), transport: "tcp", want: "no" },
  { name: "protocol 2.0", bytes: patched(startup, 5, 2), transport: "tcp", want: "no" },
  { name: "an unknown request code", bytes: hex("00000008 04d21631"), transport: "tcp", want: "no" },
  {
    name: "a StartupMessage longer than 10000 bytes",
    bytes: hex("00002711 00030000"),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a StartupMessage missing the final NUL",
    bytes: patched(startup, 3, startup[3] - 1),
    transport: "tcp",
    want: "no",
  },
  {
    name: "a declared length one past the final NUL",
    bytes: patched(startup, 3, startup[3] + 1),
    transport: "tcp",
    want: "no",
  },
  { name: "a control byte in a parameter", bytes: patched(startup, 10, 0x01), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("postgres detector", () => {
  for (const c of cases) {
    test(`postgres.detect() answers ${c.want} for ${c.name}`, () => assertCase(postgres, c));
  }
  test("postgres.detect() answers more at every cut of psql's StartupMessage", () => {
    assertMoreAtEveryCut(postgres, startup);
  });
  test("postgres.detect() answers more at every cut of an SSLRequest", () =>
    assertMoreAtEveryCut(postgres, ssl));
  test("postgres.detect() never throws on random bytes", () =>
    assertNeverThrows(postgres, [startup, ssl, cancel]));
});
