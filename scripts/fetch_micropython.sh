#!/usr/bin/env bash
# Fetches MicroPython 1.25 source from Debian's source package in trixie
# (micropython 1.25.0+ds) into build/micropython-src/ (build/micropython is the built
# interpreter). Bookworm has no 1.25, so a deb-src
# entry for trixie is added, but only in a private apt configuration under build/apt/:
# the system's sources and lists are never touched. The mirror is the one this
# machine's apt already uses (no host name is written into the repo).
# Cached: does nothing when build/micropython-src/ is already extracted.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/micropython-src
APTDIR=$ROOT/build/apt
SUITE=${VENC_MPY_SUITE:-trixie}

if [[ -f $OUT/.extracted ]]; then
    echo "fetch_micropython: cached in build/micropython-src ($(cat "$OUT/.extracted"))"
    exit 0
fi

# The Debian mirror this machine uses: the URIs of a deb822 stanza (or a one-line entry)
# for the base suite. VENC_DEBIAN_MIRROR overrides.
mirror_uri() {
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    {
        for f in /etc/apt/sources.list.d/*.sources; do
            [[ -f $f ]] || continue
            # Stanzas are separated by blank lines; print URIs of one whose Suites
            # holds the codename itself (not -security / -updates).
            awk -v c="$codename" '
                /^[[:space:]]*$/ { if (ok && uris != "") print uris; ok = 0; uris = ""; next }
                /^URIs:/   { sub(/^URIs:[[:space:]]*/, ""); uris = $1 }
                /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) ok = 1 }
                END { if (ok && uris != "") print uris }' "$f"
        done
        if [[ -f /etc/apt/sources.list ]]; then
            awk -v c="$codename" '$1 == "deb" {
                    i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++; if ($i ~ /^\[/) i++
                    if ($(i + 1) == c) print $i }' /etc/apt/sources.list
        fi
    } | grep -m1 -E '^(https?|file|mirror\+[a-z]+)://' || true
}

MIRROR=${VENC_DEBIAN_MIRROR:-$(mirror_uri)}
[[ -n $MIRROR ]] || { echo "fetch_micropython: no Debian mirror in /etc/apt sources" >&2; exit 1; }

mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/parts" "$APTDIR/src"
echo "deb-src $MIRROR $SUITE main" > "$APTDIR/sources.list"
# Only our list: no system SourceParts, our own lists/cache; sandbox user root because
# _apt cannot write into the work tree.
APT=(apt-get -q
     -o Dir::Etc::SourceList="$APTDIR/sources.list"
     -o Dir::Etc::SourceParts="$APTDIR/parts"
     -o Dir::State::Lists="$APTDIR/lists"
     -o Dir::Cache="$APTDIR/cache"
     -o APT::Sandbox::User=root)

if ! ls "$APTDIR"/src/micropython_*.dsc >/dev/null 2>&1; then
    "${APT[@]}" update
    (cd "$APTDIR/src" && "${APT[@]}" source --download-only micropython)
fi
DSC=$(ls "$APTDIR"/src/micropython_*.dsc | tail -1)
ORIG=$(ls "$APTDIR"/src/micropython_*.orig.tar.* | tail -1)
echo "fetch_micropython: $(basename "$DSC")"

# Plain tar of the upstream (orig) tarball: the Debian patches are for Debian's own
# packaging (system libffi/mbedtls etc.), which this build does not use.
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
tar -xf "$ORIG" -C "$OUT.tmp" --strip-components=1
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
basename "$ORIG" > "$OUT/.extracted"
echo "fetch_micropython: extracted into build/micropython-src"
