#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The client side's own work per remote call (issue 15 item 5): instructions
# that libvaccel, libvaccel-rpc.so and libc execute in the application per
# call (callgrind), its system calls and the pieces it writes per call
# (strace), for vaccel_noop, a 16x16x16 sgemm, classify and detect through
# a real vaccel-agent of the same build (noop, blas and onnx plugins), over
# the agent's UNIX socket and over a pseudo-terminal standing in for a
# guest's virtio-serial port (bench/callgrind/ptyport.py). Each op
# runs N and 2N calls after one warm-up call; the difference divided by N is
# the cost of a call without the setup. Deterministic: the client does not
# spin before replies (VACCEL_RPC_SPIN_US=0: spinning executes instructions
# for as long as the agent takes, which callgrind slows down).
#
# usage: bench/callgrind/run.sh [--help] [--base BUILD_DIR | --base-rev REV]
#                               [--calls N] [--functions OP] BUILD_DIR
#   --base DIR      also measure another build (e.g. main's), "before" column
#   --base-rev REV  build REV of this repository (git archive, release
#                   build in build-callgrind-REV/, reused) and use it as --base
#   --calls N       calls of noop and sgemm (default 200; classify N/4,
#                   detect N/20, at least 2)
#   --functions OP  also print OP's instructions per call by function (the
#                   functions costing more than 1% of it, both builds)
#   --spin US       spin before replies as applications do (the default is
#                   200): the system calls of waiting, not deterministic
# Prints markdown tables. Needs valgrind and strace (scripts/setup-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

base="" base_rev="" calls=200 funcs="" spin=0
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	--base) base=$2; shift ;;
	--base-rev) base_rev=$2; shift ;;
	--calls) calls=$2; shift ;;
	--functions) funcs=$2; shift ;;
	--spin) spin=$2; shift ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || die "usage: $0 [--base BUILD_DIR | --base-rev REV] [--calls N] [--functions OP] BUILD_DIR"
case $calls in '' | *[!0-9]*) die "--calls $calls: not a number" ;; esac
[ "$calls" -ge 20 ] || die "--calls $calls: at least 20"
case $spin in '' | *[!0-9]*) die "--spin $spin: not a number" ;; esac
for t in valgrind callgrind_annotate strace cc; do
	command -v "$t" >/dev/null || { say "cannot run: $t not found (scripts/setup-deps.sh)"; exit 77; }
done
B=$(cd "$1" && pwd)
IMG_CLS=$VACCEL_DEPS/images/text/text0_180.jpg IMG_DET=$VACCEL_DEPS/images/sample1.jpg
for f in "$IMG_CLS" "$IMG_DET"; do
	[ -f "$f" ] || { say "cannot run: $f missing (scripts/setup.sh)"; exit 77; }
done

if [ -n "$base_rev" ]; then
	rev=$(git rev-parse --short "$base_rev^{commit}") || die "--base-rev $base_rev: no such commit"
	base=$PWD/build-callgrind-$rev
	if [ ! -f "$base/agent/vaccel-agent" ]; then
		say "building $rev in $base"
		rm -rf "$base" && mkdir -p "$base/src"
		git archive "$rev" | tar -x -C "$base/src"
		meson setup "$base/build" "$base/src" --buildtype=release -Dtests=disabled >/dev/null
		meson compile -C "$base/build" >/dev/null
		ln -s build/agent build/plugins build/include "$base/"
		ln -s build/src "$base/lib"
	fi
fi

