#!/usr/bin/env bash
# The opencv plugin: each function called directly vs through libvaccel
# (same process, same inputs from one photo, paired calls, medians).
# usage: bench/opencv/run.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=${1:?usage: bench/opencv/run.sh BUILD_DIR [ROUNDS]}
: "${VACCEL_DEPS:=/opt/vaccel-deps}"
if [ ! -f "$B/plugins/opencv/libvaccel-opencv.so" ]; then
	echo "opencv plugin not built (libopencv-dev missing?)"
	exit 0
fi
meson compile -C "$B" bench-opencv >/dev/null
VACCEL_PLUGINS=$B/plugins/opencv/libvaccel-opencv.so \
	"$B/bench/opencv/bench-opencv" "$VACCEL_DEPS/images/dog.jpg" "${2:-31}"
echo
echo "Target: ratio <= 1.02 where the function takes milliseconds (the fixed"
echo "cost is the argument checks; image results are written in place)."
