# media.sensor on a PC: a virtual camera with the CanMV Sensor API. Frames land in
# simulated VB memory laid out like a K230 sensor channel's (alignment=12 puts the UV
# plane at the next 4 KiB boundary). The picture is a moving synthetic scene, or a .y4m
# file: set_source(path), or the CANMV_SENSOR_SOURCE environment variable.
import os
import _vsim
import _vencoder
from media.vencoder import CAMERA_MOD_ID, k_video_frame_info

CAM_CHN_ID_0 = 0
CAM_CHN_ID_1 = 1
CAM_CHN_ID_2 = 2
CAM_CHN_ID_MAX = 3

_FRAME_SIZES = {
    # framesize constant: (width, height)
    1: (320, 240),
    2: (640, 480),
    3: (1280, 720),
    4: (1920, 1080),
}


class _Image:
    # What snapshot() returns: a frame in VB memory, valid until the next snapshot.
    def __init__(self, info):
        self._phys, self._virt, self._pool, self._w, self._h, self._fmt, self._uv = info

    def width(self):
        return self._w

    def height(self):
        return self._h

    def format(self):
        return self._fmt

    def phyaddr(self, plane=0):
        return self._phys + (self._uv if plane else 0)

    def virtaddr(self, plane=0):
        return self._virt + (self._uv if plane else 0)

    def poolid(self):
        return self._pool

    def size(self):
        return self._uv + self._w * self._h // 2

    # The k_video_frame_info that SendFrame takes for this image.
    def frame_info(self):
        info = k_video_frame_info()
        info.v_frame.width = self._w
        info.v_frame.height = self._h
        info.v_frame.pixel_format = self._fmt
        info.v_frame.phys_addr[0] = self._phys
        info.v_frame.phys_addr[1] = self._phys + self._uv
        info.pool_id = self._pool
        return info

    # JPEG-encode the image on VENC channel 3 and publish it to the IDE frame buffer
    # (quality clamped to 10..99). With CANMV_IDE_PREVIEW=http_port:debug_port set,
    # the first call starts the host preview (see ide_preview).
    def compress_for_ide(self, quality=50):
        _vencoder.ide_compress(self.frame_info(), quality)
        import ide_preview
        ide_preview.autostart()
        return self


class Sensor:
    YUV420SP = 31
    RGB888 = 3
    RGBP888 = 5
    GRAYSCALE = 303
    QVGA = 1
    VGA = 2
    HD = 3
    FHD = 4

    def __init__(self, id=0, **kwargs):
        self._dev = id
        self._size = {}
        self._fmt = {}

    def _apply_source(self):
        _vsim.sensor_set_source(self._dev, os.getenv("CANMV_SENSOR_SOURCE") or None)

    def reset(self):
        _vsim.sensor_reset(self._dev)
        self._apply_source()

    # Host extension: take frames from a .y4m file (None: the synthetic scene).
    def set_source(self, path):
        _vsim.sensor_set_source(self._dev, path)

    def set_framesize(self, framesize=0, chn=CAM_CHN_ID_0, alignment=0, **kwargs):
        if "width" in kwargs or "height" in kwargs:
            w, h = kwargs.get("width"), kwargs.get("height")
            if w is None or h is None:
                raise ValueError("set_framesize needs both width= and height=")
        elif framesize in _FRAME_SIZES:
            w, h = _FRAME_SIZES[framesize]
        else:
            raise ValueError("set_framesize needs a framesize constant or width= and height=")
        _vsim.sensor_set_framesize(self._dev, chn, w, h, alignment)
        self._size[chn] = (w, h)

    def set_pixformat(self, pix_format, chn=CAM_CHN_ID_0):
        _vsim.sensor_set_pixformat(self._dev, chn, pix_format)
        self._fmt[chn] = pix_format

    def width(self, chn=CAM_CHN_ID_0):
        return self._size.get(chn, (0, 0))[0]

    def height(self, chn=CAM_CHN_ID_0):
        return self._size.get(chn, (0, 0))[1]

    def bind_info(self, x=0, y=0, chn=CAM_CHN_ID_0):
        if chn not in self._size:
            raise ValueError("camera channel %d has no frame size: call set_framesize first" % chn)
        w, h = self._size[chn]
        return {
            "src": (CAMERA_MOD_ID, self._dev, chn),
            "rect": (x, y, w, h),
            "pix_format": self._fmt.get(chn, Sensor.YUV420SP),
        }

    def run(self):
        _vsim.sensor_run(self._dev)

    def stop(self):
        _vsim.sensor_stop(self._dev)

    def snapshot(self, chn=CAM_CHN_ID_0):
        return _Image(_vsim.sensor_snapshot(self._dev, chn))
