/**
 * A listener's publisher slot on a fake clock: a silent publisher is replaced at once, a live one
 * keeps its place and the newcomer is refused busy after the hold, a publisher that dies while a
 * newcomer waits hands over as soon as its silence proves it gone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { PublisherSlot } from "../../src/input/srt/publisher-slot.js";

class Caller {
  isClosed = false;
  private lost: (() => void) | null = null;
  constructor(readonly name: string) {}
  watchLoss(fn: () => void): void {
    this.lost = fn;
  }
  breakLink(): void {
    this.isClosed = true;
    this.lost?.();
  }
}

function harness(goneAfterMs = 300, holdMs = 700) {
  const clock = new FakeClock();
  const log: string[] = [];
  let publisher: Caller | null = null;
  let lastData = clock.monoMs();
  const slot = new PublisherSlot<Caller>(clock, {
    hasPublisher: () => publisher !== null,
    lastDataAt: () => lastData,
    goneAfterMs: () => goneAfterMs,
    holdMs: () => holdMs,
    take: (c) => {
      log.push(`take ${c.name}`);
      publisher = c;
      lastData = clock.monoMs();
    },
    busy: (c) => log.push(`busy ${c.name}`),
  });
  /** The publisher delivers every `everyMs` for `forMs`. */
  const deliver = (forMs: number, everyMs = 60) => {
    for (let t = 0; t < forMs; t += everyMs) {
      clock.advance(everyMs);
      lastData = clock.monoMs();
    }
  };
  return { clock, slot, log, deliver, publisher: () => publisher, loseLink: () => (publisher = null) };
}

test("an empty slot is taken at once", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  assert.deepEqual(h.log, ["take a"]);
});

test("a publisher silent for goneAfterMs is replaced at once: a restarted sender is back", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  h.deliver(1000);
  h.clock.advance(300);
  h.slot.offer(new Caller("a-restarted"));
  assert.deepEqual(h.log, ["take a", "take a-restarted"]);
  assert.equal(h.clock.pendingTimers, 0, "nothing left waiting");
});

test("a live publisher keeps its place: the newcomer waits the hold, then is refused busy", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  h.deliver(500);
  h.slot.offer(new Caller("b"));
  h.deliver(600);
  assert.deepEqual(h.log, ["take a"], "still deciding during the hold");
  h.deliver(200);
  assert.deepEqual(h.log, ["take a", "busy b"]);
  assert.equal(h.publisher()?.name, "a");
});

test("a publisher that dies while a newcomer waits hands over once its silence proves it gone", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  h.deliver(500);
  h.slot.offer(new Caller("b"));
  // "a" was killed: what SRT buffered trickles out for a moment, then nothing.
  h.deliver(120);
  h.clock.advance(299);
  assert.deepEqual(h.log, ["take a"]);
  h.clock.advance(2);
  assert.deepEqual(h.log, ["take a", "take b"]);
});

test("a second newcomer while one waits: the first is refused busy", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  h.deliver(100);
  h.slot.offer(new Caller("b"));
  h.slot.offer(new Caller("c"));
  assert.deepEqual(h.log, ["take a", "busy b"]);
});

test("a waiting newcomer whose link breaks is forgotten; a broken publisher hands over at once", () => {
  const h = harness();
  h.slot.offer(new Caller("a"));
  h.deliver(100);
  const b = new Caller("b");
  h.slot.offer(b);
  b.breakLink();
  h.deliver(2000);
  assert.deepEqual(h.log, ["take a"], "b never decided on");
  const c = new Caller("c");
  h.slot.offer(c);
  h.loseLink();
  h.slot.publisherLost();
  assert.deepEqual(h.log, ["take a", "take c"]);
  assert.equal(h.clock.pendingTimers, 0);
});