T=$(mktemp -d /tmp/vaccel-callgrind.XXXXXX)
chmod 711 "$T" # the agent's workers (other uids) go through it
APID="" PPID_=""
cleanup() {
	local p
	for p in $PPID_ $APID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# libdir BUILD: where libvaccel.so is (a build dir's src/, or --base-rev's)
libdir() { if [ -d "$1/lib" ]; then echo "$1/lib"; else echo "$1/src"; fi; }

# agent_up BUILD: a fresh agent of that build on $T/agent.sock
agent_up() {
	local b=$1 p=$1/plugins
	rm -f "$T/agent.sock" "$T/ready"
	VACCEL_RUNDIR=$T/arun "$b/agent/vaccel-agent" --listen "unix://$T/agent.sock" \
		--listen "unix://$T/port.sock?tenant=conn" \
		--plugins "$p/noop/libvaccel-noop.so:$p/blas/libvaccel-blas.so:$p/onnx/libvaccel-onnx.so" \
		--rundir "$T/run" --ready-file "$T/ready" --hello-timeout 600000 >"$T/agent.log" 2>&1 &
	APID=$!
	for _ in $(seq 100); do
		[ -s "$T/ready" ] && break
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$T/ready" ] || die "the agent of $b did not start: $(tail -n 2 "$T/agent.log")"
	bench/callgrind/ptyport.py "$T/vport" "$T/port.sock" "$T/pready" 2>"$T/ptyport.log" &
	PPID_=$!
	for _ in $(seq 100); do
		[ -s "$T/pready" ] && return 0
		sleep 0.1
	done
	die "ptyport.py did not start: $(tail -n 2 "$T/ptyport.log")"
}
agent_down() {
	kill "$PPID_" "$APID"
	wait "$PPID_" || true
	wait "$APID" || true
	APID="" PPID_=""
	rm -f "$T/vport" "$T/pready"
}

# n_of OP: calls of OP per measurement
n_of() {
	case $1 in
	classify) echo $((calls / 4)) ;;
	detect) echo $((calls / 20 > 2 ? calls / 20 : 2)) ;;
	*) echo "$calls" ;;
	esac
}
img_of() { case $1 in classify) echo "$IMG_CLS" ;; detect) echo "$IMG_DET" ;; esac }

# client LABEL WAY OP N [TOOL...]: callcount of build LABEL doing N calls
# of OP over WAY (unix, or vport: the pseudo-terminal of ptyport.py)
client() {
	local label=$1 way=$2 op=$3 n=$4 img addr=unix://$T/agent.sock
	shift 4
	img=$(img_of "$op")
	[ "$way" = unix ] || addr=vport://$T/vport
	env VACCEL_PLUGINS="${PLUGDIR[$label]}/rpc/libvaccel-rpc.so" VACCEL_RPC_ADDRESS="$addr" \
		VACCEL_RPC_SPIN_US="$spin" VACCEL_RUNDIR="$T/crun" VACCEL_LOG_LEVEL=1 \
		"$@" "$T/callcount-$label" "$op" "$n" ${img:+"$img"} >>"$T/client.log" 2>&1 ||
		die "$label: callcount $op $n failed: $(tail -n 3 "$T/client.log")"
}

# measure LABEL WAY OP: "instructions_per_call syscalls_per_call" into RES
declare -A RES PLUGDIR
measure() {
	local label=$1 way=$2 op=$3 n k ir=() sc=() sw=() f
	n=$(n_of "$op")
	for k in 1 2; do
		f=$label.$way.$op.$k
		client "$label" "$way" "$op" $((k * n)) valgrind --tool=callgrind \
			--callgrind-out-file="$T/cg.$f"
		ir[k]=$(sed -n 's/^summary: *//p' "$T/cg.$f")
		client "$label" "$way" "$op" $((k * n)) strace -f -c -o "$T/st.$f"
		sc[k]=$(awk '$NF == "total" { print $4 }' "$T/st.$f")
		client "$label" "$way" "$op" $((k * n)) strace -f -s 0 -e trace=write,writev,sendmsg -e signal=none \
			-o "$T/sw.$f"
		sw[k]=$(segments "$T/sw.$f")
	done
	RES[$label.$way.$op]=$(awk -v a="${ir[1]}" -v b="${ir[2]}" -v c="${sc[1]}" -v d="${sc[2]}" \
		-v e="${sw[1]}" -v f="${sw[2]}" -v n="$n" \
		'BEGIN { printf "%.0f %.2f %.2f", (b - a) / n, (d - c) / n, (f - e) / n }')
}

