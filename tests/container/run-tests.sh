#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The container tier: applications inside runc containers (minimal busybox
# rootfs, own namespaces, no network) call the host's vaccel-agent through
# its UNIX socket, bind-mounted at /run/vaccel (issue 6; tests/vm/README.md).
#
# usage: tests/container/run-tests.sh [--help] [--only NAME]... BUILD_DIR
#   BUILD_DIR: a configured and compiled meson tree (e.g. build-ci).
# Scenarios (one line each: "ok NAME (Ss)", "FAIL NAME: why", "skip NAME: why"):
#   ctr-ops        one container, three agents (onnx, blas, exec; their
#                  sockets in one bind-mounted directory): the ops of
#                  tests/vm/ops.list (classify, detect, a model run, pose,
#                  segment, sgemm, exec, exec_with_resource); results equal
#                  host-local; one agent connection per program, nothing left;
#                  large buffers went through shared memory (memfd)
#   ctr-kill       a container killed (SIGKILL of its process) 0.5 s into a
#                  3 s call: the agent finishes the call, frees the
#                  connection's session, and serves the next container
#   (the Kubernetes manifests, deploy/k8s, are checked by tests/ops)
# Exit: 0 all passed, 1 a scenario failed, 77 the tier cannot run here
# (runc missing, not root, ...: the reason is printed), 2 usage. Logs of the
# last run stay in tests/container/work/last-run/. Agents and containers are
# ended by PID (run-container.sh deletes its container), also on failure.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VM=$(cd "$HERE/../vm" && pwd)

# shellcheck source=SCRIPTDIR/../vm/e2e-lib.sh
. "$VM/e2e-lib.sh"
e2e_args "$@"
e2e_init "$HERE/work" "$E2E_BUILD_ARG"
cannot_run() { say "the container tier cannot run here: $*"; echo "skip container-tier: $*"; exit 77; }

command -v runc >/dev/null 2>&1 || cannot_run "runc not found (apt-get install runc)"
[ "$(id -u)" -eq 0 ] || cannot_run "runc needs root here (rootless containers are not set up)"
for t in ldd ldconfig; do command -v "$t" >/dev/null 2>&1 || cannot_run "$t not found"; done
[ -x /usr/bin/python3 ] || cannot_run "/usr/bin/python3 not found"
[ -x /bin/busybox ] || cannot_run "/bin/busybox not found (busybox-static)"
why=$(e2e_need_build)
[ -z "$why" ] || cannot_run "$why (configure with the rpc, onnx, blas and exec plugins)"
why=$(e2e_need_data)
[ -z "$why" ] || cannot_run "$why"

# ---- the bundle: examples, libvaccel, the rpc plugin, the inputs ---------------
t0=$(now)
cat >"$TMP/test.sh" <<'EOF'
#!/bin/sh
# the container's process (from tests/container/run-tests.sh)
case "${SCENARIO:-ops}" in
ops)
	DATA=/data OUTDIR=/tmp/out BIN=/usr/local/bin MODE=remote \
		exec sh /guest/run-ops.sh /guest/ops.list ;;
mbench)
	echo "CTR-MBENCH start ${MBENCH_MS}"
	VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=$AGENT_mbench \
		exec /usr/local/bin/mbench "$MBENCH_MS" /data/dog.jpg 1 ;;
esac
EOF
BUNDLE=$TMP/bundle
margs=(-o "$BUNDLE" -s "$TMP/test.sh"
	-f "$VM/guest/run-ops.sh:/guest/run-ops.sh" -f "$VM/ops.list:/guest/ops.list"
	-l "$B/plugins/rpc/libvaccel-rpc.so")
for p in classify detect pose segment sgemm exec exec_with_resource mbench; do
	margs+=(-f "$B/examples/$p:/usr/local/bin/$p")
