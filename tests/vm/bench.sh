#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks of the VM tier (bench/run vm): the same measurements (the
# vbench program, tests/vm/guest/bench.c) inside a QEMU/TCG guest over
# virtio-serial and over TCP (user-mode network), and on the host over the
# agent's UNIX socket, in one run; prints markdown tables with ratios.
#
# usage: tests/vm/bench.sh [--help] [--quick] BUILD_DIR
#   --quick   fewer rounds (a smoke test of the script, about 40 s)
# Measurements (medians of rounds):
#   small-call round trip  vaccel_noop, noop plugin on the agent: us per call
#   bulk                   fpga_arraycopy of 16 MiB (16 MiB each way), noop
#                          plugin: ms per call, MiB/s each way
#   upload                 a 16 MiB DATA resource from memory, new content
#                          each round (SHA-256 on both sides, BLOB_PUT, the
#                          agent's cache): ms per upload
#   inference              classify (PP-OCR text image) and detect (the
#                          default CenterNet, 1920x1280 photo) per image,
#                          onnx plugin: against
#                          host-local (the plugin in the process)
# Host references run before and after the VM; the lower of the two
# medians is the ratio's denominator and both are shown. Exit: 0, 1 a measurement failed, 77 the
# VM tier cannot run here.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
quick=0
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	--quick) quick=1 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILD_DIR" >&2; exit 2; }
# shellcheck source=SCRIPTDIR/e2e-lib.sh
. "$HERE/e2e-lib.sh"
e2e_init "$HERE/work/bench" "$1"
exec 3>&1 1>&2 # tables on the original stdout, everything else on stderr

e2e_bench_check
KDIR=$VACCEL_DEPS/vm/kernel

if [ $quick -eq 1 ]; then
	NOOP_CALLS=300 NOOP_ROUNDS=3 BYTES=4194304 BULK_ROUNDS=3 CLS_ROUNDS=10 DET_ROUNDS=3
else
	NOOP_CALLS=1000 NOOP_ROUNDS=9 BYTES=16777216 BULK_ROUNDS=7 CLS_ROUNDS=40 DET_ROUNDS=15
fi
MIB=$(awk -v b="$BYTES" 'BEGIN{printf "%g", b/1048576}')

mkdir -p "$TMP/bin"
cc -std=c11 -O2 -Wall -Wextra -Werror -I"$B/include" -I"$VACCEL_ROOT/include" \
	-o "$TMP/bin/vbench" "$HERE/guest/bench.c" -L"$B/src" -lvaccel -Wl,-rpath,"$B/src" ||
	{ say "cannot compile tests/vm/guest/bench.c"; exit 1; }
e2e_link_data
IMG=$TMP/bench.cpio.gz
LD_LIBRARY_PATH=$B/src "$HERE/mkguest.sh" -o "$IMG" -s "$HERE/guest/bench.sh" \
	-f "$TMP/bin/vbench:/usr/local/bin/vbench" -l "$B/plugins/rpc/libvaccel-rpc.so" \
	-f "$D/images/text/text0_180.jpg:/data/" -f "$D/images/sample1.jpg:/data/" \
	>"$TMP/logs/mkguest.log" 2>&1 || { say "mkguest.sh failed"; exit 1; }

agent_start bench-noop noop || { say "agent: ${ERRS[*]}"; exit 1; }
agent_start bench-onnx onnx || { say "agent: ${ERRS[*]}"; exit 1; }
TOKEN=$(cat "$TOKEN_FILE")

