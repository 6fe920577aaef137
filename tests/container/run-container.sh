#!/usr/bin/env bash
# Run an OCI bundle from tests/container/mkbundle.sh with runc, once.
#
# usage: tests/container/run-container.sh -b BUNDLE [options] [--help]
#   -b, --bundle DIR        bundle from mkbundle.sh (required; not modified)
#   -S, --sockdir DIR       host directory bind-mounted read-write at
#                           /run/vaccel for this run (e.g. the agent's socket
#                           dir; replaces one given to mkbundle.sh)
#   -e, --env KEY=VALUE     extra process environment for this run (repeatable)
#   -t, --timeout SEC       wall-clock limit (default 30); then SIGKILL
#   -i, --id ID             container id (default vaccel-test-<pid>-<random>)
#   -l, --log FILE          write the container's stdout+stderr there
#                           (default: pass them through)
#   -P, --pidfile FILE      the container process's host PID while it runs
# Each run gets its own config.json (in a temp dir, root.path pointing at
# BUNDLE/rootfs), so one bundle can run several times at once. The container
# is always removed afterwards (`runc delete -f`), also on timeout or signal.
# Exit status: the container process's status (keep it below 120), or
#   124  timeout, container killed
#   125  runc failed (the container never started)
#   126  the container process was killed by a signal
#   127  usage or setup error
# A summary line "[run-container.sh] rc=N (...) in S s" goes to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
fail() { say "error: $*"; exit 127; }

bundle="" sockdir="" timeout=30 id="" log="" pidfile=""
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	-b | --bundle | -S | --sockdir | -e | --env | -t | --timeout | -i | --id | -l | --log | -P | --pidfile)
		[ $# -ge 2 ] || { usage >&2; fail "$1 needs an argument"; }
		case "$1" in
		-b | --bundle) bundle=$2 ;;
		-S | --sockdir) sockdir=$2 ;;
		-e | --env) envs+=("$2") ;;
		-t | --timeout) timeout=$2 ;;
		-i | --id) id=$2 ;;
		-l | --log) log=$2 ;;
		-P | --pidfile) pidfile=$2 ;;
		esac
		shift ;;
	*) usage >&2; fail "unknown argument: $1" ;;
	esac
	shift
done
[ -n "$bundle" ] || { usage >&2; fail "-b BUNDLE is required"; }
if [ ! -f "$bundle/config.json" ] || [ ! -d "$bundle/rootfs" ]; then
	fail "$bundle is not a bundle (mkbundle.sh)"
fi
[ -z "$sockdir" ] || [ -d "$sockdir" ] || fail "no such socket directory: $sockdir"
if ! [[ "$timeout" =~ ^[0-9]+$ ]] || [ "$timeout" -eq 0 ]; then fail "bad timeout: $timeout"; fi
for kv in ${envs[@]+"${envs[@]}"}; do
	[[ "$kv" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || fail "bad --env '$kv' (KEY=VALUE)"
done
command -v runc >/dev/null 2>&1 || fail "runc not found (apt-get install runc)"
[ "$(id -u)" -eq 0 ] || fail "runc needs root here (rootless is not set up)"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3) || fail "python3 not found"
[ -n "$id" ] || id="vaccel-test-$$-$RANDOM"
[[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || fail "bad container id: $id"
bundle=$(realpath "$bundle")

run=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-ctr.XXXXXX")
rpid="" started=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$rpid" ] && kill -0 "$rpid" 2>/dev/null; then
		runc kill "$id" KILL 2>/dev/null || true
		kill -KILL "$rpid" 2>/dev/null || true
		wait "$rpid" 2>/dev/null || true
	fi
	# `runc run` removes a container that exited; what is left (killed runc,
	# timeout) is deleted here.
	if runc state "$id" >/dev/null 2>&1; then
		runc delete -f "$id" >/dev/null 2>&1 || say "warning: runc delete -f $id failed"
	fi
	rm -rf "$run"
	[ -z "$pidfile" ] || rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$PY" - "$bundle/config.json" "$run/config.json" "$bundle/rootfs" "${sockdir:+$(realpath "$sockdir")}" \
	${envs[@]+"${envs[@]}"} <<'EOF' || fail "cannot write the run's config.json"
import json, sys
src, dst, rootfs, sockdir = sys.argv[1:5]
c = json.load(open(src))
c["root"]["path"] = rootfs
env = {e.split("=", 1)[0]: e for e in c["process"].get("env", [])}
for e in sys.argv[5:]:
    env[e.split("=", 1)[0]] = e
c["process"]["env"] = list(env.values())
if sockdir:
    c["mounts"] = [m for m in c["mounts"] if m.get("destination") != "/run/vaccel"]
    c["mounts"].append({"destination": "/run/vaccel", "type": "bind", "source": sockdir,
                        "options": ["rbind", "rw"]})
json.dump(c, open(dst, "w"), indent=2)
EOF

t0=$EPOCHREALTIME
rpidfile="$run/container.pid"
if [ -n "$log" ]; then
	mkdir -p "$(dirname "$log")"
	runc run --bundle "$run" --pid-file "$rpidfile" "$id" </dev/null >"$log" 2>&1 &
else
	runc run --bundle "$run" --pid-file "$rpidfile" "$id" </dev/null &
fi
rpid=$!
state=running
deadline=$(awk -v a="$t0" -v t="$timeout" 'BEGIN{printf "%.3f", a+t}')
while kill -0 "$rpid" 2>/dev/null; do
	if [ "$started" -eq 0 ] && [ -s "$rpidfile" ]; then
		started=1
		[ -z "$pidfile" ] || cp "$rpidfile" "$pidfile"
	fi
	if awk -v d="$deadline" -v n="$EPOCHREALTIME" 'BEGIN{exit !(n >= d)}'; then
		state=timeout
		runc kill "$id" KILL 2>/dev/null || kill -KILL "$rpid" 2>/dev/null || true
		break
	fi
	sleep 0.02
done
[ -s "$rpidfile" ] && started=1
rrc=0
{ wait "$rpid" || rrc=$?; } 2>/dev/null
rpid=""
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
if [ "$state" = timeout ]; then
	rc=124 why="timeout after ${timeout} s, container killed"
elif [ "$started" -eq 0 ] && [ "$rrc" -ne 0 ]; then
	rc=125 why="runc failed (exit $rrc), container not started"
elif [ "$rrc" -gt 128 ]; then
	rc=126 why="container process killed by signal $((rrc - 128))"
else
	rc=$rrc why="container process status"
fi
say "rc=$rc ($why) id $id in $secs s${log:+, log: $log}"
exit "$rc"
