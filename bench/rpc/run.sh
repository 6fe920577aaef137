#!/usr/bin/env bash
# The rpc transport: small-call round trips vs raw sockets, bulk transfers
# vs memcpy, inference through the agent vs locally, two clients vs one,
# small calls through the shared-memory ring vs the socket; the same op in
# two local processes (twoproc: the floor of the inference ratio).
# usage: bench/rpc/run.sh BUILD_DIR [latency|bulk|infer|infer-same|infer-free|scale|ring|twoproc]...
set -euo pipefail
B=${1:?usage: bench/rpc/run.sh BUILD_DIR [latency|bulk|infer|infer-same|infer-free|scale|ring|twoproc]...}
shift
meson compile -C "$B" bench/rpc/bench-rpc bench/rpc/bench-twoproc \
	tests/lib/exec/benchrpc agent/vaccel-agent plugins/rpc/vaccel-rpc >/dev/null
export VACCEL_BUILD_ROOT=$(cd "$B" && pwd) VACCEL_BOOTSTRAP_ENABLED=0
export VACCEL_DEPS=${VACCEL_DEPS:-/opt/vaccel-deps} VACCEL_ONNX_THREADS=1 VACCEL_TORCH_THREADS=1
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
[ $# -gt 0 ] || set -- latency bulk infer infer-free scale ring twoproc
for t in "$@"; do
	echo "### $t"
	if [ "$t" = twoproc ]; then
		VACCEL_BOOTSTRAP_ENABLED=1 \
			VACCEL_PLUGINS=$B/plugins/onnx/libvaccel-onnx.so \
			"$B/bench/rpc/bench-twoproc" "$VACCEL_DEPS/images/dog.jpg"
	else
		"$B/bench/rpc/bench-rpc" "$t" 2>&1 | grep -v ' - <\|vaccel-agent\['
	fi
	echo
done
