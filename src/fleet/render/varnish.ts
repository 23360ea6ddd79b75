/**
 * Varnish HLS cache, the same policy as the nginx one (render/nginx.ts) in VCL 4.1:
 *  - per channel a `fallback` director over its instances in fleet order, each backend probed on
 *    /readyz (an instance on its safety source answers 503 there: health-aware, SPEC §4);
 *  - a failed fetch (error, timeout, 5xx, 404) is retried on the next instance, whatever the probes
 *    say yet (they lag: a killed instance stays "healthy" up to two probes, a peer that just came up
 *    stays "sick" as long; when the director has no healthy instance, every instance is asked);
 *  - when every instance refused (all on their safety source: 503), they are asked again with
 *    `X-Antenne-Accept-Degraded: 1`: the channel stays on air with its safety audio, never nothing
 *    (docs/redundancy.md); those answers are cached half a segment, not for long;
 *  - playlists live half a segment, segments `segmentMaxAgeSec`; when no instance answers at all,
 *    the request is restarted once accepting stale copies: the last playlist for up to its window,
 *    segments for as long as they are kept. Varnish coalesces concurrent misses natively;
 *  - CORS on every answer.
 */
import type { ChannelModel, FleetModel, InstanceModel } from "../model.js";
import { duration } from "./text.js";

const id = (s: string) => s.replace(/-/g, "_");
const backendName = (inst: InstanceModel) => id(inst.id);

/** Suffix of an instance's probe-less twin: retries go to it whatever the probes say. */
const DIRECT = "_direct";

function backends(fleet: FleetModel, ch: ChannelModel): string[] {
  const timeouts = [
    "    .connect_timeout = 1s;",
    "    .first_byte_timeout = 3s;",
    "    .between_bytes_timeout = 3s;",
  ];
  return ch.instances.flatMap((inst) => [
    `backend ${backendName(inst)} {`,
    `    .host = "${inst.host}";`,
    `    .port = "${inst.apiPort}";`,
    ...timeouts,
    "    .probe = {",
    '        .url = "/readyz";',
    `        .interval = ${duration(fleet.cache.probeIntervalSec)};`,
    "        .timeout = 1s;",
    "        .window = 3;",
    "        .threshold = 2;",
    "        .initial = 2;",
    "    }",
    "}",
    `backend ${backendName(inst)}${DIRECT} {`,
    `    .host = "${inst.host}";`,
    `    .port = "${inst.apiPort}";`,
    ...timeouts,
    "}",
  ]);
}

const urlMatch = (ch: ChannelModel) =>
  `req.url ~ "^/hls/${ch.name.replace(/[.]/g, "\\.")}(_[A-Za-z0-9_.-]+)?\\.m3u8$" || ` +
  `req.url ~ "^/hls/${ch.name}_[A-Za-z0-9_.-]+\\.ts$"`;

/**
 * On a retry, the instance after the one that failed (in fleet order, wrapping); the channel's
 * first instance when the director had none to offer (every probe says sick). Retries go to the
 * probe-less twins: Varnish refuses to fetch from a probed backend its probe calls sick.
 */
function retryChain(channels: ChannelModel[]): string[] {
  const pairs = channels.flatMap((ch) =>
    ch.instances.map((inst, i) => [inst, ch.instances[(i + 1) % ch.instances.length]!] as const),
  );
  return [
    ...pairs.flatMap(([inst, next], i) => [
      `        ${i === 0 ? "if" : "} elsif"} (bereq.http.X-Antenne-Failed == "${backendName(inst)}") {`,
      `            set bereq.backend = ${backendName(next)}${DIRECT};`,
    ]),
    ...channels.flatMap((ch) => [
      `        } elsif (bereq.http.X-Antenne-Channel == "${ch.name}") {`,
      `            set bereq.backend = ${backendName(ch.instances[0]!)}${DIRECT};`,
    ]),
  ];
}

/** True (VCL) once every instance of the channel is named in the header. */
const allTried = (ch: ChannelModel, header: string) =>
  ch.instances.map((inst) => `${header} ~ "(^| )${backendName(inst)}( |$)"`).join(" && ");

