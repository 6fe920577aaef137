#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of vm-agent-cgroup2: vaccel-agent (with the faulty test
# backend) runs IN this guest on a pure cgroup v2 hierarchy mounted here,
# so that its v2 path (agent/cgroup.c: the move to OWN/vaccel-front,
# subtree_control, memory.max, pids.max, the OOM count of memory.events,
# the sweep of a killed agent's groups) runs for real. The host has a
# hybrid hierarchy, where only the v1 path can run. Agents, one at a time:
#   1  root, alone in /sys/fs/cgroup/agent, --worker-cgroups on
#   2  root, --worker-cgroups off (the control: no limit on a memfd)
#   3  root, --worker-cgroups on in a group shared with a sleep (refused)
#   4  root, in the root group, --worker-exec; killed by SIGKILL
#   5  root, in the root group: removes 4's groups
#   6  nobody, alone in a group delegated to it
#
# Prints "CG2 ok: WHAT" per check passed, "CG2-FAIL: WHAT" per check
# failed (exit 1), or "CG2-SKIP: WHY" (exit 3) when this kernel offers no
# memory or pids controller on cgroup2. Each agent's log is copied to the
# console as "A1| LINE" (A2... for the others) for the host to keep.
# Needs FAULTY (the faulty plugin's path) in the environment.
hostname "${VM_NAME:-vm}"
: "${FAULTY:?FAULTY=path of libvaccel-faulty.so}"
CG=/sys/fs/cgroup W=/run/cg2
FAILS=0 AGENT=""
ok() { echo "CG2 ok: $*"; }
bad() { echo "CG2-FAIL: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "CG2-SKIP: $*"; exit 3; }
# check WHAT WHY CMD [ARG]...: "ok: WHAT" if CMD succeeds, else "FAIL: WHY"
check() {
	what=$1 why=$2
	shift 2
	if "$@"; then ok "$what"; else bad "$why"; fi
}
# stop_agent: SIGTERM to $AGENT (by PID), up to 15 s, then SIGKILL;
# AGENT_RC is its exit status
stop_agent() {
	AGENT_RC=""
	[ -n "$AGENT" ] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	i=0
	while kill -0 "$AGENT" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$AGENT" 2>/dev/null && { bad "agent $AGENT ignored SIGTERM for 15 s"; kill -KILL "$AGENT"; }
	wait "$AGENT"
	AGENT_RC=$?
	AGENT=""
}
finish() {
	stop_agent
	for p in ${SLEEPER:-} ${PLANT:-}; do kill -KILL "$p" 2>/dev/null; done
	for n in 1 2 3 4 5 6; do
		[ -f "$W/a$n.log" ] && sed "s/^/A$n| /" "$W/a$n.log"
	done
	[ $FAILS -eq 0 ] || { echo "CG2 $FAILS check(s) failed"; exit 1; }
	echo "CG2 all passed"
	exit 0
}
trap finish TERM INT

# ---- a pure cgroup v2 hierarchy with memory and pids --------------------------
mount -t cgroup2 none $CG || skip "cannot mount cgroup2 at $CG"
ctl=$(cat $CG/cgroup.controllers)
case " $ctl " in *" memory "*) ;; *) skip "no memory controller in cgroup2 (controllers: $ctl)" ;; esac
case " $ctl " in *" pids "*) ;; *) skip "no pids controller in cgroup2 (controllers: $ctl)" ;; esac
# the cpu controller where the kernel has it: each tenant's group then has
# the default CPU weight, the agent's one per CPU
CPU=
case " $ctl " in *" cpu "*) CPU=", cpu" ;; esac
echo "+memory +pids${CPU:+ +cpu}" >$CG/cgroup.subtree_control || skip "cannot enable +memory +pids${CPU:+ +cpu} at the root"
mkdir $CG/agent
kill_file=no
[ -e $CG/agent/cgroup.kill ] && kill_file=yes
ok "cgroup2 at $CG, controllers: $ctl; $CG/agent has: $(cat $CG/agent/cgroup.controllers); cgroup.kill: $kill_file"