done
mapfile -t dargs < <(e2e_data_args)
if ! LD_LIBRARY_PATH=$B/src "$HERE/mkbundle.sh" "${margs[@]}" "${dargs[@]}" \
	>"$TMP/logs/mkbundle.log" 2>&1; then
	echo "FAIL ctr-bundle: mkbundle.sh failed: $(tail -n 2 "$TMP/logs/mkbundle.log" | paste -sd '|')"
	exit 1
fi
if find "$BUNDLE/rootfs" -name 'libtorch*' -o -name 'libonnxruntime*' -o -name 'libvaccel-onnx*' \
	-o -name 'libvaccel-blas*' -o -name 'libvaccel-exec*' | grep -q .; then
	echo "FAIL ctr-bundle: backend libraries in the rootfs"
	exit 1
fi
say "bundle $(du -sh "$BUNDLE/rootfs" | cut -f1) in $(since "$t0") s"
e2e_host_reference || say "host-local reference run had failures (see host-local.out)"

# The agents' sockets live in one directory, mounted at /run/vaccel.
export AGENT_SOCKDIR=$TMP/sock
mkdir -p "$AGENT_SOCKDIR"

# run_ctr NAME [run-container.sh args...]: CTR_RC, CTR_WALL; log NAME.log
run_ctr() {
	local name=$1 t
	shift
	t=$(now)
	"$HERE/run-container.sh" -b "$BUNDLE" -S "$AGENT_SOCKDIR" -i "$name-$$" \
		-l "$TMP/logs/$name.log" "$@" 2>"$TMP/logs/$name.run-container.log"
	CTR_RC=$?
	CTR_WALL=$(since "$t")
}

ops_of() { awk -v b="$1" '!/^#/ && NF && $2 == b {n++} END {print n+0}' "$VM/ops.list"; }

scenario_ops() {
	local name=ctr-ops t0 a ok=1 args=()
	t0=$(now)
	for a in onnx blas exec; do
		if [ $a = exec ]; then
			agent_start "$name-$a" $a --exec-allow "$B/examples" || ok=0
		else
			agent_start "$name-$a" $a || ok=0
		fi
		args+=(-e "AGENT_$a=unix:///run/vaccel/$name-$a.sock")
	done
	if [ $ok -eq 1 ]; then
		run_ctr "$name" -t 60 -e SCENARIO=ops "${args[@]}"
		[ "$CTR_RC" -eq 0 ] || err "run-container.sh rc=$CTR_RC ($(tail -n 1 "$TMP/logs/$name.run-container.log"))"
		e2e_compare "$TMP/logs/$name.log" "$name"
		for a in onnx blas exec; do
			local n ends log=$TMP/logs/$name-$a.agent.log
			n=$(ops_of $a)
			ends=$(agent_end_lines "$name-$a")
			# one connection per program, from inside the container
			# (identity prog[pid]@vaccel-test), ended by BYE
			[ "$(grep -c -E "id \"[a-z_]+\[[0-9]+\]@vaccel-test\": .*end: bye$" <<<"$ends")" -eq "$n" ] ||
				err "agent $a: $(grep -c . <<<"$ends") connections ended, want $n ended with BYE from the container"
			check_left "$name-$a"
			grep -q ' error: ' "$log" && err "agent $a logged errors: $(grep ' error: ' "$log" | head -n 1 | cut -c1-200)"
			wait_stats "$name-$a" 3 conns=0 sessions=0 resources=0 shm_bytes=0
		done
		# the photo (141 KiB) and the 8 MiB model went through shared memory
		# (memfds passed over the socket across the container boundary): the
		# detect connections carried only KiBs on the socket
		local cn
		cn=$(grep -a 'id "detect\[' "$TMP/logs/$name-onnx.agent.log" | grep -a ', in [0-9.]*\(B\|KiB\),' | grep -c . || true)
		[ "$cn" -eq 2 ] || err "shared memory not used by the container's detect programs ($cn of 2 connections carried only KiBs)"
		e2e_note "$name: $(ops_of onnx) onnx, $(ops_of blas) blas, $(ops_of exec) exec programs in ${CTR_WALL} s; bulk data through shared memory"
	fi
	for a in onnx blas exec; do agent_stop "$name-$a"; done
	local want got
	want=$(e2e_mytestlib_lines)
	# (a worker's output reaches the agent's log through its front:
	# "TIME vaccel-agent[PID] worker[PID TENANT] output: LINE")
	got=$(grep -c -E '\] output: (I got nr_in: |I got input: |Will return output: )' "$TMP/logs/$name-exec.agent.log" || true)
	[ "$got" -eq "$want" ] || err "the exec agent printed $got libmytestlib lines, want $want"
	e2e_result "$name" "$t0"
}

