#!/usr/bin/env bash
# Everything a fresh machine needs before building: Debian packages, the
# pinned npm tarballs (ONNX Runtime, models, photos), converted models and
# generated test inputs. Idempotent; each step prints what it does.
#
# usage: scripts/setup.sh [--help]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

cd "$VACCEL_ROOT"
say "1/4 Debian packages"
scripts/setup-deps.sh
say "2/4 npm tarballs: ONNX Runtime, models, photos"
scripts/fetch-assets.sh
say "3/4 model conversion (TF.js -> ONNX/TorchScript; fp16 .tflite -> fp32)"
scripts/convert-models.sh
scripts/convert-tflite.sh
say "4/4 generated test inputs"
if [ -f scripts/make-torch-test-models.py ]; then
	/usr/bin/python3 scripts/make-torch-test-models.py
fi
if [ -f scripts/make-text-images.py ]; then
	/usr/bin/python3 scripts/make-text-images.py
fi
say "setup done"