# the agent's workers run as other uids: they go through / (the
# initramfs's, 0700 as mkguest.sh's temp dir was) and /run to their dirs
mkdir -p $W && chmod 755 / /run $W
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >$W/token
chmod 600 $W/token
# the faulty commands, as "images"
printf 'pid' >$W/cmd.pid
printf 'memfd 1024' >$W/cmd.memfd1024
printf 'memfd 64' >$W/cmd.memfd64
printf 'memfd 200' >$W/cmd.memfd200
printf 'orphan' >$W/cmd.orphan

# agent N [options]: start vaccel-agent on $W/aN.sock (log $W/aN.log),
# in the cgroup $GROUP (the caller's when empty: the guest's root); wait
# until it listens or exits. AGENT: its PID. 0 if it listens.
agent() {
	n=$1
	shift
	rm -f "$W/a$n.ready"
	mkdir -p "$W/run$n"
	if [ -n "${GROUP:-}" ]; then
		# a shell that moves itself into the group, then becomes the agent
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$GROUP" \
			vaccel-agent -v --listen "unix://$W/a$n.sock" --token-file $W/token \
			--plugins "$FAULTY" --rundir "$W/run$n" --ready-file "$W/a$n.ready" \
			--worker-memory 256M "$@" >"$W/a$n.log" 2>&1 &
	else
		vaccel-agent -v --listen "unix://$W/a$n.sock" --token-file $W/token \
			--plugins "$FAULTY" --rundir "$W/run$n" --ready-file "$W/a$n.ready" \
			--worker-memory 256M "$@" >"$W/a$n.log" 2>&1 &
	fi
	AGENT=$!
	i=0
	while [ $i -lt 600 ]; do
		[ -s "$W/a$n.ready" ] && return 0
		kill -0 "$AGENT" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# call N CMD: the faulty command in file $W/cmd.CMD through libvaccel's rpc
# plugin (the classify example: the "image" is the command) to agent N, on
# a connection of its own. OUT: what it printed (stdout and stderr); RC.
# Each takes a few seconds at most here (1 GiB into a memfd: ~6 s); one
# that takes 30 s ends the checks (the run stays well within run-vm.sh's
# limit).
call() {
	OUT=$(VACCEL_PLUGINS=libvaccel-rpc.so VACCEL_RPC_ADDRESS="unix://$W/a$1.sock" \
		VACCEL_RPC_TOKEN=$(cat $W/token) VACCEL_RPC_TIMEOUT_MS=30000 \
		timeout 40 classify "$W/cmd.$2" 2>&1)
	RC=$?
	echo "CALL a$1 $2: rc=$RC: $(echo "$OUT" | grep -v '^Initialized session' | tr '\n' '|')"
	case $RC in 110 | 124 | 137 | 143)
		bad "'$2' to agent $1 timed out (rc $RC)"
		finish
		;;
	esac
}
tag() { echo "$OUT" | sed -n 's/^classification tags: //p' | head -n 1; }
# runs PID: a live process (not gone, not a zombie)
runs() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# the name of agent PID's directory: vaccel-agent.PID.START (its start in
# clock ticks since boot, /proc/PID/stat's field 22)
aname() { echo "vaccel-agent.$1.$(cut -d' ' -f22 /proc/$1/stat)"; }

# ---- 1. the agent alone in its group, --worker-cgroups on ------------------------
if ! GROUP=$CG/agent agent 1 --worker-cgroups on; then
	bad "agent 1 did not start: $(tail -n 3 $W/a1.log | tr '\n' '|')"
	finish
fi
AP=$AGENT AN=$(aname $AGENT)
ok "agent 1 (pid $AP) listens"
want="control groups: memory, pids$CPU (cgroup v2 $CG/agent/$AN)"
if grep -q "$want" $W/a1.log; then ok "start line: $want"; else
	bad "no '$want' in the start line: $(grep 'control groups' $W/a1.log)"
fi
front=$(cat $CG/agent/vaccel-front/cgroup.procs 2>/dev/null | tr '\n' ' ')
check "$CG/agent/vaccel-front holds the agent ($front)" \
	"$CG/agent/vaccel-front holds '$front', want '$AP '" [ "$front" = "$AP " ]
