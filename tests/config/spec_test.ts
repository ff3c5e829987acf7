import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseAcmeCertificateSpec,
  parseBackendSpec,
  parseCertificateMap,
  parseCertificateSpec,
  parseHealthCheckSpec,
  parsePortBinding,
  SpecError,
  tokenizeSpec,
} from "../../src/config/spec.ts";

/** Asserts that `fn` throws a SpecError with exactly `message`. */
function throwsSpec(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpecError, `expected SpecError, got ${e}`);
    assert.ok(e instanceof SyntaxError);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const values = (input: string) =>
  tokenizeSpec(input).map((s) => s.kind === "id" ? s.value : Object.fromEntries(s.props));

// ---------------------------------------------------------------------------------------------------------
// Tokenizer

test("tokenizeSpec() splits identifiers and one properties segment", () => {
  assert.deepEqual(values("web:pass:target.ip=127.0.0.1,target.port=80"), [
    "web",
    "pass",
    { "target.ip": "127.0.0.1", "target.port": "80" },
  ]);
});

test("tokenizeSpec() reports segment kinds and positions", () => {
  const segments = tokenizeSpec("a:b:k=v");
  assert.deepEqual(segments.map((s) => [s.kind, s.position]), [["id", 0], ["id", 2], ["props", 4]]);
});

test("tokenizeSpec() trims identifiers, keys and values", () => {
  assert.deepEqual(values(" web : pass : a = 1 , b= 2 "), ["web", "pass", { a: "1", b: "2" }]);
});

test("tokenizeSpec() gives a bare key the empty value", () => {
  assert.deepEqual(values("x:y:flag,a=1"), ["x", "y", { flag: "", a: "1" }]);
});

test("tokenizeSpec() lets quotes protect colons in a key", () => {
  assert.deepEqual(values('web:pass:"property[a:b]"=x'), ["web", "pass", { "property[a:b]": "x" }]);
});

test("tokenizeSpec() lets quotes protect commas and equals signs in a value", () => {
  assert.deepEqual(values('a:b:k="x,y=z",l=1'), ["a", "b", { k: "x,y=z", l: "1" }]);
});

test('tokenizeSpec() turns \\" into a literal quote inside and outside quotes', () => {
  assert.deepEqual(values('a:b:k="say \\"hi\\"",l=a\\"b'), ["a", "b", { k: 'say "hi"', l: 'a"b' }]);
});

test("tokenizeSpec() keeps other backslashes so regexes pass through", () => {
  assert.deepEqual(values("web:pass:sni=api\\.example\\.com,path=\\d+\\/x"), [
    "web",
    "pass",
    { sni: "api\\.example\\.com", path: "\\d+\\/x" },
  ]);
});

test("tokenizeSpec() keeps spaces inside quotes and removes only the outer quotes", () => {
  assert.deepEqual(values('" a b ":"x"y:k=" v "'), [" a b ", '"x"y', { k: " v " }]);
});

test("tokenizeSpec() unquotes quoted identifiers", () => {
  assert.deepEqual(values('"my:name":pass'), ["my:name", "pass"]);
});

test("tokenizeSpec() treats a segment with = only inside quotes as properties", () => {
  assert.deepEqual(values('a:"k=v"'), ["a", { "k=v": "" }]);
});

test("tokenizeSpec() drops an empty trailing segment", () => {
  assert.deepEqual(values("web:pass:"), ["web", "pass"]);
  assert.deepEqual(values("web:pass: "), ["web", "pass"]);
});

test("tokenizeSpec() returns no segments for an empty input", () => {
  assert.deepEqual(tokenizeSpec(""), []);
  assert.deepEqual(tokenizeSpec("   "), []);
});

test("tokenizeSpec() keeps middle empty identifiers for the shapes to judge", () => {
  assert.deepEqual(values("a::b"), ["a", "", "b"]);
});

