#!/bin/bash
# Safety mounts of fleet radio on the Icecast master, rendered by `antenne render`: do not edit.
# usage: safety-sources.sh [DIR]   (DIR: the files of make-safety.sh; default this script's folder)
set -u
PASSWORD="${ICECAST_SOURCE_PASSWORD}"
DIR="${1:-$(dirname "$0")}"
# Stopping the script stops what it started (and only that).
cleanup() { trap - EXIT; kill $(jobs -p) 2>/dev/null; wait; }
trap cleanup EXIT
trap 'exit 143' TERM INT
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/fip-hifi.aac" -c copy -f adts -content_type audio/aac "icecast://source:$PASSWORD@icecast-master:8000/fip-hifi-safety.aac" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/fip-midfi.mp3" -c copy -f mp3 -content_type audio/mpeg "icecast://source:$PASSWORD@icecast-master:8000/fip-midfi-safety.mp3" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/jazz-hifi.aac" -c copy -f adts -content_type audio/aac "icecast://source:$PASSWORD@icecast-master:8000/jazz-hifi-safety.aac" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/jazz-midfi.mp3" -c copy -f mp3 -content_type audio/mpeg "icecast://source:$PASSWORD@icecast-master:8000/jazz-midfi-safety.mp3" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/info-hifi.aac" -c copy -f adts -content_type audio/aac "icecast://source:$PASSWORD@icecast-master:8000/info-hifi-safety.aac" &
ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/info-midfi.mp3" -c copy -f mp3 -content_type audio/mpeg "icecast://source:$PASSWORD@icecast-master:8000/info-midfi-safety.mp3" &
wait -n
