#!/usr/bin/env bash
# The torch plugin: libtorch called directly vs through libvaccel (same model,
# same input, one process, paired calls in alternating order, medians), then
# the first calls of each model in fresh processes for each VACCEL_TORCH_JIT
# mode (median of REPS processes per cell).
# usage: bench/torch/run.sh BUILD_DIR [ROUNDS [REPS]]
set -euo pipefail
B=${1:?usage: bench/torch/run.sh BUILD_DIR [ROUNDS [REPS]]}
ROUNDS=${2:-9}
REPS=${3:-3}
if [ ! -f "$B/plugins/torch/libvaccel-torch.so" ]; then
	echo "torch plugin not built (libtorch-dev missing?)"
	exit 0
fi
meson compile -C "$B" bench-torch >/dev/null
export VACCEL_PLUGINS=$B/plugins/torch/libvaccel-torch.so
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
bin=$B/bench/torch/bench-torch

echo "libtorch 1.13 called directly vs through libvaccel + torch plugin, 1 thread,"
echo "VACCEL_TORCH_JIT=${VACCEL_TORCH_JIT:-off}, $ROUNDS rounds of paired calls, medians per call:"
echo
"$bin" compare "$ROUNDS"
echo
echo "First calls through libvaccel (load = vaccel_torch_model_load), median of $REPS fresh processes per row:"
echo
echo "| model | VACCEL_TORCH_JIT | load | 1st call | 2nd call | median of next 9 |"
echo "|---|---|---|---|---|---|"
for m in linear blazeface_front ppocr_cls movenet selfie centernet; do
	for jit in off legacy profile; do
		for _ in $(seq "$REPS"); do
			VACCEL_TORCH_JIT=$jit "$bin" first "$m" 2>/dev/null || true
		done | awk -v n="$REPS" '
			{ name = $1; jit = $2; for (c = 3; c <= 6; c++) v[c, NR] = $c }
			END {
				if (NR == 0) exit
				printf "| %s | %s", name, jit
				for (c = 3; c <= 6; c++) {
					for (i = 1; i <= NR; i++) a[i] = v[c, i]
					for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
						if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
					printf " | %.1f ms", a[int((NR + 1) / 2)]
				}
				print " |"
			}'
	done
done
