"""Shared fixtures: the host MicroPython with the module, real decoders, test content.

Everything here fails loudly when a tool or a build product is missing: scripts/setup.sh
and scripts/build.sh provide them, and a missing one is a broken set-up, not a skip.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
MICROPYTHON = BUILD / "micropython"
CONTENT = BUILD / "content"
EXAMPLES = ROOT / "examples"


def require_tool(name):
    path = shutil.which(name)
    assert path, f"{name} is not installed: run scripts/setup.sh"
    return path


@pytest.fixture(scope="session")
def mpy():
    assert MICROPYTHON.exists(), f"{MICROPYTHON} is missing: run scripts/build.sh"
    return MICROPYTHON


def run_mpy(code, env=None, timeout=600, cwd=None):
    """Run MicroPython code on the host interpreter; return the CompletedProcess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [str(MICROPYTHON), "-X", "heapsize=64M", "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,
    )


@pytest.fixture(scope="session")
def vtest_800x480():
    path = CONTENT / "vtest_800x480.y4m"
    assert path.exists(), f"{path} is missing: run scripts/fetch_content.sh"
    return path


def read_y4m(path):
    """Frames of an 8-bit 4:2:0 y4m file as (Y, U, V) numpy arrays."""
    data = Path(path).read_bytes()
    header_end = data.index(b"\n")
    fields = data[:header_end].split()
    width = int(next(f[1:] for f in fields if f.startswith(b"W")))
    height = int(next(f[1:] for f in fields if f.startswith(b"H")))
    frames = []
    pos = header_end + 1
    ysize, csize = width * height, (width // 2) * (height // 2)
    while pos < len(data):
        pos = data.index(b"\n", pos) + 1
        raw = np.frombuffer(data, np.uint8, ysize + 2 * csize, pos)
        frames.append(split_i420(raw, width, height))
        pos += ysize + 2 * csize
    return width, height, frames


def split_i420(raw, width, height):
    ysize, csize = width * height, (width // 2) * (height // 2)
    y = raw[:ysize].reshape(height, width)
    u = raw[ysize:ysize + csize].reshape(height // 2, width // 2)
    v = raw[ysize + csize:ysize + 2 * csize].reshape(height // 2, width // 2)
    return y, u, v


def decode_strict(stream_path, width, height):
    """Decode with ffmpeg in strict mode (any bitstream error fails; for H.265 the
    decoded-picture-hash SEI is checked too, and libde265 must agree); return frames."""
    require_tool("ffmpeg")
    hevc = str(stream_path).endswith(".265")
    if hevc:
        dec265 = shutil.which("libde265-dec265") or shutil.which("dec265")
        assert dec265, "libde265-dec265 is not installed: run scripts/setup.sh"
        check = subprocess.run([dec265, "-q", "-c", str(stream_path)], capture_output=True, timeout=600)
        assert check.returncode == 0, f"libde265 rejected {stream_path}: {check.stderr.decode(errors='replace')}"
    explode = "crccheck+explode" if hevc else "explode"
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-err_detect", explode, "-i", str(stream_path),
         "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        capture_output=True,
        timeout=600,
    )
    assert out.returncode == 0, f"ffmpeg rejected {stream_path}: {out.stderr.decode(errors='replace')}"
    assert not out.stderr.strip(), f"ffmpeg complained: {out.stderr.decode(errors='replace')}"
    frame_bytes = width * height * 3 // 2
    assert len(out.stdout) % frame_bytes == 0, "decoded size is not whole frames of the expected size"
    raw = np.frombuffer(out.stdout, np.uint8)
    return [split_i420(raw[i:i + frame_bytes], width, height) for i in range(0, len(raw), frame_bytes)]


def probe_stream(stream_path):
    """ffprobe's view of the first video stream (width, height, profile, ...)."""
    require_tool("ffprobe")
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,profile,level", "-of", "default=nw=1", str(stream_path)],
        capture_output=True, text=True, check=True,
    )
    return dict(line.split("=", 1) for line in out.stdout.split())


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def plane_psnr(decoded, source):
    """Mean PSNR per plane (Y, U, V) over paired frames."""
    n = min(len(decoded), len(source))
    return [float(np.mean([psnr(decoded[i][p], source[i][p]) for i in range(n)])) for p in range(3)]


def annexb_nal_types(data, codec="h264"):
    """NAL unit types of an Annex B byte string, in order."""
    types = []
    i = 0
    n = len(data)
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= n:
            return types
        header = data[i + 3]
        types.append(header & 0x1F if codec == "h264" else (header >> 1) & 0x3F)
        i += 3
