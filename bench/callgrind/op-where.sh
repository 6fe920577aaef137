#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Does an op execute more instructions where the agent runs it than in the
# application's own process? (issue 15 item 1: inference through the agent
# costs 0.3-3% more CPU per call than local.) Counts, with callgrind, the
# instructions per call of the application's process calling the op locally
# (onnx plugin in the process), and of a vaccel-agent of the same build
# (--isolation none: the op runs in the agent's connection thread, so one
# process holds the op and the agent's own work per call) serving the same
# call over its UNIX socket (no ring, no polling: deterministic counts). Each
# runs N and 2N calls after one warm-up; the difference / N is a call
# without the setup. The agent's column includes its transport work (a few
# thousand instructions per call); anything beyond that is work the op
# itself does differently in the agent.
#
# usage: bench/callgrind/op-where.sh [--help] [--calls N] [--detect] BUILD_DIR
#   --calls N   classify calls per measurement (default 4); under callgrind
#               a classify (dog.jpg) takes 2-5 s, the whole run ~2 minutes
#   --detect    detect as well (CenterNet on sample1.jpg, one and two calls:
#               ~1 minute per call under callgrind, ~14 minutes more)
# Prints a markdown table. Needs valgrind (scripts/setup-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

calls=4 ops=classify
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	--calls) calls=$2; shift ;;
	--detect) ops="classify detect" ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || die "usage: $0 [--calls N] [--detect] BUILD_DIR"
case $calls in '' | *[!0-9]*) die "--calls $calls: not a number" ;; esac
[ "$calls" -ge 1 ] || die "--calls $calls: at least 1"
for t in valgrind cc; do
	command -v "$t" >/dev/null || { say "cannot run: $t not found (scripts/setup-deps.sh)"; exit 77; }
done
B=$(cd "$1" && pwd)
ONNX=$B/plugins/onnx/libvaccel-onnx.so RPC=$B/plugins/rpc/libvaccel-rpc.so
for f in "$ONNX" "$RPC" "$B/agent/vaccel-agent"; do
	[ -f "$f" ] || { say "cannot run: $f not built"; exit 77; }
done
IMG_CLS=$VACCEL_DEPS/images/dog.jpg IMG_DET=$VACCEL_DEPS/images/sample1.jpg
for f in "$IMG_CLS" "$IMG_DET"; do
	[ -f "$f" ] || { say "cannot run: $f missing (scripts/setup.sh)"; exit 77; }
done

T=$(mktemp -d /tmp/vaccel-opwhere.XXXXXX)
chmod 711 "$T"
APID=""
cleanup() {
	if [ -n "$APID" ]; then
		kill "$APID" 2>/dev/null || true
		wait "$APID" 2>/dev/null || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
export OPENBLAS_NUM_THREADS=1 VACCEL_LOG_LEVEL=1 VACCEL_RUNDIR=$T/crun

cc -std=c11 -O2 -Wall -Wextra -Werror -I"$B/include" -I"$VACCEL_ROOT/include" -o "$T/callcount" \
	bench/callgrind/callcount.c -L"$B/src" -lvaccel -Wl,-rpath,"$B/src" ||
	die "cannot compile bench/callgrind/callcount.c against $B"

n_of() { if [ "$1" = classify ]; then echo "$calls"; else echo 1; fi; }
img_of() { if [ "$1" = classify ]; then echo "$IMG_CLS"; else echo "$IMG_DET"; fi; }
total() { sed -n 's/^summary: *//p' "$1"; }

# local_ir OP N: instructions of the application's process, the op in it,
# into IR (not run in a command substitution: die must reach cleanup)
local_ir() {
	VACCEL_PLUGINS=$ONNX valgrind --tool=callgrind --callgrind-out-file="$T/cg.local" \
		"$T/callcount" "$1" "$2" "$(img_of "$1")" >>"$T/client.log" 2>&1 ||
		die "callcount $1 $2 (local) failed: $(tail -n 3 "$T/client.log")"
	IR=$(total "$T/cg.local")
}

# agent_ir OP N: instructions of an agent under callgrind serving N + 1
# calls of OP (its start and stop included, the same for N and 2N), into
# IR
agent_ir() {
	rm -f "$T/s" "$T/ready"
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.agent" "$B/agent/vaccel-agent" \
		--isolation none --listen "unix://$T/s" --insecure --plugins "$ONNX" \
		--rundir "$T/run" --ready-file "$T/ready" --hello-timeout 600000 \
		--call-timeout 900000 >"$T/agent.log" 2>&1 &
	APID=$!
	for _ in $(seq 600); do
		[ -s "$T/ready" ] && break
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$T/ready" ] || die "the agent did not start under valgrind: $(tail -n 2 "$T/agent.log")"
	VACCEL_PLUGINS=$RPC VACCEL_RPC_ADDRESS=unix://$T/s VACCEL_RPC_RING=0 VACCEL_RPC_SPIN_US=0 \
		VACCEL_RPC_TIMEOUT_MS=900000 "$T/callcount" "$1" "$2" "$(img_of "$1")" >>"$T/client.log" 2>&1 ||
		die "callcount $1 $2 (through the agent) failed: $(tail -n 3 "$T/client.log")"
	kill -TERM "$APID"
	wait "$APID" || true
	APID=""
	IR=$(total "$T/cg.agent")
}

echo "Instructions per call of the op's process (callgrind, N and 2N calls after a warm-up, the difference / N): the application calling the onnx plugin in its own process, and a vaccel-agent (--isolation none) serving the same calls over its UNIX socket. $(valgrind --version)."
echo
echo "| op | image | calls (N) | local, per call | in the agent, per call | agent − local | agent / local |"
echo "|---|---|---|---|---|---|---|"
for op in $ops; do
	n=$(n_of "$op")
	local_ir "$op" "$n" && l1=$IR
	local_ir "$op" $((2 * n)) && l2=$IR
	agent_ir "$op" "$n" && a1=$IR
	agent_ir "$op" $((2 * n)) && a2=$IR
	awk -v op="$op" -v img="$(basename "$(img_of "$op")")" -v n="$n" -v l1="$l1" -v l2="$l2" \
		-v a1="$a1" -v a2="$a2" 'BEGIN {
		l = (l2 - l1) / n; a = (a2 - a1) / n
		printf "| %s | %s | %d | %.0f | %.0f | %+.0f | %.4f |\n", op, img, n, l, a, a - l, a / l }'
done
