#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time (FUZZ_SECONDS each, default
# 20) and fails on the first crash, panic or timeout. Used by CI.
#
# cargo-fuzz is installed from crates.io into ~/.cargo/bin when missing (about 25 s on
# the 2-core machine, cached afterwards). The toolchain is stable: cargo-fuzz asks for
# -Z flags, which RUSTC_BOOTSTRAP=1 allows, and `--sanitizer none` avoids needing the
# ASan runtime (the parsers are safe Rust, so libFuzzer's coverage guidance plus Rust's
# own bounds checks find the panics we care about). Debug assertions are on, so an
# arithmetic overflow is a crash too.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz"
    start=$(date +%s)
    cargo install cargo-fuzz --locked
    echo "fuzz.sh: cargo-fuzz installed in $(( $(date +%s) - start )) s"
fi

targets=$(cargo fuzz list)
cargo fuzz build --sanitizer none --release --debug-assertions

# Seed corpora with real streams when the ffmpeg tests have left some behind.
seeds=target/tmp/bitstream_ffmpeg
for t in $targets; do
    mkdir -p "fuzz/corpus/$t"
    if [ -d "$seeds" ]; then
        find "$seeds" -maxdepth 1 -type f \( -name '*.264' -o -name '*.265' \) -size -64k \
            -exec cp -n {} "fuzz/corpus/$t/" \; 2>/dev/null || true
    fi
done

mkdir -p target/fuzz-logs
for t in $targets; do
    echo "fuzz.sh: $t for ${FUZZ_SECONDS} s"
    log="target/fuzz-logs/$t.log"
    if ! cargo fuzz run --sanitizer none --release --debug-assertions "$t" -- \
        -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz.sh: target $t failed; reproducer in fuzz/artifacts/$t/, log $log" >&2
        exit 1
    fi
    grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
done
echo "fuzz.sh: all targets ran ${FUZZ_SECONDS} s without a crash"
