#!/usr/bin/env bash
# The main job, end to end: set up the machine (packages, ONNX Runtime,
# models, photos), build and install vAccel, start vaccel-agent with the
# ONNX Runtime backend on a UNIX socket, and run the upstream example
# programs `classify`, `detect`, `segment` and `pose` as a client would:
# unchanged, with VACCEL_PLUGINS=libvaccel-rpc.so. Every result printed
# comes from a real model on a real photo, computed by the agent.
#
# usage: scripts/run-demo.sh [--help] [--no-setup] [--no-install] [IMAGE...]
#   --no-setup    skip scripts/setup.sh
#   --no-install  run from the build tree (build-demo/) instead of installing
#   IMAGE...      photos to use (default: a text line, a face photo, dog.jpg)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

setup=1 install=1 images=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--no-setup) setup=0 ;;
	--no-install) install=0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) images+=("$1") ;;
	esac
	shift
done
cd "$VACCEL_ROOT"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

[ $setup -eq 1 ] && scripts/setup.sh

say "building (build-demo/)"
if [ -f build-demo/build.ninja ]; then
	meson setup --reconfigure build-demo >/dev/null
else
	meson setup build-demo >/dev/null
fi
meson compile -C build-demo >/dev/null
B=$PWD/build-demo
if [ $install -eq 1 ]; then
	say "installing (meson install, ldconfig)"
	as_root meson install -C build-demo --quiet
	as_root ldconfig
	AGENT=vaccel-agent
	BIN=""
	ONNX=libvaccel-onnx.so RPC=libvaccel-rpc.so
else
	AGENT=$B/agent/vaccel-agent
	BIN=$B/examples/
	ONNX=$B/plugins/onnx/libvaccel-onnx.so RPC=$B/plugins/rpc/libvaccel-rpc.so
	export LD_LIBRARY_PATH=$B/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

D=$VACCEL_DEPS
if [ ${#images[@]} -eq 0 ]; then
	images=("$D/images/text/text0_0.jpg" "$D/images/sample1.jpg" "$D/images/dog.jpg")
fi

work=$(mktemp -d)
sock=$work/agent.sock
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid" 2>/dev/null || true
		wait "$agent_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say "starting the agent: $AGENT --listen unix://$sock --plugins $ONNX"
"$AGENT" --listen "unix://$sock" --plugins "$ONNX" >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log"; die "the agent exited"; }
	sleep 0.1
done
[ -S "$sock" ] || die "the agent did not open $sock"

export VACCEL_PLUGINS=$RPC VACCEL_RPC_ADDRESS=unix://$sock
for img in "${images[@]}"; do
	[ -f "$img" ] || die "no such image: $img"
	for op in classify detect segment pose; do
		echo
		echo "### $op $(basename "$img")  (computed by the agent)"
		"${BIN}$op" "$img"
	done
done
echo
say "agent log:"
sed 's/^/    /' "$work/agent.log"
