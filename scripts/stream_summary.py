#!/usr/bin/env python3
"""Summarise an Annex B H.264/H.265 stream: what a user wants to see after a run.

Prints the decoder's view (ffprobe), NAL unit counts, the GOP structure and bitrate, and
writes a contact sheet of decoded frames (PNG) with ffmpeg.
"""

import argparse
import json
import subprocess
import sys
from collections import Counter

H264_NAMES = {1: "slice", 5: "IDR", 6: "SEI", 7: "SPS", 8: "PPS", 9: "AUD"}
H265_NAMES = {1: "TRAIL_R", 19: "IDR_W_RADL", 20: "IDR_N_LP", 21: "CRA", 32: "VPS", 33: "SPS", 34: "PPS",
              35: "AUD", 39: "PREFIX_SEI", 40: "SUFFIX_SEI"}


def nal_units(data):
    """(type byte offset, header byte(s)) of each NAL unit."""
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        start = i + 3
        nxt = data.find(b"\x00\x00\x01", start)
        end = len(data) if nxt < 0 else nxt - (1 if data[nxt - 1] == 0 else 0)
        yield start, end
        i = nxt


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("stream")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--sheet", help="write a contact sheet of decoded frames to this PNG")
    args = ap.parse_args()

    data = open(args.stream, "rb").read()
    codec = "h265" if args.stream.endswith(".265") else "h264"
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-count_frames", "-of", "json", args.stream],
        capture_output=True, text=True, check=True).stdout)["streams"][0]
    print(f"stream        {args.stream} ({len(data)} bytes)")
    print(f"codec         {probe['codec_name']} {probe.get('profile', '?')} level {probe.get('level', '?')}")
    print(f"size          {probe['width']}x{probe['height']}  frame rate {probe.get('r_frame_rate')}")
    print(f"frames        {probe.get('nb_read_frames')} decoded by ffmpeg")

    counts = Counter()
    pictures = []
    for start, end in nal_units(data):
        t = data[start] & 0x1F if codec == "h264" else (data[start] >> 1) & 0x3F
        name = (H264_NAMES if codec == "h264" else H265_NAMES).get(t, str(t))
        counts[name] += 1
        is_picture = t in (1, 5) if codec == "h264" else t < 32
        if is_picture:
            is_idr = t == 5 if codec == "h264" else t in (19, 20)
            pictures.append(("I" if is_idr else "P", end - start))
    print("NAL units     " + ", ".join(f"{n} {c}" for n, c in sorted(counts.items())))
    idrs = [i for i, (kind, _) in enumerate(pictures) if kind == "I"]
    gaps = sorted({b - a for a, b in zip(idrs, idrs[1:])})
    print(f"IDR pictures  {len(idrs)} at {idrs[:8]}{' ...' if len(idrs) > 8 else ''}; spacing {gaps}")
    if pictures:
        seconds = len(pictures) / args.fps
        i_sizes = [s for k, s in pictures if k == "I"]
        p_sizes = [s for k, s in pictures if k == "P"]
        print(f"bitrate       {len(data) * 8 / seconds / 1000:.0f} kbit/s at {args.fps:g} fps")
        if i_sizes:
            print(f"I pictures    mean {sum(i_sizes) / len(i_sizes) / 1024:.1f} KiB")
        if p_sizes:
            print(f"P pictures    mean {sum(p_sizes) / len(p_sizes) / 1024:.1f} KiB")

    if args.sheet:
        # Every 25th frame, 4 across, each scaled to 320 wide.
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", args.stream, "-vf",
                        "select='not(mod(n\\,25))',scale=320:-2,tile=4x2", "-frames:v", "1", args.sheet],
                       check=True)
        print(f"contact sheet {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
