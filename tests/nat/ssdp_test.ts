import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAnswer } from "../../src/nat/ssdp.ts";

const answer = (st: string, location = "http://10.77.1.1:5000/rootDesc.xml") =>
  `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: ${st}\r\nUSN: uuid:x::${st}\r\nEXT:\r\n` +
  `SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.1\r\nLOCATION: ${location}\r\n\r\n`;

describe("parseAnswer()", () => {
  test("takes the LOCATION of an Internet Gateway Device answer (v1 and v2)", () => {
    for (const v of [1, 2]) {
      assert.equal(
        parseAnswer(answer(`urn:schemas-upnp-org:device:InternetGatewayDevice:${v}`)),
        "http://10.77.1.1:5000/rootDesc.xml",
      );
    }
  });

  test("header names are case-insensitive", () => {
    const text = "HTTP/1.1 200 OK\r\nst: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" +
      "Location: http://192.168.1.1/igd.xml\r\n\r\n";
    assert.equal(parseAnswer(text), "http://192.168.1.1/igd.xml");
  });

  test("ignores other devices, NOTIFY messages, missing or odd locations and garbage", () => {
    assert.equal(parseAnswer(answer("urn:schemas-upnp-org:device:MediaRenderer:1")), undefined);
    assert.equal(
      parseAnswer(answer("urn:schemas-upnp-org:device:InternetGatewayDevice:1", "file:///x")),
      undefined,
    );
    assert.equal(
      parseAnswer("NOTIFY * HTTP/1.1\r\nNT: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"),
      undefined,
    );
    assert.equal(
      parseAnswer("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"),
      undefined,
    );
    assert.equal(parseAnswer("\u0000\u0001garbage"), undefined);
  });
});
