#!/usr/bin/env bash
# The onnx plugin: per-image latency of classify and detect with ONNX Runtime
# called directly vs through libvaccel (same process, same image and
# pipeline, interleaved medians).
# usage: bench/onnx/run.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=${1:?usage: bench/onnx/run.sh BUILD_DIR [ROUNDS]}
R=${2:-101}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${VACCEL_DEPS:=/opt/vaccel-deps}"
export VACCEL_DEPS
if [ ! -f "$B/plugins/onnx/libvaccel-onnx.so" ]; then
	echo "onnx plugin not built (ONNX Runtime headers missing? run scripts/fetch-assets.sh)"
	exit 0
fi
meson compile -C "$B" bench-onnx >/dev/null
export VACCEL_PLUGINS=$B/plugins/onnx/libvaccel-onnx.so
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$ROOT/scripts/make-text-images.py" "$T" >/dev/null
M=$ROOT/plugins/onnx/models
bin=$B/bench/onnx/bench-onnx

echo "Per image (decode + pre-process + inference + output records), ONNX Runtime"
echo "1.29, 1 intra-op thread; $R rounds of three interleaved runs: direct, through"
echo "libvaccel, direct again (A/A control: the noise of this machine). Ratios:"
echo "libvaccel / direct, as ratio of the medians and median of per-round ratios."
echo
echo "| op, image (model: top result) | direct | through libvaccel | ratio of medians | median ratio | A/A control (same two) |"
echo "|---|---|---|---|---|---|"
"$bin" classify "$M/ppocr-cls.model" "$T/text0_0.jpg" "$R"
"$bin" classify "$M/ppocr-cls.model" "$T/text1_180.jpg" "$R"
"$bin" detect "$M/blazeface.model" "$VACCEL_DEPS/images/sample1.jpg" "$R"
"$bin" detect "$M/blazeface.model" "$VACCEL_DEPS/images/dog.jpg" "$R"
# COCO detection (converted model, scripts/convert-models.sh), when present
if [ -f "$VACCEL_DEPS/models/converted/centernet.onnx" ]; then
	"$bin" detect "$M/centernet.model" "$VACCEL_DEPS/images/dog.jpg" "$(( (R + 3) / 4 ))"
fi
echo
echo "Target: ratio <= 1.02."
