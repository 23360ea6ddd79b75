/**
 * nginx HLS cache in front of every channel's instances: a complete nginx configuration
 * (`nginx -c hls-cache.conf`). Per channel an upstream of its instances in fleet order (the
 * first serves, the others are `backup`: one coherent source while it is healthy), and two
 * locations recognised by file name (SPEC §4):
 *  - playlists `<channel>.m3u8`, `<channel>_<profile>.m3u8`: cached half a segment (whole
 *    seconds: nginx's resolution), one request
 *    upstream at a time (`proxy_cache_lock`), the stale copy served while it refreshes;
 *  - segments `<channel>_…ts`: cached long, served stale when every instance fails.
 * Failover: error, timeout, 502/503/504 (503 is what an instance on its safety source answers,
 * SPEC §4 "health-aware"), and 404 (a peer that just started has no playlist yet, a restarted one
 * not an old segment). When every instance refused or is marked failed, each is asked again at
 * once through an upstream that never marks them (so a peer that just came back is used before
 * fail_timeout ends), and then, last, with `X-Antenne-Accept-Degraded: 1` (docs/redundancy.md):
 * all on their safety source, the channel carries the safety audio, never nothing. Degraded
 * answers have their own cache key and live half a segment: they never replace normal copies.
 * Access logs go to the listeners service as JSON lines over syslog (its parser's format).
 */
import type { ChannelModel, FleetModel } from "../model.js";

const LOG_FORMAT =
  `log_format antenne_json escape=json '{"ts":"$msec","addr":"$remote_addr","ua":"$http_user_agent",` +
  `"uri":"$uri","status":"$status","bytes":"$body_bytes_sent"}';`;

const CORS = [
  'add_header Access-Control-Allow-Origin "*" always;',
  'add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS" always;',
  "add_header X-Cache-Status $upstream_cache_status always;",
];

const q = (s: string) => s.replace(/[.]/g, "\\.");

const upstreamName = (ch: ChannelModel) => `antenne_${ch.name.replace(/-/g, "_")}`;

function upstream(ch: ChannelModel): string[] {
  const servers = (failover: string) =>
    ch.instances.map(
      (inst, i) => `        server ${inst.host}:${inst.apiPort} ${failover}${i > 0 ? " backup" : ""};`,
    );
  return [
    `    upstream ${upstreamName(ch)} {`,
    ...servers("max_fails=1 fail_timeout=5s"),
    "        keepalive 4;",
    "    }",
    `    upstream ${upstreamName(ch)}_any {`,
    ...servers("max_fails=0"),
    "    }",
  ];
}

/** nginx caches in whole seconds: a playlist lives floor(segmentSec / 2) s, 0 = not cached. */
export function playlistTtlSec(ch: ChannelModel): number {
  return Math.floor(ch.segmentSec / 2);
}

/** `proxy_cache_valid` of `ttl` seconds, or no caching at all below nginx's 1 s resolution. */
const caching = (ttl: number, stale: string) =>
  ttl > 0
    ? [`proxy_cache_valid 200 ${ttl}s;`, `proxy_cache_use_stale ${stale};`]
    : ["# Under 1 s (nginx's resolution): not cached.", "proxy_no_cache 1;", "proxy_cache_bypass 1;"];

function location(fleet: FleetModel, ch: ChannelModel, kind: "playlist" | "segment"): string[] {
  const up = upstreamName(ch);
  const name = q(ch.name);
  const playlist = kind === "playlist";
  const ttl = playlist ? playlistTtlSec(ch) : fleet.cache.segmentMaxAgeSec;
  const re = playlist ? `^/hls/${name}(_[A-Za-z0-9_.-]+)?\\.m3u8$` : `^/hls/${name}_[A-Za-z0-9_.-]+\\.ts$`;
  const stale = playlist ? "updating" : "error timeout updating http_500 http_502 http_503 http_504";
  const again = `@${up}_${kind}_again`;
  const degraded = `@${up}_${kind}_degraded`;
  const briefly = playlistTtlSec(ch);
  const block = (head: string, body: string[], maxAge: number) => [
    `        location ${head} {`,
    ...body.map((l) => `            ${l}`),
    `            add_header Cache-Control "max-age=${maxAge}" always;`,
    ...CORS.map((l) => `            ${l}`),
    "        }",
  ];
  const next = "proxy_next_upstream error timeout http_404 http_502 http_503 http_504;";
  return [
    ...block(
      `~ "${re}"`,
      [
        "if ($request_method = OPTIONS) { return 204; }",
        `proxy_pass http://${up};`,
        next,
        ...caching(ttl, stale),
        "proxy_intercept_errors on;",
        `error_page 502 503 504 = ${again};`,
      ],
      ttl,
    ),
    // Every instance refused or is marked failed (for fail_timeout): ask each again, now.
    ...block(
      again,
      [
        `proxy_pass http://${up}_any;`,
        next,
        ...caching(ttl, stale),
        "proxy_intercept_errors on;",
        `error_page 502 503 504 = ${degraded};`,
      ],
      ttl,
    ),
    ...block(
      degraded,
      [
        `proxy_pass http://${up}_any;`,
        'proxy_set_header Connection "";',
        "proxy_set_header X-Antenne-Accept-Degraded 1;",
        next,
        "# Its own cache key: a degraded answer never stands in for a normal one.",
        'proxy_cache_key "degraded $uri";',
        ...caching(briefly, "updating"),
      ],
      briefly,
    ),
  ];
}

