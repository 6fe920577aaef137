#!/usr/bin/env bash
# Convert the TF.js and ONNX models fetched by scripts/fetch-assets.sh into
# ONNX + TorchScript with JSON sidecars, and build the synthetic test models.
# Offline; uses only Debian's /usr/bin/python3 (python3-torch, python3-onnx).
# Idempotent: a model whose stamp (hash of the converter sources, torch
# version and input files) is unchanged is skipped. Prints one line per model.
#
# usage: scripts/convert-models.sh [--force] [NAME ...]
#   NAME: movenet centernet selfie blazeface_front ppocr_cls depth_synthetic
#         linear_fixed (default: all); --force reconverts even if up to date.
#
# Output: $VACCEL_DEPS/models/converted/NAME.{onnx,pt,json} (see docs/models.md)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
	exit 0
fi

PY=/usr/bin/python3
[ -x "$PY" ] || die "$PY not found; run scripts/setup-deps.sh"
"$PY" -c 'import torch, onnx, numpy' 2>/dev/null ||
	die "python3-torch / python3-onnx / python3-numpy missing; run scripts/setup-deps.sh"
[ -f "$VACCEL_DEPS/models/tfjs/centernet/model.json" ] ||
	die "models missing in $VACCEL_DEPS; run scripts/fetch-assets.sh"

# One thread is faster than two on the project's 2-core machines.
export OMP_NUM_THREADS=1
say "converting models into $VACCEL_DEPS/models/converted"
"$PY" "$VACCEL_ROOT/scripts/convert/convert.py" --deps "$VACCEL_DEPS" "$@"
