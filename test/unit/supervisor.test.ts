import assert from "node:assert/strict";
import { test } from "node:test";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Supervised } from "../../src/process/supervisor.js";
import { until } from "../helpers/proc.js";
import { systemClock } from "../helpers/deps.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n"))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

test("a child killed with SIGKILL is restarted within 1 s; stderr is logged line by line", async () => {
  const { log, lines } = capture();
  const sup = new Supervised(
    { name: "sleeper", command: "sh", args: ["-c", "echo one >&2; echo two >&2; exec sleep 30"] },
    log,
    systemClock,
  );
  const pids: number[] = [];
  sup.on("spawn", (c) => pids.push(c.pid!));
  try {
    sup.start();
    await until(() => lines.filter((l) => l.msg === "two").length === 1, 5000, "stderr lines");
    assert.ok(lines.some((l) => l.msg === "one" && l.child === "sleeper"));
    const t0 = performance.now();
    process.kill(pids[0]!, "SIGKILL");
    await until(() => pids.length === 2 && sup.running, 1000, "restart within 1 s");
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(sup.restarts, 1);
    assert.match(sup.lastError ?? "", /SIGKILL/);
    assert.ok(lines.some((l) => l.msg === "child died; restarting"));
  } finally {
    await sup.close();
  }
  assert.equal(sup.running, false);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), "every child is gone after close");
});

test("a command that cannot start is told apart from one that died, and retried with backoff", async () => {
  const { log, lines } = capture();
  const sup = new Supervised(
    {
      name: "missing",
      command: "/nonexistent/antenne-test",
      args: [],
      initialBackoffMs: 50,
      maxBackoffMs: 200,
    },
    log,
    systemClock,
  );
  const exits: boolean[] = [];
  sup.on("exit", (e) => exits.push(e.started));
  try {
    sup.start();
    await until(() => exits.length >= 3, 3000, "three attempts");
    assert.ok(exits.every((s) => s === false));
    assert.ok(lines.some((l) => l.msg === "child failed to start; retrying"));
    assert.match(sup.lastError ?? "", /ENOENT/);
  } finally {
    await sup.close();
  }
});

test("close() is idempotent, ignores the exit it caused, and kills a child that ignores SIGTERM", async () => {
  const { log } = capture();
  const sup = new Supervised(
    { name: "stubborn", command: "sh", args: ["-c", "trap '' TERM; while :; do sleep 0.05; done"] },
    log,
    systemClock,
  );
  const exits: unknown[] = [];
  sup.on("exit", (e) => exits.push(e));
  sup.start();
  const pid = await until(() => sup.pid, 2000, "pid");
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  await Promise.all([sup.close(300), sup.close(300)]);
  assert.ok(performance.now() - t0 < 2000);
  assert.throws(() => process.kill(pid, 0));
  assert.equal(exits.length, 0, "an exit we caused is not reported");
  assert.equal(sup.restarts, 0);
});
