#!/usr/bin/env bash
# The main job: set up, build the host MicroPython with media.vencoder, run the VENC
# manual's example 2 unchanged on the virtual camera (playing the surveillance clip
# vtest.avi), and show what came out: a stream summary and a picture of decoded frames.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
scripts/fetch_content.sh

out=build/demo
mkdir -p "$out"
rm -f "$out/test.264"
echo "== running examples/stream_venc_test.py (800x480, 200 frames) =="
CANMV_SENSOR_SOURCE="$PWD/build/content/vtest_800x480.y4m" build/micropython -X heapsize=64M -c "
import sys
sys.path.insert(0, 'examples')
import stream_venc_test
stream_venc_test.stream_venc_test('$out/test.264', 800, 480)
" | tail -n 4
echo "== what came out =="
python3 scripts/stream_summary.py "$out/test.264" --sheet "$out/frames.png"
echo "Play it with: ffplay $out/test.264"
