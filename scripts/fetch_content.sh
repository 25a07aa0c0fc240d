#!/usr/bin/env bash
# Camera-like test content, made once and cached under build/content/:
#   vtest_800x480.y4m (200 frames), vtest_1280x720.y4m (120), vtest_176x144.y4m (100),
# all yuv420p (limited range) at the source's 10 fps. The source is a real fixed
# surveillance camera clip (768x576, 795 frames) that Debian's opencv-doc ships; only
# that file is kept. Without opencv-doc, ffmpeg's synthetic testsrc2 stands in.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTENT=build/content
DL=build/download
AVI_IN_DEB=./usr/share/doc/opencv-doc/examples/data/vtest.avi
AVI=$DL/vtest.avi
mkdir -p "$CONTENT" "$DL"

# name width height frames
OUTPUTS=(
    "vtest_800x480 800 480 200"
    "vtest_1280x720 1280 720 120"
    "vtest_176x144 176 144 100"
)

all_cached=1
for o in "${OUTPUTS[@]}"; do
    read -r name _ _ _ <<<"$o"
    [[ -s $CONTENT/$name.y4m ]] || all_cached=0
done
if [[ $all_cached == 1 ]]; then
    echo "fetch_content: cached in $CONTENT"
    exit 0
fi

fetch_avi() {
    [[ -s $AVI ]] && return 0
    # apt-get download writes into the current directory; the sandbox user root because
    # _apt cannot write into the work tree. The .deb (~96 MB) goes once vtest.avi is out.
    local tmp
    tmp=$(mktemp -d "$DL/deb.XXXXXX")
    if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download opencv-doc); then
        # The machine's package lists may be missing or stale: refresh once and retry.
        apt-get -q update >/dev/null &&
            (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download opencv-doc) ||
            { rm -rf "$tmp"; return 1; }
    fi
    dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb | tar -x -O "$AVI_IN_DEB" > "$AVI.tmp"
    mv "$AVI.tmp" "$AVI"
    rm -rf "$tmp"
}

if fetch_avi; then
    SRC=(-i "$AVI")
    echo "fetch_content: source $AVI (opencv-doc $AVI_IN_DEB)"
else
    echo "fetch_content: WARNING: opencv-doc not available; using ffmpeg testsrc2 (synthetic)" >&2
    SRC=(-f lavfi -i "testsrc2=size=768x576:rate=10")
fi

for o in "${OUTPUTS[@]}"; do
    read -r name w h n <<<"$o"
    out=$CONTENT/$name.y4m
    [[ -s $out ]] && continue
    ffmpeg -nostdin -v error -y "${SRC[@]}" -frames:v "$n" \
        -vf "scale=$w:$h:flags=bicubic" -pix_fmt yuv420p -f yuv4mpegpipe "$out.tmp"
    mv "$out.tmp" "$out"
    echo "fetch_content: $out ($n frames)"
done
