#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The VM tier: applications inside QEMU/TCG guests call the host's
# vaccel-agent, end to end (issue 6; tests/vm/README.md, "The VM tier").
#
# usage: tests/vm/run-tests.sh [--help] [--only NAME]... BUILD_DIR
#   BUILD_DIR: a configured and compiled meson tree (e.g. build-ci) with the
#   rpc plugin, the agent, the examples and the onnx, blas, exec plugins.
# Scenarios (one line each: "ok NAME (Ss)", "FAIL NAME: why", "skip NAME: why"):
#   vm-vport-ops   one guest, three agents (onnx, blas, exec), one virtio-serial
#                  port each: classify, detect, a model run (CenterNet uploaded
#                  as a MODEL resource), pose, segment, sgemm, exec,
#                  exec_with_resource; results equal host-local
#   vm-tcp-ops     the same over TCP through QEMU's user-mode network (guest
#                  10.0.2.2 -> host 127.0.0.1), token on the kernel command
#                  line; a wrong token is refused
#   vm-vport-app-killed
#                  a guest program killed (SIGKILL) in the middle of a call;
#                  the next program on the same port resynchronises the
#                  stream and is served; the agent drops the dead one's state
#   vm-agent-restart
#                  the agent is restarted while the VM runs; QEMU reconnects
#                  the port and the guest's next program is served
#   vm-two-vms-isolation-kill
#                  two guests at once on one agent: each forges the other's
#                  session and resource ids (refused: ENOENT); one is killed
#                  with SIGKILL in the middle of a call: the agent frees all
#                  it held and keeps serving the other, which completes
#   vm-agent-cgroup2
#                  the agent's cgroup v2 path (this host has memory and pids
#                  on cgroup v1 only): vaccel-agent with the faulty test
#                  backend runs IN a guest of its own (2 GiB) on a pure
#                  cgroup2 hierarchy, alone in /sys/fs/cgroup/agent with
#                  --worker-cgroups on --worker-memory 256M: it moves itself
#                  to agent/vaccel-front, its worker runs in
#                  agent/vaccel-agent.PID.START/t-HASH (memory.max 256 MiB, pids.max
#                  its share of pid_max/2); 1 GiB in a memfd ends that worker "over its memory
#                  limit of 256 MiB", 64 MiB works (charged to the next
#                  worker's group); a worker killed by an ancestor's limit
#                  is not said over its own; the agent's directory goes at
#                  SIGTERM.
#                  Controls: --worker-cgroups off lets the 1 GiB through;
#                  a group shared with another process is refused. In the
#                  root group: no move; a SIGKILLed agent's groups (its
#                  worker's programs, a process put there) are removed, and
#                  what is in them ended, by the next agent's start. A
#                  group delegated to nobody: the agent as nobody moves
#                  itself and limits its workers the same; a worker (its
#                  uid owns the group files) cannot leave its group or
#                  raise its memory.max (faulty 'write': EACCES).
#                  Skipped where the guest kernel lacks memory or pids
#                  on cgroup2; needs the faulty plugin (-Dtests=enabled)
#   vm-systemd-unit
#                  the packaged units under a real systemd: a guest whose
#                  PID 1 is Debian 12's systemd (mmdebstrap root,
#                  systemd-root.sh; mksystemd-guest.sh) on pure cgroup2, the
#                  agent installed as the package installs it and started
#                  by vaccel-agent.socket (LISTEN_FDS); --worker-cgroups on
#                  --worker-memory 256M: the start line names memory, pids
#                  (cpu) under system.slice/vaccel-agent.service, the front
#                  is in .../vaccel-front, a worker in
#                  .../vaccel-agent.PID.START/t-HASH (memory.max 256 MiB);
#                  1 GiB in a memfd ends it over its limit, the next call
#                  is served; systemctl stop leaves no vaccel-agent.* group
#                  and the unit inactive, systemctl start works again.
#                  Negative control: the unit with ProtectControlGroups=yes
#                  and no Delegate= (a runtime drop-in) gets no cgroups and
#                  lets the 1 GiB through. Skipped without root, a cached
#                  root or mmdebstrap, or the faulty plugin
# Each also checks QEMU's exit code, the guest markers, the power-off, the
# agent's log (one line per connection, nothing left) and INFO stats, and
# that a boot-run-poweroff stays under 60 s (vm-agent-cgroup2: its guest's
# own checks, the agents' logs and exit codes).
# Exit: 0 all passed, 1 a scenario failed, 77 the tier cannot run here
# (the reason is printed), 2 usage. Logs of the last run stay in
# tests/vm/work/last-run/. Every agent, QEMU and helper started here is
# ended by PID, also on failure or interruption; the scratch dir is removed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=SCRIPTDIR/e2e-lib.sh
. "$HERE/e2e-lib.sh"
# each connection to an agent's UNIX socket is QEMU's, for one VM: a tenant
AGENT_UNIX_TENANT=conn
e2e_args "$@"
e2e_init "$HERE/work" "$E2E_BUILD_ARG"

cannot_run() { say "the VM tier cannot run here: $*"; echo "skip vm-tier: $*"; exit 77; }

# ---- can this machine run the tier? --------------------------------------
for t in qemu-system-x86_64 cpio gzip ldd ldconfig cc; do
	command -v "$t" >/dev/null 2>&1 || cannot_run "$t not found (scripts/setup-deps.sh installs qemu-system-x86 busybox-static cpio)"