left=$(tr '\n' ' ' <$CG/agent/cgroup.procs)
check "$CG/agent holds no process" "$CG/agent still holds $left" [ -z "$left" ]
cg=$(cat /proc/$AP/cgroup)
check "the agent's /proc/PID/cgroup: $cg" "the agent's /proc/PID/cgroup: $cg" [ "$cg" = 0::/agent/vaccel-front ]
AD=$CG/agent/$AN
for d in $CG/agent "$AD"; do
	sub=$(cat "$d/cgroup.subtree_control")
	check "$d/cgroup.subtree_control: $sub" "$d/cgroup.subtree_control: '$sub'" [ "$sub" = "${CPU:+cpu }memory pids" ]
done

# the worker serving us (faulty "pid"): its group and limits while it runs
call 1 pid
WP=$(tag)
case "$WP" in '' | *[!0-9]*) bad "faulty 'pid' gave '$WP' (rc $RC)"; finish ;; esac
grp=$(sed -n 's/^0:://p' "/proc/$WP/cgroup")
case "$grp" in
/agent/$AN/t-[0-9a-f]*) ok "worker $WP is in $grp" ;;
*) bad "worker $WP is in '$grp', want /agent/$AN/t-HASH (its tenant's)" ;;
esac
WD=$CG$grp
check_file() { # check_file DIR FILE WANT
	v=$(cat "$1/$2" 2>/dev/null)
	check "$1/$2 = $v" "$1/$2 = '$v', want $3" [ "$v" = "$3" ]
}
check_file "$WD" memory.max 268435456
# its share of the agent's half of pid_max, --max-tenants (32) fitting
share=$(($(cat /proc/sys/kernel/pid_max) / 2 / 32))
[ $share -lt 64 ] && share=64
[ $share -gt 4096 ] && share=4096
check_file "$WD" pids.max $share
check_file "$AD" pids.max $(($(cat /proc/sys/kernel/pid_max) / 2))
check_file "$WD" memory.oom.group 1
if [ -n "$CPU" ]; then
	check_file "$WD" cpu.weight 100
	check_file "$AD" cpu.weight $((100 * $(nproc)))
fi
[ -f "$WD/memory.swap.max" ] && check_file "$WD" memory.swap.max 0
procs=$(tr '\n' ' ' <"$WD/cgroup.procs")
check "$WD holds the worker alone" "$WD holds '$procs', want '$WP '" [ "$procs" = "$WP " ]

# 1 GiB in a memfd over a 256 MiB limit: the group's OOM killer ends the
# worker, and the agent says why
call 1 memfd1024
if [ $RC -ne 0 ] && echo "$OUT" | grep -q 'over its memory limit of 256 MiB'; then
	ok "memfd 1024 failed: $(echo "$OUT" | grep 'over its memory limit' | head -n 1)"
else
	bad "memfd 1024: rc=$RC, no 'over its memory limit of 256 MiB' in: $(echo "$OUT" | tr '\n' '|')"
fi
check "the agent logged the worker's end over its memory limit" \
	"no 'over its memory limit of 256 MiB' in the agent's log" \
	grep -q "over its memory limit of 256 MiB" $W/a1.log
kill -0 "$WP" 2>/dev/null && bad "worker $WP still runs"
# the tenant's group stays for its next worker, emptied
i=0
while [ -s "$WD/cgroup.procs" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "$WD kept for the tenant's next worker, with no process" \
	"$WD after the worker's end: $(cat "$WD/cgroup.procs" 2>/dev/null | tr '\n' ' ') (gone: $([ -d "$WD" ] || echo yes))" \
	[ -d "$WD" -a ! -s "$WD/cgroup.procs" ]

# within the limit: a new worker holds 64 MiB (charged to its group)
call 1 memfd64
check "memfd 64 on a new connection: $(tag)" "memfd 64: rc=$RC, '$(tag)', want '64 MiB held'" \
	[ "$RC:$(tag)" = "0:64 MiB held" ]
call 1 pid
WP2=$(tag)
grp2=$(sed -n 's/^0:://p' /proc/"$WP2"/cgroup 2>/dev/null)
case "$grp2" in
/agent/$AN/t-[0-9a-f]*)
	# a tenant's next worker joins its tenant's group again
	if [ "$WP2" != "$WP" ] && [ "$grp2" = "$grp" ]; then
		ok "the next worker $WP2 is in its tenant's group $grp2 again"
	else
		bad "the next worker $WP2 in $grp2: not a new worker in $grp"
	fi
	cur=$(cat "$CG$grp2/memory.current")
	if [ "$cur" -ge $((64 << 20)) ] && [ "$cur" -le $((256 << 20)) ]; then
		ok "$CG$grp2/memory.current = $cur (the 64 MiB memfd is charged to the worker's group)"
	else
		bad "$CG$grp2/memory.current = $cur, want 64-256 MiB"
	fi
	;;
