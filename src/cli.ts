#!/usr/bin/env -S node --max-semi-space-size=1
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { systemClock } from "./clock/clock.js";
import { ConfigError } from "./config/issues.js";
import { loadChannelIsolated } from "./config/load-isolated.js";
import { createLogger } from "./log.js";
import { NODE_FLAGS } from "./node-flags.js";
import { waitForSignal } from "./signals.js";
import { VERSION } from "./version.js";

// Commands load their modules when run: a daemon (`run`) never loads the fleet renderers, the
// monitoring rules, the YAML parser or the validator (its file is checked in a worker thread).

// The shebang passes NODE_FLAGS (src/node-flags.ts); for `node dist/src/cli.js` without them,
// the same limit set now still keeps the steady-state young generation small.
for (const flag of NODE_FLAGS) setFlagsFromString(flag);

const HELP = `antenne ${VERSION} — per-channel radio transcoder daemon

Usage:
  antenne run <channel.yaml> [--log-pretty]   run one channel until SIGTERM/SIGINT
  antenne check <file>...                     validate channel files (exit 1 on any error)
  antenne demo [--log-pretty]                 the demo channel, fed by built-in SRT test senders
  antenne render --out DIR <fleet.yaml>       write the configuration of every component of a fleet
  antenne render --check <fleet.yaml>         validate a fleet file and its channel files, write nothing
  antenne listeners <fleet.yaml> [--syslog-port N] [--http-port N]
                                              count live listeners (ports override the fleet file's
                                              monitoring.listeners.syslogPort / httpPort)
  antenne --help | --version

Logs are JSON lines on stdout (human-readable with --log-pretty or on a TTY).
See README.md for the channel file format, docs/deploy.md for fleets.`;

async function main(argv: string[]): Promise<number> {
  // Fleet commands parse their own flags.
  if (argv[0] === "render") return (await import("./fleet/commands.js")).renderCommand(argv.slice(1));
  if (argv[0] === "listeners") {
    const rest = argv.slice(1).filter((a) => a !== "--log-pretty");
    const { listenersCommand } = await import("./fleet/commands.js");
    return listenersCommand(rest, rest.length < argv.length - 1 ? true : undefined);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      "log-pretty": { type: "boolean" },
    },
  });
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const [cmd, ...files] = positionals;
  if (values.help || !cmd) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const pretty = values["log-pretty"] ? true : undefined;
  if (cmd === "check") return check(files);
  if (cmd === "run") {
    if (files.length !== 1) {
      console.error("usage: antenne run <channel.yaml>");
      return 2;
    }
    return run(files[0]!, pretty);
  }
  if (cmd === "demo") return (await import("./demo.js")).runDemo(pretty);
  console.error(`unknown command "${cmd}"\n\n${HELP}`);
  return 2;
}

async function check(files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error("usage: antenne check <file>...");
    return 2;
  }
  const { loadChannelFile } = await import("./config/load.js");
  let ok = true;
  for (const f of files) {
    try {
      loadChannelFile(f);
      console.log(`${f}: ok`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      ok = false;
      console.error(err.message);
    }
  }
  return ok ? 0 : 1;
}

async function run(file: string, pretty: boolean | undefined): Promise<number> {
  let config;
  try {
    config = await loadChannelIsolated(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
  const { armStallAlarm, stallSeconds } = await import("./process/stall-alarm.js");
  const stall = stallSeconds(process.env);
  if (typeof stall !== "number") {
    console.error(stall.error);
    return 1;
  }
  const log = createLogger({ channel: config.channel, pretty });
  const { startDaemon } = await import("./daemon.js");
  const daemon = await startDaemon(config, log, systemClock);
  const disarm = armStallAlarm(stall, systemClock);
  if (stall > 0)
    log.info({ stallSec: stall }, "stall alarm armed: the process ends by SIGALRM if its event loop stalls");
  return waitForSignal(log, systemClock, async () => {
    disarm();
    await daemon.close();
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
