# MicroPython user C module (make-based ports: unix, ...). USER_C_MODULES points at the
# parent folder of this repo (scripts/build.sh makes build/usermods/canmv_vencoder a
# symlink to the repo root), so this file is picked up with USERMOD_DIR = the repo root.
VENC_MOD_DIR := $(USERMOD_DIR)

# The Rust core, built beforehand as a staticlib (scripts/build.sh; on firmware, cross-built
# for the board's target). Override VENC_RUST_LIB to link another build of it.
VENC_RUST_LIB ?= $(VENC_MOD_DIR)/target/release/libcanmv_vencoder.a

# _vencoder: the firmware+host glue. Only SRC_USERMOD_C files are scanned for qstrs.
SRC_USERMOD_C += $(VENC_MOD_DIR)/mpy_glue/vencoder.c
CFLAGS_USERMOD += -I$(VENC_MOD_DIR)/mpy_glue

# Host MicroPython (unix port): the simulated platform (_vsim). scripts/build.sh passes
# VENC_HOST_RUNTIME=1; the staticlib is then built with the `host` feature, which uses
# libc (pread, clock) and wants -lrt -lpthread (`--print native-static-libs`).
ifeq ($(VENC_HOST_RUNTIME),1)
SRC_USERMOD_C += $(VENC_MOD_DIR)/mpy_glue/host/vsim.c
CFLAGS_USERMOD += -DVENC_HOST_RUNTIME=1
VENC_RUST_SYSLIBS ?= -lm -lrt -lpthread
else
VENC_RUST_SYSLIBS ?= -lm
endif

LDFLAGS_USERMOD += $(VENC_RUST_LIB) $(VENC_RUST_SYSLIBS)