/** `if (channel == …) {…} elsif …` over the channels, at `indent`, each branch `body(ch)`. */
const byChannel = (channels: ChannelModel[], indent: string, body: (ch: ChannelModel) => string[]) => [
  ...channels.flatMap((ch, i) => [
    `${indent}${i === 0 ? "if" : "} elsif"} (bereq.http.X-Antenne-Channel == "${ch.name}") {`,
    ...body(ch),
  ]),
  `${indent}}`,
];

/**
 * After a failed attempt: note the instance and retry; when every instance was asked normally,
 * ask them again accepting degraded answers; when that was done too, return to the caller.
 */
function failedSub(channels: ChannelModel[]): string[] {
  return [
    "sub antenne_failed {",
    `    set bereq.http.X-Antenne-Failed = regsub("" + beresp.backend.name, "${DIRECT}$", "");`,
    "    if (bereq.http.X-Antenne-Accept-Degraded) {",
    '        set bereq.http.X-Antenne-Tried-Degraded = bereq.http.X-Antenne-Tried-Degraded + " " + bereq.http.X-Antenne-Failed;',
    "    } else {",
    '        set bereq.http.X-Antenne-Tried = bereq.http.X-Antenne-Tried + " " + bereq.http.X-Antenne-Failed;',
    "    }",
    ...byChannel(channels, "    ", (ch) => [
      `        if (${allTried(ch, "bereq.http.X-Antenne-Tried-Degraded")}) {`,
      '            set bereq.http.X-Antenne-Gave-Up = "1";',
      `        } elsif (${allTried(ch, "bereq.http.X-Antenne-Tried")}) {`,
      '            set bereq.http.X-Antenne-Accept-Degraded = "1";',
      "        }",
    ]),
    "    if (!bereq.http.X-Antenne-Gave-Up) {",
    "        return (retry);",
    "    }",
    "}",
  ];
}

function vclInit(channels: ChannelModel[]): string[] {
  return [
    "sub vcl_init {",
    ...channels.flatMap((ch) => [
      `    new ${id(ch.name)} = directors.fallback();`,
      ...ch.instances.map((inst) => `    ${id(ch.name)}.add_backend(${backendName(inst)});`),
    ]),
    "}",
  ];
}

function vclRecv(channels: ChannelModel[]): string[] {
  return [
    "sub vcl_recv {",
    '    if (req.method == "OPTIONS") {',
    "        return (synth(204));",
    "    }",
    '    if (req.method != "GET" && req.method != "HEAD") {',
    "        return (synth(405));",
    "    }",
    '    set req.url = regsub(req.url, "\\?.*$", "");',
    "    unset req.http.Cookie;",
    "    # A first pass takes copies at most 1 s past their lifetime; a restart (no instance",
    "    # answered, see vcl_synth) takes whatever is still kept.",
    "    if (req.restarts == 0) {",
    "        set req.grace = 1s;",
    "        unset req.http.X-Antenne-Restarted;",
    "    } else {",
    "        set req.grace = 1d;",
    '        set req.http.X-Antenne-Restarted = "1";',
    "    }",
    "    unset req.http.X-Antenne-Accept-Degraded;",
    "    unset req.http.X-Antenne-Failed;",
    "    unset req.http.X-Antenne-Tried;",
    "    unset req.http.X-Antenne-Tried-Degraded;",
    "    unset req.http.X-Antenne-Gave-Up;",
    ...channels.flatMap((ch, i) => [
      `    ${i === 0 ? "if" : "} elsif"} (${urlMatch(ch)}) {`,
      `        set req.backend_hint = ${id(ch.name)}.backend();`,
      `        set req.http.X-Antenne-Channel = "${ch.name}";`,
    ]),
    "    } else {",
    "        return (synth(404));",
    "    }",
    "    return (hash);",
    "}",
  ];
}

/**
 * Attempts per request at most: the director's pick, then each instance asked normally, then each
 * asked accepting degraded answers. varnishd's `max_retries` (default 4) must be at least this.
 */
export function varnishMaxRetries(fleet: FleetModel): number {
  return 2 * Math.max(2, ...fleet.channels.map((c) => c.instances.length));
}