done
[ -x /usr/bin/python3 ] || cannot_run "/usr/bin/python3 not found"
[ -x /bin/busybox ] || cannot_run "/bin/busybox not found (busybox-static)"
why=$(e2e_need_build)
[ -z "$why" ] || cannot_run "$why (configure with the rpc, onnx, blas and exec plugins)"
why=$(e2e_need_data)
[ -z "$why" ] || cannot_run "$why"
if ! "$HERE/fetch-kernel.sh" >"$TMP/logs/fetch-kernel.log" 2>&1; then
	cannot_run "no guest kernel: $(tail -n 1 "$TMP/logs/fetch-kernel.log")"
fi
KDIR=$VACCEL_DEPS/vm/kernel
[ -s "$KDIR/vmlinuz" ] || cannot_run "no $KDIR/vmlinuz"

# ---- the guest: examples, the isolation program, libvaccel, rpc plugin ----
t0=$(now)
mkdir -p "$TMP/bin"
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -I"$B/include" -I"$VACCEL_ROOT/include" \
	-o "$TMP/bin/isolation" "$HERE/guest/isolation.c" -L"$B/src" -lvaccel \
	-Wl,-rpath,"$B/src" 2>"$TMP/logs/isolation.cc.log"; then
	echo "FAIL vm-guest-image: cannot compile tests/vm/guest/isolation.c: $(head -n 3 "$TMP/logs/isolation.cc.log" | paste -sd '|')"
	exit 1
fi
IMG=$TMP/guest.cpio.gz
margs=(-o "$IMG" -s "$HERE/guest/ops.sh"
	-f "$HERE/guest/ops.sh:/guest/ops.sh" -f "$HERE/guest/iso.sh:/guest/iso.sh"
	-f "$HERE/guest/appkill.sh:/guest/appkill.sh" -f "$HERE/guest/restart.sh:/guest/restart.sh"
	-f "$HERE/guest/run-ops.sh:/guest/run-ops.sh" -f "$HERE/ops.list:/guest/ops.list"
	-f "$TMP/bin/isolation:/usr/local/bin/isolation"
	-l "$B/plugins/rpc/libvaccel-rpc.so")
for p in classify detect pose segment sgemm exec exec_with_resource mbench; do
	margs+=(-f "$B/examples/$p:/usr/local/bin/$p")
done
mapfile -t dargs < <(e2e_data_args)
if ! LD_LIBRARY_PATH=$B/src "$HERE/mkguest.sh" "${margs[@]}" "${dargs[@]}" \
	>"$TMP/logs/mkguest.log" 2>&1; then
	echo "FAIL vm-guest-image: mkguest.sh failed: $(tail -n 2 "$TMP/logs/mkguest.log" | paste -sd '|')"
	exit 1
fi
# No libtorch and no ONNX Runtime may be in the guest: only the app,
# libvaccel, the rpc plugin and their library closure.
if gzip -dc "$IMG" | cpio -t --quiet 2>/dev/null | grep -E 'libtorch|libonnxruntime|libvaccel-(onnx|torch|blas|exec)' >"$TMP/logs/guest-forbidden.txt"; then
	echo "FAIL vm-guest-image: backend libraries in the guest: $(paste -sd ' ' "$TMP/logs/guest-forbidden.txt")"
	exit 1
fi
say "guest image $(du -h "$IMG" | cut -f1) in $(since "$t0") s"

e2e_host_reference || say "host-local reference run had failures (see host-local.out)"
VACCEL_RUNDIR=$TMP/host.vrun VACCEL_PLUGINS=$(plugin_of onnx) "$TMP/bin/isolation" print \
	"$TMP/data/text0_180.jpg" >"$TMP/logs/host-local.iso.out" 2>&1

# ---- helpers for a VM run ------------------------------------------------------

# run_vm NAME [run-vm.sh args...]: boot the guest image, wait for it.
# Sets VM_RC and VM_WALL; log: $TMP/logs/NAME.console, NAME.run-vm.log.
run_vm() {
	local name=$1 t
	shift
	E2E_QEMU_PIDFILES+=("$TMP/$name.qemu.pid")
	t=$(now)
	"$HERE/run-vm.sh" -i "$IMG" -k "$KDIR/vmlinuz" -l "$TMP/logs/$name.console" \
		-P "$TMP/$name.qemu.pid" "$@" 2>"$TMP/logs/$name.run-vm.log"
	VM_RC=$?
	VM_WALL=$(since "$t")
}

# check_vm NAME: QEMU exited 0 on the guest's own power-off, the guest
# script exited 0, and boot-run-poweroff took < 60 s.
# check_vm NAME [LIMIT]: the guest ran its script, exited 0 and powered
# off within LIMIT seconds (60; a guest that boots a whole systemd and
# stops and starts the agent's unit twice: more)
check_vm() {
	local name=$1 limit=${2:-60} log=$TMP/logs/$1.console last
	last=$(tail -n 1 "$TMP/logs/$name.run-vm.log")
	[ "$VM_RC" -eq 0 ] || err "run-vm.sh rc=$VM_RC ($last)"
	case "$last" in
	*"rc=0 (guest script status) in"*) ;;
	*) err "QEMU did not exit 0 after the guest's power-off: $last" ;;
	esac
	grep -aq 'VACCEL-GUEST-RC=0' "$log" || err "no VACCEL-GUEST-RC=0 marker"
	grep -aq 'VACCEL-GUEST-END' "$log" || err "no VACCEL-GUEST-END marker"
	grep -aq 'reboot: Power down' "$log" || err "the guest did not power off"
	awk -v w="$VM_WALL" -v l="$limit" 'BEGIN{exit !(w < l)}' || err "boot-run-poweroff took $VM_WALL s (limit $limit)"
}

