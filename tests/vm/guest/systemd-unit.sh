#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks of vm-systemd-unit, run by vaccel-check.service in a guest whose
# PID 1 is Debian 12's systemd on a pure cgroup2 hierarchy, with the
# packaged vaccel-agent.service and .socket (tests/vm/mksystemd-guest.sh;
# options: the faulty test plugin, --worker-memory 256M, --worker-cgroups
# on, -v):
#   0  the socket listens, the service waits for a client
#   1  negative control: the unit with ProtectControlGroups=yes and no
#      Delegate= (a runtime drop-in; --worker-cgroups auto appended): the
#      agent, started by a client through the socket, warns that it has no
#      memory cgroup, and a tenant keeps 1 GiB in a memfd
#   2  the unit as packaged, started by the socket (LISTEN_FDS): the start
#      line names memory, pids (cpu) under the unit's own group, the front
#      is in vaccel-agent.service/vaccel-front, a worker in
#      vaccel-agent.PID.START/t-HASH with memory.max 268435456; memfd 1024
#      ends it over its limit of 256 MiB, the next call is served
#   3  systemctl stop: no vaccel-agent.* group left, the unit inactive (not
#      failed); systemctl start: a new group, served again
#   4  a configuration the agent refuses (exit 2) is not restarted
# Prints "SDU ok: WHAT" / "SDU-FAIL: WHAT", the agent's journal as
# "J| LINE", the markers run-vm.sh reads (VACCEL-GUEST-RC=N), then powers
# the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CG=/sys/fs/cgroup SVC=vaccel-agent.service SOCK=/run/vaccel/agent.sock
UG=$CG/system.slice/$SVC W=/run/sdu FAILS=0
ok() { echo "SDU ok: $*"; }
bad() { echo "SDU-FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { # check WHAT WHY CMD [ARG]...
	what=$1 why=$2
	shift 2
	if "$@"; then ok "$what"; else bad "$why"; fi
}
finish() {
	journalctl -b -u vaccel-agent -u vaccel-agent.socket -o short-monotonic --no-pager 2>&1 | sed 's/^/J| /'
	if [ $FAILS -ne 0 ]; then
		journalctl -b -p warning -o short-monotonic --no-pager 2>&1 | tail -n 30 | sed 's/^/JW| /'
		systemctl --failed --no-pager 2>&1 | sed 's/^/JW| /'
		echo "SDU $FAILS check(s) failed"
	else
		echo "SDU all passed"
	fi
	echo "VACCEL-GUEST-RC=$([ $FAILS -eq 0 ] && echo 0 || echo 1)"
	echo "VACCEL-GUEST-END uptime=$(cut -d' ' -f1 /proc/uptime)"
	sync
	systemctl poweroff -f || poweroff -f
	exit 0
}
echo "VACCEL-GUEST-BEGIN uptime=$(cut -d' ' -f1 /proc/uptime) script=$0"
sc() { timeout 60 systemctl "$@"; }
state() { systemctl show -p ActiveState --value "$1"; }
mainpid() { systemctl show -p MainPID --value $SVC; }
# the agent's log of its current run (the journal of the unit's current
# invocation)
alog() {
	inv=$(systemctl show -p InvocationID --value $SVC)
	journalctl -b -o cat --no-pager "_SYSTEMD_INVOCATION_ID=$inv" 2>/dev/null
	journalctl -b -o cat --no-pager "INVOCATION_ID=$inv" 2>/dev/null
}
# call CMD: the faulty command in file $W/cmd.CMD, through the socket (the
# classify example; its "image" is the command). OUT, RC.
call() {
	OUT=$(VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$SOCK \
		VACCEL_RPC_TIMEOUT_MS=30000 timeout 45 classify "$W/cmd.$1" 2>&1)
	RC=$?
	echo "CALL $1: rc=$RC: $(echo "$OUT" | grep -v '^Initialized session' | tr '\n' '|')"
}
# the service's group and the agent's (vaccel-agent.PID.START) wherever
# they are (systemd keeps a group for the socket unit too: not these)
agent_groups() {
	find $CG -type d \( -name $SVC -o -name 'vaccel-agent.[0-9]*' \) 2>/dev/null | tr '\n' ' '
}
tag() { echo "$OUT" | sed -n 's/^classification tags: //p' | head -n 1; }
# wait_active: the service active with a main PID (up to 30 s)
wait_active() {
	i=0
	while [ $i -lt 300 ]; do
		[ "$(state $SVC)" = active ] && [ "$(mainpid)" != 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# start_line: the agent's line that says what isolation it has (up to 30 s)
start_line() {
	i=0
	while [ $i -lt 300 ]; do
		l=$(alog | grep -m 1 'control groups' || true)
		[ -n "$l" ] && { echo "$l"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

mkdir -p $W && chmod 755 $W
printf 'pid' >$W/cmd.pid
printf 'memfd 1024' >$W/cmd.memfd1024
printf 'procs' >$W/cmd.procs
ok "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2) is PID 1 ($(cat /proc/1/comm)); $(stat -fc %T $CG) at $CG, controllers: $(cat $CG/cgroup.controllers)"
CPU=
case " $(cat $CG/cgroup.controllers) " in *" cpu "*) CPU=", cpu" ;; esac

# ---- 0. socket activation: the socket listens, the service waits -----------
check "vaccel-agent.socket is active" "vaccel-agent.socket is $(state vaccel-agent.socket)" \
	[ "$(state vaccel-agent.socket)" = active ]
check "$SVC waits for a client ($(state $SVC))" "$SVC is $(state $SVC) before any client" \
	[ "$(state $SVC)" = inactive ]
check "$SOCK is a socket ($(stat -c '%A %U:%G' $SOCK 2>&1))" "no socket $SOCK" [ -S $SOCK ]

# ---- 1. negative control: the unit with ProtectControlGroups=yes, no Delegate=
mkdir -p /run/systemd/system/$SVC.d
cmd=$(systemctl show -p ExecStart --value $SVC | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p')
cat >/run/systemd/system/$SVC.d/negative.conf <<EOF
[Service]
ProtectControlGroups=yes
Delegate=no
ExecStart=
ExecStart=$cmd --worker-cgroups auto
EOF
sc daemon-reload
call pid
if wait_active; then
	l=$(start_line)
	echo "NEGATIVE start line: $l"
	if alog | grep -q 'warn: --worker-memory bounds a worker.s address space only (.*): memory its tenant.s code keeps in a memfd'; then
		ok "negative control (ProtectControlGroups=yes, no Delegate=): $(alog | grep -m 1 -o 'warn: --worker-memory bounds .*address space only ([^)]*)')"
	else
		bad "negative control: no warning that the workers get no memory cgroup: $l"
	fi
	call memfd1024
	case "$OUT" in *"1024 MiB held"*) ok "negative control: memfd 1024 under --worker-memory 256M succeeds: 1024 MiB held" ;;
	*) bad "negative control: memfd 1024: rc $RC: $(echo "$OUT" | tail -n 1)" ;;
	esac
else
	bad "negative control: the agent did not start ($(state $SVC)): $(alog | tail -n 3 | tr '\n' '|')"
fi
sc stop $SVC
rm -rf /run/systemd/system/$SVC.d
sc daemon-reload
check "negative control stopped: $(state $SVC)" "after the negative control: $SVC is $(state $SVC)" \
	[ "$(state $SVC)" = inactive ]

# ---- 2. the unit as packaged, started by the socket ---------------------------
call pid
WP=$(tag)
if ! wait_active; then
	bad "$SVC did not start on a client's connection ($(state $SVC)): $(alog | tail -n 5 | tr '\n' '|')"
	finish
fi
AP=$(mainpid)
AN=vaccel-agent.$AP.$(cut -d' ' -f22 /proc/"$AP"/stat)
l=$(start_line)
echo "START line: $l"
want="control groups: memory, pids$CPU (cgroup v2 $UG/$AN)"
case "$l" in *"$want"*) ok "start line: $want" ;; *) bad "start line: want '$want': $l" ;; esac
if alog | grep -q "listening on unix://$SOCK (socket activation)"; then
	ok "the agent took its socket from vaccel-agent.socket: listening on unix://$SOCK (socket activation)"