*) bad "the next worker '$WP2' is in '$grp2'" ;;
esac

# an ancestor's limit (100 MiB on vaccel-agent.PID.START, as an operator's on
# the agent's whole group would be) kills that worker holding 64 MiB at
# 'memfd 200': not over its own limit of 256 MiB, and not so reported
echo $((100 << 20)) >"$AD/memory.max"
call 1 memfd200
echo max >"$AD/memory.max"
case "$RC:$OUT" in
*"over its memory limit of 256 MiB"*) bad "killed by its parent's limit (100 MiB), the worker was said over its own: $(echo "$OUT" | tail -n 1)" ;;
0:*) bad "memfd 200 under a parent limit of 100 MiB succeeded: $(tag)" ;;
*"died: SIGKILL"*) ok "memfd 200 under a parent limit of 100 MiB: $(echo "$OUT" | grep -o 'died: SIGKILL.*' | tail -n 1)" ;;
*) bad "memfd 200 under a parent limit of 100 MiB: rc=$RC: $(echo "$OUT" | tr '\n' '|')" ;;
esac

# SIGTERM with a worker running: the agent's directory goes with it
call 1 pid
WP=$(tag)
grp=$(sed -n 's/^0:://p' "/proc/$WP/cgroup" 2>/dev/null)
check "a worker runs at the stop: $WP in $grp" "no worker at the stop: '$WP' in '$grp'" [ -d "$CG$grp" ]
stop_agent
check "agent 1 exited 0 on SIGTERM" "agent 1 exited $AGENT_RC" [ "$AGENT_RC" = 0 ]
check "$AD removed at the agent's stop" "$AD still there after the agent's stop" [ ! -d "$AD" ]
runs "$WP" && bad "worker $WP still runs after the agent's stop"
grep -q ' info: stopped$' $W/a1.log || bad "agent 1: no 'stopped' line"
# (its error lines: the two workers' ends by the limits)
grep ' error: ' $W/a1.log | grep -qv 'died: SIGKILL (killed: over its memory limit' &&
	bad "agent 1 logged errors: $(grep ' error: ' $W/a1.log | grep -v 'died: SIGKILL (killed: over its memory limit' | head -n 1)"
grep -q 'control group .* left' $W/a1.log && bad "agent 1: $(grep 'control group .* left' $W/a1.log | head -n 1)"

# ---- 2. the negative control: no cgroups, the same limit ------------------------
# (in the guest's root group, where --worker-cgroups off makes none)
if ! agent 2 --worker-cgroups off; then
	bad "agent 2 did not start: $(tail -n 3 $W/a2.log | tr '\n' '|')"
	finish
fi
check "agent 2: control groups: none" "agent 2's start line: $(grep 'control groups' $W/a2.log)" \
	grep -q 'control groups: none)' $W/a2.log
call 2 memfd1024
check "without cgroups, memfd 1024 under --worker-memory 256M succeeds: $(tag)" \
	"without cgroups, memfd 1024: rc=$RC, '$(tag)', want '1024 MiB held'" \
	[ "$RC:$(tag)" = "0:1024 MiB held" ]
stop_agent
[ "$AGENT_RC" = 0 ] || bad "agent 2 exited $AGENT_RC"

