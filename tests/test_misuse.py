"""Misuse answers with a clear Python exception and leaves the interpreter (and the
channel) usable: each case runs in a fresh host interpreter, checks the exception type
and message, then proves the process is alive and the module still works."""

import pytest

from conftest import run_mpy

PRELUDE = """
from media.vencoder import *
from media.sensor import *
from media.media import *
def attempt(fn, *args):
    try:
        fn(*args)
    except Exception as e:
        print("EXC", type(e).__name__, repr(e.args))
        return
    print("NO EXCEPTION")
enc = Encoder()
attr = ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_MAIN, 320, 240)
"""

# Afterwards the channel must still encode: a full Create/Start/Send/Get/Release cycle.
EPILOGUE = """
def works():
    for c in range(4):
        try:
            enc.Stop(c)
        except Exception:
            pass
        try:
            enc.Destroy(c)
        except Exception:
            pass
    MediaManager.deinit()
    s = Sensor()
    s.reset()
    s.set_framesize(width=320, height=240, alignment=12)
    s.set_pixformat(Sensor.YUV420SP)
    enc.SetOutBufs(0, 4, 320, 240)
    MediaManager.init()
    enc.Create(0, attr)
    enc.Start(0)
    s.run()
    img = s.snapshot()
    fi = k_video_frame_info()
    fi.v_frame.width = 320
    fi.v_frame.height = 240
    fi.v_frame.pixel_format = Sensor.YUV420SP
    fi.pool_id = img.poolid()
    fi.v_frame.phys_addr[0] = img.phyaddr()
    fi.v_frame.phys_addr[1] = img.phyaddr(1)
    enc.SendFrame(0, fi)
    sd = StreamData()
    assert enc.GetStream(0, sd) == 0 and sd.pack_cnt == 2
    enc.ReleaseStream(0, sd)
    s.stop()
    enc.Stop(0)
    enc.Destroy(0)
    MediaManager.deinit()
    print("STILL WORKS")
works()
"""

READY = """
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width=320, height=240, alignment=12)
sensor.set_pixformat(Sensor.YUV420SP)
enc.SetOutBufs(0, 4, 320, 240)
MediaManager.init()
enc.Create(0, attr)
enc.Start(0)
sensor.run()
frame = k_video_frame_info()
img = sensor.snapshot()
frame.v_frame.width = 320
frame.v_frame.height = 240
frame.v_frame.pixel_format = Sensor.YUV420SP
frame.pool_id = img.poolid()
frame.v_frame.phys_addr[0] = img.phyaddr()
frame.v_frame.phys_addr[1] = img.phyaddr(1)
sd = StreamData()
"""

