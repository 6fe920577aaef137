#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of the VM tier's op scenarios (run by /init): every op of
# /guest/ops.list through the agents named by AGENT_<backend> (vport:// or
# tcp://, from the kernel command line). With BADTOKEN=1 (TCP), one more
# call with a wrong token must be refused.
hostname "${VM_NAME:-vm}"
: "${AGENT_onnx:?AGENT_onnx=URI of the onnx agent}"
mkdir -p /tmp
DATA=/data OUTDIR=/tmp/out BIN=/usr/local/bin MODE=remote sh /guest/run-ops.sh /guest/ops.list
rc=$?
if [ "${BADTOKEN:-0}" = 1 ]; then
	VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=$AGENT_onnx \
		VACCEL_RPC_TOKEN=not-the-token classify /data/text0_180.jpg \
		>/tmp/badtoken.out 2>&1
	echo "BADTOKEN rc=$?"
	sed 's/^/BADTOKEN: /' /tmp/badtoken.out
fi
exit "$rc"