else
	bad "the agent did not say it took $SOCK from systemd: $(alog | grep -m 1 listening)"
fi
front=$(tr '\n' ' ' <$UG/vaccel-front/cgroup.procs 2>/dev/null)
check "$UG/vaccel-front holds the agent ($front)" "$UG/vaccel-front holds '$front', want '$AP '" [ "$front" = "$AP " ]
left=$(tr '\n' ' ' <$UG/cgroup.procs 2>/dev/null)
check "$UG holds no process" "$UG holds '$left'" [ -z "$left" ]
case "$WP" in '' | *[!0-9]*) bad "faulty 'pid' gave '$WP' (rc $RC)"; finish ;; esac
grp=$(sed -n 's/^0:://p' "/proc/$WP/cgroup" 2>/dev/null)
case "$grp" in
/system.slice/$SVC/$AN/t-[0-9a-f]*) ok "worker $WP is in $grp" ;;
*) bad "worker $WP is in '$grp', want /system.slice/$SVC/$AN/t-HASH" ;;
esac
v=$(cat "$CG$grp/memory.max" 2>/dev/null)
check "$CG$grp/memory.max = $v" "$CG$grp/memory.max = '$v', want 268435456" [ "$v" = 268435456 ]
[ -n "$CPU" ] && echo "INFO $CG$grp/cpu.weight = $(cat "$CG$grp/cpu.weight" 2>/dev/null)"
echo "INFO $CG$grp/pids.max = $(cat "$CG$grp/pids.max" 2>/dev/null); $UG/cgroup.subtree_control: $(cat $UG/cgroup.subtree_control)"

