#!/bin/bash
# Runs inside the fresh Debian 12 root of the package scenario (chroot, own
# mount and pid namespaces; tests/ops/run-tests.sh deb-install). Installs
# /tmp/ops/debs/*.deb, runs the installed programs locally and through the
# installed agent, stops the agent and purges every package. One line per
# check: "CHECK ok NAME" or "CHECK FAIL NAME: why"; outputs go to
# /tmp/ops/out/NAME.out for the comparison with the host's results.
set -u
O=/tmp/ops/out
EX=/usr/libexec/vaccel/examples
IMG=/usr/share/vaccel/images/example.jpg
mkdir -p "$O"
# nothing from the caller's environment but PATH: the packages' defaults
# must find ONNX Runtime, the models and the plugins by themselves
unset VACCEL_DEPS VACCEL_PLUGINS VACCEL_ONNX_LIBRARY VACCEL_RPC_ADDRESS
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 HOME=/root

ok() { echo "CHECK ok $1"; }
fail() { echo "CHECK FAIL $1: $2"; }
check() { # check NAME CMD...: stdout to $O/NAME.out, stderr to NAME.err
	local name=$1
	shift
	if "$@" >"$O/$name.out" 2>"$O/$name.err"; then
		ok "$name"
	else
		fail "$name" "exit $? ($(tail -n 2 "$O/$name.err" | paste -sd '|'))"
	fi
}

pkgs=$(for f in /tmp/ops/debs/*.deb; do dpkg-deb -f "$f" Package; done)
check dpkg-install dpkg -i /tmp/ops/debs/*.deb
check group-vaccel getent group vaccel
check agent-version vaccel-agent --version

# local: the onnx plugin by its bare name from the plugin directory, its
# ONNX Runtime from the private directory, its models from the models
# package
check local-classify env VACCEL_PLUGINS=libvaccel-onnx.so "$EX/classify" "$IMG"
check local-detect env VACCEL_PLUGINS=libvaccel-onnx.so "$EX/detect" "$IMG"

# through the installed agent on a UNIX socket
mkdir -p /run/vaccel
vaccel-agent --listen unix:///run/vaccel/agent.sock --plugins libvaccel-onnx.so \
	--ready-file /run/vaccel/ready >"$O/agent.log" 2>&1 &
agent=$!
for _ in $(seq 100); do [ -s /run/vaccel/ready ] && break; sleep 0.1; done
if [ -s /run/vaccel/ready ]; then ok agent-start; else fail agent-start "no ready file in 10 s"; fi
export VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix:///run/vaccel/agent.sock
check remote-classify "$EX/classify" "$IMG"
check remote-detect "$EX/detect" "$IMG"
check remote-cli vaccel run detect "$IMG"
check remote-python python3 -c 'import pathlib, vaccel
with vaccel.Session() as s:
    print(s.detect(pathlib.Path("'"$IMG"'")))'
kill -TERM "$agent"
wait "$agent"
rc=$?
if [ "$rc" -eq 0 ]; then ok agent-stop; else fail agent-stop "exit $rc on SIGTERM"; fi
unset VACCEL_PLUGINS VACCEL_RPC_ADDRESS
rm -rf /run/vaccel

# shellcheck disable=SC2086 # one argument per package
check dpkg-purge dpkg --purge $pkgs
