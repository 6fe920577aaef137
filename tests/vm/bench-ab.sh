#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The client side inside a VM, build a against build b in one guest: the
# vbench measurements (tests/vm/guest/bench.c) over virtio-serial with the
# rpc plugin of each build, alternating round by round in the same QEMU/TCG
# guest (the host's load drifts between separate runs of tests/vm/bench.sh
# more than the client's cost differs). The agent, libvaccel and vbench are
# build b's (the wire is the same). Host-local references (the onnx plugin
# in the process) before and after the VM; ratios use the lower.
#
# usage: tests/vm/bench-ab.sh [--help] [--rounds N] [--env|--env-a|--env-b K=V]...
#                             BUILD_A BUILD_B
#   --rounds N   alternations (default 3; each: noop 3x1000 calls,
#                classify 20 images, detect 5 images with each plugin)
#   --env K=V    in the guest's environment (e.g. VACCEL_RPC_SPIN_US=0)
#   --env-a K=V, --env-b K=V
#                for a's or b's runs only; then BUILD_A may be BUILD_B
#                (e.g. one build with and without spinning)
# Prints a markdown table: per op, the median of the rounds' medians (and
# their range) for a and b, b / a, and each against host-local. Exit: 0,
# 1 a measurement failed, 77 the VM tier cannot run here.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
rounds=3 envs=() shown="" env_a="" env_b=""
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '3,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift ;;
	--env) envs+=(-e "${2:?--env needs KEY=VALUE}") shown+=" $2"; shift ;;
	--env-a) env_a+=${env_a:+,}${2:?--env-a needs KEY=VALUE}; shift ;;
	--env-b) env_b+=${env_b:+,}${2:?--env-b needs KEY=VALUE}; shift ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 2 ] || { echo "usage: $0 [--rounds N] [--env|--env-a|--env-b K=V]... BUILD_A BUILD_B" >&2; exit 2; }
case $rounds in '' | *[!0-9]*) echo "--rounds $rounds: not a number" >&2; exit 2 ;; esac
A=$(cd "$1" 2>/dev/null && pwd) || { echo "no build dir $1" >&2; exit 2; }
PLUGIN_A=$A/plugins/rpc/libvaccel-rpc.so
[ -f "$PLUGIN_A" ] || { echo "$PLUGIN_A missing" >&2; exit 2; }
# shellcheck source=SCRIPTDIR/e2e-lib.sh
. "$HERE/e2e-lib.sh"
e2e_init "$HERE/work/bench-ab" "$2"
exec 3>&1 1>&2 # the table on the original stdout, everything else on stderr

e2e_bench_check
[ "$PLUGIN_A" != "$(plugin_of rpc)" ] || [ "$env_a" != "$env_b" ] ||
	{ say "BUILD_A and BUILD_B are the same build (and --env-a, --env-b the same)"; exit 2; }

mkdir -p "$TMP/bin"
cc -std=c11 -O2 -Wall -Wextra -Werror -I"$B/include" -I"$VACCEL_ROOT/include" \
	-o "$TMP/bin/vbench" "$HERE/guest/bench.c" -L"$B/src" -lvaccel -Wl,-rpath,"$B/src" ||
	{ say "cannot compile tests/vm/guest/bench.c"; exit 1; }
e2e_link_data
IMG=$TMP/bench-ab.cpio.gz
LD_LIBRARY_PATH=$B/src "$HERE/mkguest.sh" -o "$IMG" -s "$HERE/guest/bench-ab.sh" \
	-f "$TMP/bin/vbench:/usr/local/bin/vbench" -l "$PLUGIN_A" -l "$(plugin_of rpc)" \
	-f "$D/images/text/text0_180.jpg:/data/" -f "$D/images/sample1.jpg:/data/" \
	>"$TMP/logs/mkguest.log" 2>&1 || { say "mkguest.sh failed"; exit 1; }

agent_start ab-noop noop || { say "agent: ${ERRS[*]}"; exit 1; }
agent_start ab-onnx onnx || { say "agent: ${ERRS[*]}"; exit 1; }

