# media.media on a PC: MediaManager over the simulator's VB and binding.
import _vsim


class _Link:
    # A sensor→encoder binding; destroy() (or garbage collection, or
    # MediaManager.deinit()) unbinds it.
    def __init__(self, src, dst):
        _vsim.bind(src, dst)
        self.src = tuple(src)
        self.dst = tuple(dst)
        self._bound = True

    def destroy(self):
        if self._bound:
            self._bound = False
            _vsim.unbind(self.src, self.dst)

    def __del__(self):
        try:
            self.destroy()
        except Exception:
            pass  # already gone with MediaManager.deinit()


class MediaManager:
    @staticmethod
    def init():
        _vsim.media_init()

    @staticmethod
    def deinit():
        _vsim.media_deinit()

    @staticmethod
    def link(src, dst):
        return _Link(src, dst)
