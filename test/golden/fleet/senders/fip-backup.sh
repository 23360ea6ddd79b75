#!/bin/bash
# Studio sender of fip, path backup: feeds input backup on a (fip-a:10002), b (fip-b:10002).
# Fleet radio; rendered by `antenne render`: do not edit. Needs ffmpeg and srt-live-transmit
# (Debian: ffmpeg srt-tools). Exits when the encoder stops, so its supervisor restarts it whole.
set -u
PASSPHRASE="${FIP_SRT_PASSPHRASE}"
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
relay 20010 "srt://fip-a:10002?mode=caller&latency=200${PASSPHRASE:+&passphrase=$PASSPHRASE}" &
relay 20011 "srt://fip-b:10002?mode=caller&latency=200${PASSPHRASE:+&passphrase=$PASSPHRASE}" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning \
  -re -f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 \
  -vn -c:a aac -b:a 192k -map 0:a -f tee \
  "[f=mpegts]udp://127.0.0.1:20010?pkt_size=1316|[f=mpegts]udp://127.0.0.1:20011?pkt_size=1316" &
wait -n
