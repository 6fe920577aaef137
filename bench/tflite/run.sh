#!/usr/bin/env bash
# The tflite plugin: MediaPipe's face detector on Arm NN 20.08 (CpuRef)
# against the same network on ONNX Runtime (the onnx plugin), through
# libvaccel in one process, interleaved runs, medians.
# usage: bench/tflite/run.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=${1:?usage: bench/tflite/run.sh BUILD_DIR [ROUNDS]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${VACCEL_DEPS:=/opt/vaccel-deps}"
if [ ! -f "$B/plugins/tflite/libvaccel-tflite.so" ] ||
	[ ! -f "$B/plugins/onnx/libvaccel-onnx.so" ]; then
	echo "tflite or onnx plugin not built (libarmnn-dev? ONNX Runtime?)"
	exit 0
fi
if [ ! -f "$VACCEL_DEPS/models/tflite/face_detection_short_range.tflite" ]; then
	echo "converted .tflite models missing (run scripts/setup.sh)"
	exit 0
fi
meson compile -C "$B" bench-tflite >/dev/null
export VACCEL_PLUGINS=$B/plugins/tflite/libvaccel-tflite.so:$B/plugins/onnx/libvaccel-onnx.so
export VACCEL_ONNX_THREADS=${VACCEL_ONNX_THREADS:-1}
R=${2:-9}
echo "MediaPipe face detection on sample1.jpg, ONNX Runtime with 1 thread,"
echo "Arm NN's CpuRef backend (its reference kernels, one thread; CpuAcc is"
echo "Arm-only); $R interleaved rounds:"
echo
"$B/bench/tflite/bench-tflite" "$VACCEL_DEPS" "$ROOT/plugins/onnx/models/blazeface.model" \
	"$VACCEL_DEPS/images/sample1.jpg" "$R"
