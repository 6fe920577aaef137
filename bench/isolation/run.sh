#!/usr/bin/env bash
# Tenant isolation: small calls and inference with --isolation process vs
# none, a worker's start and memory, what the workers' cgroups cost a
# small call, a good tenant's calls under attack.
# usage: bench/isolation/run.sh BUILD_DIR [overhead|start|cgroups|attack]...
set -euo pipefail
B=${1:?usage: bench/isolation/run.sh BUILD_DIR [TABLE]...}
shift
meson compile -C "$B" bench/isolation/bench-isolation agent/vaccel-agent \
	tests/lib/faulty/vaccel-faulty >/dev/null
export VACCEL_BUILD_ROOT=$(cd "$B" && pwd) VACCEL_BOOTSTRAP_ENABLED=0
export VACCEL_DEPS=${VACCEL_DEPS:-/opt/vaccel-deps} VACCEL_ONNX_THREADS=1
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
[ $# -gt 0 ] || set -- overhead start cgroups attack
for t in "$@"; do
	echo "### $t"
	"$B/bench/isolation/bench-isolation" "$t" 2>&1 | grep -v ' - <\|vaccel-agent\['
	echo
done
