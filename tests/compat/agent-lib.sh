# One vaccel-agent on a UNIX socket in a temporary directory, for
# tests/compat/wire-compat.sh and tests/cross/vm-arm64.sh. Source it; it
# makes $TMP (removed at exit, with the agent stopped).
#   agent TREE PLUGINS...  start TREE's agent with TREE's plugins (noop, ...)
#                          on unix://$TMP/agent.sock; log $TMP/agent.log
#   stop_agent             SIGTERM it and wait
# shellcheck shell=bash

TMP=$(mktemp -d)
# the agent's sandboxed workers (other uids) must reach its --rundir
chmod 711 "$TMP"
AGENT_PID=

stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null &&
		wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

# shellcheck disable=SC2317 # the EXIT trap
_agent_cleanup() {
	stop_agent
	rm -rf "$TMP"
}
trap _agent_cleanup EXIT

agent() {
	local tree=$1 plugins=() p
	shift
	for p in "$@"; do plugins+=("$tree/plugins/$p/libvaccel-$p.so"); done
	rm -f "$TMP/ready" "$TMP/agent.sock"
	"$tree/agent/vaccel-agent" --listen "unix://$TMP/agent.sock" \
		--plugins "$(IFS=:; echo "${plugins[*]}")" --ready-file "$TMP/ready" \
		--rundir "$TMP/run" >"$TMP/agent.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 400); do
		[ -e "$TMP/ready" ] && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	tail -n 5 "$TMP/agent.log" >&2
	return 1
}