/** Proxy and cache settings shared by every channel (http level). */
function httpSettings(fleet: FleetModel, channels: ChannelModel[]): string[] {
  const c = fleet.cache;
  return [
    "    sendfile on;",
    "    tcp_nopush on;",
    "    keepalive_timeout 65s;",
    `    proxy_cache_path ${c.dir} levels=1:2 keys_zone=antenne_hls:32m max_size=${c.maxSize} inactive=${c.segmentMaxAgeSec}s use_temp_path=off;`,
    "    proxy_cache antenne_hls;",
    "    # One key per file whichever upstream answered (the channel's, or its last-resort one).",
    "    proxy_cache_key $uri;",
    "    # The last resort's own error pages lead to the degraded ask.",
    "    recursive_error_pages on;",
    "    proxy_cache_lock on;",
    "    proxy_cache_lock_timeout 3s;",
    "    proxy_cache_lock_age 3s;",
    "    proxy_cache_background_update off;",
    "    # The cache decides lifetimes (half a segment for playlists), not the instance's headers.",
    "    proxy_ignore_headers Cache-Control Expires Set-Cookie;",
    "    proxy_hide_header Cache-Control;",
    "    proxy_hide_header Access-Control-Allow-Origin;",
    "    proxy_http_version 1.1;",
    '    proxy_set_header Connection "";',
    "    proxy_connect_timeout 1s;",
    "    proxy_read_timeout 3s;",
    "    proxy_send_timeout 3s;",
    `    proxy_next_upstream_tries ${Math.max(2, ...channels.map((ch) => ch.instances.length))};`,
  ];
}

function server(fleet: FleetModel, channels: ChannelModel[]): string[] {
  const c = fleet.cache;
  return [
    "    server {",
    `        listen ${c.port};`,
    "        server_name _;",
    "        location = /healthz {",
    "            access_log off;",
    '            return 200 "ok\\n";',
    "        }",
    ...channels.flatMap((ch) => [
      `        # ${ch.name}: ${ch.segmentSec} s segments, instances ${ch.instances.map((i) => i.name).join(", ")}`,
      ...location(fleet, ch, "playlist"),
      ...location(fleet, ch, "segment"),
    ]),
    "        location / {",
    "            return 404;",
    "        }",
    "    }",
  ];
}

export function renderNginx(fleet: FleetModel): string {
  const channels = fleet.channels.filter((c) => c.config.outputs.hls);
  const l = fleet.monitoring.listeners;
  const lines = [
    `# HLS cache of fleet ${fleet.name}, rendered by \`antenne render\`: do not edit.`,
    "# A complete configuration: nginx -c hls-cache.conf (check it with nginx -t -c hls-cache.conf).",
    "worker_processes auto;",
    "events {",
    "    worker_connections 4096;",
    "}",
    "http {",
    "    types {",
    "        application/vnd.apple.mpegurl m3u8;",
    "        video/mp2t ts;",
    "    }",
    `    ${LOG_FORMAT}`,
    `    access_log syslog:server=${l.host}:${l.syslogPort},tag=antenne antenne_json;`,
    ...httpSettings(fleet, channels),
    ...channels.flatMap(upstream),
    ...server(fleet, channels),
    "}",
  ];
  return lines.join("\n") + "\n";
}
