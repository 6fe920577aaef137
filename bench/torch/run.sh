#!/usr/bin/env bash
# The torch plugin: libtorch called directly vs through libvaccel (same model,
# same input, one process, interleaved medians), then the first calls of each
# model in a fresh process for each VACCEL_TORCH_JIT mode.
# usage: bench/torch/run.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=${1:?usage: bench/torch/run.sh BUILD_DIR [ROUNDS]}
ROUNDS=${2:-7}
if [ ! -f "$B/plugins/torch/libvaccel-torch.so" ]; then
	echo "torch plugin not built (libtorch-dev missing?)"
	exit 0
fi
meson compile -C "$B" bench-torch >/dev/null
export VACCEL_PLUGINS=$B/plugins/torch/libvaccel-torch.so
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
bin=$B/bench/torch/bench-torch

echo "libtorch 1.13 called directly vs through libvaccel + torch plugin,"
echo "1 thread, VACCEL_TORCH_JIT=${VACCEL_TORCH_JIT:-off}, median per call over $ROUNDS interleaved rounds:"
echo
"$bin" compare "$ROUNDS"
echo
echo "First calls through libvaccel, fresh process per row (load = vaccel_torch_model_load):"
echo
echo "| model | VACCEL_TORCH_JIT | load | 1st call | 2nd call | median of next 9 |"
echo "|---|---|---|---|---|---|"
for m in linear blazeface_front ppocr_cls movenet selfie centernet; do
	for jit in off legacy profile; do
		VACCEL_TORCH_JIT=$jit "$bin" first "$m" 2>/dev/null || true
	done
done