test("tokenizeSpec() lets the properties segment run to the end, colons included", () => {
  assert.deepEqual(values("80:80:bind-address=::,x=http://h:8080/p"), [
    "80",
    "80",
    { "bind-address": "::", x: "http://h:8080/p" },
  ]);
});

test("tokenizeSpec() keeps key case", () => {
  assert.deepEqual(values("a:b:Header[X-Api-Key]=k"), ["a", "b", { "Header[X-Api-Key]": "k" }]);
});

test("tokenizeSpec() rejects an unterminated quote with its position", () => {
  throwsSpec(
    () => tokenizeSpec('a:b:k="x'),
    'Cannot parse spec "a:b:k="x": unterminated quote at position 6',
  );
  throwsSpec(() => tokenizeSpec('"abc'), 'Cannot parse spec ""abc": unterminated quote at position 0');
});

test("tokenizeSpec() rejects an empty property", () => {
  throwsSpec(() => tokenizeSpec("a=1,,b=2"), 'Cannot parse spec "a=1,,b=2": empty property at position 4');
});

test("tokenizeSpec() rejects a trailing comma as an empty property", () => {
  throwsSpec(() => tokenizeSpec("x:y:a=1,"), 'Cannot parse spec "x:y:a=1,": empty property at position 8');
});

test("tokenizeSpec() rejects a property with more than one unquoted =", () => {
  throwsSpec(
    () => tokenizeSpec("a:b:k=v=w"),
    'Cannot parse spec "a:b:k=v=w": property "k=v=w" has more than one unquoted "=" at position 7',
  );
});

test("tokenizeSpec() accepts an = inside a quoted value", () => {
  assert.deepEqual(values('a:b:k="v=w"'), ["a", "b", { k: "v=w" }]);
});

test("tokenizeSpec() rejects a duplicate key, ignoring case", () => {
  throwsSpec(
    () => tokenizeSpec("a:b:k=1,k=2"),
    'Cannot parse spec "a:b:k=1,k=2": duplicate key "k" at position 8',
  );
  throwsSpec(() => tokenizeSpec("a:b:Key=1,key=2"), /duplicate key "key" at position 10/);
});

test("tokenizeSpec() rejects an empty key", () => {
  throwsSpec(() => tokenizeSpec("a:b:=1"), 'Cannot parse spec "a:b:=1": empty key at position 4');
});

test("tokenizeSpec() names what it parses when given a label", () => {
  throwsSpec(
    () => tokenizeSpec("a=1,,b", { label: "thing" }),
    /^Cannot parse thing "a=1,,b": empty property/,
  );
});

test("SpecError keeps the input and the detail apart", () => {
  try {
    tokenizeSpec("a=1,,b=2");
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.equal(e.input, "a=1,,b=2");
    assert.equal(e.detail, "empty property at position 4");
    assert.equal(e.name, "SpecError");
  }
});

// ---------------------------------------------------------------------------------------------------------
// Backends

test("parseBackendSpec() reads name, protocol and parameters", () => {
  assert.deepEqual(parseBackendSpec("web:pass:target.ip=127.0.0.1,target.port=8080"), {
    name: "web",
    protocol: "pass",
    params: { "target.ip": "127.0.0.1", "target.port": "8080" },
  });
});

test("parseBackendSpec() lower-cases the protocol but not the name or keys", () => {
  assert.deepEqual(parseBackendSpec("Web:HTTP-Response:Response.Status=204"), {
    name: "Web",
    protocol: "http-response",
    params: { "Response.Status": "204" },
  });
});

test("parseBackendSpec() accepts an empty trailing segment and no parameters", () => {
  assert.deepEqual(parseBackendSpec("web:pass:"), { name: "web", protocol: "pass", params: {} });
  assert.deepEqual(parseBackendSpec("sink:noop"), { name: "sink", protocol: "noop", params: {} });
});

test("parseBackendSpec() accepts IPv6 targets and URLs without quotes", () => {
  assert.deepEqual(parseBackendSpec("api:http-proxy:proxy.address=http://[::1]:3000/").params, {
    "proxy.address": "http://[::1]:3000/",
  });
});

