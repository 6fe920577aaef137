#!/usr/bin/env bash
# A short libFuzzer run of the frame decoder (the CI fuzz step).
# usage: tests/fuzz/run.sh [SECONDS]   (default 25)
# Builds build-fuzz/ with clang (-Dfuzz=enabled), writes the seed corpus, runs
# fuzz-frame for SECONDS; exits non-zero if it found a crash (the input is
# kept in build-fuzz/tests/fuzz/crash-*). Exit 77 without clang.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-25}
command -v clang >/dev/null || { echo "skipped: clang is not installed"; exit 77; }
B=build-fuzz
if [ -f $B/build.ninja ]; then
	meson setup --reconfigure $B -Dfuzz=enabled -Dtests=enabled >/dev/null
else
	CC=clang meson setup $B -Dfuzz=enabled -Dtests=enabled -Db_lundef=false >/dev/null
fi
meson compile -C $B tests/fuzz/fuzz-frame tests/fuzz/fuzz-frame-seeds >/dev/null
D=$B/tests/fuzz
rm -rf "$D/corpus" && mkdir -p "$D/corpus"
"$D/fuzz-frame-seeds" "$D/corpus"
cd "$D"
./fuzz-frame -max_total_time="$secs" -max_len=4096 -timeout=5 \
	-rss_limit_mb=1024 -print_final_stats=1 corpus 2>&1 |
	grep -E 'DONE|stat::(number|new_units)|ERROR|SUMMARY|deadly|Test unit'
