#!/usr/bin/env bash
# Builds the host MicroPython with canmv-vencoder in it:
#   (a) the Rust core as a staticlib, (b) mpy-cross, (c) the unix port (standard variant)
#   with our user C module and frozen Python, (d) build/micropython -> the interpreter.
# Usage: scripts/build.sh [--riscv] [--riscv-only]
#   --riscv       also cross-build the staticlib for riscv64gc-unknown-none-elf (CI does)
#   --riscv-only  only that cross build
# Every step is incremental (cargo / make), so a warm run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
MPY=$ROOT/build/micropython-src
VARIANT=standard
RISCV_TARGET=riscv64gc-unknown-none-elf
HOST_LIB=$ROOT/build/lib/host/libcanmv_vencoder.a

RISCV=0
RISCV_ONLY=0
for arg in "$@"; do
    case $arg in
        --riscv) RISCV=1 ;;
        --riscv-only) RISCV=1; RISCV_ONLY=1 ;;
        *) echo "usage: $0 [--riscv] [--riscv-only]" >&2; exit 2 ;;
    esac
done

step() { echo "== build: $*"; }
# Runs one build step and reports how long it took (CI has a time budget).
timed() {
    local t=$SECONDS
    "$@"
    echo "== build: $1 took $((SECONDS - t)) s"
}

# Cargo.toml keeps crate-type rlib (so `cargo test` never links a no_std staticlib); the
# staticlib is asked for here. c-runtime routes allocator/panic to the C glue's
# venc_rt_* symbols; `host` adds the simulator's libc-backed pieces (unix port only).
host_features() {
    if grep -qE '^host[[:space:]]*=' Cargo.toml; then echo "c-runtime,host"; else echo "c-runtime"; fi
}

build_rust_host() {
    step "Rust staticlib (host, features $(host_features))"
    cargo rustc --release --lib --crate-type staticlib --features "$(host_features)"
    # Our own copy: other builds (another feature set) may rewrite target/release, and
    # copying only on change keeps the mtime meaningful for the relink below.
    mkdir -p "$(dirname "$HOST_LIB")"
    cmp -s target/release/libcanmv_vencoder.a "$HOST_LIB" ||
        cp target/release/libcanmv_vencoder.a "$HOST_LIB"
}

build_rust_riscv() {
    step "Rust staticlib ($RISCV_TARGET, features c-runtime)"
    cargo rustc --release --lib --crate-type staticlib --features c-runtime --target "$RISCV_TARGET"
    ls -l "target/$RISCV_TARGET/release/libcanmv_vencoder.a"
}

# The MicroPython tree lives inside this repo's work tree (build/ is ignored): stop
# makeversionhdr.py's `git describe` from finding our repo, so that the version falls
# back to mpconfig.h (1.25.0) instead of our commit hash.
export GIT_CEILING_DIRECTORIES=$ROOT/build

build_mpy_cross() {
    step "mpy-cross"
    make -C "$MPY/mpy-cross" -j"$JOBS" -s
}

build_unix() {
    step "unix port ($VARIANT) with canmv_vencoder"
    # USER_C_MODULES is the parent of the module folder; the module folder is this repo.
    mkdir -p build/usermods
    ln -sfn ../.. build/usermods/canmv_vencoder
    # The frozen-manifest rule insists on $(MPY_LIB_DIR)/README.md (the micropython-lib
    # submodule, absent from the +ds tarball); our manifests use nothing from it.
    mkdir -p build/mpy-lib-stub
    echo "micropython-lib is not used by canmv-vencoder's manifests" > build/mpy-lib-stub/README.md
    local bin=$MPY/ports/unix/build-$VARIANT/micropython
    # The Rust lib is not a make prerequisite of the interpreter: force the relink.
    if [[ -f $bin && $HOST_LIB -nt $bin ]]; then rm -f "$bin"; fi
    # FFI/SSL/BTREE need submodules the +ds tarball lacks (libffi, mbedtls, berkeley-db).
    make -C "$MPY/ports/unix" -j"$JOBS" -s \
        VARIANT=$VARIANT \
        MICROPY_PY_FFI=0 MICROPY_PY_SSL=0 MICROPY_PY_BTREE=0 \
        MPY_LIB_DIR="$ROOT/build/mpy-lib-stub" \
        FROZEN_MANIFEST="$ROOT/mpy_glue/manifest_host.py" \
        USER_C_MODULES="$ROOT/build/usermods" \
        VENC_HOST_RUNTIME=1 \
        VENC_RUST_LIB="$HOST_LIB"
    ln -sfn "micropython-src/ports/unix/build-$VARIANT/micropython" build/micropython
    step "build/micropython -> $(readlink build/micropython)"
    # Smoke test: the frozen media package (two manifest roots merge into one package),
    # both native modules, and the frozen os.py shadowing the built-in os.
    build/micropython -c "import media.vencoder, media.sensor, media.media, _vencoder, _vsim, os
assert hasattr(os, 'exitpoint') and hasattr(os, 'listdir'), 'os.py does not extend os'"
    step "smoke test passed"
}

if [[ $RISCV_ONLY == 1 ]]; then
    timed build_rust_riscv
    exit 0
fi
timed scripts/fetch_micropython.sh
timed build_rust_host
timed build_mpy_cross
timed build_unix
if [[ $RISCV == 1 ]]; then timed build_rust_riscv; fi