test("parseBackendSpec() rejects a spec without protocol", () => {
  throwsSpec(
    () => parseBackendSpec("web"),
    'Cannot parse backend spec "web": missing protocol: expected name:protocol[:params]',
  );
  throwsSpec(() => parseBackendSpec("web::a=1"), /missing protocol/);
});

test("parseBackendSpec() rejects a spec starting with properties or an empty name", () => {
  throwsSpec(() => parseBackendSpec("a=1"), /missing backend name/);
  throwsSpec(() => parseBackendSpec(":pass"), /missing backend name/);
  throwsSpec(() => parseBackendSpec(""), 'Cannot parse backend spec "": expected name:protocol[:params]');
});

test("parseBackendSpec() rejects a third identifier", () => {
  throwsSpec(
    () => parseBackendSpec("web:pass:extra"),
    'Cannot parse backend spec "web:pass:extra": unexpected segment "extra" at position 9: ' +
      "expected parameters key=value,...",
  );
  throwsSpec(
    () => parseBackendSpec("web:pass:property[a:b]=x"),
    /unexpected segment "property\[a" at position 9/,
  );
});

test("parseBackendSpec() passes tokenizer errors through with its label", () => {
  throwsSpec(
    () => parseBackendSpec("web:pass:a=1,,b=2"),
    'Cannot parse backend spec "web:pass:a=1,,b=2": empty property at position 13',
  );
});

// ---------------------------------------------------------------------------------------------------------
// Port bindings

test("parsePortBinding() reads ports, protocol and parameters", () => {
  assert.deepEqual(parsePortBinding("443:8443:tcp:bind-address=::"), {
    spec: "443:8443:tcp:bind-address=::",
    publicPort: 443,
    localPort: 8443,
    transports: ["tcp"],
    bindAddress: "::",
    listen: true,
    params: {},
  });
});

test("parsePortBinding() covers TCP and UDP and binds 0.0.0.0 by default", () => {
  const binding = parsePortBinding("8080:8080");
  assert.deepEqual(binding.transports, ["tcp", "udp"]);
  assert.equal(binding.bindAddress, "0.0.0.0");
  assert.equal(binding.listen, true);
});

test("parsePortBinding() accepts ! and ? ports", () => {
  assert.equal(parsePortBinding("!:80").publicPort, "!");
  const nat = parsePortBinding("?:?:udp");
  assert.equal(nat.publicPort, "?");
  assert.equal(nat.localPort, "?");
  assert.deepEqual(nat.transports, ["udp"]);
});

test("parsePortBinding() reads the network protocol case-insensitively", () => {
  assert.deepEqual(parsePortBinding("53:53:UDP").transports, ["udp"]);
});

test("parsePortBinding() reads listen and proxy-protocol as booleans, any case", () => {
  const binding = parsePortBinding(
    "80:8080:Listen=FALSE,proxy-protocol=True,proxy-protocol.trusted=10.0.0.0/8",
  );
  assert.equal(binding.listen, false);
  assert.deepEqual(binding.params, { "proxy-protocol": "true", "proxy-protocol.trusted": "10.0.0.0/8" });
});

test("parsePortBinding() accepts IPv4, IPv6 and bracketed IPv6 bind addresses", () => {
  assert.equal(parsePortBinding("!:80:bind-address=127.0.0.1").bindAddress, "127.0.0.1");
  assert.equal(parsePortBinding("!:80:bind-address=::1").bindAddress, "::1");
  assert.equal(parsePortBinding('!:80:bind-address="[::]"').bindAddress, "::");
});

test("parsePortBinding() rejects an unknown network protocol", () => {
  throwsSpec(
    () => parsePortBinding("80:80:tpc"),
    'Cannot parse port binding "80:80:tpc": unknown network protocol "tpc" at position 6: expected tcp or udp',
  );
});