# what the worker sees of the host (ProtectProc=invisible)
want="workers see their own processes in /proc (its hidepid)"
case "$l" in *"$want"*) ok "start line: $want" ;; *) bad "start line: want '$want': $l" ;; esac
call procs
check "the worker lists $(tag) process(es) in /proc (its own: not the front nor others)" "the worker lists '$(tag)' processes in /proc (rc $RC), want 1" [ "$(tag)" = 1 ]
printf 'read /proc/key-users' >$W/cmd.keyusers
call keyusers
check "the worker cannot read the host's /proc/key-users ($(tag))" "the worker reads /proc/key-users: '$(tag)'" [ "$(tag)" = EACCES ]
printf 'read /sys/kernel/uevent_seqnum' >$W/cmd.uevent
call uevent
check "the worker cannot read /sys/kernel/uevent_seqnum ($(tag))" "the worker reads /sys/kernel/uevent_seqnum: '$(tag)'" [ "$(tag)" = EACCES ]
printf 'read %s/memory.current' "$CG$grp" >$W/cmd.counters
call counters
check "the worker cannot read its group's counters ($(tag))" "the worker reads $CG$grp/memory.current: '$(tag)'" [ "$(tag)" = EACCES ]
call memfd1024
case "$OUT" in
*"over its memory limit of 256 MiB"*) ok "memfd 1024 failed: $(echo "$OUT" | grep -m 1 -o 'backend process died: [A-Z]* (killed: over its memory limit of 256 MiB)')" ;;
*) bad "memfd 1024: rc $RC, no 'over its memory limit of 256 MiB': $(echo "$OUT" | tail -n 1)" ;;
esac
call pid
WP2=$(tag)
case "$WP2" in
'' | *[!0-9]*) bad "after memfd 1024 the agent did not serve: rc $RC: $(echo "$OUT" | tail -n 1)" ;;
*) ok "the next call is served (worker $WP2 in $(sed -n 's/^0:://p' "/proc/$WP2/cgroup" 2>/dev/null))" ;;
esac
check "the agent is still $AP" "the agent's main PID went from $AP to $(mainpid)" [ "$(mainpid)" = "$AP" ]

# a file of the tenant's in its cache, for after the restart
printf 'fill-dotcache 1' >$W/cmd.dotcache
call dotcache

# ---- 3. stop and start -------------------------------------------------------
sc stop $SVC
groups=$(agent_groups)
check "after systemctl stop, no vaccel-agent.service or vaccel-agent.PID.START group is left" "after systemctl stop: $groups" [ -z "$groups" ]
st=$(state $SVC) res=$(systemctl show -p Result --value $SVC)
check "after systemctl stop: $SVC is $st (Result=$res)" "after systemctl stop: $SVC is $st (Result=$res), want inactive" \
	[ "$st/$res" = inactive/success ]