ops_of() { awk -v b="$1" '!/^#/ && NF && $2 == b {n++} END {print n+0}' "$HERE/ops.list"; }

# ---- scenarios ---------------------------------------------------------------------

# scenario_ops vport|tcp
scenario_ops() {
	local ch=$1 name=vm-$1-ops t0 a args=() n ok=1
	t0=$(now)
	for a in onnx blas exec; do
		if [ $a = exec ]; then
			agent_start "$name-$a" $a --exec-allow "$B/examples" || ok=0
		else
			agent_start "$name-$a" $a || ok=0
		fi
	done
	if [ $ok -eq 0 ]; then
		for a in onnx blas exec; do agent_stop "$name-$a"; done
		e2e_result "$name" "$t0"
		return
	fi
	args=(-t 90 -e VACCEL_SCRIPT=/guest/ops.sh -e "VM_NAME=$name")
	for a in onnx blas exec; do
		if [ "$ch" = vport ]; then
			args+=(-p "org.vaccel.$a=$TMP/$name-$a.sock" -e "AGENT_$a=vport://org.vaccel.$a")
		else
			args+=(-e "AGENT_$a=tcp://10.0.2.2:${AGENT_TCP[$name-$a]}")
		fi
	done
	# TCP: the token travels on the kernel command line (a test guest; see
	# docs/deploy.md for provisioning it as a file)
	[ "$ch" = tcp ] && args+=(-n -e "VACCEL_RPC_TOKEN=$(cat "$TOKEN_FILE")" -e BADTOKEN=1)
	run_vm "$name" "${args[@]}"
	check_vm "$name"
	e2e_compare "$TMP/logs/$name.console" "$name"

	for a in onnx blas exec; do
		local log=$TMP/logs/$name-$a.agent.log ends
		n=$(ops_of $a)
		ends=$(agent_end_lines "$name-$a")
		if [ "$ch" = vport ]; then
			# one connection (QEMU's, for the whole VM), n guest programs
			# on it, each one's state freed when it left (BYE)
			local left
			left=$(grep -a -c -E "info: conn [0-9]+: [a-z_]+\[[0-9]+\]@$name left; the stream waits for a new client" "$log")
			[ "$left" -eq "$n" ] || err "agent $a: $left guest programs left the port, want $n"
			[ "$(grep -c . <<<"$ends")" -eq 1 ] || err "agent $a: $(grep -c . <<<"$ends") connections, want 1 (QEMU's)"
			grep -q 'end: eof$' <<<"$ends" || err "agent $a: the port's connection did not end at the VM's power-off"
			grep -q 'no complete HELLO in time' "$log" && err "agent $a: a connection timed out before HELLO"
		else
			local bye refused
			bye=$(grep -c -E "id \"[a-z_]+\[[0-9]+\]@$name\": .*end: bye$" <<<"$ends")
			[ "$bye" -eq "$n" ] || err "agent $a: $bye connections from the guest ended with BYE, want $n"
			if [ $a = onnx ]; then
				# refused by the front at HELLO (never a connection of a
				# worker); the line is written once a second at most
				refused=$(grep -c ' warn: refusing a connection on .*: missing or wrong token' "$log")
				[ "$refused" -ge 1 ] || err "agent onnx: the wrong token was not refused"
				grep -aq '^BADTOKEN rc=0' "$TMP/logs/$name.console" && err "a call with a wrong token succeeded"
			fi
			[ "$(grep -c . <<<"$ends")" -eq "$n" ] || err "agent $a: $(grep -c . <<<"$ends") connections, want $n"
		fi
		check_left "$name-$a"
		grep -q ' error: ' "$log" && err "agent $a logged errors: $(grep ' error: ' "$log" | head -n 1 | cut -c1-200)"
		wait_stats "$name-$a" 3 conns=0 sessions=0 resources=0 shm_bytes=0
		agent_stop "$name-$a"
	done
	# libmytestlib printed its lines in the exec agent, not in the guest
	local want got
	want=$(e2e_mytestlib_lines)
	# (a worker's output reaches the agent's log through its front:
	# "TIME vaccel-agent[PID] worker[PID TENANT] output: LINE")
	got=$(grep -c -E '\] output: (I got nr_in: |I got input: |Will return output: )' "$TMP/logs/$name-exec.agent.log" || true)
	[ "$got" -eq "$want" ] || err "the exec agent printed $got libmytestlib lines, want $want"
	e2e_note "$name: boot-run-poweroff $VM_WALL s"
	e2e_result "$name" "$t0"
}