test("parsePortBinding() rejects ports outside 1-65535 and non-numbers", () => {
  throwsSpec(
    () => parsePortBinding("0:80"),
    'Cannot parse port binding "0:80": public port "0" at position 0: expected a port from 1 to 65535',
  );
  throwsSpec(
    () => parsePortBinding("80:65536"),
    /local port "65536" at position 3: expected a port from 1 to 65535/,
  );
  throwsSpec(() => parsePortBinding("80:http"), /local port "http"/);
  throwsSpec(() => parsePortBinding("80:!"), /local port "!"/);
  throwsSpec(() => parsePortBinding("-1:80"), /public port "-1"/);
});

test("parsePortBinding() rejects a missing local port", () => {
  throwsSpec(
    () => parsePortBinding("80"),
    'Cannot parse port binding "80": expected public:local[:tcp|udp][:params]',
  );
  throwsSpec(() => parsePortBinding("80:listen=true"), /expected public:local/);
});

test("parsePortBinding() rejects a host name or garbage as bind address", () => {
  throwsSpec(
    () => parsePortBinding("80:80:bind-address=localhost"),
    'Cannot parse port binding "80:80:bind-address=localhost": invalid value "localhost" for "bind-address": ' +
      "expected an IPv4 or IPv6 address",
  );
  throwsSpec(() => parsePortBinding("80:80:bind-address=1.2.3"), /expected an IPv4 or IPv6 address/);
  // A leading zero is octal to inet_aton and decimal to others: refused, as inet_pton and node:net do.
  throwsSpec(
    () => parsePortBinding("80:80:bind-address=010.0.0.1"),
    /"010.0.0.1".*expected an IPv4 or IPv6 address/,
  );
  assert.equal(parsePortBinding("!:80:bind-address=fe80::1%lo").bindAddress, "fe80::1%lo");
  assert.equal(parsePortBinding("!:80:bind-address=[2001:0db8::1]").bindAddress, "2001:0db8::1");
});

test("parsePortBinding() rejects a non-boolean listen", () => {
  throwsSpec(
    () => parsePortBinding("80:80:listen=yes"),
    /invalid value "yes" for "listen": expected true or false/,
  );
});

test("parsePortBinding() rejects a dynamic local port without a NAT mapping", () => {
  throwsSpec(() => parsePortBinding("!:?"), /local port "\?" needs a NAT mapping/);
});

test("parsePortBinding() rejects a binding that neither maps nor listens", () => {
  throwsSpec(() => parsePortBinding("!:80:listen=false"), /neither maps a port/);
});

test("parsePortBinding() rejects extra identifiers", () => {
  throwsSpec(() => parsePortBinding("80:80:tcp:udp"), /unexpected segment "udp" at position 10/);
});

// ---------------------------------------------------------------------------------------------------------
// Health checks

test("parseHealthCheckSpec() reads a global spec with defaults", () => {
  assert.deepEqual(parseHealthCheckSpec("interval=5000"), {
    spec: "interval=5000",
    initialDelay: 0,
    interval: 5000,
    timeout: 5000,
    failureThreshold: 3,
    recoveryThreshold: 5,
    params: {},
  });
});

test("parseHealthCheckSpec() reads a protocol-wide spec", () => {
  const spec = parseHealthCheckSpec("PASS:interval=5000");
  assert.equal(spec.protocol, "pass");
  assert.equal(spec.backend, undefined);
  assert.equal(spec.interval, 5000);
});

test("parseHealthCheckSpec() reads a backend spec with timings and check parameters", () => {
  assert.deepEqual(
    parseHealthCheckSpec(
      "http-proxy:api:initial-delay=100,Interval=2000,timeout=500,failure-threshold=2,recovery-threshold=1," +
        "path=/healthz,status=200-299;301",
    ),
    {
      spec:
        "http-proxy:api:initial-delay=100,Interval=2000,timeout=500,failure-threshold=2,recovery-threshold=1," +
        "path=/healthz,status=200-299;301",
      protocol: "http-proxy",
      backend: "api",
      initialDelay: 100,
      interval: 2000,
      timeout: 500,
      failureThreshold: 2,
      recoveryThreshold: 1,
      params: { path: "/healthz", status: "200-299;301" },
    },
  );
});

