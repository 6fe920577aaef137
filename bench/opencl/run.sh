#!/usr/bin/env bash
# The opencl plugin: sgemm through libvaccel on CLBlast against OpenBLAS
# (1 and 2 threads) and against CLBlast called directly, same process,
# interleaved medians; then the first call of a process with an empty and
# with a warm kernel cache (fresh processes).
# usage: bench/opencl/run.sh BUILD_DIR [ROUNDS [N...]]
set -euo pipefail
B=${1:?usage: bench/opencl/run.sh BUILD_DIR [ROUNDS [N...]]}
shift
ROUNDS=${1:-11}
[ $# -gt 0 ] && shift
if [ ! -f "$B/plugins/opencl/libvaccel-opencl.so" ]; then
	echo "opencl plugin not built (libclblast-dev, ocl-icd-opencl-dev missing?)"
	exit 0
fi
meson compile -C "$B" bench-opencl >/dev/null
export VACCEL_PLUGINS=$B/plugins/opencl/libvaccel-opencl.so
bin=$B/bench/opencl/bench-opencl
dev=$(clinfo -l 2>/dev/null | sed -n 's/.*Device #0: //p' | head -n 1)
echo "sgemm, row-major, alpha 1, beta 0, on ${dev:-the first OpenCL device}"
echo "(pocl runs on every core: $(nproc) here), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset};"
echo "$ROUNDS interleaved rounds, medians:"
echo
"$bin" "$ROUNDS" "$@"
echo
cold=$(mktemp -d)
trap 'rm -rf "$cold"' EXIT
echo "First call of a process (n = 256), the second call for comparison:"
echo
echo "| kernel cache | first call | second call |"
echo "|---|---|---|"
VACCEL_OPENCL_CACHE_DIR=$cold "$bin" first 256 | awk '{ printf "| empty (pocl compiles CLBlast'"'"'s kernels) | %.2f s | %.1f ms |\n", $1, $2 * 1e3 }'
VACCEL_OPENCL_CACHE_DIR=$cold "$bin" first 256 | awk '{ printf "| warm (the same directory, next process) | %.3f s | %.1f ms |\n", $1, $2 * 1e3 }'
