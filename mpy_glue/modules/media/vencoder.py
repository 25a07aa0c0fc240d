# media.vencoder: the VENC API of the CanMV K230 manual. The classes keep the manual's
# shapes (plain attributes, lists of VENC_PACK_CNT_MAX); the native module _vencoder does
# the work and raises ValueError / OSError(code, message) / MemoryError on failure.
import uctypes
import _vencoder

VENC_DEV_ID = 0
VENC_CHN_ID_0 = 0
VENC_CHN_ID_1 = 1
VENC_CHN_ID_2 = 2
VENC_CHN_ID_3 = 3
VENC_CHN_ID_MAX = 4
VENC_MAX_CHN_NUMS = 4
VENC_PACK_CNT_MAX = 12
VENC_ALIGN_4K = 0x1000

VIDEO_ENCODE_MOD_ID = 9
CAMERA_MOD_ID = 6

K_PT_JPEG = 26
K_PT_H264 = 96
K_PT_H265 = 265
K_PT_MJPEG = 1002

K_VENC_RC_MODE_CBR = 1
K_VENC_RC_MODE_VBR = 2
K_VENC_RC_MODE_FIXQP = 3
K_VENC_RC_MODE_MJPEG_FIXQP = 4

K_VENC_P_FRAME = 1
K_VENC_I_FRAME = 2
K_VENC_HEADER = 3


def ALIGN_UP(x, a):
    return (x + a - 1) & ~(a - 1)


class ChnAttrStr:
    # The manual's positional order; the newer firmware's extras and the rate-control
    # choice are keywords (upstream's positional bit_rate would shift gopLen).
    def __init__(self, payloadType, profile, picWidth, picHeight, gopLen=30, *,
                 bit_rate=4000, src_frame_rate=30, dst_frame_rate=30, mjpeg_quality_factor=45,
                 rc_mode=K_VENC_RC_MODE_CBR, max_bit_rate=0, i_qp=28, p_qp=30):
        self.payload_type = payloadType
        self.profile = profile
        self.pic_width = picWidth
        self.pic_height = picHeight
        self.gop_len = gopLen
        self.bit_rate = bit_rate
        self.src_frame_rate = src_frame_rate
        self.dst_frame_rate = dst_frame_rate
        self.mjpeg_quality_factor = mjpeg_quality_factor
        self.rc_mode = rc_mode
        self.max_bit_rate = max_bit_rate
        self.i_qp = i_qp
        self.p_qp = p_qp


class StreamData:
    def __init__(self):
        self.data = [0] * VENC_PACK_CNT_MAX
        self.data_size = [0] * VENC_PACK_CNT_MAX
        self.stream_type = [0] * VENC_PACK_CNT_MAX
        self.phy_addr = [0] * VENC_PACK_CNT_MAX
        self.pts = [0] * VENC_PACK_CNT_MAX
        self.pack_cnt = 0


class Encoder:
    PAYLOAD_TYPE_H264 = K_PT_H264
    PAYLOAD_TYPE_H265 = K_PT_H265
    PAYLOAD_TYPE_JPEG = K_PT_JPEG
    H264_PROFILE_BASELINE = 1
    H264_PROFILE_MAIN = 2
    H264_PROFILE_HIGH = 3
    H265_PROFILE_MAIN = 5
    STREAM_TYPE_HEADER = K_VENC_HEADER
    STREAM_TYPE_I = K_VENC_I_FRAME
    STREAM_TYPE_P = K_VENC_P_FRAME

    def SetOutBufs(self, chn, buf_num, width, height):
        return _vencoder.set_out_bufs(chn, buf_num, width, height)

    def Create(self, chn, chnAttr):
        return _vencoder.create(chn, chnAttr)

    def Start(self, chn):
        return _vencoder.start(chn)

    def SendFrame(self, chn, frame_info, timeout=1000):
        return _vencoder.send_frame(chn, frame_info, timeout)

    # Returns 0 with the packs in streamData, or a non-zero K230 code (pack_cnt 0) when
    # `timeout` ms passed with nothing ready; real failures raise.
    def GetStream(self, chn, streamData, timeout=-1):
        return _vencoder.get_stream(chn, streamData, timeout)

    def ReleaseStream(self, chn, streamData):
        return _vencoder.release_stream(chn, streamData)

    def Stop(self, chn):
        return _vencoder.stop(chn)

    def Destroy(self, chn):
        return _vencoder.destroy(chn)

    # The next picture of the channel is an IDR with parameter sets.
    def RequestIDR(self, chn):
        return _vencoder.request_idr(chn)

    # Carry `data` (up to 64 KiB) in the next picture of the channel, as a
    # user_data_unregistered SEI message tagged with `uuid` (16 bytes; default
    # VENC_USER_DATA_UUID). It arrives in the GetStream of that very picture, so an event
    # stays locked to its frame. Call it before the SendFrame (or, with a bound sensor,
    # the GetStream) of that picture; several calls add several messages.
    def SendUserData(self, chn, data, uuid=None):
        return _vencoder.send_user_data(chn, data, uuid)


