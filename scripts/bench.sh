#!/usr/bin/env bash
# Benchmarks (not tests): each runs ours next to the reference in the same run, so the
# ratios are comparable on any machine. Numbers go into the README and closing notes.
#   - H.264 / H.265 vs x264 / x265 ultrafast, one thread: fps and BD-rate over 4 QPs,
#     at 720p and at the K230 example's 800x480 (real surveillance content);
#   - JPEG vs libjpeg-turbo's tjbench (megapixels per second);
#   - start-code scanning and unescaping vs memchr::memmem (GB/s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch_content.sh >/dev/null
for clip in vtest_1280x720 vtest_800x480; do
    echo "== vencbench $clip"
    cargo run -q --release --example vencbench -- "build/content/$clip.y4m" 60
done
echo "== jpegbench"
cargo run -q --release --example jpegbench
echo "== bitbench"
scripts/bitbench.sh
