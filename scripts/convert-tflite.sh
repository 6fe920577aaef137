#!/usr/bin/env bash
# Fold the fp16 weights of the fetched MediaPipe .tflite models into fp32
# (scripts/tflite-fold-fp16.py), so that Arm NN 20.08 (the tflite plugin)
# can run them. Offline; Debian's /usr/bin/python3 with numpy. Idempotent:
# a model whose stamp (hash of the folding script and the input) is
# unchanged is skipped.
#
# usage: scripts/convert-tflite.sh [--help] [--force]
#
# Input:  $VACCEL_DEPS/models/mediapipe/NAME.tflite (scripts/fetch-assets.sh)
# Output: $VACCEL_DEPS/models/tflite/NAME.tflite (fp32 weights)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
force=0
[ "${1:-}" = "--force" ] && force=1

PY=/usr/bin/python3
FOLD=$VACCEL_ROOT/scripts/tflite-fold-fp16.py
IN=$VACCEL_DEPS/models/mediapipe
OUT=$VACCEL_DEPS/models/tflite
"$PY" -c 'import numpy' 2>/dev/null || die "python3-numpy missing; run scripts/setup-deps.sh"
[ -d "$IN" ] || die "$IN missing; run scripts/fetch-assets.sh"
mkdir -p "$OUT"
for src in "$IN"/*.tflite; do
	name=$(basename "$src")
	stamp=$(cat "$FOLD" "$src" | sha256sum | cut -c1-16)
	if [ $force -eq 0 ] && [ -f "$OUT/$name" ] &&
		[ "$(cat "$OUT/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
		say "$name: up to date"
		continue
	fi
	"$PY" "$FOLD" "$src" "$OUT/$name"
	echo "$stamp" >"$OUT/$name.stamp"
done
