# CanMV's os: the built-in os plus exitpoint(), the hook CanMV scripts call in their
# loops so that a stop request from the IDE ends them with KeyboardInterrupt. On a PC,
# Ctrl-C does that by itself; CANMV_EXITPOINT_AFTER=N raises it at the N-th call, so
# that a script's stop path can be exercised without a keyboard.
from uos import *
import uos

EXITPOINT_DISABLE = 0
EXITPOINT_ENABLE = 1
EXITPOINT_ENABLE_SLEEP = 2

_mode = EXITPOINT_DISABLE
_calls = 0
_after = None


def exitpoint(flag=None):
    global _mode, _calls, _after
    if flag is not None:
        _mode = flag
        _calls = 0
        limit = uos.getenv("CANMV_EXITPOINT_AFTER")
        _after = int(limit) if limit else None
        return None
    _calls += 1
    if _mode != EXITPOINT_DISABLE and _after is not None and _calls >= _after:
        raise KeyboardInterrupt
    return False
