#!/bin/sh
# Builds the libFuzzer harnesses of tests/fuzz with clang (address and
# undefined sanitizers) and runs each for a bounded time from its checked-in
# corpus, which holds the reproducers of every bug found so far.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS [BUILD_DIR]]     (default 25, build-fuzz)
# Writes BUILD_DIR/fuzz-results.txt, one "HARNESS ok|FAIL" line each, and
# exits 1 when a harness crashed, leaked or broke a sanitizer rule; the
# input that did it is kept as BUILD_DIR/artifacts/HARNESS-crash-*.
set -u
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
secs=${1:-25}
build=${2:-build-fuzz}
src=$PWD
rm -f "$build/fuzz-results.txt" # never count a previous run's results
if [ -d "$build" ]; then setup="meson setup --reconfigure"; else setup="meson setup"; fi
CC=clang $setup "$build" -Dfuzz=true -Dtests=false -Ddocs=disabled -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
    -Dc_link_args=-fno-sanitize-recover=undefined >/dev/null || exit 1
ninja -C "$build" >/dev/null || exit 1

art=$(cd "$build" && pwd)/artifacts
mkdir -p "$art"
results="$build/fuzz-results.txt"
: >"$results"
status=0
for harness in tm validate; do
    work=$(mktemp -d)
    # New inputs go to a scratch folder; the checked-in corpus is only read.
    # -close_fd_mask=2: tm's own error lines would drown the report, which
    # libFuzzer and the sanitizers still print.
    if UBSAN_OPTIONS=print_stacktrace=1 "$(cd "$build" && pwd)/tests/fuzz/fuzz_$harness" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
        -print_final_stats=1 -artifact_prefix="$art/$harness-" \
        $([ -f "tests/fuzz/$harness.dict" ] && echo "-dict=$src/tests/fuzz/$harness.dict") \
        "$work" "$src/tests/fuzz/corpus/$harness" >"$build/fuzz-$harness.log" 2>&1; then
        echo "fuzz_$harness ok" >>"$results"
        grep -h 'stat::number_of_executed_units' "$build/fuzz-$harness.log" |
            sed "s/^/fuzz_$harness: /"
    else
        echo "fuzz_$harness FAIL" >>"$results"
        echo "fuzz_$harness failed; from $build/fuzz-$harness.log:" >&2
        grep -m1 -A40 -E 'ERROR:|broken promise|deadly signal' "$build/fuzz-$harness.log" >&2 ||
            tail -n 40 "$build/fuzz-$harness.log" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
