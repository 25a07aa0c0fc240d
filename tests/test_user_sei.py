"""User data carried as SEI stays locked to its frame.

A script encodes 200 frames, tagging frames 17, 100 and 199 with distinct data through
Encoder.SendUserData. Checks: ffmpeg decodes the stream in strict mode; a parser written
here (independent of the module's) finds each tag in the access unit of its frame and
nowhere else; and the module's own ParseUserData finds it in that frame's GetStream.
"""

import json

from conftest import decode_strict, run_mpy

W, H, FRAMES = 320, 240, 200
TAGS = {17: b"alarm: door opened", 100: b'{"box": [10, 20, 64, 48]}', 199: bytes(range(256)) * 3}
CUSTOM_UUID = bytes(range(16))

SCRIPT = """
import json
from media.vencoder import *
from media.sensor import *
from media.media import *

TAGS = {tags}
sensor = Sensor()
sensor.reset()
sensor.set_framesize(width={w}, height={h}, alignment=12)
sensor.set_pixformat(Sensor.YUV420SP)
enc = Encoder()
enc.SetOutBufs(0, 8, {w}, {h})
MediaManager.init()
enc.Create(0, ChnAttrStr(Encoder.PAYLOAD_TYPE_H264, Encoder.H264_PROFILE_HIGH, {w}, {h}))
enc.Start(0)
sensor.run()
frame = k_video_frame_info()
sd = StreamData()
found = {{}}
with open({path!r}, "wb") as f:
    for i in range({frames}):
        img = sensor.snapshot()
        frame.v_frame.width = img.width()
        frame.v_frame.height = img.height()
        frame.v_frame.pixel_format = Sensor.YUV420SP
        frame.pool_id = img.poolid()
        frame.v_frame.phys_addr[0] = img.phyaddr()
        frame.v_frame.phys_addr[1] = img.phyaddr(1)
        if i in TAGS:
            enc.SendUserData(0, bytes(TAGS[i]))
            if i == 100:
                enc.SendUserData(0, b"second message, own uuid", {uuid!r})
        enc.SendFrame(0, frame)
        enc.GetStream(0, sd)
        packs = b"".join(bytes(uctypes.bytearray_at(sd.data[k], sd.data_size[k])) for k in range(sd.pack_cnt))
        f.write(packs)
        tags = ParseUserData(packs, K_PT_H264, VENC_USER_DATA_UUID)
        if tags:
            found[i] = [list(d) for _, d in tags]
        if i == 100:
            found["100all"] = [[list(u), list(d)] for u, d in ParseUserData(packs)]
            found["100nals"] = [n for _, _, _, n in ParseNalUnits(packs)]
        enc.ReleaseStream(0, sd)
sensor.stop()
enc.Stop(0)
enc.Destroy(0)
MediaManager.deinit()
print("FOUND", json.dumps(found))
"""


def nal_units(data):
    """(type, payload without header) of each NAL unit, unescaped: written for this test."""
    starts = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = data.find(b"\x00\x00\x01", i + 3)
    for k, s in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        nal = data[s:end].rstrip(b"\x00")
        rbsp = bytearray()
        zeros = 0
        for b in nal[1:]:
            if zeros >= 2 and b == 3:
                zeros = 0
                continue
            rbsp.append(b)
            zeros = zeros + 1 if b == 0 else 0
        yield nal[0] & 0x1F, bytes(rbsp)


def sei_messages(rbsp):
    pos = 0
    while pos < len(rbsp) and rbsp[pos:] != b"\x80":
        ptype = 0
        while rbsp[pos] == 0xFF:
            ptype += 255
            pos += 1
        ptype += rbsp[pos]
        pos += 1
        size = 0
        while rbsp[pos] == 0xFF:
            size += 255
            pos += 1
        size += rbsp[pos]
        pos += 1
        yield ptype, rbsp[pos:pos + size]
        pos += size
    assert rbsp[pos:] == b"\x80", "SEI must end in rbsp_trailing_bits"


def test_tags_stay_with_their_frames(mpy, tmp_path):
    stream = tmp_path / "tagged.264"
    script = SCRIPT.format(tags={k: list(v) for k, v in TAGS.items()}, w=W, h=H, path=str(stream),
                           frames=FRAMES, uuid=CUSTOM_UUID)
    result = run_mpy(script, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    found = json.loads(result.stdout.split("FOUND ", 1)[1])

    # The module's own reader, per GetStream.
    assert {int(k): bytes(v[0]) for k, v in found.items() if k.isdigit()} == TAGS
    assert [bytes(u) for u, _ in found["100all"]] == [
        b"\xdbA_v\xe7\x11C\xb8\x8f\x8eT\xb2'\xb9\xd1\x9f", CUSTOM_UUID]
    assert found["100nals"][0] == "SEI" and found["100nals"][-1] == "SLICE"

    # Strict decode of the whole stream.
    assert len(decode_strict(stream, W, H)) == FRAMES

    # Independent check: access unit k (from the k-th picture's first SEI/slice) holds
    # exactly the tags of frame k.
    data = stream.read_bytes()
    au = -1
    seen = {}
    pending_sei = []
    for nal_type, rbsp in nal_units(data):
        if nal_type == 6:
            pending_sei.append(rbsp)
        elif nal_type in (1, 5):
            au += 1
            for sei in pending_sei:
                for ptype, payload in sei_messages(sei):
                    assert ptype == 5
                    seen.setdefault(au, []).append((payload[:16], payload[16:]))
            pending_sei = []
    assert au == FRAMES - 1
    default_uuid = b"\xdbA_v\xe7\x11C\xb8\x8f\x8eT\xb2'\xb9\xd1\x9f"
    expected = {k: [(default_uuid, v)] for k, v in TAGS.items()}
    expected[100].append((CUSTOM_UUID, b"second message, own uuid"))
    assert seen == expected


def test_oversized_user_data_is_refused(mpy):
    script = """
from media.vencoder import *
from media.media import *
enc = Encoder()
enc.SetOutBufs(0, 2, 320, 240)
MediaManager.init()
enc.Create(0, ChnAttrStr(96, 2, 320, 240))
for bad in [(bytes(65537), None), (b"x", b"short-uuid")]:
    try:
        enc.SendUserData(0, *bad)
        print("NO EXCEPTION")
    except ValueError as e:
        print("ValueError", e)
enc.SendUserData(0, bytes(65536))
print("max ok")
"""
    result = run_mpy(script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ValueError") and "65537" in lines[0]
    assert lines[1].startswith("ValueError") and "16 bytes" in lines[1]
    assert lines[2] == "max ok"