RESULTS=$TMP/logs/results.txt
: >"$RESULTS"
failed=0
# host_run LABEL ENV... -- vbench args: one VBENCH line into RESULTS
host_run() {
	local label=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local cmd=("$TMP/bin/vbench" "$@")
	[ "$1" = taskset ] && cmd=("$@")
	if env "${envs[@]}" VACCEL_RUNDIR="$TMP/host.vrun" "${cmd[@]}" \
		>"$TMP/vb.out" 2>>"$TMP/logs/host.err"; then
		sed "s/^VBENCH /VBENCH $label /" "$TMP/vb.out" >>"$RESULTS"
	else
		say "host $label vbench $* failed"
		failed=1
	fi
}
RPC=$(plugin_of rpc)
mkdir -p "$TMP/host.vrun"
host_pass() { # host_pass SUFFIX
	local s=$1 n=unix://${AGENT_SOCK[bench-noop]} o=unix://${AGENT_SOCK[bench-onnx]}
	local tn=tcp://127.0.0.1:${AGENT_TCP[bench-noop]}
	host_run "host-unix$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" -- noop "$NOOP_CALLS" "$NOOP_ROUNDS"
	# on this machine (itself a VM) a wakeup on another vCPU costs tens of
	# microseconds: the same round trip with agent and client on one CPU
	# and on two
	if [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] && command -v taskset >/dev/null; then
		taskset -a -p -c 0 "${AGENT_PID[bench-noop]}" >/dev/null
		host_run "host-unix-samecpu$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" -- \
			taskset -c 0 "$TMP/bin/vbench" noop "$NOOP_CALLS" "$NOOP_ROUNDS"
		host_run "host-unix-crosscpu$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" -- \
			taskset -c 1 "$TMP/bin/vbench" noop "$NOOP_CALLS" "$NOOP_ROUNDS"
		taskset -a -p -c "0-$(($(getconf _NPROCESSORS_ONLN) - 1))" "${AGENT_PID[bench-noop]}" >/dev/null
	fi
	host_run "host-tcp$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$tn" VACCEL_RPC_TOKEN="$TOKEN" -- noop "$NOOP_CALLS" "$NOOP_ROUNDS"
	host_run "host-unix$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" VACCEL_RPC_SHM=0 -- copy "$BYTES" "$BULK_ROUNDS"
	host_run "host-unix-shm$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" -- copy "$BYTES" "$BULK_ROUNDS"
	host_run "host-unix$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" VACCEL_RPC_SHM=0 -- upload "$BYTES" "$BULK_ROUNDS"
	host_run "host-unix-shm$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$n" -- upload "$BYTES" "$BULK_ROUNDS"
	host_run "host-local$s" VACCEL_PLUGINS="$(plugin_of onnx)" -- classify "$TMP/data/text0_180.jpg" "$CLS_ROUNDS"
	host_run "host-local$s" VACCEL_PLUGINS="$(plugin_of onnx)" -- detect "$TMP/data/sample1.jpg" "$DET_ROUNDS"
	host_run "host-unix$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$o" -- classify "$TMP/data/text0_180.jpg" "$CLS_ROUNDS"
	host_run "host-unix$s" VACCEL_PLUGINS="$RPC" VACCEL_RPC_ADDRESS="$o" -- detect "$TMP/data/sample1.jpg" "$DET_ROUNDS"
}

say "host measurements (before the VM)"
host_pass ""
head -c "$BYTES" /dev/zero >"$TMP/z"
t=$(now)
busybox sha256sum "$TMP/z" >/dev/null
HOST_SHA=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
rm -f "$TMP/z"
say "VM measurements"
t=$(now)
E2E_QEMU_PIDFILES+=("$TMP/bench.qemu.pid")
"$HERE/run-vm.sh" -i "$IMG" -k "$KDIR/vmlinuz" -l "$TMP/logs/bench.console" -P "$TMP/bench.qemu.pid" -t 300 \
	-p "org.vaccel.noop=${AGENT_SOCK[bench-noop]}" -p "org.vaccel.onnx=${AGENT_SOCK[bench-onnx]}" -n \
	-e BENCH_CHANNELS=vport,tcp -e VACCEL_RPC_TOKEN="$TOKEN" \
	-e BENCH_vport_noop=vport://org.vaccel.noop -e BENCH_vport_onnx=vport://org.vaccel.onnx \
	-e "BENCH_tcp_noop=tcp://10.0.2.2:${AGENT_TCP[bench-noop]}" \
	-e "BENCH_tcp_onnx=tcp://10.0.2.2:${AGENT_TCP[bench-onnx]}" \
	-e BENCH_NOOP_CALLS=$NOOP_CALLS -e BENCH_NOOP_ROUNDS=$NOOP_ROUNDS -e BENCH_BYTES=$BYTES \
	-e BENCH_BULK_ROUNDS=$BULK_ROUNDS -e BENCH_CLASSIFY_ROUNDS=$CLS_ROUNDS \
	-e BENCH_DETECT_ROUNDS=$DET_ROUNDS -e BENCH_HOST_SHA="$HOST_SHA" 2>"$TMP/logs/bench.run-vm.log"