RESULTS=$TMP/logs/results.txt
: >"$RESULTS"
failed=0
CLS_ROUNDS=20 DET_ROUNDS=5
host_local() { # host_local LABEL
	local w img n
	for w in classify detect; do
		[ $w = classify ] && img=text0_180.jpg n=$CLS_ROUNDS || img=sample1.jpg n=$DET_ROUNDS
		if VACCEL_PLUGINS="$(plugin_of onnx)" VACCEL_RUNDIR="$TMP/host.vrun" \
			"$TMP/bin/vbench" $w "$TMP/data/$img" $n >"$TMP/vb.out" 2>>"$TMP/logs/host.err"; then
			sed "s/^VBENCH /VBENCH $1 /" "$TMP/vb.out" >>"$RESULTS"
		else
			say "host-local $w failed"
			failed=1
		fi
	done
}
mkdir -p "$TMP/host.vrun"
say "host-local references (before the VM)"
host_local host-local
say "VM: $rounds rounds of a and b"
t=$(now)
E2E_QEMU_PIDFILES+=("$TMP/ab.qemu.pid")
"$HERE/run-vm.sh" -i "$IMG" -k "$VACCEL_DEPS/vm/kernel/vmlinuz" -l "$TMP/logs/ab.console" \
	-P "$TMP/ab.qemu.pid" -t 900 \
	-p "org.vaccel.noop=${AGENT_SOCK[ab-noop]}" -p "org.vaccel.onnx=${AGENT_SOCK[ab-onnx]}" \
	-e AB_NOOP=vport://org.vaccel.noop -e AB_ONNX=vport://org.vaccel.onnx \
	-e "AB_a=$PLUGIN_A" -e "AB_b=$(plugin_of rpc)" -e AB_ROUNDS="$rounds" \
	${env_a:+-e "AB_ENV_a=$env_a"} ${env_b:+-e "AB_ENV_b=$env_b"} \
	-e AB_CLASSIFY_ROUNDS=$CLS_ROUNDS -e AB_DETECT_ROUNDS=$DET_ROUNDS ${envs[@]+"${envs[@]}"} \
	2>"$TMP/logs/ab.run-vm.log"
vrc=$?
say "VM run: rc=$vrc in $(since "$t") s"
[ $vrc -eq 0 ] || { say "guest failures: $(tr -d '\r' <"$TMP/logs/ab.console" | grep -a '^ERR' | head -n 3 | paste -sd '|')"; failed=1; }
tr -d '\r' <"$TMP/logs/ab.console" | grep -a '^VBENCH ' >>"$RESULTS"
say "host-local references (after the VM)"
host_local host-local-2
agent_stop ab-noop
agent_stop ab-onnx

# stats LABEL WHAT [FIELD]: "median min max n" of that label's round
# medians (or of FIELD: cpu)
stats() {
	awk -v l="$1" -v w="$2" -v f="${3:-median}=" '$1 == "VBENCH" && $2 == l && $3 == w {
		for (i = 4; i <= NF; i++) if (index($i, f) == 1) { sub(f, "", $i); v[n++] = $i + 0 } }
		END { if (!n) { print "" ; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			printf "%g %g %g %d\n", (n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2), v[0], v[n - 1], n }' "$RESULTS"
}
{
	echo "QEMU $(qemu-system-x86_64 --version | head -n 1 | sed 's/.*version \([^ ]*\).*/\1/') TCG guest (1 vCPU), virtio-serial; a: $PLUGIN_A, b: $(plugin_of rpc); $rounds rounds alternating a and b in one guest${shown:+ (guest environment:$shown)}${env_a:+; a with $env_a}${env_b:+; b with $env_b}; median of the rounds' medians [lowest-highest]; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo
	echo "| op (VM, vport) | a | b | b / a | host-local (lower of before / after the VM) | a / host-local | b / host-local | guest CPU time of the client, a | b |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for w in noop classify detect; do
		read -r ma la ha _ <<<"$(stats vm-a $w)"
		read -r mb lb hb _ <<<"$(stats vm-b $w)"
		read -r ca _ <<<"$(stats vm-a $w cpu)"
		read -r cb _ <<<"$(stats vm-b $w cpu)"
		read -r h1 _ <<<"$(stats host-local $w)"
		read -r h2 _ <<<"$(stats host-local-2 $w)"
		unit=ms
		[ $w = noop ] && unit=µs
		awk -v w="$w" -v u="$unit" -v ma="$ma" -v la="$la" -v ha="$ha" -v mb="$mb" -v lb="$lb" -v hb="$hb" \
			-v h1="$h1" -v h2="$h2" -v ca="$ca" -v cb="$cb" 'BEGIN {
			if (ma == "" || mb == "") { printf "| %s | n/a | n/a | | | | | | |\n", w; exit }
			h = (h1 != "" && (h2 == "" || h1 < h2)) ? h1 : h2
			hl = h == "" ? "n/a" : sprintf("%.3g %s (%.3g / %.3g)", h, u, h1, h2)
			ra = h == "" ? "" : sprintf("%.2f", ma / h); rb = h == "" ? "" : sprintf("%.2f", mb / h)
			printf "| %s | %.3g %s [%.3g-%.3g] | %.3g %s [%.3g-%.3g] | **%.3f** | %s | %s | **%s** | %.3g %s | %.3g %s |\n",
				w, ma, u, la, ha, mb, u, lb, hb, mb / ma, (w == "noop" ? "n/a" : hl), (w == "noop" ? "" : ra), (w == "noop" ? "" : rb),
				ca, u, cb, u }'
	done
} >&3
exit $failed