# canmv-vencoder's UUID for user data (db415f76-e711-43b8-8f8e-54b227b9d19f).
VENC_USER_DATA_UUID = b"\xdbA_v\xe7\x11C\xb8\x8f\x8eT\xb2'\xb9\xd1\x9f"
SEI_USER_DATA_UNREGISTERED = 5


# The NAL units of an Annex B buffer (a pack, a GetStream's packs joined, a file):
# [(offset, size, nal_type, name)], offset/size of the NAL unit without start code.
def ParseNalUnits(buf, payload_type=K_PT_H264):
    return _vencoder.nal_units(buf, payload_type)


# The sei_message()s of one SEI NAL unit: [(payload_type, payload bytes)].
def ParseSeiMessages(nal, payload_type=K_PT_H264):
    return _vencoder.sei_messages(nal, payload_type)


# Every user_data_unregistered message in an Annex B buffer: [(uuid, data)], in stream
# order; `uuid` filters to one UUID (e.g. VENC_USER_DATA_UUID).
def ParseUserData(buf, payload_type=K_PT_H264, uuid=None):
    sei_types = (6,) if payload_type == K_PT_H264 else (39, 40)
    found = []
    view = memoryview(buf)
    for offset, size, nal_type, _ in _vencoder.nal_units(buf, payload_type):
        if nal_type not in sei_types:
            continue
        for ptype, payload in _vencoder.sei_messages(view[offset:offset + size], payload_type):
            if ptype == SEI_USER_DATA_UNREGISTERED and len(payload) >= 16:
                if uuid is None or payload[:16] == uuid:
                    found.append((payload[:16], payload[16:]))
    return found


_U32 = uctypes.UINT32
_U64 = uctypes.UINT64
_S16 = uctypes.INT16

# k_video_frame of the K230 SDK (216 bytes), with k_video_frame_info around it (224).
_K_VIDEO_FRAME = {
    "width": 0 | _U32,
    "height": 4 | _U32,
    "field": 8 | _U32,
    "pixel_format": 12 | _U32,
    "video_format": 16 | _U32,
    "dynamic_range": 20 | _U32,
    "compress_mode": 24 | _U32,
    "color_gamut": 28 | _U32,
    "header_stride": (32 | uctypes.ARRAY, 3 | _U32),
    "stride": (44 | uctypes.ARRAY, 3 | _U32),
    "header_phys_addr": (56 | uctypes.ARRAY, 3 | _U64),
    "header_virt_addr": (80 | uctypes.ARRAY, 3 | _U64),
    "phys_addr": (104 | uctypes.ARRAY, 3 | _U64),
    "virt_addr": (128 | uctypes.ARRAY, 3 | _U64),
    "offset_top": 152 | _S16,
    "offset_bottom": 154 | _S16,
    "offset_left": 156 | _S16,
    "offset_right": 158 | _S16,
    "time_ref": 160 | _U32,
    "pts": 168 | _U64,
    "priv_data": 176 | _U64,
    "supplement": (184 | uctypes.ARRAY, 4 | _U64),
}

_K_VIDEO_FRAME_INFO = {
    "v_frame": (0, _K_VIDEO_FRAME),
    "pool_id": 216 | _U32,
    "mod_id": 220 | _U32,
}


def k_video_frame_info():
    # The struct keeps the buffer alive: its address points at the buffer's storage,
    # which the GC sees as a reference.
    buf = bytearray(_vencoder.FRAME_INFO_SIZE)
    return uctypes.struct(uctypes.addressof(buf), _K_VIDEO_FRAME_INFO, uctypes.NATIVE)