scenario_kill() {
	local name=ctr-kill t0 pidfile pid tk aline="" tend
	t0=$(now)
	# exec ops (mbench's) need an --exec-allow directory holding a file
	# named "mbench": the examples' directory has the mbench program
	agent_start "$name-mbench" mbench --exec-allow "$B/examples" || { e2e_result "$name" "$t0"; return; }
	pidfile=$TMP/$name.pid
	"$HERE/run-container.sh" -b "$BUNDLE" -S "$AGENT_SOCKDIR" -i "$name-a-$$" \
		-l "$TMP/logs/$name-a.log" -P "$pidfile" -t 30 -e SCENARIO=mbench -e MBENCH_MS=3000 \
		-e "AGENT_mbench=unix:///run/vaccel/$name-mbench.sock" 2>"$TMP/logs/$name-a.run-container.log" &
	local rpid=$!
	e2e_track "$rpid"
	# the call is in flight once the agent has the session
	if ! wait_stats "$name-mbench" 10 sessions=1; then
		err "the container's call did not start"
	else
		sleep 0.5
		pid=$(cat "$pidfile" 2>/dev/null)
		tk=$(now)
		[ -n "$pid" ] && kill -KILL "$pid"
		for _ in $(seq 200); do
			aline=$(agent_end_lines "$name-mbench" | head -n 1)
			[ -n "$aline" ] && break
			sleep 0.05
		done
		tend=$(since "$tk")
		local rc=0
		wait "$rpid" || rc=$?
		[ "$rc" -eq 126 ] || err "run-container.sh of the killed container: rc=$rc, want 126"
		if [ -z "$aline" ]; then
			err "the agent did not end the killed container's connection within 10 s"
		else
			e2e_note "$name: container killed 0.5 s into a 3 s call; the agent ended its connection $tend s later: ${aline##*\": }"
			awk -v t="$tend" 'BEGIN{exit !(t >= 1.0)}' || err "connection ended $tend s after the kill: no call in flight?"
			grep -q 'left 1 sessions 0 resources; end: ' <<<"$aline" || err "killed container's connection: left ${aline##*left }"
		fi
		wait_stats "$name-mbench" 10 conns=0 sessions=0 resources=0 shm_bytes=0
		if runc list -q 2>/dev/null | grep -q "^$name-a-$$\$"; then
			err "the killed container is still listed by runc"
		fi
	fi
	e2e_untrack "$rpid"
	e2e_kill "$rpid"
	# the agent goes on serving: another container's call
	run_ctr "$name-b" -t 30 -e SCENARIO=mbench -e MBENCH_MS=100 \
		-e "AGENT_mbench=unix:///run/vaccel/$name-mbench.sock"
	[ "$CTR_RC" -eq 0 ] || err "the next container failed: rc=$CTR_RC ($(tail -n 2 "$TMP/logs/$name-b.log" | paste -sd '|'))"
	wait_stats "$name-mbench" 3 conns=0 sessions=0 resources=0
	agent_stop "$name-mbench"
	e2e_result "$name" "$t0"
}

e2e_wanted ctr-ops && scenario_ops
e2e_wanted ctr-kill && scenario_kill
e2e_exit