# ---- 3. a group shared with another process: --worker-cgroups on refuses -------
mkdir $CG/shared
sh -c 'echo $$ >"$0/cgroup.procs" && exec sleep 600' $CG/shared &
SLEEPER=$!
i=0
while ! grep -q "^$SLEEPER$" $CG/shared/cgroup.procs && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if GROUP=$CG/shared agent 3 --worker-cgroups on; then
	bad "agent 3 started in a group with another process"
	stop_agent
else
	wait "$AGENT"
	rc=$?
	AGENT=""
	if [ $rc -ne 0 ] && grep -q "has other processes" $W/a3.log; then
		ok "agent 3 refused (rc $rc): $(grep -o 'the agent.s cgroup .*' $W/a3.log | head -n 1)"
	else
		bad "agent 3: rc $rc, no 'has other processes' in its log"
	fi
fi
[ -e $CG/shared/vaccel-front ] && bad "agent 3 made $CG/shared/vaccel-front"
kill -KILL "$SLEEPER"
wait "$SLEEPER" 2>/dev/null
SLEEPER=""

# ---- 4. in the root group (exempt from "no processes in inner groups"): -------
# the controllers given without a move; a front killed by SIGKILL leaves
# its groups, with its worker's programs and a process put there by hand
# (as an agent without root would leave its workers': no uid to find them
# by), and the next agent's start removes them (cgroup.kill)
if ! agent 4 --worker-cgroups on --worker-exec; then
	bad "agent 4 did not start: $(tail -n 3 $W/a4.log | tr '\n' '|')"
	finish
fi
AP=$AGENT AN=$(aname $AGENT)
AD=$CG/$AN
want="control groups: memory, pids$CPU (cgroup v2 $AD)"
check "agent 4 in the root group: $want" "agent 4's start line: $(grep 'control groups' $W/a4.log)" \
	grep -qF "$want" $W/a4.log
check "agent 4 stays in the root group" "agent 4 is in $(cat /proc/$AP/cgroup)" grep -qx '0::/' /proc/$AP/cgroup
call 4 pid
WP=$(tag)
grp=$(sed -n 's/^0:://p' "/proc/$WP/cgroup" 2>/dev/null)
case "$grp" in
/$AN/t-[0-9a-f]*) ok "agent 4's worker $WP is in $grp" ;;
*) bad "agent 4's worker '$WP' is in '$grp'"; finish ;;
esac
call 4 orphan
G1=$(tag | cut -d ' ' -f 1) G2=$(tag | cut -d ' ' -f 2)
g1=$(sed -n 's/^0:://p' "/proc/$G1/cgroup" 2>/dev/null)
g2=$(sed -n 's/^0:://p' "/proc/$G2/cgroup" 2>/dev/null)
check "the worker's programs $G1 and $G2 are in its group" "the worker's programs '$G1' '$G2' are in '$g1' '$g2'" \
	[ "$g1:$g2" = "$grp:$grp" ]
sleep 600 &
PLANT=$!
echo "$PLANT" >"$CG$grp/cgroup.procs"
kill -KILL "$AP"
wait "$AP" 2>/dev/null
AGENT=""
i=0
while runs "$WP" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
left=$(tr '\n' ' ' <"$CG$grp/cgroup.procs")
check "agent 4 killed (SIGKILL): $CG$grp holds $left" "agent 4 killed: $CG$grp holds '$left'" [ -n "$left" ]
if ! agent 5 --worker-cgroups on; then
	bad "agent 5 did not start: $(tail -n 3 $W/a5.log | tr '\n' '|')"
	finish
fi
check "agent 5: $(grep -o 'removed the workers.*' $W/a5.log)" "agent 5 did not say it removed agent 4's groups" \
	grep -q "removed the workers' control groups of 1 agent(s) that are gone, in $CG\$" $W/a5.log
