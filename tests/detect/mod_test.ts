import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DETECTOR_NAMES, DETECTORS, findDetector } from "../../src/detect/mod.ts";
import { fixture } from "./helpers.ts";

const CATALOGUE = [
  "tls",
  "http",
  "http2",
  "ssh",
  "socks4",
  "socks5",
  "proxy",
  "openvpn",
  "wireguard",
  "quic",
  "dns",
  "rdp",
  "xmpp",
  "postgres",
  "mqtt",
  "bittorrent",
  "syslog",
  "stun",
];

describe("detector table", () => {
  test("DETECTORS lists the SPEC §16 catalogue in order", () => {
    assert.deepEqual(DETECTORS.map((d) => d.name), CATALOGUE);
    assert.deepEqual(DETECTOR_NAMES, CATALOGUE);
  });

  test("every detector names at least one transport and answers more or no for no bytes", () => {
    for (const d of DETECTORS) {
      assert.ok(d.transports.length > 0, d.name);
      for (const t of d.transports) {
        assert.equal(d.detect(new Uint8Array(0), t), t === "tcp" ? "more" : "no", `${d.name} over ${t}`);
      }
    }
  });

  test("findDetector() ignores case", () => {
    assert.equal(findDetector("SSH"), findDetector("ssh"));
    assert.equal(findDetector("WireGuard")?.name, "wireguard");
  });

  test("findDetector() returns undefined for an unknown name", () => {
    assert.equal(findDetector("gopher"), undefined);
  });

  test("findDetector() builds a regex detector and keeps the pattern's case", () => {
    const d = findDetector("Regex:^HELLO ");
    assert.equal(d?.name, "regex:^HELLO ");
    assert.equal(d?.detect(new TextEncoder().encode("HELLO world"), "tcp"), "match");
  });

  test("findDetector() throws a SyntaxError for an invalid regex", () => {
    assert.throws(() => findDetector("regex:[a-"), SyntaxError);
  });
});

/** Captured and built samples with the detectors (name/transport) expected to claim them; all others say no. */
const SAMPLES: [string, string[]][] = [
  ["bittorrent_dht_ping_aria2.bin", ["bittorrent/udp"]],
  ["bittorrent_handshake_aria2.bin", ["bittorrent/tcp"]],
  ["bittorrent_mse_handshake_aria2.bin", []],
  ["bittorrent_udp_tracker_connect_aria2.bin", ["bittorrent/udp"]],
  ["bittorrent_utp_syn.bin", ["bittorrent/udp"]],
  ["dns_query_tcp_dig.bin", ["dns/tcp"]],
  ["dns_query_udp_dig.bin", ["dns/udp"]],
  ["http_get_curl.txt", ["http/tcp"]],
  ["http2_preface_curl.bin", ["http/tcp", "http2/tcp"]],
  ["mqtt_connect_v311_mosquitto.bin", ["mqtt/tcp"]],
  ["openvpn_tcp_reset.bin", ["openvpn/tcp"]],
  ["openvpn_udp_reset.bin", ["openvpn/udp"]],
  ["openvpn_udp_reset_tls_auth.bin", ["openvpn/udp"]],
  ["openvpn_udp_reset_tls_crypt.bin", ["openvpn/udp"]],
  ["postgres_ssl_request_psql.bin", ["postgres/tcp"]],
  ["postgres_startup_psql.bin", ["postgres/tcp"]],
  ["proxy_v1_tcp4_curl.txt", ["proxy/tcp"]],
  ["proxy_v2_tcp4.bin", ["proxy/tcp"]],
  ["quic_initial_deno.bin", ["quic/udp"]],
  ["rdp_connection_request_xfreerdp.bin", ["rdp/tcp"]],
  ["socks4_curl.bin", ["socks4/tcp"]],
  ["socks5_curl.bin", ["socks5/tcp"]],
  ["ssh_banner.txt", ["ssh/tcp"]],
  ["stun_binding_turnutils.bin", ["stun/udp"]],
  ["syslog_udp_logger.txt", ["syslog/tcp", "syslog/udp"]],
  ["tls_client_hello_mlkem_bun.bin", ["tls/tcp"]],
  ["wireguard_initiation.bin", ["wireguard/udp"]],
  ["wireguard_keepalive.bin", ["wireguard/udp"]],
  ["xmpp_stream_sendxmpp.bin", ["xmpp/tcp"]],
];

describe("detectors side by side", () => {
  for (const [name, expected] of SAMPLES) {
    test(`only ${expected.join(", ") || "no detector"} claims ${name}, and no other is left undecided`, () => {
      const bytes = fixture(name);
      const claimed = DETECTORS.flatMap((d) =>
        d.transports.filter((t) => d.detect(bytes, t) !== "no").map((t) => `${d.name}/${t}`)
      );
      assert.deepEqual(claimed, expected);
    });
  }
});
