#!/usr/bin/env bash
# Idempotent set-up of a Debian (bookworm) machine for building and testing
# canmv-vencoder, run as root. Each step first checks whether it is already satisfied,
# so a warm machine gets through in seconds; `apt-get update` runs at most once.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=()
[[ $(id -u) == 0 ]] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive

# "package command": the package counts as present when dpkg has it installed or, where a
# command is named, when that command is on PATH (git or python3 may come from elsewhere).
APT_PACKAGES=(
    "build-essential gcc"         # C toolchain for MicroPython and the glue
    "pkg-config pkg-config"
    "python3 python3"             # MicroPython's build scripts, the tests
    "dpkg-dev dpkg-source"        # apt-get source / dpkg-source (fetch_micropython.sh)
    "git git"
    "xz-utils xz"                 # the MicroPython source tarball
    "ffmpeg ffmpeg"               # reference H.264/HEVC/MJPEG decoder, PSNR, test content
    "x264 x264"                   # reference encoders for comparisons
    "x265 x265"
    "gstreamer1.0-tools gst-launch-1.0"
    "gstreamer1.0-plugins-base -"
    "gstreamer1.0-plugins-bad -"  # openh264dec: a second H.264 decoder
    "libde265-examples -"         # libde265-dec265: a second HEVC decoder
    "libjpeg-turbo-progs djpeg"   # djpeg: a second JPEG decoder
    "valgrind valgrind"
    "chromium chromium"           # headless screenshots of the IDE preview page
)

missing=()
for entry in "${APT_PACKAGES[@]}"; do
    read -r pkg cmd <<<"$entry"
    if [[ $cmd != - ]] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then continue; fi
    missing+=("$pkg")
done

APT_UPDATED=0
apt_install() {
    # Another apt run may hold the dpkg lock: wait for it rather than fail.
    if [[ $APT_UPDATED == 0 ]]; then
        "${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=900 update
        APT_UPDATED=1
    fi
    "${SUDO[@]}" apt-get -q -y -o DPkg::Lock::Timeout=900 install --no-install-recommends "$@"
}

if ((${#missing[@]})); then
    echo "setup: apt packages: ${missing[*]}"
    apt_install "${missing[@]}"
else
    echo "setup: apt packages present"
fi

# Rust: the toolchain comes with the machine (rustup); add what CI uses.
command -v rustup >/dev/null || { echo "setup: rustup not found (need a Rust toolchain)" >&2; exit 1; }
installed_components=$(rustup component list --installed)
for comp in clippy rustfmt; do
    grep -q "^$comp" <<<"$installed_components" || rustup component add "$comp"
done
# CI checks that the staticlib also builds for a bare-metal riscv64 target.
rustup target list --installed | grep -qx riscv64gc-unknown-none-elf ||
    rustup target add riscv64gc-unknown-none-elf
echo "setup: rust components and targets present"

# Python test dependencies: pip for a pip-managed python3 (pyenv, venv); Debian's own
# python3 refuses pip installs (PEP 668), so there the Debian packages are used.
if ! python3 -c "import pytest, numpy" 2>/dev/null; then
    echo "setup: python test deps (pytest, numpy)"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pytest numpy ||
        apt_install python3-pytest python3-numpy
fi
echo "setup: python test deps present"
