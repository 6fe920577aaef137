#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-ops.sh OPS_LIST: run every op of the list (tests/vm/ops.list) with the
# example programs and print their results in a form the host can compare:
#   OUT NAME: LINE        each stdout line of the program
#   ERR NAME: LINE        each stderr line (diagnostics, never compared)
#   OUT NAME: md5 HASH    for each @OUT/ file the program wrote
#   RC NAME: N            the program's exit status
# Plain POSIX/busybox sh: the same script runs inside a VM guest, inside a
# runc container and on the host (for the host-local reference results).
# Environment:
#   DATA=DIR        where the @FILE inputs are (guest/container: /data)
#   OUTDIR=DIR      where @OUT/FILE outputs go (created)
#   BIN=DIR         the programs (required: "exec" is also a shell builtin)
#   MODE=remote     each op goes through the rpc plugin to the agent of its
#                   backend: VACCEL_PLUGINS=libvaccel-rpc.so and
#                   VACCEL_RPC_ADDRESS=$AGENT_<backend> (e.g. AGENT_onnx)
#   MODE=local      each op runs with the backend plugin loaded in the
#                   process: VACCEL_PLUGINS=$PLUGIN_<backend>
#   ONLY="a b"      run only these ops (default: all)
# Exit: 0 if every op exited 0, else 1.
set -u
list=$1
: "${DATA:=/data}" "${OUTDIR:=/tmp/out}" "${BIN:?BIN=DIR of the programs}" "${MODE:=remote}" "${ONLY:=}"
mkdir -p "$OUTDIR"
status=0
# shellcheck disable=SC2094 # the list is only read
while read -r name backend prog args; do
	case "$name" in '' | '#'*) continue ;; esac
	if [ -n "$ONLY" ]; then
		case " $ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	# expand @OUT/x and @x in the arguments
	argv="" outs=""
	for a in $args; do
		case "$a" in
		@OUT/*) a="$OUTDIR/${a#@OUT/}"; rm -f "$a"; outs="$outs $a" ;;
		@*) a="$DATA/${a#@}" ;;
		esac
		argv="$argv $a"
	done
	if [ "$MODE" = local ]; then
		eval "plugins=\${PLUGIN_$backend:-}"
		addr=""
	else
		plugins=libvaccel-rpc.so
		eval "addr=\${AGENT_$backend:-}"
	fi
	# shellcheck disable=SC2086 # argv is split on purpose (no blanks inside)
	VACCEL_PLUGINS=$plugins VACCEL_RPC_ADDRESS=$addr \
		"$BIN/$prog" $argv >"$OUTDIR/.stdout" 2>"$OUTDIR/.stderr"
	rc=$?
	sed "s/^/OUT $name: /" "$OUTDIR/.stdout"
	sed "s/^/ERR $name: /" "$OUTDIR/.stderr"
	for f in $outs; do
		if [ -f "$f" ]; then
			echo "OUT $name: md5 $(md5sum <"$f" | cut -d' ' -f1)"
		else
			echo "OUT $name: md5 (no file ${f##*/})"
		fi
	done
	echo "RC $name: $rc"
	[ "$rc" -eq 0 ] || status=1
done <"$list"
exit "$status"
