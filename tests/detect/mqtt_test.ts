import { describe, test } from "node:test";
import { mqtt } from "../../src/detect/mqtt.ts";
import {
  assertCase,
  assertMoreAtEveryCut,
  assertNeverThrows,
  type Case,
  fixture,
  hex,
  patched,
} from "./helpers.ts";

const v311 = fixture("mqtt_connect_v311_mosquitto.bin");
const v5 = fixture("mqtt_connect_v5_mosquitto.bin");
const v31 = fixture("mqtt_connect_v31_mosquitto.bin");

const cases: Case[] = [
  { name: "mosquitto_pub -V mqttv311", bytes: v311, transport: "tcp", want: "match" },
  { name: "mosquitto_pub -V mqttv5", bytes: v5, transport: "tcp", want: "match" },
  { name: "mosquitto_pub -V mqttv31 (MQIsdp)", bytes: v31, transport: "tcp", want: "match" },
  {
    name: "a two-byte remaining length",
    bytes: hex("10 8001 0004 4d515454 04 02 003c"),
    transport: "tcp",
    want: "match",
  },
  { name: "a five-byte remaining length", bytes: hex("10 ffffffff01 0004"), transport: "tcp", want: "no" },
  { name: "a PUBLISH packet", bytes: patched(v311, 0, 0x30), transport: "tcp", want: "no" },
  { name: "CONNECT with flags 0x12", bytes: patched(v311, 0, 0x12), transport: "tcp", want: "no" },
  { name: "protocol name MQTX", bytes: patched(v311, 7, 0x58), transport: "tcp", want: "no" },
  { name: "MQTT with level 3", bytes: patched(v311, 8, 3), transport: "tcp", want: "no" },
  { name: "MQIsdp with level 4", bytes: patched(v31, 10, 4), transport: "tcp", want: "no" },
  { name: "the reserved connect flag set", bytes: patched(v311, 9, 0x03), transport: "tcp", want: "no" },
  { name: "will QoS 3", bytes: patched(v311, 9, 0x1e), transport: "tcp", want: "no" },
  { name: "will QoS without a will", bytes: patched(v311, 9, 0x0a), transport: "tcp", want: "no" },
  {
    name: "a remaining length too small for the header",
    bytes: patched(v311, 1, 11),
    transport: "tcp",
    want: "no",
  },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("mqtt detector", () => {
  for (const c of cases) {
    test(`mqtt.detect() answers ${c.want} for ${c.name}`, () => assertCase(mqtt, c));
  }
  test("mqtt.detect() answers more at every cut of a v3.1.1 CONNECT header", () => {
    assertMoreAtEveryCut(mqtt, v311.subarray(0, 12));
  });
  test("mqtt.detect() answers more at every cut of a v3.1 CONNECT header", () => {
    assertMoreAtEveryCut(mqtt, v31.subarray(0, 14));
  });
  test("mqtt.detect() never throws on random bytes", () => assertNeverThrows(mqtt, [v311, v5, v31]));
});