test("parseHealthCheckSpec() accepts a protocol or protocol and backend without parameters", () => {
  assert.equal(parseHealthCheckSpec("pass").protocol, "pass");
  assert.equal(parseHealthCheckSpec("pass:web:").backend, "web");
});

test("parseHealthCheckSpec() rejects negative, fractional and non-numeric timings", () => {
  throwsSpec(
    () => parseHealthCheckSpec("interval=-5"),
    'Cannot parse health check "interval=-5": invalid value "-5" for "interval": expected an integer of at least 1',
  );
  throwsSpec(() => parseHealthCheckSpec("timeout=1.5"), /invalid value "1.5" for "timeout"/);
  throwsSpec(() => parseHealthCheckSpec("initial-delay=soon"), /expected a non-negative integer/);
  throwsSpec(() => parseHealthCheckSpec("failure-threshold=0"), /expected an integer of at least 1/);
});

test("parseHealthCheckSpec() accepts a zero initial delay", () => {
  assert.equal(parseHealthCheckSpec("initial-delay=0").initialDelay, 0);
});

test("parseHealthCheckSpec() rejects a backend without protocol, three identifiers and an empty spec", () => {
  throwsSpec(() => parseHealthCheckSpec(":web:interval=1"), /backend "web" is named without its protocol/);
  throwsSpec(() => parseHealthCheckSpec("pass::interval=1"), /empty backend name at position 5/);
  throwsSpec(() => parseHealthCheckSpec("pass:web:x"), /unexpected segment "x" at position 9/);
  throwsSpec(() => parseHealthCheckSpec(""), /expected \[protocol\]\[:backend\]\[:params\]/);
});

// ---------------------------------------------------------------------------------------------------------
// TLS certificates and maps

test("parseCertificateSpec() reads a PEM certificate with a separate key", () => {
  assert.deepEqual(parseCertificateSpec("site:path=/etc/tls/site.pem,key=/etc/tls/site.key"), {
    spec: "site:path=/etc/tls/site.pem,key=/etc/tls/site.key",
    name: "site",
    path: "/etc/tls/site.pem",
    key: "/etc/tls/site.key",
    type: "pem",
  });
});

test("parseCertificateSpec() infers pfx and der from the file name and honours an explicit type", () => {
  assert.equal(parseCertificateSpec("a:path=x.P12,password=pw").type, "pfx");
  assert.equal(parseCertificateSpec("a:path=x.pfx").type, "pfx");
  assert.equal(parseCertificateSpec("a:path=x.der").type, "der");
  assert.equal(parseCertificateSpec("a:path=x.bin,TYPE=DER").type, "der");
  assert.equal(parseCertificateSpec("a:path=x.pfx,password=pw").password, "pw");
});

test("parseCertificateSpec() accepts a quoted inline base64 certificate", () => {
  const spec = parseCertificateSpec('default:certificate="MIIB Aw+/=="');
  assert.equal(spec.certificate, "MIIBAw+/==");
  assert.equal(spec.type, undefined);
  assert.equal(spec.path, undefined);
});

test("parseCertificateSpec() rejects unquoted base64 padding as more than one =", () => {
  throwsSpec(() => parseCertificateSpec("a:certificate=AAA="), /has more than one unquoted "="/);
});

test("parseCertificateSpec() rejects both, or neither, of path and certificate", () => {
  throwsSpec(
    () => parseCertificateSpec("a:path=x,certificate=QUFB"),
    /exactly one of "path" and "certificate"/,
  );
  throwsSpec(() => parseCertificateSpec("a:key=x"), /exactly one of "path" and "certificate"/);
});

