#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of vm-vport-app-killed: a guest program is killed (SIGKILL)
# in the middle of a 3 s call on the port; the next program on the same
# port must resynchronise the stream and be served, and the agent must drop
# the dead program's state (protocol.md §4.2-4.3).
hostname "${VM_NAME:-vm}"
: "${AGENT_mbench:?AGENT_mbench=URI of the mbench agent}"
export VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS="$AGENT_mbench"
/usr/local/bin/mbench 3000 /data/dog.jpg 1 &
p=$!
sleep 1
kill -9 "$p"
wait "$p"
echo "APPKILL killed rc=$?"
/usr/local/bin/mbench 100 /data/dog.jpg 2
rc=$?
echo "APPKILL next rc=$rc"
exit "$rc"
