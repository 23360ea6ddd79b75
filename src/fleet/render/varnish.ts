/**
 * Varnish HLS cache, the same policy as the nginx one (render/nginx.ts) in VCL 4.1:
 *  - per channel a `fallback` director over its instances in fleet order, each backend probed on
 *    /readyz (an instance on its safety source answers 503 there: health-aware, SPEC §4);
 *  - a failed fetch (error, timeout, 5xx, 404 for a segment) is retried once on the next
 *    instance, whatever the probes say yet;
 *  - playlists live half a segment, segments `segmentMaxAgeSec` with as much grace, so a segment
 *    is served stale while every instance fails; Varnish coalesces concurrent misses natively
 *    (one backend fetch, the others wait on it);
 *  - CORS on every answer.
 */
import type { ChannelModel, FleetModel, InstanceModel } from "../model.js";
import { duration } from "./text.js";

const id = (s: string) => s.replace(/-/g, "_");
const backendName = (inst: InstanceModel) => id(inst.id);

function backends(fleet: FleetModel, ch: ChannelModel): string[] {
  return ch.instances.flatMap((inst) => [
    `backend ${backendName(inst)} {`,
    `    .host = "${inst.host}";`,
    `    .port = "${inst.apiPort}";`,
    "    .connect_timeout = 1s;",
    "    .first_byte_timeout = 3s;",
    "    .between_bytes_timeout = 3s;",
    "    .probe = {",
    '        .url = "/readyz";',
    `        .interval = ${duration(fleet.cache.probeIntervalSec)};`,
    "        .timeout = 1s;",
    "        .window = 3;",
    "        .threshold = 2;",
    "        .initial = 2;",
    "    }",
    "}",
  ]);
}

const urlMatch = (ch: ChannelModel) =>
  `req.url ~ "^/hls/${ch.name.replace(/[.]/g, "\\.")}(_[A-Za-z0-9_.-]+)?\\.m3u8$" || ` +
  `req.url ~ "^/hls/${ch.name}_[A-Za-z0-9_.-]+\\.ts$"`;

/** On a retry, the instance after the one that failed (in fleet order, wrapping). */
function retryChain(channels: ChannelModel[]): string[] {
  const pairs = channels.flatMap((ch) =>
    ch.instances.map((inst, i) => [inst, ch.instances[(i + 1) % ch.instances.length]!] as const),
  );
  return pairs.flatMap(([inst, next], i) => [
    `        ${i === 0 ? "if" : "} elsif"} (bereq.http.X-Antenne-Failed == "${backendName(inst)}") {`,
    `            set bereq.backend = ${backendName(next)};`,
  ]);
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

/** Retries (up to one per other instance) on the peer; lifetimes per channel and file kind. */
function vclBackend(channels: ChannelModel[], retries: number, seg: number): string[] {
  return [
    "sub vcl_backend_fetch {",
    "    if (bereq.retries > 0) {",
    ...retryChain(channels),
    "        }",
    "    }",
    "}",
    "",
    "sub vcl_backend_response {",
    `    if (bereq.retries < ${retries} && (beresp.status >= 500 || (beresp.status == 404 && bereq.url ~ "\\.ts$"))) {`,
    "        set bereq.http.X-Antenne-Failed = beresp.backend.name;",
    "        return (retry);",
    "    }",
    "    if (beresp.status != 200) {",
    "        set beresp.ttl = 0s;",
    "        set beresp.uncacheable = true;",
    "        return (deliver);",
    "    }",
    '    if (bereq.url ~ "\\.m3u8$") {',
    ...channels.flatMap((ch, i) => [
      `        ${i === 0 ? "if" : "} elsif"} (bereq.http.X-Antenne-Channel == "${ch.name}") {`,
      `            set beresp.ttl = ${duration(ch.segmentSec / 2)};`,
      `            set beresp.http.Cache-Control = "max-age=${Math.floor(ch.segmentSec / 2)}";`,
    ]),
    "        }",
    "        set beresp.grace = 1s;",
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
    "        set bereq.http.X-Antenne-Failed = beresp.backend.name;",
    "        return (retry);",
    "    }",
    "    return (abandon);",
    "}",
  ];
}

const VCL_CLIENT_SIDE = [
  "sub vcl_synth {",
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
  const retries = Math.max(2, ...channels.map((c) => c.instances.length)) - 1;
  const lines = [
    "vcl 4.1;",
    `# HLS cache of fleet ${fleet.name}, rendered by \`antenne render\`: do not edit.`,
    `# varnishd -a :${fleet.cache.port} -f hls.vcl`,
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