vrc=$?
say "VM run: rc=$vrc in $(since "$t") s"
[ $vrc -eq 0 ] || { say "guest failures: $(tr -d '\r' <"$TMP/logs/bench.console" | grep -a '^ERR' | head -n 3 | paste -sd '|')"; failed=1; }
tr -d '\r' <"$TMP/logs/bench.console" | grep -a '^VBENCH ' >>"$RESULTS"
say "host measurements (after the VM)"
host_pass "-2"
agent_stop bench-noop
agent_stop bench-onnx

# med LABEL WHAT: the median of that result line ("" if missing)
med() {
	awk -v l="$1" -v w="$2" '$1 == "VBENCH" && $2 == l && index($0, " " w " ") {
		for (i = 3; i <= NF; i++) if ($i ~ /^median=/) { sub("median=", "", $i); print $i; exit } }' "$RESULTS"
}
# ref LABEL WHAT: "lower|a / b" of the two host passes (the lower one is
# the less disturbed by the machine's other load)
ref() {
	local a b
	a=$(med "$1" "$2") b=$(med "$1-2" "$2")
	awk -v a="$a" -v b="$b" 'BEGIN{ if (a == "" || b == "") { print "|n/a"; exit }
		printf "%.3f|%.3g / %.3g\n", (a < b ? a : b), a, b }'
}
fmt() { awk -v x="$1" 'BEGIN{ if (x == "") print "n/a"; else printf "%.3g", x }'; }
ratio() { awk -v x="$1" -v r="$2" 'BEGIN{ if (x == "" || r == "" || r == 0) print "n/a"; else printf "%.2f", x / r }'; }
mibs() { awk -v ms="$1" -v m="$MIB" 'BEGIN{ if (ms == "" || ms == 0) print "n/a"; else printf "%.0f", m / (ms / 1000) }'; }

