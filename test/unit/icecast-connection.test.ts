import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { test } from "node:test";
import {
  readAnswer,
  refusalText,
  socketError,
  type Connection,
} from "../../src/output/icecast/connection.js";

const conn = (): Connection => ({
  socket: null as unknown as Socket,
  phase: "handshake",
  buf: Buffer.alloc(0),
  since: 0,
  timer: null,
  refusal: null,
  pending: [],
  pendingBytes: 0,
  flushTimer: null,
});
const b = (s: string) => Buffer.from(s, "latin1");

void test("Icecast 2.4's 100 then 200 to a PUT: accepted once, streaming after", () => {
  const c = conn();
  const s1 = readAnswer(c, b("HTTP/1.1 100 Continue\r\n\r\n"));
  assert.deepEqual(s1, { accepted: true, refusalStarted: false, refusalComplete: false, bad: null });
  assert.equal(c.phase, "streaming");
  const s2 = readAnswer(c, b("HTTP/1.0 200 OK\r\nServer: Icecast 2.4.4\r\n\r\n"));
  assert.equal(s2.accepted, false, "the 200 after the 100 accepts nothing twice");
  assert.equal(c.buf.length, 0);
});

void test("an answer split across reads is read when it is whole", () => {
  const c = conn();
  assert.equal(readAnswer(c, b("HTTP/1.0 20")).accepted, false);
  assert.equal(c.phase, "handshake");
  assert.equal(readAnswer(c, b("0 OK\r\n\r\n")).accepted, true);
});

void test("a refusal waits for its body, then says why", () => {
  const c = conn();
  const body = "Mountpoint in use";
  const s1 = readAnswer(c, b(`HTTP/1.1 403 Forbidden\r\nContent-Length: ${body.length}\r\n\r\nMount`));
  assert.deepEqual(s1, { accepted: false, refusalStarted: true, refusalComplete: false, bad: null });
  const s2 = readAnswer(c, b("point in use"));
  assert.deepEqual(s2, { accepted: false, refusalStarted: false, refusalComplete: true, bad: null });
  assert.match(refusalText(c), /403/);
  assert.match(refusalText(c), /Mountpoint in use/);
});

void test("not HTTP while waiting for the answer is bad; after acceptance it is read past", () => {
  const c = conn();
  assert.ok(readAnswer(c, b("SSH-2.0-OpenSSH_9.2\r\n\r\n")).bad);
  const s = conn();
  readAnswer(s, b("HTTP/1.0 200 OK\r\n\r\n"));
  const after = readAnswer(s, b("garbage\r\n\r\n"));
  assert.equal(after.bad, null);
  assert.equal(s.buf.length, 0);
});

void test("an endless head is refused during the handshake", () => {
  const c = conn();
  const step = readAnswer(c, b("HTTP/1.1 200 OK\r\nX: " + "a".repeat(20_000)));
  assert.match(step.bad ?? "", /too long/);
});

void test("socket errors in an engineer's words", () => {
  const e = (code: string, message = code) => Object.assign(new Error(message), { code });
  assert.match(socketError(e("ECONNREFUSED")), /connection refused/);
  assert.equal(socketError(e("ECONNRESET")), "connection reset by the server");
  assert.match(socketError(e("ERR_TLS_CERT_ALTNAME_INVALID", "bad name")), /^TLS: bad name/);
  assert.match(socketError(e("ENOTFOUND")), /cannot resolve host/);
});