scenario_app_killed() {
	local name=vm-vport-app-killed t0 log con
	t0=$(now)
	agent_start "$name-mbench" mbench --exec-allow "$B/examples" || { e2e_result "$name" "$t0"; return; }
	run_vm "$name" -t 90 -e VACCEL_SCRIPT=/guest/appkill.sh -e "VM_NAME=$name" \
		-p "org.vaccel.mbench=$TMP/$name-mbench.sock" -e AGENT_mbench=vport://org.vaccel.mbench
	check_vm "$name"
	con=$TMP/logs/$name.console log=$TMP/logs/$name-mbench.agent.log
	tr -d '\r' <"$con" | grep -aq '^APPKILL killed rc=137' || err "the guest program was not killed by SIGKILL"
	tr -d '\r' <"$con" | grep -aq '^APPKILL next rc=0' || err "the next program on the port failed"
	# the next program's HELLO reset the state the killed one left
	local killed next resets
	killed=$(grep -ao "state of mbench\[[0-9]*\]@$name reset" "$log" | head -n 1)
	next=$(grep -ao "new HELLO from mbench\[[0-9]*\]@$name" "$log" | head -n 1)
	resets=$(grep -c "new HELLO from .*@$name: state of" "$log")
	if [ -z "$killed" ] || [ -z "$next" ] || [ "${killed#state of }" = "${next#new HELLO from }: reset" ]; then
		err "the agent did not reset the killed program's state on the port"
	else
		e2e_note "$name: $next: ${killed} ($resets HELLOs while the killed call finished on the agent)"
	fi
	[ "$(agent_end_lines "$name-mbench" | grep -c .)" -eq 1 ] || err "agent: more than the port's connection ended"
	check_left "$name-mbench"
	wait_stats "$name-mbench" 3 conns=0 sessions=0 resources=0 shm_bytes=0
	agent_stop "$name-mbench"
	e2e_result "$name" "$t0"
}

scenario_agent_restart() {
	local name=vm-agent-restart t0 rpid con
	t0=$(now)
	agent_start "$name-onnx" onnx || { e2e_result "$name" "$t0"; return; }
	con=$TMP/logs/$name.console
	E2E_QEMU_PIDFILES+=("$TMP/$name.qemu.pid")
	local tv
	tv=$(now)
	"$HERE/run-vm.sh" -i "$IMG" -k "$KDIR/vmlinuz" -l "$con" -P "$TMP/$name.qemu.pid" -t 90 \
		-e VACCEL_SCRIPT=/guest/restart.sh -e "VM_NAME=$name" \
		-p "org.vaccel.onnx=$TMP/$name-onnx.sock" -e AGENT_onnx=vport://org.vaccel.onnx \
		2>"$TMP/logs/$name.run-vm.log" &
	rpid=$!
	e2e_track "$rpid"
	if wait_for "$con" '^RESTART-NOW' 60 "$rpid"; then
		agent_stop "$name-onnx"
		sleep 1
		AGENT_SOCKNAME=$name-onnx agent_start "$name-onnx2" onnx
	else
		err "the guest's first program did not finish"
	fi
	VM_RC=0
	wait "$rpid" || VM_RC=$?
	e2e_untrack "$rpid"
	VM_WALL=$(since "$tv")
	check_vm "$name"
	e2e_compare "$con" "$name" classify-text0 classify-text180
	[ "$(agent_end_lines "$name-onnx" | grep -c .)" -eq 1 ] || err "first agent: the port's connection did not end at its stop"
	grep -aq "classify\[[0-9]*\]@$name left" "$TMP/logs/$name-onnx2.agent.log" || err "restarted agent: the guest's second program did not reach it"
	[ "$(agent_end_lines "$name-onnx2" | grep -c .)" -eq 1 ] || err "restarted agent: $(agent_end_lines "$name-onnx2" | grep -c .) connections ended, want 1 (QEMU's, reconnected)"
	check_left "$name-onnx2"
	wait_stats "$name-onnx2" 3 conns=0 sessions=0 resources=0
	agent_stop "$name-onnx2"
	e2e_result "$name" "$t0"
}

# wait_for FILE PATTERN SECONDS [PID]: poll a log for an extended regex;
# stop early if PID (the run-vm.sh of that log) has exited.
wait_for() {
	local file=$1 pat=$2 secs=$3 pid=${4:-}
	for _ in $(seq $((secs * 20))); do
		[ -f "$file" ] && tr -d '\r' <"$file" | grep -aEq "$pat" && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			tr -d '\r' <"$file" 2>/dev/null | grep -aEq "$pat" && return 0
			return 1
		fi
		sleep 0.05
	done
	return 1
}

