# Shared by the end-to-end tiers: tests/vm/run-tests.sh, tests/vm/bench.sh,
# tests/container/run-tests.sh. Source it (bash); do not run it.
#
# What it gives: a scratch dir with cleanup that kills every process it
# started (by PID) even when a test fails; real vaccel-agent processes (one
# per backend: a session without a hint gets the agent's first plugin);
# the host-local reference results of tests/vm/ops.list; comparison and
# normalisation of op outputs; checks of the agent's log and INFO stats;
# one result line per scenario.
# shellcheck shell=bash
# shellcheck disable=SC2001 # sed on log lines reads better than ${//}
# shellcheck disable=SC2034 # AGENT_TCP and others are for the sourcing scripts

E2E_VM=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$E2E_VM/../../scripts/lib.sh"

E2E_PASS=0 E2E_FAIL=0 E2E_SKIP=0
E2E_PIDS=()       # processes to end at exit (agents, helpers, run-vm.sh)
E2E_QEMU_PIDFILES=() # QEMU pidfiles: their QEMU is killed at exit too
declare -A AGENT_PID=() AGENT_TCP=() AGENT_SOCK=()
TOKEN_FILE="" TMP="" E2E_KEEP=""

# e2e_args "$@" (a tier's run-tests.sh): --help prints the script's header
# comment, --only NAME (repeatable) picks scenarios, one BUILD_DIR is left in
# E2E_BUILD_ARG; exit 2 on bad usage. e2e_wanted NAME: run that scenario?
E2E_ONLY=() E2E_BUILD_ARG=""
e2e_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
		--only) E2E_ONLY+=("${2:?--only needs a scenario name}"); shift ;;
		-*) echo "unknown option $1" >&2; exit 2 ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || { echo "usage: $0 [--only NAME]... BUILD_DIR" >&2; exit 2; }
	E2E_BUILD_ARG=$1
}
e2e_wanted() {
	[ ${#E2E_ONLY[@]} -eq 0 ] && return 0
	local s
	for s in "${E2E_ONLY[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

# e2e_init TIER_WORKDIR BUILD_DIR: B, D, TMP; traps. TIER_WORKDIR (ignored
# by git) receives the logs of the last run ("last-run/").
e2e_init() {
	E2E_WORK=$1
	[ -n "${2:-}" ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
	B=$(cd "$2" 2>/dev/null && pwd) || { echo "no build dir $2" >&2; exit 2; }
	D=$VACCEL_DEPS
	TMP=$(mktemp -d /tmp/vaccel-e2e.XXXXXX)
	# as root, the agents' workers (other uids) go through it
	chmod 711 "$TMP"
	chmod 755 "$TMP"
	mkdir -p "$TMP/logs"
	E2E_KEEP=$E2E_WORK/last-run
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
	TOKEN_FILE=$TMP/token
	# 32 random bytes as hex: the TCP endpoints' shared secret
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$TOKEN_FILE"
	chmod 600 "$TOKEN_FILE"
}

e2e_kill() { # e2e_kill PID: TERM, up to 5 s, then KILL; reaps our children
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# shellcheck disable=SC2317 # called by the EXIT trap
e2e_cleanup() {
	local rc=$? p f
	trap - EXIT INT TERM HUP
	for f in ${E2E_QEMU_PIDFILES[@]+"${E2E_QEMU_PIDFILES[@]}"}; do
		if [ -s "$f" ]; then
			p=$(cat "$f" 2>/dev/null || true)
			[ -z "$p" ] || kill -KILL "$p" 2>/dev/null || true
		fi
	done
	for p in ${E2E_PIDS[@]+"${E2E_PIDS[@]}"}; do e2e_kill "$p"; done
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		# keep the logs of the last run for post-mortems (git-ignored)
		rm -rf "$E2E_KEEP"
		mkdir -p "$E2E_KEEP"
		cp -r "$TMP/logs/." "$E2E_KEEP/" 2>/dev/null || true
		rm -rf "$TMP"
	fi
	exit "$rc"
}

e2e_track() { E2E_PIDS+=("$1"); }
e2e_untrack() { # e2e_untrack PID
	local p out=()
	for p in ${E2E_PIDS[@]+"${E2E_PIDS[@]}"}; do
		[ "$p" = "$1" ] || out+=("$p")
	done
	E2E_PIDS=(${out[@]+"${out[@]}"})
}

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }

# Results: one line per scenario on stdout.
e2e_ok() { echo "ok $1 ($2s)"; E2E_PASS=$((E2E_PASS + 1)); }
e2e_fail() { echo "FAIL $1: $2"; E2E_FAIL=$((E2E_FAIL + 1)); }
e2e_skip() { echo "skip $1: $2"; E2E_SKIP=$((E2E_SKIP + 1)); }
e2e_note() { echo "  note: $*"; }
e2e_exit() {
	say "$E2E_PASS passed, $E2E_FAIL failed, $E2E_SKIP skipped; logs of this run: $E2E_KEEP"
	[ "$E2E_FAIL" -eq 0 ] && exit 0
	exit 1
}

# Scenario bodies run in the current shell and collect failures in ERRS.
ERRS=()
err() { ERRS+=("$*"); }
# e2e_result NAME T0: ok/FAIL line from ERRS (reset afterwards)
e2e_result() {
	if [ ${#ERRS[@]} -eq 0 ]; then
		e2e_ok "$1" "$(since "$2")"
	else
		local IFS=';'
		e2e_fail "$1" "${ERRS[*]} ($(since "$2")s; logs: $E2E_KEEP/$1*)"
	fi
	ERRS=()
}

# ---- what the tiers need ------------------------------------------------

# e2e_bench_check: exit 77, saying why, where a benchmark of the VM tier
# cannot run (tools, build, data, guest kernel); after e2e_init.
e2e_bench_check() {
	local t why
	for t in qemu-system-x86_64 cpio gzip cc; do
		command -v "$t" >/dev/null 2>&1 || { say "cannot run: $t not found"; exit 77; }
	done
	why=$(e2e_need_build)
	[ -z "$why" ] || { say "cannot run: $why"; exit 77; }
	why=$(e2e_need_data)
	[ -z "$why" ] || { say "cannot run: $why"; exit 77; }
	"$E2E_VM/fetch-kernel.sh" >"$TMP/logs/fetch-kernel.log" 2>&1 || { say "cannot run: no guest kernel"; exit 77; }
}

# e2e_need_build: the programs the tiers use, or a reason on stdout.
e2e_need_build() {
	local f
	for f in agent/vaccel-agent plugins/rpc/libvaccel-rpc.so \
		plugins/onnx/libvaccel-onnx.so plugins/blas/libvaccel-blas.so \
		plugins/exec/libvaccel-exec.so plugins/noop/libvaccel-noop.so \
		plugins/mbench/libvaccel-mbench.so examples/mbench \
		examples/classify examples/detect examples/pose examples/segment \
		examples/sgemm examples/exec examples/exec_with_resource \
		examples/libmytestlib.so src/libvaccel.so; do
		[ -e "$B/$f" ] || { echo "$B/$f not built"; return; }
	done
}

# Inputs of tests/vm/ops.list and the isolation scenario: NAME -> host path.
# The image ops run on the agent, so an op that wants a model other than the
# default (detect = centernet, segment = selfie) sends it as a MODEL resource:
# BlazeFace's .onnx (the shipped description of that file name applies), or
# the shipped ppocr-det description alone (its network resolves under the
# agent's $VACCEL_DEPS).
e2e_data_files() {
	cat <<EOF
text0_180.jpg $D/images/text/text0_180.jpg
text1_0.jpg $D/images/text/text1_0.jpg
page.png $D/images/text/page.png
sample1.jpg $D/images/sample1.jpg
sample4.jpg $D/images/sample4.jpg
dog.jpg $D/images/dog.jpg
person.jpg $D/images/person.jpg
centernet.onnx $D/models/converted/centernet.onnx
face_detection_front_128x128_barracuda.onnx $D/models/blazeface/face_detection_front_128x128_barracuda.onnx
ppocr-det.model $E2E_VM/../../plugins/onnx/models/ppocr-det.model
linear_fixed.onnx $D/models/converted/linear_fixed.onnx
libmytestlib.so $B/examples/libmytestlib.so
EOF
}

e2e_need_data() { # prints what is missing, if anything
	local name path
	while read -r name path; do
		[ -f "$path" ] || { echo "$path missing (scripts/setup.sh fetches it)"; return; }
	done < <(e2e_data_files)
}

# The host's view of the inputs: $TMP/data/NAME -> the real files.
e2e_link_data() {
	local name path
	mkdir -p "$TMP/data"
	while read -r name path; do ln -sf "$path" "$TMP/data/$name"; done < <(e2e_data_files)
}

# mkguest/mkbundle -f arguments for the same files at /data/NAME.
e2e_data_args() {
	local name path
	while read -r name path; do printf -- '-f\n%s:/data/%s\n' "$path" "$name"; done < <(e2e_data_files)
}

# ---- agents ------------------------------------------------------------------

plugin_of() { echo "$B/plugins/$1/libvaccel-$1.so"; }
# plugin_list a:b -> their paths, ':'-separated (the agent's --plugins)
plugin_list() {
	local IFS=: n out=()
	for n in $1; do out+=("$(plugin_of "$n")"); done
	echo "${out[*]}"
}

# agent_start NAME BACKEND[:BACKEND...] [extra vaccel-agent options...]
# With AGENT_UNIX_TENANT=conn, every connection to the UNIX socket is a
# tenant of its own (the VM tier: each is QEMU's for one VM's port).
# A fresh agent serving these plugins (a session without a hint gets the
# first), listening on unix://${AGENT_SOCKDIR:-$TMP}/${AGENT_SOCKNAME:-NAME}.sock
# and tcp://127.0.0.1:<free port> (token $TOKEN_FILE), with -v (one debug
# line per accepted connection and per refused request), its run dir, cache
# and libvaccel run dir under $TMP. Log: $TMP/logs/NAME.agent.log (stderr;
# what backend code in a worker prints, e.g. libmytestlib, is relayed there
# by the front as "worker[PID TENANT] output: LINE"), stdout NAME.agent.out.
# The hello timeout is raised: QEMU connects a virtio-serial port's socket
# when the VM starts, seconds before a guest program says HELLO.
agent_start() {
	local name=$1 backend=$2 i
	shift 2
	local log=$TMP/logs/$name.agent.log ready=$TMP/$name.ready
	local sock=${AGENT_SOCKDIR:-$TMP}/${AGENT_SOCKNAME:-$name}.sock
	AGENT_SOCK[$name]=$sock
	rm -f "$ready" "$sock"
	mkdir -p "$TMP/$name.vrun"
	VACCEL_RUNDIR=$TMP/$name.vrun "$B/agent/vaccel-agent" -v \
		--listen "unix://$sock${AGENT_UNIX_TENANT:+?tenant=$AGENT_UNIX_TENANT}" \
		--listen tcp://127.0.0.1:0 \
		--token-file "$TOKEN_FILE" --plugins "$(plugin_list "$backend")" \
		--metrics-listen "unix://$TMP/$name.metrics" \
		--rundir "$TMP/$name.run" --ready-file "$ready" \
		--hello-timeout 300000 "$@" \
		>"$TMP/logs/$name.agent.out" 2>"$log" &
	AGENT_PID[$name]=$!
	e2e_track "${AGENT_PID[$name]}"
	for i in $(seq 100); do
		[ -s "$ready" ] && break
		kill -0 "${AGENT_PID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	if ! [ -s "$ready" ]; then
		err "agent $name did not start: $(tail -n 2 "$log" | paste -sd '|')"
		return 1
	fi
	AGENT_TCP[$name]=$(sed -n 's#^tcp://127\.0\.0\.1:\([0-9]*\)$#\1#p' "$ready")
}

# agent_stop NAME: SIGTERM; the agent must exit 0 after "stopped".
agent_stop() {
	local name=$1 pid=${AGENT_PID[$1]:-} rc=0 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; err "agent $name ignored SIGTERM for 10 s"; }
	wait "$pid" 2>/dev/null || rc=$?
	e2e_untrack "$pid"
	unset "AGENT_PID[$name]"
	[ "$rc" -eq 0 ] || err "agent $name exited $rc"
	grep -q ' info: stopped$' "$TMP/logs/$name.agent.log" || err "agent $name: no 'stopped' line"
	if grep -q 'AddressSanitizer\|runtime error:\|ThreadSanitizer' "$TMP/logs/$name.agent.log"; then
		err "agent $name: sanitizer report in its log"
	fi
}

agent_info() { # agent_info NAME: what the agent holds (its metrics)
	"$E2E_VM/agent-metrics.py" "unix://$TMP/$1.metrics"
}

# stat_of "STATS LINE" KEY
stat_of() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

# expect_stats NAME KEY=VALUE...: what the agent holds now (its metrics:
# conns is its authenticated connections; the workers' counters may be a
# second old, see wait_stats).
expect_stats() {
	local name=$1 line kv k v got
	shift
	line=$(agent_info "$name") || { err "agent $name: INFO failed"; return 1; }
	echo "$(date +%T) $line" >>"$TMP/logs/$name.stats"
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		got=$(stat_of "$line" "$k")
		[ "$got" = "$v" ] || { err "agent $name: $k=$got, want $v"; return 1; }
	done
}

# wait_stats NAME SECONDS KEY=VALUE...: poll until the stats hold.
wait_stats() {
	local name=$1 secs=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		local saved=("${ERRS[@]+"${ERRS[@]}"}")
		expect_stats "$name" "$@" && return 0
		ERRS=(${saved[@]+"${saved[@]}"})
		sleep 0.1
	done
	expect_stats "$name" "$@"
}

# The agent's one line per finished connection ("conn N URI peer P id "ID":
# ..., left S sessions R resources; end: WHY"), without our INFO queries.
agent_end_lines() {
	grep -a ' info: conn [0-9]* .* end: ' "$TMP/logs/$1.agent.log" | grep -v 'id "e2e-check"' || true
}

# check_left NAME: every finished connection left 0 sessions 0 resources
# (the clients released everything they made; the agent frees leftovers at a
# connection's end anyway, which the callers check with the INFO stats).
check_left() {
	local name=$1 line conn
	while IFS= read -r line; do
		case "$line" in *"left 0 sessions 0 resources"*) continue ;; esac
		conn=$(sed -n 's/.* info: conn \([0-9]*\) .*/\1/p' <<<"$line")
		err "agent $name conn $conn: $(sed 's/.*\(left [0-9]* sessions [0-9]* resources; end: .*\)/\1/' <<<"$line")"
	done < <(agent_end_lines "$name")
}

# ---- reference results and comparison -------------------------------------

# e2e_host_reference: run tests/vm/ops.list host-local (each backend plugin
# loaded in the example's own process) into $TMP/logs/host-local.out.
e2e_host_reference() {
	e2e_link_data
	mkdir -p "$TMP/host.vrun"
	VACCEL_RUNDIR=$TMP/host.vrun DATA=$TMP/data OUTDIR=$TMP/host-out BIN=$B/examples MODE=local \
		PLUGIN_onnx=$(plugin_of onnx) PLUGIN_blas=$(plugin_of blas) \
		PLUGIN_exec=$(plugin_of exec) \
		sh "$E2E_VM/guest/run-ops.sh" "$E2E_VM/ops.list" >"$TMP/logs/host-local.out" 2>&1
}

# Normalise op output for comparison (documented in tests/vm/README.md):
#  - console CRs go;
#  - the saved masks' file names (OUTDIR differs: host, guest, container)
#    are compared by their MD5 lines instead;
#  - libmytestlib's own lines ("I got nr_in", "I got input", "Will return
#    output") are printed by the process that runs the library: the example
#    itself host-local, the agent remotely (counted in the agent's stdout);
#  - ERR lines (diagnostics) are not compared.
e2e_normalise() {
	tr -d '\r' | grep -a -E '^(OUT|RC) [A-Za-z0-9_.-]+: ' |
		sed -E -e 's#^(OUT [^:]+: segmentation PNG: )/[^ ]*/#\1#' |
		grep -a -v -E '^OUT [^:]+: (I got nr_in: |I got input: |Will return output: )' || true
}

# Lines the exec library printed in the reference run (the agent prints
# them when it runs the library).
e2e_mytestlib_lines() {
	grep -a -c -E '^OUT [^:]+: (I got nr_in: |I got input: |Will return output: )' "$TMP/logs/host-local.out" || true
}

# e2e_compare OUTPUT_FILE LABEL [OPS...]: every op's normalised OUT/RC lines
# equal the host-local ones; RC 0. Adds errors; writes LABEL.diff.
e2e_compare() {
	local file=$1 label=$2 op ops=() bad=()
	shift 2
	if [ $# -gt 0 ]; then ops=("$@"); else
		mapfile -t ops < <(awk '!/^#/ && NF {print $1}' "$E2E_VM/ops.list")
	fi
	local want=$TMP/want.$label got=$TMP/got.$label
	e2e_normalise <"$TMP/logs/host-local.out" >"$want"
	e2e_normalise <"$file" >"$got"
	: >"$TMP/logs/$label.diff"
	for op in "${ops[@]}"; do
		if ! grep -q "^RC $op: 0$" "$want"; then
			bad+=("$op(host-local failed)")
			continue
		fi
		if ! diff <(grep -a "^\(OUT\|RC\) $op: " "$want") <(grep -a "^\(OUT\|RC\) $op: " "$got") \
			>>"$TMP/logs/$label.diff"; then
			bad+=("$op")
		fi
	done
	[ ${#bad[@]} -eq 0 ] || err "results differ from host-local: ${bad[*]} (see $label.diff)"
}
