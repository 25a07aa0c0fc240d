"""The manual's two example scripts, run unchanged on the host interpreter.

Each script is imported from examples/ and its function called with a temporary path in
place of /sdcard/...; the virtual camera plays the real surveillance clip vtest.avi
(800x480), so the decoded pictures can be compared with the source.
"""

import re

import pytest

from conftest import (EXAMPLES, annexb_nal_types, decode_strict, plane_psnr, probe_stream, read_y4m,
                      run_mpy)

WIDTH, HEIGHT, FRAMES, GOP = 800, 480, 200, 30
EXAMPLE_FUNCS = {"vi_bind_venc_test": "vi_bind_venc_test", "stream_venc_test": "stream_venc_test"}


def run_example(module, stream_path, source, extra_env=None, example_dir=EXAMPLES):
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(example_dir)!r})\n"
        f"import {module}\n"
        f"{module}.{EXAMPLE_FUNCS[module]}({str(stream_path)!r}, {WIDTH}, {HEIGHT})\n"
    )
    env = {"CANMV_SENSOR_SOURCE": str(source)}
    env.update(extra_env or {})
    return run_mpy(code, env=env)


@pytest.fixture(scope="module")
def source_frames(vtest_800x480):
    width, height, frames = read_y4m(vtest_800x480)
    assert (width, height) == (WIDTH, HEIGHT)
    return frames


# NAL unit types per codec: parameter sets in header order, IDR, other pictures.
CODECS = {
    "264": {"name": "h264", "profile": "Main", "params": [7, 8], "idr": (5,), "pictures": (1, 5)},
    "265": {"name": "hevc", "profile": "Main", "params": [32, 33, 34], "idr": (19, 20),
            "pictures": (0, 1, 19, 20, 21)},
}


@pytest.mark.parametrize("suffix", sorted(CODECS))
@pytest.mark.parametrize("module", sorted(EXAMPLE_FUNCS))
def test_example_writes_a_valid_stream(mpy, tmp_path, vtest_800x480, source_frames, module, suffix):
    codec = CODECS[suffix]
    stream = tmp_path / f"test.{suffix}"
    result = run_example(module, stream, vtest_800x480)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout, result.stdout[-2000:]
    assert "venc_test stop" in result.stdout

    # What the script printed: one line per pack, the first a HEADER (type 3).
    packs = [(int(s), int(t)) for s, t in re.findall(r"stream size:\s+(\d+) stream type:\s+(\d+)", result.stdout)]
    assert packs[0][1] == 3, f"first pack is type {packs[0][1]}, not HEADER"
    picture_types = [t for _, t in packs if t != 3]
    assert len(picture_types) == FRAMES
    assert sum(size for size, _ in packs) == stream.stat().st_size

    data = stream.read_bytes()
    info = probe_stream(stream)
    assert (info["codec_name"], int(info["width"]), int(info["height"])) == (codec["name"], WIDTH, HEIGHT)
    assert info["profile"] == codec["profile"]

    # An IDR (with its parameter sets before it) every GOP pictures, P pictures between.
    kinds = set(codec["params"]) | set(codec["pictures"])
    nals = [t for t in annexb_nal_types(data, codec["name"].replace("hevc", "h265")) if t in kinds]
    pictures = [t for t in nals if t in codec["pictures"]]
    assert len(pictures) == FRAMES
    idr_positions = [i for i, t in enumerate(pictures) if t in codec["idr"]]
    assert idr_positions == list(range(0, FRAMES, GOP))
    assert picture_types == [2 if i % GOP == 0 else 1 for i in range(FRAMES)]
    n_params = len(codec["params"])
    for i, t in enumerate(nals):
        if t in codec["idr"]:
            assert nals[i - n_params:i] == codec["params"], "IDR without its parameter sets before it"

    decoded = decode_strict(stream, WIDTH, HEIGHT)
    assert len(decoded) == FRAMES
    y, u, v = plane_psnr(decoded, source_frames)
    assert y > 32 and u > 36 and v > 36, f"PSNR Y {y:.2f} U {u:.2f} V {v:.2f} dB"


def test_wrong_uv_offset_is_detected(mpy, tmp_path, vtest_800x480, source_frames):
    # A copy of example 2 that points the UV plane one 4 KiB page too early (still inside
    # the frame's block): the stream is
    # still valid, so only the colour check can notice; it must.
    script = (EXAMPLES / "stream_venc_test.py").read_text(encoding="utf-8")
    broken = script.replace("frame_info.v_frame.width*frame_info.v_frame.height + 1024",
                            "frame_info.v_frame.width*frame_info.v_frame.height + 1024 - 4096")
    assert broken != script
    (tmp_path / "broken_uv.py").write_text(broken, encoding="utf-8")
    EXAMPLE_FUNCS["broken_uv"] = "stream_venc_test"
    try:
        stream = tmp_path / "broken.264"
        result = run_example("broken_uv", stream, vtest_800x480, example_dir=tmp_path)
    finally:
        del EXAMPLE_FUNCS["broken_uv"]
    assert result.returncode == 0, result.stderr
    decoded = decode_strict(stream, WIDTH, HEIGHT)
    y, u, v = plane_psnr(decoded, source_frames)
    assert y > 32, "luma must be unaffected"
    assert min(u, v) < 30, f"a shifted UV plane went unnoticed: U {u:.2f} V {v:.2f} dB"


def test_keyboard_interrupt_path_cleans_up(mpy, tmp_path, vtest_800x480):
    # os.exitpoint() raising KeyboardInterrupt mid-run (as the IDE's stop does): the
    # script's own except/cleanup path must leave the stream decodable and the
    # channel destroyed, so a second run in the same process works.
    stream1, stream2 = tmp_path / "a.264", tmp_path / "b.264"
    code = (
        "import sys, os\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "import stream_venc_test\n"
        "os.exitpoint(os.EXITPOINT_ENABLE)\n"
        f"stream_venc_test.stream_venc_test({str(stream1)!r}, {WIDTH}, {HEIGHT})\n"
        "os.exitpoint(os.EXITPOINT_DISABLE)\n"
        f"stream_venc_test.stream_venc_test({str(stream2)!r}, {WIDTH}, {HEIGHT})\n"
    )
    result = run_mpy(code, env={"CANMV_SENSOR_SOURCE": str(vtest_800x480), "CANMV_EXITPOINT_AFTER": "25"})
    assert result.returncode == 0, result.stderr
    assert "user stop" in result.stdout
    assert result.stdout.count("venc_test stop") == 2
    assert len(decode_strict(stream1, WIDTH, HEIGHT)) == 24
    assert len(decode_strict(stream2, WIDTH, HEIGHT)) == FRAMES
