#!/bin/sh
# Safety files of fleet radio, rendered by `antenne render`: do not edit.
# usage: make-safety.sh SOURCE_AUDIO [OUT_DIR]   (OUT_DIR: where safety-sources.sh reads them)
set -eu
SRC="$1"
OUT="${2:-.}"
mkdir -p "$OUT"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 192k -c:a aac -f adts "$OUT/fip-hifi.aac"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 128k -c:a libmp3lame -f mp3 "$OUT/fip-midfi.mp3"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 192k -c:a aac -f adts "$OUT/jazz-hifi.aac"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 128k -c:a libmp3lame -f mp3 "$OUT/jazz-midfi.mp3"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 192k -c:a aac -f adts "$OUT/info-hifi.aac"
ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac 2 -ar 48000 -b:a 128k -c:a libmp3lame -f mp3 "$OUT/info-midfi.mp3"