{
	echo "VM tier: QEMU $(qemu-system-x86_64 --version | head -n 1 | sed 's/.*version \([^ ]*\).*/\1/') TCG (1 vCPU, -cpu max), Debian cloud kernel $(head -n 1 "$KDIR/VERSION" 2>/dev/null | cut -d' ' -f1-2), $(getconf _NPROCESSORS_ONLN) host CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; medians of rounds; host references measured before / after the VM in the same run (ratios use the lower). $(tr -d '\r' <"$TMP/logs/bench.console" | sed -n 's/^GUEST-CPU //p')"
	echo
	IFS='|' read -r rn rnshow <<<"$(ref host-unix noop)"
	IFS='|' read -r rsame rsameshow <<<"$(ref host-unix-samecpu noop)"
	IFS='|' read -r _ rcrossshow <<<"$(ref host-unix-crosscpu noop)"
	echo "| small-call round trip (\`vaccel_noop\`, noop plugin on the agent) | µs per call | calls/s | ratio to host UNIX | ratio to host UNIX, one CPU |"
	echo "|---|---|---|---|---|"
	echo "| host, UNIX socket (reference; the scheduler places agent and client) | $rnshow | $(awk -v x="$rn" 'BEGIN{printf "%.0f", 1e6/x}') | 1.00 | $(ratio "$rn" "$rsame") |"
	echo "| host, UNIX socket, agent and client pinned to one CPU | $rsameshow | $(awk -v x="$rsame" 'BEGIN{ if (x == "") print "n/a"; else printf "%.0f", 1e6/x}') | $(ratio "$rsame" "$rn") | 1.00 |"
	echo "| host, UNIX socket, pinned to two CPUs | $rcrossshow | | | |"
	for p in host-tcp vm-vport vm-tcp; do
		case $p in
		host-tcp) name="host, TCP 127.0.0.1 (token)"; IFS='|' read -r v _ <<<"$(ref host-tcp noop)" ;;
		vm-vport) name="VM, virtio-serial (vport)"; v=$(med vm-vport noop) ;;
		vm-tcp) name="VM, TCP via slirp (10.0.2.2)"; v=$(med vm-tcp noop) ;;
		esac
		echo "| $name | $(fmt "$v") | $(awk -v x="$v" 'BEGIN{ if (x == "") print "n/a"; else printf "%.0f", 1e6/x}') | **$(ratio "$v" "$rn")** | $(ratio "$v" "$rsame") |"
	done
	echo
	IFS='|' read -r rc rcshow <<<"$(ref host-unix "copy bytes=$BYTES")"
	IFS='|' read -r rcs rcsshow <<<"$(ref host-unix-shm "copy bytes=$BYTES")"
	echo "| bulk: \`fpga_arraycopy\` of $MIB MiB (sent and returned) | ms per call | MiB/s each way | ratio to host UNIX |"
	echo "|---|---|---|---|"
	echo "| host, UNIX socket, bytes on the socket (\`VACCEL_RPC_SHM=0\`, reference) | $rcshow | $(mibs "$rc") | 1.00 |"
	echo "| host, UNIX socket, shared memory (default) | $rcsshow | $(mibs "$rcs") | $(ratio "$rcs" "$rc") |"
	for p in vm-vport vm-tcp; do
		v=$(med $p "copy bytes=$BYTES")
		[ $p = vm-vport ] && name="VM, virtio-serial" || name="VM, TCP via slirp"
		echo "| $name | $(fmt "$v") | $(mibs "$v") | **$(ratio "$v" "$rc")** |"
	done
	echo
	IFS='|' read -r ru rushow <<<"$(ref host-unix "upload bytes=$BYTES")"
	IFS='|' read -r rus russhow <<<"$(ref host-unix-shm "upload bytes=$BYTES")"
	echo "| upload: a $MIB MiB resource, new content each time (SHA-256 both sides, cache write) | ms per upload | MiB/s | ratio to host UNIX |"
	echo "|---|---|---|---|"
	echo "| host, UNIX socket, bytes on the socket (\`VACCEL_RPC_SHM=0\`, reference) | $rushow | $(mibs "$ru") | 1.00 |"
	echo "| host, UNIX socket, shared memory (default) | $russhow | $(mibs "$rus") | $(ratio "$rus" "$ru") |"
	for p in vm-vport vm-tcp; do
		v=$(med $p "upload bytes=$BYTES")
		[ $p = vm-vport ] && name="VM, virtio-serial" || name="VM, TCP via slirp"
		echo "| $name | $(fmt "$v") | $(mibs "$v") | **$(ratio "$v" "$ru")** |"
	done
	echo
	echo "| inference per image (onnx plugin) | host-local (plugin in the process) | host, UNIX socket | VM, virtio-serial | VM, TCP via slirp | VM vport / host-local | VM TCP / host-local |"
	echo "|---|---|---|---|---|---|---|"
	for w in "classify image=text0_180.jpg" "detect image=sample1.jpg"; do
		IFS='|' read -r hl hlshow <<<"$(ref host-local "$w")"
		IFS='|' read -r hu hushow <<<"$(ref host-unix "$w")"
		vv=$(med vm-vport "$w") vt=$(med vm-tcp "$w")
		case "$w" in
		classify*) name="classify \`text0_180.jpg\` (350x47, PP-OCR cls)" ;;
		*) name="detect \`sample1.jpg\` (1920x1280, 145 KB, CenterNet)" ;;
		esac
		echo "| $name | $hlshow ms | $hushow ms ($(ratio "$hu" "$hl")) | $(fmt "$vv") ms | $(fmt "$vt") ms | **$(ratio "$vv" "$hl")** | **$(ratio "$vt" "$hl")** |"
	done
} >&3
exit $failed
