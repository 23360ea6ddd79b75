import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { ERRORS, ERROR_CODES, renderErrorCatalogue } from "../../src/errors/catalogue.js";
import { ErrorReporter } from "../../src/errors/reporter.js";
import { captureLogger } from "../helpers/log.js";

const DOC = new URL("../../../docs/errors.md", import.meta.url);

test("docs/errors.md is the catalogue rendered (npm run docs rewrites it)", () => {
  assert.equal(readFileSync(DOC, "utf8"), renderErrorCatalogue());
});

test("every code is ANTENNE_*, upper snake case, with a message and a hint", () => {
  for (const code of ERROR_CODES) {
    assert.match(code, /^ANTENNE_[A-Z0-9]+(_[A-Z0-9]+)*$/);
    assert.ok(ERRORS[code].message.length > 5, code);
    assert.ok(ERRORS[code].hint.length > 5, code);
    assert.equal(ERRORS[code].fatal, ERRORS[code].level === "fatal", `${code}: fatal iff level fatal`);
  }
});

test("the reporter logs the first occurrence at once, folds repeats within a second, counts all", () => {
  const clock = new FakeClock();
  const { log, lines } = captureLogger();
  const r = new ErrorReporter(log, clock);
  const seen: string[] = [];
  r.onReport((e) => seen.push(e.code));
  r.report("ANTENNE_SRT_REJECTED_BUSY", { input: "a", peer: "1.2.3.4:5" });
  for (let i = 0; i < 9; i++) r.report("ANTENNE_SRT_REJECTED_BUSY", { input: "a", peer: `1.2.3.4:${i}` });
  r.report("ANTENNE_SRT_REJECTED_BUSY", { input: "b", peer: "x" });
  assert.equal(lines().length, 2, "one line per input so far");
  clock.advance(1000);
  const all = lines();
  assert.equal(all.length, 3);
  const folded = all[2]!;
  assert.equal(folded.code, "ANTENNE_SRT_REJECTED_BUSY");
  assert.equal(folded.repeats, 9);
  assert.equal(folded.peer, "1.2.3.4:8", "the last occurrence's fields");
  assert.match(String(folded.msg), /9 more in 1 s/);
  assert.equal(r.count("ANTENNE_SRT_REJECTED_BUSY"), 11);
  assert.equal(seen.length, 11, "every occurrence reaches the event listeners");
  assert.equal(r.totals().get("ANTENNE_CONFIG_INVALID"), 0, "every code is counted from the start");
  // After the window, the next occurrence is logged at once again.
  r.report("ANTENNE_SRT_REJECTED_BUSY", { input: "a" });
  assert.equal(lines().length, 4);
});

test("a listener that throws is logged and the reporter carries on", () => {
  const clock = new FakeClock();
  const { log, lines } = captureLogger();
  const r = new ErrorReporter(log, clock);
  r.onReport(() => {
    throw new Error("boom");
  });
  r.report("ANTENNE_HLS_DISK_ERROR", { output: "hls" });
  assert.ok(lines().some((l) => l.code === "ANTENNE_EVENT_LISTENER_THREW"));
  assert.equal(r.count("ANTENNE_HLS_DISK_ERROR"), 1);
});