# segments STRACE_OUTPUT: the pieces written (a write: 1, a writev or
# sendmsg: its iovecs); on a virtio-serial port each is a transfer of its
# own (a buffer, a notification of the host, a write of QEMU)
segments() {
	awk '/ writev\(/ { s = $0; sub(/\) *= .*/, "", s); sub(/.*, /, "", s); t += s; next }
		/ sendmsg\(/ { s = $0; sub(/.*msg_iovlen=/, "", s); t += s + 0; next }
		/ write\(/ { t++ } END { print t + 0 }' "$1"
}

# per_function LABEL WAY OP: "instructions_per_call function" lines, the
# functions costing more than 1% of a call
per_function() {
	local f=$1.$2.$3 n k
	n=$(n_of "$3")
	for k in 1 2; do
		callgrind_annotate --threshold=100 --inclusive=no "$T/cg.$f.$k" 2>/dev/null |
			awk -v k="$k" '/^ *[0-9][0-9,]* / { c = $1; gsub(",", "", c); $1 = ""; sub(/^ *(\([^)]*\) *)?/, "");
				sub(/ \[.*\]$/, ""); sub(/^.*\//, ""); print k, c, $0 }'
	done | awk -v n="$n" '{ k = $1; c = $2; $1 = $2 = ""; sub(/^ */, ""); d = (k == 2 ? c : -c); v[$0] += d }
		END { t = v["PROGRAM TOTALS"]; for (f in v) if (v[f] > t / 100) printf "%.0f %s\n", v[f] / n, f }' | sort -rn
}

WAYS=(unix vport)
# ops_of WAY: not detect over the pty: its 145 KB request goes in pieces
# as fast as the relay drains the pty (a few KiB), and the counts of
# writes, polls and retries measure the relay, not the client
ops_of() { if [ "$1" = unix ]; then echo noop sgemm classify detect; else echo noop sgemm classify; fi; }
LABELS=(after)
[ -z "$base" ] || LABELS=(before after)
for label in "${LABELS[@]}"; do
	b=$B
	[ "$label" = after ] || b=$(cd "$base" && pwd)
	PLUGDIR[$label]=$b/plugins
	cc -std=c11 -O2 -Wall -Wextra -Werror -I"$b/include" -I"$VACCEL_ROOT/include" -o "$T/callcount-$label" \
		bench/callgrind/callcount.c -L"$(libdir "$b")" -lvaccel -Wl,-rpath,"$(libdir "$b")" ||
		die "cannot compile bench/callgrind/callcount.c against $b"
	agent_up "$b"
	for way in "${WAYS[@]}"; do
		for op in $(ops_of "$way"); do measure "$label" "$way" "$op"; done
	done
	agent_down
done

echo "Client side per call (callgrind: instructions executed in the application's process, libvaccel + libvaccel-rpc.so + libc; strace -f: its system calls, and the pieces it writes: one per write, one per iovec of a writev or sendmsg), N and 2N calls after a warm-up, the difference / N; VACCEL_RPC_SPIN_US=$spin. unix: the agent's UNIX socket; vport: a pseudo-terminal relayed to the agent (bench/callgrind/ptyport.py), the character-device path a guest takes over virtio-serial. $(valgrind --version)."
echo
if [ -n "$base" ]; then
	echo "| op | over | calls (N) | instructions per call, before | after | after / before | system calls per call, before | after | pieces written per call, before | after |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
else
	echo "| op | over | calls (N) | instructions per call | system calls per call | pieces written per call |"
	echo "|---|---|---|---|---|---|"
fi
for way in "${WAYS[@]}"; do
	for op in $(ops_of "$way"); do
		read -r ia sa wa <<<"${RES[after.$way.$op]}"
		if [ -n "$base" ]; then
			read -r ib sb wb <<<"${RES[before.$way.$op]}"
			echo "| $op | $way | $(n_of "$op") | $ib | $ia | $(awk -v a="$ia" -v b="$ib" 'BEGIN{printf "%.2f", b ? a / b : 0}') | $sb | $sa | $wb | $wa |"
		else
			echo "| $op | $way | $(n_of "$op") | $ia | $sa | $wa |"
		fi
	done
done
if [ -n "$funcs" ]; then
	for label in "${LABELS[@]}"; do
		for way in "${WAYS[@]}"; do
			echo
			echo "$funcs over $way, $label: instructions per call by function (more than 1% of the call)"
			echo
			echo '```'
			per_function "$label" "$way" "$funcs"
			echo '```'
		done
	done
fi