test("parseCertificateSpec() rejects unknown keys, bad types, bad base64 and a missing name", () => {
  throwsSpec(() => parseCertificateSpec("a:path=x,pasword=y"), /unknown key "pasword": expected path, key/);
  throwsSpec(
    () => parseCertificateSpec("a:path=x,type=crt"),
    /invalid type "crt": expected one of pem, pfx, der/,
  );
  throwsSpec(() => parseCertificateSpec('a:certificate="not base64!"'), /certificate is not valid base64/);
  throwsSpec(() => parseCertificateSpec("path=x"), /expected name:path=<file>/);
  throwsSpec(() => parseCertificateSpec("a"), /expected name:path=<file>/);
});

test("parseCertificateMap() reads a certificate name and a host name, lower-cased", () => {
  assert.deepEqual(parseCertificateMap("site:*.Example.COM"), {
    spec: "site:*.Example.COM",
    certificate: "site",
    hostname: "*.example.com",
  });
  assert.equal(parseCertificateMap("default:localhost").hostname, "localhost");
});

test("parseCertificateMap() rejects a bad host name and a wrong shape", () => {
  throwsSpec(
    () => parseCertificateMap("site:a.*.com"),
    'Cannot parse certificate map "site:a.*.com": host name "a.*.com" at position 5: ' +
      "expected a host name such as example.com or *.example.com",
  );
  throwsSpec(() => parseCertificateMap("site"), /expected certName:hostname/);
  throwsSpec(() => parseCertificateMap("site:a.com:b"), /expected certName:hostname/);
  throwsSpec(() => parseCertificateMap("site:host=a"), /expected certName:hostname/);
});

// ---------------------------------------------------------------------------------------------------------
// ACME certificates

test("parseAcmeCertificateSpec() defaults to http-01 without alternative names", () => {
  assert.deepEqual(parseAcmeCertificateSpec("Example.com"), {
    spec: "Example.com",
    domain: "example.com",
    challenge: "http-01",
    san: [],
    params: {},
  });
});

test("parseAcmeCertificateSpec() reads the challenge, alternative names and provider parameters", () => {
  assert.deepEqual(
    parseAcmeCertificateSpec(
      "example.com:DNS-01:san=www.example.com;*.example.com,provider=rfc2136,server=10.0.0.1",
    ),
    {
      spec: "example.com:DNS-01:san=www.example.com;*.example.com,provider=rfc2136,server=10.0.0.1",
      domain: "example.com",
      challenge: "dns-01",
      san: ["www.example.com", "*.example.com"],
      params: { provider: "rfc2136", server: "10.0.0.1" },
    },
  );
});

test("parseAcmeCertificateSpec() accepts parameters without a challenge", () => {
  const spec = parseAcmeCertificateSpec("example.com:san=www.example.com");
  assert.equal(spec.challenge, "http-01");
  assert.deepEqual(spec.san, ["www.example.com"]);
});

test("parseAcmeCertificateSpec() requires dns-01 for wildcard names", () => {
  throwsSpec(
    () => parseAcmeCertificateSpec("*.example.com"),
    'Cannot parse ACME certificate spec "*.example.com": wildcard name "*.example.com" needs dns-01: ' +
      "write *.example.com:dns-01",
  );
  throwsSpec(() => parseAcmeCertificateSpec("example.com:http-01:san=*.example.com"), /needs dns-01/);
});

test("parseAcmeCertificateSpec() rejects an unknown challenge and bad names", () => {
  throwsSpec(
    () => parseAcmeCertificateSpec("example.com:tls-alpn-01"),
    /unknown challenge "tls-alpn-01" at position 12: expected http-01 or dns-01/,
  );
  throwsSpec(() => parseAcmeCertificateSpec("exa mple.com"), /host name "exa mple.com"/);
  throwsSpec(() => parseAcmeCertificateSpec("example.com:dns-01:san=a..b"), /host name "a..b"/);
  throwsSpec(() => parseAcmeCertificateSpec("san=x"), /expected <domain>/);
});
