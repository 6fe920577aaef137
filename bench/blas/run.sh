#!/usr/bin/env bash
# The blas plugin: OpenBLAS cblas_sgemm called directly vs vaccel_sgemm()
# through libvaccel (same process, same matrices, interleaved medians).
# usage: bench/blas/run.sh BUILD_DIR [N] [ROUNDS]
# OPENBLAS_CORETYPE is taken as the environment gives it (the table says
# which); set VACCEL_BLAS_THREADS to change the thread count (default 1).
set -euo pipefail
B=${1:?usage: bench/blas/run.sh BUILD_DIR [N] [ROUNDS]}
if [ ! -f "$B/plugins/blas/libvaccel-blas.so" ]; then
	echo "blas plugin not built (libopenblas-dev missing?)"
	exit 0
fi
meson compile -C "$B" bench-sgemm >/dev/null
VACCEL_PLUGINS=$B/plugins/blas/libvaccel-blas.so "$B/bench/blas/bench-sgemm" "${2:-1024}" "${3:-31}"
