"""JPEG payloads and the IDE image transfer (VENC channel 3).

A script streams the virtual camera (playing vtest.avi) through img.compress_for_ide();
the host preview serves the IDE frame buffer over HTTP and the OpenMV/CanMV USB debug
protocol on loopback. Checks: a debug-protocol client fetches frame size and frame and
the JPEG decodes strictly; headless Chromium shows the camera scene, changing over time;
channel 3 is refused to scripts while the IDE uses it (and the other way round).
"""

import os
import socket
import struct
import subprocess
import time

import numpy as np
import pytest

from conftest import CONTENT, MICROPYTHON, psnr, read_y4m, require_tool, run_mpy

W, H = 640, 360

STREAM_SCRIPT = """
import time
from media.sensor import *
from media.media import *
s = Sensor()
s.reset()
s.set_framesize(width={w}, height={h}, alignment=12)
s.set_pixformat(Sensor.YUV420SP)
MediaManager.init()
s.run()
for i in range({frames}):
    s.snapshot().compress_for_ide(70)
    time.sleep_ms({interval})
s.stop()
MediaManager.deinit()
print("streamed")
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def streaming(mpy, tmp_path):
    """A running script that publishes IDE frames; yields (http_port, debug_port)."""
    source = CONTENT / f"vtest_{W}x{H}.y4m"
    if not source.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(CONTENT / "vtest_1280x720.y4m"),
                        "-vf", f"scale={W}:{H}", "-pix_fmt", "yuv420p", str(source)], check=True)
    http_port, debug_port = free_port(), free_port()
    script = tmp_path / "stream.py"
    script.write_text(STREAM_SCRIPT.format(w=W, h=H, frames=400, interval=40))
    env = dict(os.environ, CANMV_IDE_PREVIEW=f"{http_port}:{debug_port}", CANMV_SENSOR_SOURCE=str(source))
    proc = subprocess.Popen([str(MICROPYTHON), str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", debug_port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
    yield http_port, debug_port, source
    proc.kill()
    proc.wait()


def usbdbg(conn, cmd, length):
    conn.sendall(bytes([0x30, cmd]) + struct.pack("<I", length))
    data = b""
    while len(data) < length:
        chunk = conn.recv(length - len(data))
        assert chunk, "device closed the debug link"
        data += chunk
    return data


def decode_jpeg_strict(path):
    require_tool("djpeg")
    dj = subprocess.run(["djpeg", "-outfile", os.devnull, str(path)], capture_output=True)
    assert dj.returncode == 0 and not dj.stderr, dj.stderr
    out = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-err_detect", "explode", "-i", str(path),
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True)
    assert out.returncode == 0 and not out.stderr, out.stderr
    return out.stdout


def best_match_psnr(luma, source_frames):
    return max(psnr(luma, f[0]) for f in source_frames)


def test_debug_protocol_fetches_frames(streaming, tmp_path):
    _, debug_port, source = streaming
    _, _, source_frames = read_y4m(source)
    with socket.create_connection(("127.0.0.1", debug_port), timeout=10) as conn:
        major, minor, patch = struct.unpack("<III", usbdbg(conn, 0x80, 12))
        assert major == 2
        assert usbdbg(conn, 0x83, 64).startswith(b"CanMV K230")
        frames = []
        for _ in range(3):
            w, h, size = struct.unpack("<III", usbdbg(conn, 0x81, 12))
            assert (w, h) == (W, H) and size > 1000
            jpeg = usbdbg(conn, 0x82, size)
            assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
            path = tmp_path / f"f{len(frames)}.jpg"
            path.write_bytes(jpeg)
            luma = np.frombuffer(decode_jpeg_strict(path), np.uint8).reshape(H, W)
            frames.append(luma)
            time.sleep(0.5)
    # Real camera pictures (close to some source frame), and the picture moves on.
    assert all(best_match_psnr(f, source_frames) > 30 for f in frames)
    assert any(not np.array_equal(frames[0], f) for f in frames[1:])


def screenshot(url, path, profile):
    require_tool("chromium")
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--window-size={W},{H + 60}", "--hide-scrollbars",
         "--virtual-time-budget=1500", f"--screenshot={path}", url],
        check=True, capture_output=True, timeout=120,
    )
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"crop={W}:{H}:0:0",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(H, W)


def test_preview_page_shows_the_live_camera(streaming, tmp_path):
    http_port, _, source = streaming
    _, _, source_frames = read_y4m(source)
    url = f"http://127.0.0.1:{http_port}/"
    first = screenshot(url, tmp_path / "a.png", tmp_path / "profile-a")
    time.sleep(2)
    second = screenshot(url, tmp_path / "b.png", tmp_path / "profile-b")
    for shot in (first, second):
        assert shot.std() > 20, "the page shows a blank picture"
        # Screenshots go through JPEG and a browser's colour pipeline: a loose match,
        # but far above what an unrelated picture scores (~10 dB).
        assert best_match_psnr(shot, source_frames) > 22
    assert np.mean(np.abs(first.astype(int) - second.astype(int))) > 0.2, "the picture does not change"


def test_channel_3_belongs_to_whoever_has_it(mpy):
    script = """
