#!/usr/bin/env bash
# Fingerprints of the H.264 engine's output over a fixed set of clips, QPs, rate-control
# modes and profiles: speed work that must not change the bitstream compares these
# before and after (`scripts/h264_identity.sh > before.txt`, change, run again, diff).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bench h264_fps 2>/dev/null
bench=$(ls -t target/release/deps/h264_fps-* | grep -v '\.d$' | head -1)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() {
    local clip=$1 frames=$2 rc=$3 profile=$4 gop=$5
    GOP=$gop OUT=$out "$bench" "build/content/$clip" "$frames" "$rc" "$profile" >/dev/null
    echo "$(md5sum <"$out" | cut -c1-32) $clip $frames $rc $profile gop=$gop"
}
for qp in 22 27 32 37; do run vtest_1280x720.y4m 40 "$((qp - 3))/$qp" high 30; done
run vtest_1280x720.y4m 20 27 main 10
run vtest_1280x720.y4m 20 27 baseline 10
run vtest_800x480.y4m 40 cbr:4000 high 30
run vtest_800x480.y4m 20 vbr:2000:3000 main 30
run vtest_176x144.y4m 30 30 high 5
run vtest_640x360.y4m 10 20 high 1