alog | grep -E ' (error|warn): ' | sed 's/^/INFO agent said: /'
if sc start $SVC && wait_active; then
	AP2=$(mainpid)
	AN2=vaccel-agent.$AP2.$(cut -d' ' -f22 /proc/"$AP2"/stat)
	l=$(start_line)
	want="control groups: memory, pids$CPU (cgroup v2 $UG/$AN2)"
	case "$l" in *"$want"*) ok "systemctl start: $want" ;; *) bad "after systemctl start: want '$want': $l" ;; esac
	call pid
	WP3=$(tag)
	grp=$(sed -n 's/^0:://p' "/proc/$WP3/cgroup" 2>/dev/null)
	case "$grp" in
	/system.slice/$SVC/$AN2/t-[0-9a-f]*) ok "after the restart, worker $WP3 is in $grp" ;;
	*) bad "after the restart, worker '$WP3' is in '$grp' (rc $RC)" ;;
	esac
	# the caches' root is the workers' group's (no local user sees who
	# the tenants are); systemd leaves what is below CacheDirectory's
	# top alone: the tenant's file is its new worker's, not root's
	n=$(journalctl -b -u vaccel-agent -o cat --no-pager | grep -c 'worker-uids.lock')
	check "the agent keeps its workers' uids in /run/vaccel/worker-uids.lock ($(stat -c '%a %U' /run/vaccel/worker-uids.lock 2>&1))" \
		"/run/vaccel/worker-uids.lock: $(stat -c '%a %U' /run/vaccel/worker-uids.lock 2>&1), $n journal lines about it" \
		[ -f /run/vaccel/worker-uids.lock -a "$n" -eq 0 ]
	CD=/var/cache/vaccel-agent
	v="$(stat -c '%a %U:%G' $CD) / $(stat -c '%a %g' $CD/tenants)"
	good=no
	case "$v" in "711 root:root / 710 0") ;; "711 root:root / 710 "[0-9]*) good=yes ;; esac
	check "after the restart $CD and its tenants: $v" "$CD and its tenants: '$v', want '711 root:root / 710 GID'" [ $good = yes ]
	wu=$(stat -c %u /proc/"$WP3" 2>/dev/null)
	f=$(find $CD/tenants -path '*/.cache/big' -user "${wu:-none}" 2>/dev/null)
	check "after the restart the tenant's cached file is its worker's (uid $wu): ${f#$CD/}" \
		"after the restart no .cache/big of uid '$wu': $(find $CD -path '*/.cache/big' -printf '%u %p ')" [ -n "$f" ]
	sc stop $SVC
	groups=$(agent_groups)
	check "after the second stop, no vaccel-agent.service or vaccel-agent.PID.START group is left" "after the second stop: $groups" [ -z "$groups" ]
else
	bad "systemctl start $SVC failed: $(state $SVC): $(alog | tail -n 3 | tr '\n' '|')"
fi
# ---- 4. a configuration the agent refuses: exit 2, not restarted -------------
mkdir -p /run/systemd/system/$SVC.d
cat >/run/systemd/system/$SVC.d/bad.conf <<EOF
[Service]
ExecStart=
ExecStart=$cmd --max-tenants 0
EOF
sc daemon-reload
sc start $SVC
sleep 4 # RestartSec=2s twice over
v="$(state $SVC) $(systemctl show -p ExecMainStatus --value $SVC) $(systemctl show -p NRestarts --value $SVC)"
check "a refused configuration: state, status, restarts: $v (RestartPreventExitStatus=2)" \
	"a refused configuration: state, status, restarts '$v', want 'failed 2 0'" [ "$v" = "failed 2 0" ]
rm -rf /run/systemd/system/$SVC.d
sc daemon-reload
systemctl reset-failed $SVC
# the unit's bounding set has no CAP_DAC_OVERRIDE: the workers' 0700
# directories must still go (they once stayed, one warning each)
n=$(journalctl -b -u vaccel-agent -o cat --no-pager | grep -c 'cannot remove all of')
check "the agents removed every worker's directory (no 'cannot remove all of')" \
	"$n 'cannot remove all of' lines in the agents' journal" [ "$n" -eq 0 ]
finish