from media.vencoder import *
from media.sensor import *
from media.media import *
s = Sensor(); s.reset(); s.set_framesize(width=320, height=240, alignment=12)
MediaManager.init(); s.run()
enc = Encoder()
s.snapshot().compress_for_ide(50)
for call in [lambda: enc.SetOutBufs(3, 2, 320, 240), lambda: enc.Create(3, ChnAttrStr(96, 2, 320, 240))]:
    try:
        call(); print("NO EXCEPTION")
    except OSError as e:
        print("refused:", e.args[1])
enc.SetOutBufs(2, 2, 320, 240); enc.Create(2, ChnAttrStr(96, 2, 320, 240)); enc.Destroy(2)
s.stop(); MediaManager.deinit()
# After deinit the IDE channel is closed: scripts may use channel 3 ...
s.set_framesize(width=320, height=240, alignment=12)
enc.SetOutBufs(3, 2, 320, 240); MediaManager.init(); s.run()
enc.Create(3, ChnAttrStr(96, 2, 320, 240))
# ... and then the IDE transfer cannot.
try:
    s.snapshot().compress_for_ide(50); print("NO EXCEPTION")
except OSError as e:
    print("ide refused:", e.args[1])
enc.Destroy(3)
s.snapshot().compress_for_ide(50)
print("ide works again")
"""
    result = run_mpy(script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("refused:") and "IDE image transfer" in lines[0]
    assert lines[1].startswith("refused:") and "IDE image transfer" in lines[1]
    assert lines[2].startswith("ide refused:") and "in use by the script" in lines[2]
    assert lines[3] == "ide works again"


def test_jpeg_channel_quality_rises_and_decodes(mpy, tmp_path, vtest_800x480):
    _, _, source_frames = read_y4m(vtest_800x480)
    script = """
from media.vencoder import *
from media.sensor import *
from media.media import *
s = Sensor(); s.reset(); s.set_framesize(width=800, height=480, alignment=12)
enc = Encoder(); enc.SetOutBufs(1, 2, 800, 480); MediaManager.init()
sd = StreamData()
for q in (10, 45, 90):
    enc.Create(1, ChnAttrStr(K_PT_JPEG, 0, 800, 480, mjpeg_quality_factor=q)); enc.Start(1); s.run()
    img = s.snapshot()
    enc.SendFrame(1, img.frame_info()); enc.GetStream(1, sd)
    assert sd.pack_cnt == 1 and sd.stream_type[0] == K_VENC_I_FRAME
    open("{dir}/q%d.jpg" % q, "wb").write(uctypes.bytearray_at(sd.data[0], sd.data_size[0]))
    enc.ReleaseStream(1, sd); enc.Stop(1); enc.Destroy(1); s.stop()
MediaManager.deinit()
print("ok")
""".replace("{dir}", str(tmp_path))
    result = run_mpy(script, env={"CANMV_SENSOR_SOURCE": str(vtest_800x480)})
    assert result.returncode == 0, result.stderr
    scores = []
    for i, q in enumerate((10, 45, 90)):
        # The camera moves on one source frame per capture.
        luma = np.frombuffer(decode_jpeg_strict(tmp_path / f"q{q}.jpg"), np.uint8).reshape(480, 800)
        scores.append(psnr(luma, source_frames[i][0]))
    assert scores[0] < scores[1] < scores[2], scores
    assert scores[2] > 38, scores