CASES = {
    "channel_minus_one": ("attempt(enc.SetOutBufs, -1, 4, 320, 240)", "ValueError", "channel -1"),
    "channel_four": ("attempt(enc.Create, 4, attr)", "ValueError", "channel 4"),
    "channel_four_start": ("attempt(enc.Start, 4)", "ValueError", "channel 4"),
    "create_before_setoutbufs": ("MediaManager.init()\nattempt(enc.Create, 1, attr)", "OSError", "SetOutBufs"),
    "create_before_media_init": ("enc.SetOutBufs(1, 4, 320, 240)\nattempt(enc.Create, 1, attr)", "OSError",
                                 "MediaManager.init"),
    "start_before_create": ("attempt(enc.Start, 2)", "OSError", "not created"),
    "getstream_on_stopped_channel": (READY + "enc.Stop(0)\nattempt(enc.GetStream, 0, sd)", "OSError",
                                     "not started"),
    "getstream_never_started": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\nenc.Create(1, attr)\n"
                                "attempt(enc.GetStream, 1, StreamData())", "OSError", "not started"),
    "getstream_nothing_to_wait_for": (READY + "attempt(enc.GetStream, 0, sd)", "OSError", "wait forever"),
    "release_stream_twice": (READY + "enc.SendFrame(0, frame)\nenc.GetStream(0, sd)\nenc.ReleaseStream(0, sd)\n"
                             "attempt(enc.ReleaseStream, 0, sd)", "OSError", "already released"),
    "release_empty_stream": (READY + "attempt(enc.ReleaseStream, 0, sd)", "ValueError", "pack_cnt"),
    "destroy_with_unreleased_stream": (READY + "enc.SendFrame(0, frame)\nenc.GetStream(0, sd)\n"
                                       "enc.Stop(0)\nattempt(enc.Destroy, 0)\nenc.ReleaseStream(0, sd)",
                                       "OSError", "ReleaseStream"),
    "chn_as_string": ("attempt(enc.Start, '0')", "TypeError", "chn must be an int"),
    "attr_not_chnattr": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\nattempt(enc.Create, 1, None)",
                         "TypeError", "ChnAttrStr"),
    "width_as_string": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\nbad = ChnAttrStr(96, 2, 320, 240)\n"
                        "bad.pic_width = '320'\nattempt(enc.Create, 1, bad)", "TypeError", "pic_width"),
    "frame_info_wrong_type": (READY + "attempt(enc.SendFrame, 0, 12345)", "TypeError", "k_video_frame_info"),
    "width_zero": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\n"
                   "attempt(enc.Create, 1, ChnAttrStr(96, 2, 0, 240))", "ValueError", "0x240"),
    "width_odd": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\n"
                  "attempt(enc.Create, 1, ChnAttrStr(96, 2, 319, 240))", "ValueError", "319x240"),
    "h264_with_h265_profile": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\n"
                               "attempt(enc.Create, 1, ChnAttrStr(96, Encoder.H265_PROFILE_MAIN, 320, 240))",
                               "ValueError", "profile 5"),
    "h265_with_h264_profile": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\n"
                               "attempt(enc.Create, 1, ChnAttrStr(265, Encoder.H264_PROFILE_HIGH, 320, 240))",
                               "ValueError", "profile 3"),
    "unknown_payload": ("enc.SetOutBufs(1, 4, 320, 240)\nMediaManager.init()\n"
                        "attempt(enc.Create, 1, ChnAttrStr(7, 1, 320, 240))", "ValueError", "payload_type 7"),
    "buffers_too_small_for_picture": ("enc.SetOutBufs(1, 4, 160, 120)\nMediaManager.init()\n"
                                      "attempt(enc.Create, 1, attr)", "ValueError", "SetOutBufs"),
    "bogus_phys_address": (READY + "frame.v_frame.phys_addr[0] = 0x1234000\nattempt(enc.SendFrame, 0, frame)",
                           "OSError", "not in an allocated VB block"),
    "misaligned_phys_address": (READY + "frame.v_frame.phys_addr[1] = img.phyaddr() + 320 * 240\n"
                                "attempt(enc.SendFrame, 0, frame)", "OSError", "not 4 KiB aligned"),
    "frame_size_mismatch": (READY + "frame.v_frame.width = 640\nattempt(enc.SendFrame, 0, frame)", "ValueError",
                            "640x240"),
    "output_buffers_full": (READY + "for i in range(4):\n    enc.SendFrame(0, frame)\n"
                            "attempt(enc.SendFrame, 0, frame, 0)\nprint('code', enc.SendFrame(0, frame, 0))",
                            "NO EXCEPTION", "code -"),
    "getstream_poll_returns_code": (READY + "print('code', enc.GetStream(0, sd, 0), sd.pack_cnt)",
                                    "", "code -1609990130 0"),
    "deinit_with_live_channel": (READY + "attempt(MediaManager.deinit)", "OSError", "Destroy"),
    "sensor_run_before_media_init": ("s = Sensor()\ns.reset()\ns.set_framesize(width=320, height=240)\n"
                                     "attempt(s.run)", "OSError", "MediaManager.init"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misuse_raises_clear_exception(mpy, case):
    body, exc_type, message = CASES[case]
    result = run_mpy(PRELUDE + body + "\n" + EPILOGUE, timeout=120)
    assert result.returncode == 0, f"interpreter died: {result.stderr}\n{result.stdout}"
    lines = result.stdout.splitlines()
    if exc_type == "NO EXCEPTION":
        assert "NO EXCEPTION" in lines
    elif exc_type:
        exc_lines = [line for line in lines if line.startswith("EXC ")]
        assert exc_lines, f"no exception raised:\n{result.stdout}"
        assert exc_lines[0].startswith(f"EXC {exc_type} "), exc_lines[0]
        assert message in exc_lines[0], exc_lines[0]
    if exc_type in ("", "NO EXCEPTION"):
        assert any(message in line for line in lines), result.stdout
    assert lines[-1] == "STILL WORKS", result.stdout
