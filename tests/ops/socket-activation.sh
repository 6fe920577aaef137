#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Socket activation of vaccel-agent, as vaccel-agent.socket does it:
# `systemd-socket-activate -l PATH` owns the listening socket and starts the
# agent on the first connection with it as fd 3 (LISTEN_FDS=1); the agent
# gets no --listen. Checks that an application gets its result through it,
# that a second one is served by the same agent, and that SIGTERM stops it
# cleanly (exit 0).
#
# usage: tests/ops/socket-activation.sh [--help] BUILD_DIR
# Exit: 0 passed, 1 failed, 77 cannot run here (the reason is the last
# line: no systemd-socket-activate, or an agent without socket activation).
set -uo pipefail
case "${1:-}" in
-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
"") echo "usage: $0 BUILD_DIR" >&2; exit 2 ;;
esac
B=$(cd "$1" && pwd) || exit 2
AGENT=$B/agent/vaccel-agent
skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate not installed (systemd)"
[ -x "$AGENT" ] || skip "$AGENT not built"
grep -q LISTEN_FDS <<<"$("$AGENT" --help 2>&1)" || skip "agent has no socket activation yet"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-sa.XXXXXX")
# the agent's workers run as other uids (as root): they go through it
chmod 711 "$TMP"
act=""
cleanup() {
	[ -n "$act" ] && kill -KILL "$act" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
sock=$TMP/agent.sock

# the agent's own options, no endpoint: the socket comes from LISTEN_FDS
systemd-socket-activate -l "$sock" "$AGENT" --plugins "$B/plugins/noop/libvaccel-noop.so" \
	--rundir "$TMP/run" --ready-file "$TMP/ready" 2>"$TMP/agent.log" &
act=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "systemd-socket-activate did not create $sock"
# the agent starts with the first connection, not before
sleep 0.5
[ -e "$TMP/ready" ] && fail "the agent started before any connection"

client() {
	VACCEL_PLUGINS=$B/plugins/rpc/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock \
		timeout 30 "$B/tools/vaccel" run noop
}
out=$(client 2>&1) || fail "first client: $out (agent: $(tail -n 2 "$TMP/agent.log" | paste -sd '|'))"
grep -q '^noop: ok (plugin rpc)$' <<<"$out" || fail "first client printed: $out"
pid1=$(sed -n 's/^pid //p' "$TMP/ready")
out=$(client 2>&1) || fail "second client: $out"
pid2=$(sed -n 's/^pid //p' "$TMP/ready")
[ -n "$pid1" ] && [ "$pid1" = "$pid2" ] || fail "the agent changed between clients ($pid1, $pid2)"
# systemd-socket-activate execs the agent: its pid is the agent's
[ "$pid1" = "$act" ] || fail "the agent (pid $pid1) is not the activated process ($act)"
kill -TERM "$act"
wait "$act"
rc=$?
act=""
[ $rc -eq 0 ] || fail "the agent exited $rc on SIGTERM: $(tail -n 2 "$TMP/agent.log" | paste -sd '|')"
echo "ok: two clients served by the socket-activated agent (pid $pid1), clean stop"