/** A playlist's lifetime (and a degraded answer's): half a segment. */
const halfSegment = (ch: ChannelModel) => [
  `            set beresp.ttl = ${duration(ch.segmentSec / 2)};`,
  `            set beresp.http.Cache-Control = "max-age=${Math.floor(ch.segmentSec / 2)}";`,
];
/** Kept stale for its window: the last playlist while no instance answers. */
const playlistGrace = (ch: ChannelModel) =>
  `            set beresp.grace = ${duration(ch.segmentSec * (ch.config.outputs.hls?.windowSegments ?? 1))};`;

/** Retries on the peers, then degraded answers; lifetimes per channel and file kind. */
function vclBackend(channels: ChannelModel[], retries: number, seg: number): string[] {
  return [
    "sub vcl_backend_fetch {",
    "    if (bereq.retries > 0) {",
    ...retryChain(channels),
    "        }",
    "    }",
    "}",
    "",
    ...failedSub(channels),
    "",
    "sub vcl_backend_response {",
    "    if (beresp.status >= 500 || beresp.status == 404) {",
    `        if (bereq.retries < ${retries}) {`,
    "            call antenne_failed;",
    "        }",
    "        # No instance has it. Storing that answer would end the stale copy's life: only a",
    "        # restarted request (which found no stale copy) gets it.",
    "        if (bereq.is_bgfetch || !bereq.http.X-Antenne-Restarted) {",
    "            return (abandon);",
    "        }",
    "    }",
    "    if (beresp.status != 200) {",
    "        set beresp.ttl = 0s;",
    "        set beresp.uncacheable = true;",
    "        return (deliver);",
    "    }",
    '    if (bereq.url ~ "\\.m3u8$") {',
    ...byChannel(channels, "        ", (ch) => [...halfSegment(ch), playlistGrace(ch)]),
    "    } elsif (bereq.http.X-Antenne-Accept-Degraded) {",
    "        # Safety audio under names a peer may soon publish with the studio's: kept briefly.",
    ...byChannel(channels, "        ", halfSegment),
    "        set beresp.grace = 0s;",
    "    } else {",
    `        set beresp.ttl = ${seg}s;`,
    `        set beresp.grace = ${seg}s;`,
    `        set beresp.http.Cache-Control = "max-age=${seg}";`,
    "    }",
    "    return (deliver);",
    "}",
    "",
    "sub vcl_backend_error {",
    `    if (bereq.retries < ${retries}) {`,
    "        call antenne_failed;",
    "    }",
    "    return (abandon);",
    "}",
  ];
}

/** No instance answered (a 5xx or 404 after every retry): once, try what the cache still keeps. */
const VCL_CLIENT_SIDE = [
  "sub vcl_synth {",
  "    if (resp.status == 503 && req.restarts == 0 && req.http.X-Antenne-Channel) {",
  "        return (restart);",
  "    }",
  '    set resp.http.Access-Control-Allow-Origin = "*";',
  '    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";',
  "}",
  "",
  "sub vcl_deliver {",
  '    set resp.http.Access-Control-Allow-Origin = "*";',
  '    set resp.http.Access-Control-Allow-Methods = "GET, HEAD, OPTIONS";',
  "    unset resp.http.Set-Cookie;",
  "}",
];

export function renderVarnish(fleet: FleetModel): string {
  const channels = fleet.channels.filter((c) => c.config.outputs.hls);
  const retries = varnishMaxRetries(fleet);
  const lines = [
    "vcl 4.1;",
    `# HLS cache of fleet ${fleet.name}, rendered by \`antenne render\`: do not edit.`,
    `# varnishd -a :${fleet.cache.port} -p max_retries=${retries} -f hls.vcl`,
    "import directors;",
    "",
    ...channels.flatMap((ch) => backends(fleet, ch)),
    "",
    ...vclInit(channels),
    "",
    ...vclRecv(channels),
    "",
    ...vclBackend(channels, retries, fleet.cache.segmentMaxAgeSec),
    "",
    ...VCL_CLIENT_SIDE,
  ];
  return lines.join("\n") + "\n";
}
