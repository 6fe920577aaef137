#!/usr/bin/env bash
# Build the library, the noop and rpc plugins, the agent and two examples
# from an older commit of this repository (default fffeeba, the tree before
# the ABI-compatibility work) into OUT, from `git archive` (no checkout).
# Incremental: an existing OUT built from the same commit is reused.
#
# usage: tests/compat/old-build.sh [--help] OUT [COMMIT]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ] || [ $# -lt 1 ]; then
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -ge 1 ]
	exit $?
fi
OUT=$1 COMMIT=${2:-fffeeba}
cd "$VACCEL_ROOT"
git cat-file -e "$COMMIT^{commit}" 2>/dev/null ||
	{ say "commit $COMMIT is not in this clone's history"; exit 77; }
full=$(git rev-parse "$COMMIT")
if [ "$(cat "$OUT/COMMIT" 2>/dev/null)" != "$full" ]; then
	rm -rf "$OUT"
	mkdir -p "$OUT/src"
	git archive "$full" | tar x -C "$OUT/src"
	meson setup "$OUT/build" "$OUT/src" -Dtests=disabled \
		-Dplugin_onnx=disabled -Dplugin_torch=disabled \
		-Dplugin_blas=disabled >"$OUT/setup.log" 2>&1 ||
		{ cat "$OUT/setup.log" >&2; exit 1; }
	echo "$full" >"$OUT/COMMIT"
fi
meson compile -C "$OUT/build" src/vaccel:shared_library vaccel-noop \
	vaccel-rpc vaccel-agent \
	classify sgemm >"$OUT/build.log" 2>&1 ||
	{ tail -n 30 "$OUT/build.log" >&2; exit 1; }
