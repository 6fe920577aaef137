#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of tests/vm/bench.sh: the vbench measurements over each
# channel given on the kernel command line (BENCH_<channel>_noop and
# BENCH_<channel>_onnx: the agents' URIs; BENCH_CHANNELS="vport tcp" as
# BENCH_CHANNELS=vport,tcp). Prints "VBENCH vm-<channel> ..." lines.
hostname vm-bench
status=0
# how fast the emulated CPU is: busybox sha256sum over the bulk size
mb=$((${BENCH_BYTES:-16777216} / 1048576))
dd if=/dev/zero of=/tmp/z bs=1048576 count="$mb" 2>/dev/null
t0=$(cut -d' ' -f1 /proc/uptime)
sha256sum /tmp/z >/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
rm -f /tmp/z
echo "GUEST-CPU Guest CPU (TCG): busybox sha256sum of $mb MiB took $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') s (host: ${BENCH_HOST_SHA:-?} s)."
for ch in $(echo "${BENCH_CHANNELS:-vport}" | tr ',' ' '); do
	noop="" onnx=""
	eval "noop=\${BENCH_${ch}_noop:-} onnx=\${BENCH_${ch}_onnx:-}"
	for m in "$noop noop ${BENCH_NOOP_CALLS:-1000} ${BENCH_NOOP_ROUNDS:-7}" \
		"$noop copy ${BENCH_BYTES:-16777216} ${BENCH_BULK_ROUNDS:-5}" \
		"$noop upload ${BENCH_BYTES:-16777216} ${BENCH_BULK_ROUNDS:-5}" \
		"$onnx classify /data/text0_180.jpg ${BENCH_CLASSIFY_ROUNDS:-30}" \
		"$onnx detect /data/sample1.jpg ${BENCH_DETECT_ROUNDS:-10}"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $m
		VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=$1 \
			/usr/local/bin/vbench "$2" "$3" "$4" >/tmp/vbench.out 2>&1 || status=1
		sed "s/^VBENCH /VBENCH vm-$ch /; s/^\([^V]\)/ERR vm-$ch \1/" /tmp/vbench.out
	done
done
exit "$status"
