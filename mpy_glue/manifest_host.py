# Frozen Python of the host MicroPython (unix port), used by scripts/build.sh as
# FROZEN_MANIFEST. Paths are relative to this file. The two roots both contribute to the
# `media` package: frozen modules are looked up by path ("media/sensor.py"), so files of
# one package from two roots merge (checked by scripts/build.sh's smoke test).
include("manifest_firmware.py")
# Host-only: media.sensor, media.media and an os.py that extends the built-in os (uos)
# with CanMV's exitpoint(); on the board the firmware provides these.
freeze("host/modules")
# What the unix standard variant freezes and needs no missing submodule.
include("$(MPY_DIR)/extmod/asyncio")
