#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The agent with only the capabilities the packaged systemd unit leaves it
# (CapabilityBoundingSet= of deploy/systemd/vaccel-agent.service.in, read
# from there; applied with setpriv --bounding-set): root without
# CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so a worker's private
# directory (0700, the worker's uid) can be neither read nor moved until
# the front takes it back (CAP_CHOWN). Under Debian 12's systemd
# (vm-systemd-unit) every worker's directory was left behind with
# "cannot remove all of .../tenants/t-HASH". Checks, with the faulty test
# backend and the classify example as the client (two connections, a
# worker that leaves a 3000-deep chain of directories and dies, a restart
# of the agent on the same directories):
#  - no "cannot remove all of" line, no error but the worker's death;
#  - the trash is emptied while the agent runs, of a directory the tenant
#    made mode 0 too, and a tenant's backends' .cache over the budget goes
#    at its worker's end, one hidden under mode 0 too; a nested one within
#    the budget is readable by its next worker (another uid);
#  - the run directory holds nothing of the workers after the stop;
#  - what a worker sees of the host: without CAP_SYS_ADMIN the agent
#    makes no namespaces for its workers and says so; agent 1 (a /proc
#    like the host's) lets a worker list every process, agent 2 (a /proc
#    mounted with hidepid=invisible, as the unit's ProtectProc=invisible
#    does) says its workers see their own processes only, and a worker
#    lists one process and cannot read the front's /proc entry.
# Root only (else 77); 77 also when setpriv or a built file is missing.
# usage: tests/agent/test_unit_caps.sh [--help]  (VACCEL_BUILD_ROOT set)
set -u
case "${1:-}" in -h | --help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
B=${VACCEL_BUILD_ROOT:?}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
agent_bin=$B/agent/vaccel-agent rpc=$B/plugins/rpc/libvaccel-rpc.so
faulty=$B/tests/lib/faulty/libvaccel-faulty.so classify=$B/examples/classify
unit=$SRC/deploy/systemd/vaccel-agent.service.in
[ "$(id -u)" -eq 0 ] || { echo "skipped: not root"; exit 77; }
command -v setpriv >/dev/null || { echo "skipped: no setpriv (util-linux)"; exit 77; }
for f in "$agent_bin" "$rpc" "$faulty" "$classify" "$unit"; do
	[ -e "$f" ] || { echo "skipped: $f missing"; exit 77; }
done
# CAP_SETUID CAP_SETGID ... -> -all,+setuid,+setgid,...
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr '[:upper:]' '[:lower:]' |
	sed 's/cap_/+/g; s/ /,/g')
[ -n "$caps" ] || { echo "FAIL: no CapabilityBoundingSet= in $unit"; exit 1; }
tmp=$(mktemp -d)
chmod 711 "$tmp" # the workers (other uids) go through it
apid=
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
ok() { echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; }
# as the unit's tests/lib/harness.c: uids of this process's own
base=$((200000 + ($$ % 20000) * 128))
mkdir -p "$tmp/run" "$tmp/cache"
chmod 711 "$tmp/run" "$tmp/cache"
start() { # start N [hidepid]: agent N (log $tmp/aN.log), listening
	rm -f "$tmp/ready"
	local wrap=()
	[ "${2:-}" = hidepid ] && wrap=(unshare -m --propagation slave -- sh -c
		'mount -t proc -o hidepid=invisible proc /proc && exec "$@"' sh)
	"${wrap[@]}" setpriv --bounding-set "-all,$caps" -- "$agent_bin" -v --listen "unix://$tmp/a.sock" \
		--rundir "$tmp/run" --cache-dir "$tmp/cache" --plugins "$faulty" \
		--worker-uid-base "$base" --worker-uids 127 --worker-cgroups off --ready-file "$tmp/ready" --cache-max-bytes 4M \
		>"$tmp/a$1.log" 2>&1 &
	apid=$!
	for _ in $(seq 300); do
		[ -s "$tmp/ready" ] && return 0
		kill -0 "$apid" 2>/dev/null || break
		sleep 0.05
	done
	bad "agent $1 did not start: $(tail -n 3 "$tmp/a$1.log" | tr '\n' '|')"
	exit 1
}
stop() {
	kill -TERM "$apid" && wait "$apid"
	local rc=$?
	apid=
	[ $rc -eq 0 ] || bad "the agent exited $rc at SIGTERM"
}
call() { # call COMMAND: the faulty command through the agent
	printf '%s' "$1" >"$tmp/cmd"
	VACCEL_BOOTSTRAP_ENABLED=1 VACCEL_PLUGINS=$rpc VACCEL_RPC_ADDRESS=unix://$tmp/a.sock "$classify" "$tmp/cmd" >"$tmp/out" 2>&1
}
echo "bounding set: -all,$caps"
start 1
bnd=$(sed -n 's/^CapBnd:\t//p' /proc/$apid/status)
# CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) are not in it
if [ $((0x$bnd & 6)) -eq 0 ]; then ok "the agent runs without DAC_OVERRIDE, DAC_READ_SEARCH (CapBnd $bnd)"; else
	bad "the agent's bounding set $bnd still has DAC_OVERRIDE or DAC_READ_SEARCH"
fi
if call pid && grep -q '^classification tags: [0-9]' "$tmp/out"; then ok "a call is served"; else
	bad "call: $(tr '\n' '|' <"$tmp/out")"