scenario_isolation() {
	local name=vm-two-vms-isolation-kill t0 v ctlpid runpid
	local -A RUNPID=() IDS=() RES=()
	t0=$(now)
	# onnx for the sessions without a hint, mbench (hint SOFTWARE) for a
	# long call; exec ops (mbench's) need an --exec-allow directory that
	# holds a file named "mbench" (the example program)
	agent_start "$name-onnx" onnx:mbench --exec-allow "$B/examples" || { e2e_result "$name" "$t0"; return; }
	for v in a b; do
		/usr/bin/python3 "$HERE/ctl-server.py" "$TMP/$name-$v.ctl" "$TMP/$name-$v.inbox" \
			2>"$TMP/logs/$name-$v.ctl.log" &
		ctlpid=$!
		e2e_track "$ctlpid"
		RUNPID[ctl-$v]=$ctlpid
	done
	for v in a b; do
		for _ in $(seq 40); do [ -S "$TMP/$name-$v.ctl" ] && break; sleep 0.05; done
	done
	# A burns 8 ids first, so that the two connections' live ids differ
	for v in a b; do
		local skip=0
		[ $v = a ] && skip=8
		E2E_QEMU_PIDFILES+=("$TMP/$name-$v.qemu.pid")
		"$HERE/run-vm.sh" -i "$IMG" -k "$KDIR/vmlinuz" -l "$TMP/logs/$name-$v.console" \
			-P "$TMP/$name-$v.qemu.pid" -t 120 \
			-p "org.vaccel.onnx=$TMP/$name-onnx.sock" -p "vaccel.ctl=$TMP/$name-$v.ctl" \
			-e VACCEL_SCRIPT=/guest/iso.sh -e "VM_NAME=vm-$v" -e "ISO_SKIP=$skip" \
			-e AGENT_onnx=vport://org.vaccel.onnx 2>"$TMP/logs/$name-$v.run-vm.log" &
		runpid=$!
		e2e_track "$runpid"
		RUNPID[$v]=$runpid
	done
	local con_a=$TMP/logs/$name-a.console con_b=$TMP/logs/$name-b.console
	send() { echo "$2" >>"$TMP/$name-$1.inbox"; }
	finish() {
		local p
		for p in "${RUNPID[@]}"; do e2e_kill "$p"; e2e_untrack "$p"; done
		agent_stop "$name-onnx"
		e2e_result "$name" "$t0"
	}
	for v in a b; do
		if ! wait_for "$TMP/logs/$name-$v.console" '^ISO-READY ' 60 "${RUNPID[$v]}"; then
			err "VM $v: no ISO-READY ($(tr -d '\r' <"$TMP/logs/$name-$v.console" | tail -n 2 | paste -sd '|'))"
			finish
			return
		fi
		local line
		line=$(tr -d '\r' <"$TMP/logs/$name-$v.console" | grep -a '^ISO-READY ' | head -n 1)
		IDS[$v]=$(sed -n 's/.*sessions=\([0-9,]*\).*/\1/p' <<<"$line" | tr ',' ' ')
		RES[$v]=$(sed -n 's/.*resource=\([0-9]*\).*/\1/p' <<<"$line")
	done
	e2e_note "$name: VM a holds sessions ${IDS[a]} resource ${RES[a]}, VM b sessions ${IDS[b]} resource ${RES[b]} (per-connection ids)"
	wait_stats "$name-onnx" 3 conns=2 sessions=8 resources=2

	# 1. each forges the other's live ids (and one that exists nowhere)
	send a "forge ${IDS[b]} ${RES[b]} 99"
	send b "forge ${IDS[a]} ${RES[a]} 99"
	local nf_a nf_b
	nf_a=$(wc -w <<<"${IDS[b]} ${RES[b]} 99")
	nf_b=$(wc -w <<<"${IDS[a]} ${RES[a]} 99")
	for v in a b; do
		wait_for "$TMP/logs/$name-$v.console" '^ISO-DONE forge ' 30 "${RUNPID[$v]}" || err "VM $v: forge did not finish"
		tr -d '\r' <"$TMP/logs/$name-$v.console" | grep -aq '^ISO-DONE forge ok' ||
			err "VM $v used the other VM's ids: $(tr -d '\r' <"$TMP/logs/$name-$v.console" | grep -a '^ISO-DONE forge' | cut -c1-200)"
	done
	local alog=$TMP/logs/$name-onnx.agent.log what
	for what in 'OP_IMAGE_CLASSIFY: NOENT' 'OP_ONNX_MODEL_LOAD: NOENT' 'SESS_RELEASE: NOENT'; do
		[ "$(grep -c "$what" "$alog")" -eq $((nf_a + nf_b)) ] ||
			err "agent: $(grep -c "$what" "$alog") '$what' refusals, want $((nf_a + nf_b))"
	done
	# 2. the victims' sessions survived the forged releases
	send a check
	send b check
	for v in a b; do
		if ! wait_for "$TMP/logs/$name-$v.console" '^ISO-DONE check ok' 30 "${RUNPID[$v]}"; then
			err "VM $v: own sessions broken after the other's forgeries"
		fi
	done
	# own 3 + one throwaway session per forged release, on each connection
	wait_stats "$name-onnx" 3 conns=2 sessions=$((8 + nf_a + nf_b)) resources=2

	# 3. A: a 3 s call (mbench on the same agent) after uploading a model;
	# B: busy too. SIGKILL A's QEMU 0.5 s into the call.
	send a "busy 3000"
	wait_for "$con_a" '^ISO-BUSY call 1 start' 60 "${RUNPID[a]}" || err "VM a: busy call did not start"
	send b "loop 150"
	sleep 0.5
	local qa
	qa=$(cat "$TMP/$name-a.qemu.pid" 2>/dev/null)
	if [ -z "$qa" ]; then
		err "no QEMU pid for VM a"
		finish
		return
	fi
	local tk b_busy=1
	tk=$(now)
	kill -KILL "$qa"
	tr -d '\r' <"$con_b" | grep -aq '^ISO-DONE loop ' && b_busy=0
	# the agent ends A's connection once the call in flight has finished,
	# then frees everything the connection held
	local aline=""
	for _ in $(seq 200); do
		aline=$(agent_end_lines "$name-onnx" | head -n 1)
		[ -n "$aline" ] && break
		sleep 0.05
	done
	local tend
	tend=$(since "$tk")
	local rc_a=0
	wait "${RUNPID[a]}" || rc_a=$?
	e2e_untrack "${RUNPID[a]}"
	unset "RUNPID[a]"
	[ "$rc_a" -eq 126 ] || err "run-vm.sh of the killed VM: rc=$rc_a, want 126"
	tr -d '\r' <"$con_a" | grep -aq '^ISO-BUSY call 1 rc=' && err "VM a's call finished before the kill (not mid-call)"
	if [ -z "$aline" ]; then
		err "the agent did not end the killed VM's connection within 10 s"
	else
		local conn_a
		conn_a=$(sed -n 's/.* info: conn \([0-9]*\) .*/\1/p' <<<"$aline")
		e2e_note "$name: VM a killed 0.5 s into a 3 s call; the agent ended its connection $tend s later: conn $conn_a ${aline##*\": }"
		awk -v t="$tend" 'BEGIN{exit !(t >= 1.0)}' ||
			err "the agent ended the killed VM's connection after $tend s: no call was in flight?"
		grep -q "left $((4 + nf_a + 1)) sessions 2 resources; end: " <<<"$aline" ||
			err "killed VM's connection: 'left ${aline##*left }', want left $((4 + nf_a + 1)) sessions 2 resources"
		ls -d "$TMP/$name-onnx.run"/tenants/*/conn."$conn_a" >/dev/null 2>&1 &&
			err "the killed VM's connection directory is still there"
	fi
	# only B's objects are left
	wait_stats "$name-onnx" 10 conns=1 sessions=$((4 + nf_b)) resources=1 shm_bytes=0
	# no session directory of A's left in the workers' libvaccel run dirs
	local sdirs
	sdirs=$(find "$TMP/$name-onnx.run/tenants" -mindepth 3 -maxdepth 3 -name 'session.*' | wc -l)
	[ "$sdirs" -le $((4 + nf_b)) ] || err "agent's run dir holds $sdirs session dirs, want at most $((4 + nf_b))"

	# 4. B was served during and after the kill and completes
	wait_for "$con_b" '^ISO-DONE loop ' 60 "${RUNPID[b]}" || err "VM b: loop did not finish"
	tr -d '\r' <"$con_b" | grep -aq '^ISO-DONE loop ok' || err "VM b: calls during the kill failed"
	[ $b_busy -eq 1 ] || e2e_note "VM b's loop had finished before the kill (only its later calls ran after it)"
	send b print
	wait_for "$con_b" '^ISO-DONE print ' 30 "${RUNPID[b]}" || err "VM b: print did not finish"
	if ! diff <(grep -a '^OUT iso-classify: ' "$TMP/logs/host-local.iso.out") \
		<(tr -d '\r' <"$con_b" | grep -a '^OUT iso-classify: ') >"$TMP/logs/$name.diff"; then
		err "VM b's classify differs from host-local (see $name.diff)"
	fi
	send b quit
	VM_RC=0
	wait "${RUNPID[b]}" || VM_RC=$?
	e2e_untrack "${RUNPID[b]}"
	unset "RUNPID[b]"
	VM_WALL=$(awk -F'in | s,' '/rc=/{print $2}' "$TMP/logs/$name-b.run-vm.log" | tail -n 1)
	: "${VM_WALL:=0}"
	check_vm "$name-b"
	grep -aq "isolation\[[0-9]*\]@vm-b left; the stream waits" "$alog" || err "agent: VM b's program did not leave cleanly (BYE)"
	wait_stats "$name-onnx" 10 conns=0 sessions=0 resources=0 shm_bytes=0
	local last
	last=$(agent_end_lines "$name-onnx" | tail -n 1)
	[ "$(agent_end_lines "$name-onnx" | grep -c .)" -eq 2 ] || err "agent: $(agent_end_lines "$name-onnx" | grep -c .) connections ended, want 2"
	grep -q 'left 0 sessions 0 resources; end: eof$' <<<"$last" || err "VM b's connection: left ${last##*left }"
	for v in a b; do
		e2e_kill "${RUNPID[ctl-$v]}"
		e2e_untrack "${RUNPID[ctl-$v]}"
		unset "RUNPID[ctl-$v]"
	done
	finish
}

# guest_checked PREFIX FILE WANT...: each WANT (a grep expression) must be
# on a "PREFIX ok: ..." line of the guest's output FILE
guest_checked() {
	local prefix=$1 txt=$2 want
	shift 2
	for want; do
		grep -aq "^$prefix ok: .*$want" "$txt" || err "the guest did not check: $want"
	done
}

# vm-agent-cgroup2: the agent's cgroup v2 path (agent/cgroup.c), which this
# host (memory and pids on cgroup v1) cannot run: the agent and a client run
# IN a guest of their own on a pure cgroup2 hierarchy (guest/cgroup2.sh does
# the checks and prints "CG2 ok: ..." / "CG2-FAIL: ..." lines).
scenario_cgroup2() {
	local name=vm-agent-cgroup2 t0 img con txt faulty=$B/tests/lib/faulty/libvaccel-faulty.so line n
	t0=$(now)
	if [ ! -e "$faulty" ]; then
		e2e_skip "$name" "$faulty not built (configure with -Dtests=enabled)"
		return
	fi
	# its own image: the agent, the faulty test backend, the classify
	# example as the client, libvaccel and the rpc plugin
	img=$TMP/cgroup2.cpio.gz con=$TMP/logs/$name.console txt=$TMP/$name.console.txt
	if ! LD_LIBRARY_PATH=$B/src "$HERE/mkguest.sh" -o "$img" -s "$HERE/guest/cgroup2.sh" \
		-f "$B/agent/vaccel-agent:/usr/local/bin/vaccel-agent" \
		-f "$B/examples/classify:/usr/local/bin/classify" \
		-l "$B/plugins/rpc/libvaccel-rpc.so" -l "$faulty" >"$TMP/logs/$name.mkguest.log" 2>&1; then
		err "mkguest.sh failed: $(tail -n 2 "$TMP/logs/$name.mkguest.log" | paste -sd '|')"
		e2e_result "$name" "$t0"
		return
	fi
	# (run_vm boots $IMG) 2 GiB: without its group's limit, a worker
	# holds 1 GiB in a memfd
	IMG=$img run_vm "$name" -m 2048 -t 120 -e "VM_NAME=$name" -e "FAULTY=$faulty"
	# (grep -q on a file: in a pipe under pipefail, its early exit could
	# fail the writer with SIGPIPE)
	tr -d '\r' <"$con" >"$txt"
	# the agents' logs, copied to the console by the guest
	for n in 1 2 3 4 5 6; do
		sed -n "s/^A$n| //p" "$txt" >"$TMP/logs/$name-a$n.agent.log"
	done
	if [ "$VM_RC" -eq 3 ] && line=$(grep -a -m 1 '^CG2-SKIP: ' "$txt"); then
		e2e_skip "$name" "${line#CG2-SKIP: }"
		return
	fi
	check_vm "$name"
	while IFS= read -r line; do err "guest: ${line#CG2-FAIL: }"; done < <(grep -a '^CG2-FAIL: ' "$txt")
	grep -aq '^CG2 all passed$' "$txt" || err "the guest script did not finish its checks"
	# the checks that must have run (a guest script that skipped some
	# would not say FAIL)
	guest_checked CG2 "$txt" 'start line: control groups: memory, pids\(, cpu\)\{0,1\} (cgroup v2 /sys/fs/cgroup/agent/vaccel-agent\.[0-9]*\.[0-9]*)$' \
		'/sys/fs/cgroup/agent/vaccel-front holds the agent' \
		'worker [0-9]* is in /agent/vaccel-agent\.[0-9]*\.[0-9]*/t-[0-9a-f]*$' \
		'/t-[0-9a-f]*/memory\.max = 268435456$' '/t-[0-9a-f]*/pids\.max = [0-9]*$' \
		'memfd 1024 failed: .*over its memory limit of 256 MiB' \
		'memfd 64 on a new connection: 64 MiB held$' \
		'the next worker [0-9]* is in its tenant.s group /agent/vaccel-agent\.[0-9]*\.[0-9]*/t-[0-9a-f]* again$' \
		'memory\.current = [0-9]* (the 64 MiB memfd is charged' \
		'memfd 200 under a parent limit of 100 MiB: died: SIGKILL (killed: over its memory limit, or stopped)' \
		'a worker runs at the stop: [0-9]* in /agent/vaccel-agent\.[0-9]*\.[0-9]*/t-[0-9a-f]*$' \
		'/sys/fs/cgroup/agent/vaccel-agent\.[0-9]*\.[0-9]* removed at the agent.s stop$' \
		'without cgroups, memfd 1024 under --worker-memory 256M succeeds: 1024 MiB held$' \
		'agent 3 refused (rc [0-9]*): the agent.s cgroup /sys/fs/cgroup/shared has other processes' \
		'agent 4 in the root group: control groups: memory, pids\(, cpu\)\{0,1\} (cgroup v2 /sys/fs/cgroup/vaccel-agent\.[0-9]*\.[0-9]*)$' \
		'the worker.s programs [0-9]* and [0-9]* are in its group$' \
		'agent 5: removed the workers. control groups of 1 agent(s) that are gone, in /sys/fs/cgroup$' \
		'/sys/fs/cgroup/vaccel-agent\.[0-9]*\.[0-9]* removed by agent 5$' \
		'agent 6 (uid 65534) moved itself to 0::/deleg/vaccel-front$' \
		'the worker cannot leave its group: EACCES$' 'the worker cannot raise its group: EACCES$' \
		'agent 6: memfd 1024 failed over its memory limit of 256 MiB$' \
		'/sys/fs/cgroup/deleg/vaccel-agent\.[0-9]*\.[0-9]* removed at agent 6.s stop$'
	line=$(grep -a -m 1 '^CG2 ok: worker [0-9]* is in ' "$txt")
	e2e_note "$name: ${line#CG2 ok: }; memfd 1024: $(grep -a -o 'died: SIGKILL (killed: over its memory limit of 256 MiB)' "$TMP/logs/$name-a1.agent.log" | head -n 1); boot-run-poweroff $VM_WALL s"
	e2e_result "$name" "$t0"
}

# vm-systemd-unit: the packaged units (deploy/systemd) under a real systemd:
# a guest whose PID 1 is Debian 12's systemd on a pure cgroup2 hierarchy
# (tests/vm/systemd-root.sh, mksystemd-guest.sh), the agent installed as
# the package installs it, started by its socket; guest/systemd-unit.sh
# (run by a oneshot unit) does the checks and prints "SDU ok: ..." /
# "SDU-FAIL: ..." lines.
scenario_systemd_unit() {
	local name=vm-systemd-unit t0 root rc img con txt line
	t0=$(now)
	if [ "$(id -u)" -ne 0 ]; then
		e2e_skip "$name" "needs root (the root file system's owners, mmdebstrap)"
		return
	fi
	if [ ! -e "$B/tests/lib/faulty/libvaccel-faulty.so" ]; then
		e2e_skip "$name" "the faulty test plugin is not built (configure with -Dtests=enabled)"
		return
	fi
	rc=0
	root=$("$HERE/systemd-root.sh" 2>"$TMP/logs/$name.root.log") || rc=$?
	if [ $rc -ne 0 ]; then
		e2e_skip "$name" "no systemd root file system: $(tail -n 1 "$TMP/logs/$name.root.log")"
		return
	fi
	img=$TMP/systemd.cpio con=$TMP/logs/$name.console txt=$TMP/$name.console.txt
	if ! "$HERE/mksystemd-guest.sh" -o "$img" -r "$root" -b "$B" -s "$HERE/guest/systemd-unit.sh" \
		-O "--plugins /usr/local/lib/libvaccel-faulty.so --worker-memory 256M --worker-cgroups on -v" \
		>"$TMP/logs/$name.mkguest.log" 2>&1; then
		err "mksystemd-guest.sh failed: $(tail -n 2 "$TMP/logs/$name.mkguest.log" | paste -sd '|')"
		e2e_result "$name" "$t0"
		return
	fi
	# 2 GiB: the negative control's worker holds 1 GiB in a memfd
	IMG=$img run_vm "$name" -m 2048 -t 240 -A rdinit=/lib/systemd/systemd \
		-A systemd.unified_cgroup_hierarchy=1
	rm -f "$img"
	tr -d '\r' <"$con" >"$txt"
	sed -n 's/^J| //p' "$txt" >"$TMP/logs/$name.agent.log"
	check_vm "$name" 90
	while IFS= read -r line; do err "guest: ${line#SDU-FAIL: }"; done < <(grep -a '^SDU-FAIL: ' "$txt")
	grep -aq '^SDU all passed$' "$txt" || err "the guest script did not finish its checks"
	guest_checked SDU "$txt" 'systemd 252 is PID 1' 'vaccel-agent.socket is active' \
		'vaccel-agent.service waits for a client (inactive)' \
		'negative control (ProtectControlGroups=yes, no Delegate=): warn: --worker-memory bounds a worker.s address space only (.*Read-only file system)' \
		'negative control: memfd 1024 under --worker-memory 256M succeeds: 1024 MiB held' \
		'start line: control groups: memory, pids\(, cpu\)\{0,1\} (cgroup v2 /sys/fs/cgroup/system.slice/vaccel-agent.service/vaccel-agent\.[0-9]*\.[0-9]*)$' \
		'the agent took its socket from vaccel-agent.socket: listening on unix:///run/vaccel/agent.sock (socket activation)' \
		'/sys/fs/cgroup/system.slice/vaccel-agent.service/vaccel-front holds the agent' \
		'worker [0-9]* is in /system.slice/vaccel-agent.service/vaccel-agent\.[0-9]*\.[0-9]*/t-[0-9a-f]*$' \
		'/t-[0-9a-f]*/memory\.max = 268435456$' 'start line: workers see their own processes in /proc (its hidepid)' \
		'the worker lists 1 process(es) in /proc (its own' \
		'the worker cannot read its group.s counters (EACCES)' \
		'memfd 1024 failed: .*(killed: over its memory limit of 256 MiB)' \
		'the next call is served' 'after systemctl stop, no vaccel-agent.service or vaccel-agent.PID.START group is left' \
		'after systemctl stop: vaccel-agent.service is inactive (Result=success)' \
		'systemctl start: control groups: memory, pids' 'after the restart, worker [0-9]* is in ' \
		'after the second stop, no vaccel-agent.service or vaccel-agent.PID.START group is left' \
		'the agents removed every worker.s directory'
	line=$(grep -a -m 1 '^SDU ok: worker [0-9]* is in ' "$txt")
	e2e_note "$name: ${line#SDU ok: }; checks done at guest uptime $(sed -n 's/^VACCEL-GUEST-END uptime=//p' "$txt"); boot-run-poweroff $VM_WALL s"
	e2e_result "$name" "$t0"
}

e2e_wanted vm-vport-ops && scenario_ops vport
e2e_wanted vm-tcp-ops && scenario_ops tcp
e2e_wanted vm-vport-app-killed && scenario_app_killed
e2e_wanted vm-agent-restart && scenario_agent_restart
e2e_wanted vm-two-vms-isolation-kill && scenario_isolation
e2e_wanted vm-agent-cgroup2 && scenario_cgroup2
e2e_wanted vm-systemd-unit && scenario_systemd_unit
e2e_exit
