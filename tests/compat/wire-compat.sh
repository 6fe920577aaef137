#!/usr/bin/env bash
# The wire protocol's compatibility rule (docs/protocol.md: same major,
# either side may be a newer minor) with real processes of two versions: the
# rpc client of an older commit (tests/compat/old-build.sh, default fffeeba)
# against this tree's agent, and this tree's client against the older agent.
# Each client is an example program (classify, sgemm) with its own version's
# libvaccel and libvaccel-rpc.so; results are checked against the noop
# plugin's text and a local OpenBLAS run. Prints "ok NAME" / "FAIL NAME: why"
# / "skip NAME: why" per scenario.
#
# usage: tests/compat/wire-compat.sh [--help] [BUILD_DIR] [COMMIT]
#   BUILD_DIR: this tree's build (default build); the old tree is built in
#   build-compat-COMMIT (kept, incremental).
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$VACCEL_ROOT" || exit 1
NEW=${1:-build} COMMIT=${2:-fffeeba}
OLD_DIR=build-compat-$COMMIT OLD=build-compat-$COMMIT/build
IMG=examples/images/example.jpg
[ -f "$IMG" ] || IMG=$(ls "$VACCEL_DEPS"/images/*.jpg 2>/dev/null | head -n 1)
for f in agent/vaccel-agent plugins/rpc/libvaccel-rpc.so \
	plugins/noop/libvaccel-noop.so examples/classify; do
	[ -e "$NEW/$f" ] || { echo "skip wire-compat: $NEW/$f was not built"; exit 77; }
done
tests/compat/old-build.sh "$OLD_DIR" "$COMMIT" >&2
case $? in
0) ;;
77) echo "skip wire-compat: no commit $COMMIT in this clone"; exit 77 ;;
*) echo "FAIL wire-compat: cannot build $COMMIT"; exit 1 ;;
esac
. "$(dirname "$0")/agent-lib.sh"

# client TREE PROGRAM ARGS...: TREE's example through TREE's rpc plugin
client() {
	local tree=$1 prog=$2
	shift 2
	LD_LIBRARY_PATH=$tree/src VACCEL_PLUGINS=$tree/plugins/rpc/libvaccel-rpc.so \
		VACCEL_RPC_ADDRESS=unix://$TMP/agent.sock "$tree/examples/$prog" "$@"
}

# check NAME OUTPUT-FILE WANTED-TEXT
check() {
	if grep -qF "$3" "$2"; then
		echo "ok $1"
	else
		echo "FAIL $1: no \"$3\" in the output:"
		sed 's/^/    /' "$2" | tail -n 5
	fi
}

# wire TREE_SRC: the protocol version that tree speaks (major.minor)
wire() {
	sed -n 's/^#define VRPC_M[AI][JN]OR *\([0-9]*\).*/\1/p' "$1/src/rpc/wire.h" |
		paste -sd .
}
OV=$(wire "$OLD_DIR/src") NV=$(wire .)
OLDN="old client ($COMMIT, wire $OV)" NEWA="new agent (wire $NV)"
TAG="This is a dummy classification tag!"
# classify_through AGENT_TREE CLIENT_TREE NAME: noop agent, classify client
classify_through() {
	if agent "$1" noop; then
		client "$2" classify "$IMG" 1 >"$TMP/out" 2>&1
		check "$3: classify" "$TMP/out" "$TAG"
		stop_agent
	else
		echo "FAIL $3: the agent did not start"
	fi
}

classify_through "$NEW" "$OLD" "$OLDN -> $NEWA"
if [ -e "$NEW/plugins/blas/libvaccel-blas.so" ] && [ -e "$NEW/examples/sgemm" ] &&
	agent "$NEW" blas; then
	client "$OLD" sgemm 1 "$TMP/remote.bin" >"$TMP/out" 2>&1
	LD_LIBRARY_PATH=$NEW/src VACCEL_PLUGINS=$NEW/plugins/blas/libvaccel-blas.so \
		"$NEW/examples/sgemm" 1 "$TMP/local.bin" >/dev/null 2>&1
	if [ -s "$TMP/local.bin" ] && cmp -s "$TMP/local.bin" "$TMP/remote.bin"; then
		echo "ok $OLDN -> $NEWA: sgemm equals a local OpenBLAS run"
	else
		echo "FAIL old client -> new agent: sgemm result differs or missing"
		tail -n 5 "$TMP/out"
	fi
	stop_agent
else
	echo "skip old client -> new agent: sgemm: no blas plugin or sgemm example"
fi
classify_through "$OLD" "$NEW" "new client (wire $NV) -> old agent ($COMMIT, wire $OV)"
