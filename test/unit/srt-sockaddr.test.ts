import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bytesToIpv6,
  decodeSockaddr,
  encodeSockaddr,
  formatEndpoint,
  ipv6ToBytes,
  numericEndpoint,
  parseHostPort,
  resolveHostPort,
} from "../../src/input/srt/sockaddr.js";

void test("parseHostPort: IPv4, names, bracketed IPv6", () => {
  assert.deepEqual(parseHostPort("0.0.0.0:10000"), { host: "0.0.0.0", port: 10000 });
  assert.deepEqual(parseHostPort("studio-b.example.org:10002"), {
    host: "studio-b.example.org",
    port: 10002,
  });
  assert.deepEqual(parseHostPort("[::1]:9000"), { host: "::1", port: 9000 });
  for (const bad of ["::1:9000", "host", "host:", "host:70000", "[zz]:1", "a b:1"]) {
    assert.throws(() => parseHostPort(bad), /invalid address/, bad);
  }
});

void test("numericEndpoint / resolveHostPort", async () => {
  assert.deepEqual(numericEndpoint("127.0.0.1:5"), { ip: "127.0.0.1", port: 5, family: 4 });
  assert.deepEqual(numericEndpoint("[::]:5"), { ip: "::", port: 5, family: 6 });
  assert.equal(numericEndpoint("localhost:5"), null);
  const r = await resolveHostPort("localhost:5");
  assert.equal(r.port, 5);
  assert.ok(r.ip === "127.0.0.1" || r.ip === "::1");
});

void test("sockaddr_in encoding: family (host order), port (network order), address", () => {
  const b = encodeSockaddr({ ip: "192.168.1.20", port: 10000, family: 4 });
  assert.equal(b.length, 16);
  assert.equal(b.toString("hex"), "02002710c0a80114" + "0000000000000000");
  assert.deepEqual(decodeSockaddr(b), { ip: "192.168.1.20", port: 10000, family: 4 });
});

void test("sockaddr_in6 encoding round-trips and formats with brackets", () => {
  const e = { ip: "2001:db8::1:0:0:1", port: 443, family: 6 as const };
  const b = encodeSockaddr(e);
  assert.equal(b.length, 28);
  assert.equal(b.readUInt16LE(0), 10);
  assert.equal(b.readUInt16BE(2), 443);
  assert.deepEqual(decodeSockaddr(Buffer.concat([b, Buffer.alloc(100)])), { ...e, ip: "2001:db8::1:0:0:1" });
  assert.equal(formatEndpoint({ ip: "::1", port: 5, family: 6 }), "[::1]:5");
  assert.equal(formatEndpoint({ ip: "10.0.0.1", port: 5, family: 4 }), "10.0.0.1:5");
  assert.equal(decodeSockaddr(Buffer.alloc(16)), null);
});

void test("IPv6 text <-> bytes", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::a:b", "fe80::a:b"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
  ];
  for (const [input, canonical] of cases) assert.equal(bytesToIpv6(ipv6ToBytes(input)), canonical, input);
  assert.throws(() => ipv6ToBytes("1:2:3"), /invalid IPv6/);
});
