#!/bin/bash
# Studio sender of info, path backup: feeds input backup on a (info-a:10202), b (info-b:10202).
# Fleet radio; rendered by `antenne render`: do not edit. Needs ffmpeg and srt-live-transmit
# (Debian: ffmpeg srt-tools). Exits when the encoder stops, so its supervisor restarts it whole.
set -u
PASSPHRASE="${INFO_SRT_PASSPHRASE}"
# Stopping the script stops what it started (and only that).
cleanup() { trap - EXIT; kill $(jobs -p) 2>/dev/null; wait; }
trap cleanup EXIT
trap 'exit 143' TERM INT
# One relay per instance: local UDP in, SRT caller out; it reconnects by itself, and is restarted if it exits.
relay() {
  local child=
  trap 'kill $child 2>/dev/null; exit 0' TERM
  while :; do
    srt-live-transmit -q "udp://127.0.0.1:$1" "$2" &
    child=$!
    wait $child
    sleep 1
  done
}
relay 20050 "srt://info-a:10202?mode=caller&latency=200${PASSPHRASE:+&passphrase=$PASSPHRASE}" &
relay 20051 "srt://info-b:10202?mode=caller&latency=200${PASSPHRASE:+&passphrase=$PASSPHRASE}" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning \
  -re -f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 \
  -vn -c:a mp2 -b:a 256k -map 0:a -f tee \
  "[f=mpegts]udp://127.0.0.1:20050?pkt_size=1316|[f=mpegts]udp://127.0.0.1:20051?pkt_size=1316" &
wait -n
