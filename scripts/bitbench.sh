#!/usr/bin/env bash
# Encodes the 720p test content with x264 at 20 Mbit/s (and x265) and runs the
# bitstream benchmark on it: start-code scanning vs memchr::memmem, EBSP -> RBSP.
# Needs build/content/vtest_1280x720.y4m (scripts/fetch_content.sh), x264 and ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."
y4m=build/content/vtest_1280x720.y4m
out=target/tmp
mkdir -p "$out"
[ -f "$out/vtest720_20M.264" ] || x264 --quiet --preset veryfast --bitrate 20000 \
    --vbv-maxrate 20000 --vbv-bufsize 20000 -o "$out/vtest720_20M.264" "$y4m"
[ -f "$out/vtest720_20M.265" ] || ffmpeg -v error -y -i "$y4m" -c:v libx265 -preset ultrafast \
    -b:v 20M -x265-params log-level=error "$out/vtest720_20M.265"
cargo build --release --manifest-path tools/bitbench/Cargo.toml --target-dir target/bitbench
for f in "$out/vtest720_20M.264" "$out/vtest720_20M.265"; do
    target/bitbench/release/bitbench "$f" "${BENCH_SECONDS:-1}"
done