fi
tags() { sed -n 's/^classification tags: //p' "$tmp/out" | head -n 1; }
view() { grep -m 1 -o 'workers see [^;]*' "$tmp/a$1.log"; }
want='workers see every process in /proc and the host.s network (no namespaces: Operation not permitted)'
if view 1 | grep -q "^$want\$"; then ok "agent 1: $(view 1)"; else
	bad "agent 1's start line: '$(view 1)', want '$want'"
fi
call procs
n=$(tags)
if [ "${n:-0}" -gt 1 ] 2>/dev/null; then ok "agent 1's worker lists $n processes"; else
	bad "agent 1's worker lists '$n' processes: $(tr '\n' '|' <"$tmp/out")"
fi
# what a tenant makes unreadable to root without CAP_DAC_* goes all the
# same: 8 MiB under a mode-0 directory in its private directory (it stayed
# in the trash for good: an audit), then the same in its backends' .cache,
# over the cache's budget (4 MiB: the front counted nothing it could not
# read); a backend's nested cache within the budget is its next worker's
# (another uid) to read
trash_empty() {
	for _ in $(seq 300); do
		[ -z "$(find "$tmp/run/tenants/.trash" "$tmp/cache/.trash" -mindepth 1 2>/dev/null | head -n 1)" ] && return 0
		sleep 0.1
	done
	return 1
}
wuid() { call pid; stat -c %u "/proc/$(tags)"; }
u1=$(wuid)
call 'nest kept'
call 'hide home 8'
if [ "$(tags)" = "hidden 8" ]; then ok "the tenant hid 8 MiB under a mode-0 directory of its home"; else
	bad "hide home 8: $(tr '\n' '|' <"$tmp/out")"
fi
call crash
call pid
if trash_empty; then ok "a dead worker's mode-0 directory was removed from the trash"; else
	bad "the trash still holds $(du -sh "$tmp/run/tenants/.trash" | cut -f1) after 30 s"
fi
u2=$(wuid)
call nest
if [ "$(tags)" = kept ]; then ok "the tenant's next worker (uid $u1, then $u2) reads its backend's nested cache"; else
	bad "the next worker (uid $u1, then $u2) reads its nested cache: $(tr '\n' '|' <"$tmp/out")"
fi
call 'hide cache 8'
call crash
call pid
dc=$(find "$tmp/cache/tenants" -maxdepth 2 -name .cache -exec du -sk {} + | sort -n | tail -n 1)
if [ "${dc%%[^0-9]*}" -lt 1024 ] && grep -q "the backends' .cache is over the cache's budget at its worker's end: removed" "$tmp/a1.log"; then
	ok "8 MiB hidden under a mode-0 directory of the backends' .cache went at the worker's end (budget 4 MiB)"
else
	bad "the backends' .cache kept ${dc:-?} KiB under a 4 MiB budget"
fi
# 200 files and a chain of 3000 directories in its private directory and
# in its cache's .cache (faulty "litter"), then the worker dies (SIGSEGV):
# its directory goes to the trash, emptied by a thread of the front
call 'litter 200' || bad "litter: $(tr '\n' '|' <"$tmp/out")"
call 'crash'
call pid || bad "the call after a worker's death: $(tr '\n' '|' <"$tmp/out")"
if trash_empty; then
	ok "the trash was emptied (a dead worker's 3000-deep chain included)"
else
	bad "the trash still holds $(find "$tmp/run/tenants/.trash" "$tmp/cache/.trash" -mindepth 1 | wc -l) entries after 30 s"
fi
stop
start 2 hidepid # the same directories again
call pid || bad "agent 2's call: $(tr '\n' '|' <"$tmp/out")"
want="workers see their own processes in /proc (its hidepid), the host's network (no namespaces: Operation not permitted)"
if [ "$(view 2)" = "$want" ]; then ok "agent 2: $(view 2)"; else
	bad "agent 2's start line: '$(view 2)', want '$want'"
fi
call procs
n=$(tags)
if [ "$n" = 1 ]; then ok "agent 2's worker lists 1 process (its own)"; else
	bad "agent 2's worker lists '$n' processes: $(tr '\n' '|' <"$tmp/out")"
fi
call "read /proc/$apid/stat"
if [ "$(tags)" = ENOENT ]; then ok "agent 2's worker cannot read the front's /proc/$apid/stat (ENOENT)"; else
	bad "agent 2's worker reads the front's /proc/$apid/stat: $(tr '\n' '|' <"$tmp/out")"
fi
stop
for n in 1 2; do
	if grep -q 'cannot remove all of' "$tmp/a$n.log"; then
		bad "agent $n: $(grep -m 1 'cannot remove all of' "$tmp/a$n.log")"
	else ok "agent $n removed every worker's directory (no 'cannot remove all of')"; fi
	# (the crash's own lines: a sanitizer's build reports it and exits)
	grep ' error: ' "$tmp/a$n.log" | grep -v 'backend process died\|backend process exited\|\] output: ' |
		sed 's/^/  | /' | grep . &&
		bad "agent $n logged errors"
done
# (a tenant's cache, --cache-dir, stays for its next worker; the trash is
# emptied by a thread of the front, which an agent may leave at its exit
# for the next to finish)
left=$(find "$tmp/run" -mindepth 1 -uid +"$((base - 1))" -not -path '*/.trash/*' 2>/dev/null |
	head -n 5 | tr '\n' ' ')
if [ -z "$left" ]; then ok "nothing of the workers' uids is left in the run directory"; else
	bad "left of the workers: $left"
fi
[ $failed -eq 0 ] || { sed 's/^/  a1| /' "$tmp/a1.log" | grep -E 'warn|error' | head -n 10; exit 1; }
echo "all passed"