i=0
while [ -d "$AD" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "$AD removed by agent 5" "$AD still there: $(cat "$AD"/*/cgroup.procs 2>/dev/null | tr '\n' ' ')" [ ! -d "$AD" ]
for p in "$G1" "$G2" "$PLANT"; do runs "$p" && bad "process $p of agent 4's worker group still runs"; done
wait "$PLANT" 2>/dev/null
PLANT=""
stop_agent
check "agent 5 exited 0 on SIGTERM" "agent 5 exited $AGENT_RC" [ "$AGENT_RC" = 0 ]
left=$(cd $CG && echo vaccel-agent.*)
check "no vaccel-agent.* left in $CG" "left in $CG: $left" [ "$left" = "vaccel-agent.*" ]

# ---- 5. a group delegated to an agent that is not root (nobody) ---------------
# Its workers run as its own uid, which owns the groups it makes: only
# Landlock keeps a worker from leaving its group or raising its limit (the
# agent's own children, before their sandbox, join their groups so).
D=$CG/deleg
mkdir $D $W/nb
chown 65534:65534 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads $W/nb
cp $W/token $W/nb/token
chown 65534:65534 $W/nb/token
ln -s $W/nb/a.sock $W/a6.sock
# root moves this shell into the group (nobody may not: the common
# ancestor with the root group is root's), then it becomes the agent
sh -c 'echo $$ >"$0/cgroup.procs" && exec su -s /bin/sh nobody -c "exec vaccel-agent -v \
	--listen unix://$1/a.sock --token-file $1/token --plugins $2 --rundir $1/run \
	--ready-file $1/ready --worker-memory 256M --worker-cgroups on"' $D $W/nb "$FAULTY" >$W/a6.log 2>&1 &
AGENT=$!
i=0
while [ ! -s $W/nb/ready ] && kill -0 "$AGENT" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s $W/nb/ready ]; then
	bad "agent 6 did not start: $(tail -n 3 $W/a6.log | tr '\n' '|')"
	finish
fi
AP=$AGENT AN=$(aname $AGENT)
AD=$D/$AN
want="control groups: memory, pids$CPU (cgroup v2 $AD)"
check "agent 6 as nobody in $D: $want" "agent 6's start line: $(grep 'control groups' $W/a6.log)" \
	grep -qF "$want" $W/a6.log
u=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$AP/status)
cg=$(cat /proc/$AP/cgroup)
check "agent 6 (uid $u) moved itself to $cg" "agent 6 (uid $u) is in $cg" [ "$u:$cg" = "65534:0::/deleg/vaccel-front" ]
call 6 pid
WP=$(tag)
grp=$(sed -n 's/^0:://p' "/proc/$WP/cgroup" 2>/dev/null)
case "$grp" in
/deleg/$AN/t-[0-9a-f]*) ok "agent 6's worker $WP is in $grp" ;;
*) bad "agent 6's worker '$WP' is in '$grp'"; finish ;;
esac
check_file "$CG$grp" memory.max 268435456
own=$(stat -c %u "$D/vaccel-front/cgroup.procs" "$CG$grp/memory.max" "$D/cgroup.procs" | tr '\n' ' ')
check "the worker's uid owns the files it tries ($own)" "owners: $own" [ "$own" = "65534 65534 65534 " ]
printf 'write %s 0' "$D/vaccel-front/cgroup.procs" >$W/cmd.leave
printf 'write %s max' "$CG$grp/memory.max" >$W/cmd.raise
for c in leave raise; do
	call 6 $c
	check "the worker cannot $c its group: $(tag)" "the worker's '$(cat $W/cmd.$c)': $(tag)" \
		[ "$RC:$(tag)" = "0:EACCES" ]
done
check "the worker $WP is still in $grp" "the worker $WP is in $(cat "/proc/$WP/cgroup")" \
	grep -qx "0::$grp" "/proc/$WP/cgroup"
check_file "$CG$grp" memory.max 268435456
call 6 memfd1024
reason=$(echo "$OUT" | grep -o 'over its memory limit of 256 MiB' | head -n 1)
check "agent 6: memfd 1024 failed $reason" "agent 6: memfd 1024: rc=$RC: $OUT" [ -n "$reason" ]
stop_agent
check "agent 6 exited 0 on SIGTERM" "agent 6 exited $AGENT_RC" [ "$AGENT_RC" = 0 ]
check "$AD removed at agent 6's stop" "$AD still there" [ ! -d "$AD" ]
finish
