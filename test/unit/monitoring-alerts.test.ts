/**
 * The alert rules and their promtool tests, rendered as `antenne render` places them
 * (prometheus/rules/, prometheus/tests/), checked and run by the real promtool.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import {
  DEFAULT_THRESHOLDS,
  renderAlertRules,
  renderAlertTests,
  thresholdProblems,
  type MonitoringOptions,
} from "../../src/monitoring/index.js";
import { tempDir } from "../helpers/channel.js";
import { run } from "../helpers/proc.js";

const DEFAULTS: MonitoringOptions = {
  thresholds: DEFAULT_THRESHOLDS,
  job: "antenne",
  listenersJob: "antenne-listeners",
};

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}
interface TestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

/** Writes rules and tests as render places them and runs promtool on them. */
async function promtool(rulesFor: MonitoringOptions, testsFor: MonitoringOptions) {
  const dir = tempDir("antenne-promtool-");
  try {
    mkdirSync(join(dir, "rules"));
    mkdirSync(join(dir, "tests"));
    for (const [f, text] of Object.entries(renderAlertRules(rulesFor)))
      writeFileSync(join(dir, "rules", f), text);
    const tests = Object.entries(renderAlertTests(testsFor));
    for (const [f, text] of tests) writeFileSync(join(dir, "tests", f), text);
    const check = await run(
      "promtool",
      ["check", "rules", ...Object.keys(renderAlertRules(rulesFor)).map((f) => join(dir, "rules", f))],
      {
        timeoutMs: 30_000,
      },
    );
    const unit = await run("promtool", ["test", "rules", ...tests.map(([f]) => join(dir, "tests", f))], {
      timeoutMs: 120_000,
    });
    return { check, unit, out: unit.stdout.toString() + unit.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void test("promtool: the rules check and every alert test passes (default thresholds)", async () => {
  const r = await promtool(DEFAULTS, DEFAULTS);
  assert.equal(r.check.code, 0, r.check.stdout.toString() + r.check.stderr);
  assert.equal(r.unit.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

void test("promtool: tests rendered from other thresholds pass against rules rendered from them", async () => {
  const t = {
    ...DEFAULT_THRESHOLDS,
    blankForSec: 10,
    offTopInputForMin: 1,
    safetyForSec: 90,
    srtLossRatio: 0.2,
    encoderRestarts15m: 1,
    hlsStaleSegments: 5,
    pushFailureRatio: 0.5,
    inputDownForSec: 15,
  };
  const o = { ...DEFAULTS, thresholds: t, job: "radio", listenersJob: null };
  const r = await promtool(o, o);
  assert.equal(r.unit.code, 0, r.out);
});

void test("promtool: the tests bite — tests for a 30 s blank fail against a rule waiting 120 s", async () => {
  const rules = { ...DEFAULTS, thresholds: { ...DEFAULT_THRESHOLDS, blankForSec: 120 } };
  const r = await promtool(rules, DEFAULTS);
  assert.notEqual(r.unit.code, 0);
  assert.match(r.out, /alertname: AntenneProgramBlank/);
});

void test("every alert: severity, summary naming the channel, runbook section, a firing and a quiet test", () => {
  const rules = parse(renderAlertRules(DEFAULTS)["antenne.yml"]!) as RuleFile;
  const tests = parse(renderAlertTests(DEFAULTS)["antenne.test.yml"]!) as TestFile;
  assert.deepEqual(tests.rule_files, ["../rules/antenne.yml"]);
  const runbook = readFileSync(new URL("../../../docs/runbook.md", import.meta.url), "utf8");
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  assert.ok(alerts.length >= 20, `${alerts.length} alerts`);
  const checks = tests.tests.flatMap((t) => t.alert_rule_test);
  for (const a of alerts) {
    const name = a.alert!;
    assert.match(a.labels?.severity ?? "", /^(critical|warning)$/, name);
    const fleetWide = /^Antenne(NoInstances|Listeners)/.test(name);
    if (!fleetWide)
      assert.match(a.annotations?.summary ?? "", /\{\{ \$labels\.channel \}\}/, `${name} summary`);
    assert.equal(a.annotations?.runbook_url, `docs/runbook.md#${name.toLowerCase()}`);
    assert.match(runbook, new RegExp(`^## ${name}$`, "m"), `${name} has a runbook section`);
    assert.ok(a.for !== undefined, `${name} has a for:`);
    const mine = checks.filter((c) => c.alertname === name);
    assert.ok(
      mine.some((c) => c.exp_alerts.length > 0),
      `${name} has a firing test`,
    );
    assert.ok(
      mine.some((c) => c.exp_alerts.length === 0),
      `${name} has a quiet test`,
    );
  }
  // The listeners alerts exist only when the fleet has a listeners service.
  const without = parse(renderAlertRules({ ...DEFAULTS, listenersJob: null })["antenne.yml"]!) as RuleFile;
  assert.ok(!JSON.stringify(without).includes("AntenneListeners"));
});

void test("runbook_url follows the fleet's runbook address", () => {
  const text = renderAlertRules({ ...DEFAULTS, runbookUrl: "https://ops.example.org/antenne/runbook" })[
    "antenne.yml"
  ]!;
  assert.match(text, /runbook_url: https:\/\/ops\.example\.org\/antenne\/runbook#antenneprogramblank/);
});

void test("thresholds that make no sense are refused with the key named", () => {
  assert.deepEqual(thresholdProblems(DEFAULT_THRESHOLDS), []);
  const bad = { ...DEFAULT_THRESHOLDS, srtLossRatio: 1.5, blankForSec: 0, encoderRestarts15m: 2.5 };
  assert.deepEqual(thresholdProblems(bad), [
    "blankForSec: must be a positive number (got 0)",
    "srtLossRatio: must be below 1 (got 1.5)",
    "encoderRestarts15m: must be a whole number",
  ]);
  assert.throws(
    () => renderAlertRules({ ...DEFAULTS, thresholds: bad }),
    /monitoring\.alerts: blankForSec: must be/,
  );
});
