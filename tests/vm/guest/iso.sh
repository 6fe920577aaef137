#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of the two-VM isolation and fault scenario: the isolation
# program (tests/vm/guest/isolation.c) on the onnx agent's port, driven by
# the host through the control port vaccel.ctl.
hostname "${VM_NAME:-vm}"
: "${AGENT_onnx:?AGENT_onnx=URI of the onnx agent}"
VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=$AGENT_onnx \
	isolation serve --ctl /dev/virtio-ports/vaccel.ctl \
	--image /data/text0_180.jpg --model /data/linear_fixed.onnx \
	--busy-model /data/centernet.onnx \
	--skip "${ISO_SKIP:-0}" --sessions 3
