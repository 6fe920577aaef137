#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of vm-agent-restart: one program before the host restarts the
# agent (the port's host connection breaks; QEMU reconnects), one after.
hostname "${VM_NAME:-vm}"
: "${AGENT_onnx:?AGENT_onnx=URI of the onnx agent}"
mkdir -p /tmp
export DATA=/data OUTDIR=/tmp/out BIN=/usr/local/bin MODE=remote
ONLY=classify-text0 sh /guest/run-ops.sh /guest/ops.list || exit 1
echo RESTART-NOW
sleep 1
ONLY=classify-text180 sh /guest/run-ops.sh /guest/ops.list
