/**
 * The rendered studio sender (senders/<channel>-<path>.sh: one ffmpeg encode, one
 * srt-live-transmit per instance) feeding two real instances started on the rendered channel
 * files, with an SRT passphrase that stays a `${VAR}` reference until the shell expands it.
 * Both instances put the path on air; stopping the script stops everything it started.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.js";
import { until } from "../helpers/proc.js";
import { Proc, renderWithCli, startInstance, tempDir } from "../helpers/fleet.js";

const dir = tempDir();
const procs: Proc[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ENV = { T_PASS: "sender-passphrase-1" };

const channel = (srtPort: number) => `channel: t
inputs:
  - id: main
    srt: { mode: listener, bind: "0.0.0.0:${srtPort}", latencyMs: 120, passphrase: "\${T_PASS}" }
  - id: safety
    tone: { frequencyHz: 1000 }
switcher: { silence: { minNoiseSec: 0.5 }, returnDelaySec: 0.5 }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 4, profiles: [lofi] }
`;

function fleetYaml(p: { a: number; b: number; udp: number }): string {
  return `fleet: test
channels:
  - file: t.yaml
    instances:
      a: { host: 127.0.0.1, srtBind: 127.0.0.1, apiPort: ${p.a}, dataDir: ${dir}/a }
      b: { host: 127.0.0.2, srtBind: 127.0.0.2, apiPort: ${p.b}, dataDir: ${dir}/b }
    senders:
      - { path: main, input: main, udpPort: ${p.udp} }
monitoring:
  grafana: { adminPassword: "\${T_GRAFANA}" }
`;
}

interface Status {
  active: string;
  inputs: { id: string; state: string; available: boolean }[];
}

async function status(port: number, host: string): Promise<Status | null> {
  const r = await fetch(`http://${host}:${port}/api/v1/status`).catch(() => null);
  return r?.ok ? ((await r.json()) as Status) : null;
}

/** Children of a process, from /proc (to check that stopping the script stopped them). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]!.startsWith("Z");
  } catch {
    return false;
  }
};

test(
  "the rendered studio sender puts its path on air on both instances; stopping it stops its children; compose's sender too",
  { timeout: 120_000 },
  async () => {
    const srtPort = await freeUdpPort();
    let udp = await freeUdpPort();
    if (udp + 1 === srtPort) udp = await freeUdpPort();
    const p = { a: await freeTcpPort(), b: await freeTcpPort(), udp };
    writeFileSync(join(dir, "t.yaml"), channel(srtPort));
    writeFileSync(join(dir, "fleet.yaml"), fleetYaml(p));
    const out = join(dir, "out");
    await renderWithCli(join(dir, "fleet.yaml"), out);
    const script = readFileSync(join(out, "senders/t-main.sh"), "utf8");
    assert.ok(
      script.includes('PASSPHRASE="${T_PASS}"') && !script.includes(ENV.T_PASS),
      "a reference, not the value",
    );

    const a = startInstance(join(out, "instances/t-a.yaml"), ENV);
    const b = startInstance(join(out, "instances/t-b.yaml"), ENV);
    procs.push(a, b);
    await until(
      async () => (await status(p.a, "127.0.0.1"))?.active === "safety",
      20_000,
      "instance a on its safety tone",
    );
    await until(
      async () => (await status(p.b, "127.0.0.2"))?.active === "safety",
      20_000,
      "instance b on its safety tone",
    );

    const sender = new Proc("bash", [join(out, "senders/t-main.sh")], { env: ENV, maxLifetimeMs: 100_000 });
    procs.push(sender);
    for (const [port, host] of [
      [p.a, "127.0.0.1"],
      [p.b, "127.0.0.2"],
    ] as const) {
      await until(
        async () => {
          const s = await status(port, host);
          return s?.active === "main" && s.inputs.find((i) => i.id === "main")?.available;
        },
        30_000,
        `the studio path on air on ${host}`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nsender: ${sender.output}`);
      });
    }

    const kids = childrenOf(sender.child.pid!);
    assert.equal(kids.length, 3, "two relays and the encoder");
    const grandKids = kids.flatMap(childrenOf);
    await sender.stop("SIGTERM");
    await until(
      () => [...kids, ...grandKids].every((pid) => !alive(pid)),
      10_000,
      "every child of the sender gone",
    );

    // compose's test sender for instance a: its command as compose runs it ($$ is compose's `$`,
    // the environment interpolated as compose would), straight ffmpeg to the instance.
    await until(
      async () => (await status(p.a, "127.0.0.1"))?.active === "safety",
      20_000,
      "a back on safety",
    );
    const compose = parse(readFileSync(join(out, "compose.yaml"), "utf8")) as {
      services: Record<string, { command: string[]; environment: Record<string, string> }>;
    };
    const svc = compose.services["sender-t-main-a"]!;
    assert.equal(svc.environment.PASSPHRASE, "${T_PASS}");
    const direct = new Proc("sh", ["-c", svc.command[0]!.replaceAll("$$", "$")], {
      env: { PASSPHRASE: ENV.T_PASS },
      maxLifetimeMs: 60_000,
    });
    procs.push(direct);
    await until(
      async () => (await status(p.a, "127.0.0.1"))?.active === "main",
      30_000,
      "compose's sender on air on a",
    );
  },
);
