#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The vaccel CLI as a user runs it (issue 11), at the default log level,
# with the onnx and blas plugins loaded in the CLI and through a real
# vaccel-agent started here (UNIX socket in a temporary directory):
#  - classify says which default model ran and what it answers;
#  - segment -o saves the mask: a PNG, identical locally and remotely;
#  - sgemm runs on an agent whose first plugin is onnx, whose worker
#    sized OpenBLAS's thread pool (OPENBLAS_NUM_THREADS) as the plugin will;
#  - an undecodable image, a pose model given to detect, a refused TCP
#    connection and a missing socket: the reason in the CLI's message, and
#    the error line logged once;
#  - --help says what each default model does.
# Needs $VACCEL_BUILD_ROOT and $VACCEL_DEPS (tests/meson.build); exits 77 when
# a program, plugin or asset is missing.
set -u
B=${VACCEL_BUILD_ROOT:?} D=${VACCEL_DEPS:?}
cli=$B/tools/vaccel agent_bin=$B/agent/vaccel-agent
onnx=$B/plugins/onnx/libvaccel-onnx.so blas=$B/plugins/blas/libvaccel-blas.so
rpc=$B/plugins/rpc/libvaccel-rpc.so
text=$D/images/text/text0_180.jpg photo=$D/images/sample4.jpg
movenet=$D/models/converted/movenet.onnx
for f in "$cli" "$agent_bin" "$onnx" "$blas" "$rpc" "$text" "$photo" "$movenet"; do
	[ -e "$f" ] || { echo "skipped: $f missing"; exit 77; }
done
unset VACCEL_LOG_LEVEL VACCEL_LOG_FILE VACCEL_RPC_TOKEN VACCEL_RPC_TOKEN_FILE
tmp=$(mktemp -d)
chmod 711 "$tmp" # the agent's workers (other uids) go through it
apid=
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	sed 's/^/  | /' "$tmp/out" "$tmp/err"
}
# run LABEL WANT_RC CMD...: stdout in $tmp/out, stderr in $tmp/err
run() {
	local label=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" -eq "$want" ] && return 0
	bad "$label: exit $rc, expected $want"
	return 1
}
# has FILE TEXT...: each TEXT is a fixed string of FILE
has() {
	local f=$1
	shift
	for t in "$@"; do grep -qF -- "$t" "$f" || return 1; done
}
# errors_once TEXT: exactly one error line was logged, and it holds TEXT
errors_once() {
	[ "$(grep -c '<error>' "$tmp/out")" -eq 1 ] && has "$tmp/out" "$1"
}
local_cli() { VACCEL_PLUGINS=$onnx:$blas "$cli" "$@"; }
remote_cli() {
	VACCEL_PLUGINS=$rpc VACCEL_RPC_ADDRESS=unix://$tmp/agent.sock "$cli" "$@"
}

# the agent: onnx first, then blas; started without OPENBLAS_NUM_THREADS
# (tests/meson.build sets it), as an operator's service may be
env -u OPENBLAS_NUM_THREADS "$agent_bin" --listen "unix://$tmp/agent.sock" --plugins "$onnx:$blas" \
	--rundir "$tmp/run" --ready-file "$tmp/ready" >"$tmp/agent.log" 2>&1 &
apid=$!
for _ in $(seq 300); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
[ -s "$tmp/ready" ] || { echo "FAIL: the agent did not start"; cat "$tmp/agent.log"; exit 1; }

if run classify 0 local_cli run classify "$text" &&
	has "$tmp/out" "# classify with the default model (onnx: ppocr-cls: the direction of a line of text" \
		"not an object classifier" && grep -q '^180 ' "$tmp/out"; then
	ok "classify says what it classified"
else bad "classify: no model description or no 180"; fi

for where in local remote; do
	if run "segment $where" 0 "${where}_cli" run segment "$photo" -o "$tmp/$where.png" &&
		has "$tmp/out" "# png saved to $tmp/$where.png" &&
		[ "$(head -c 8 "$tmp/$where.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]; then
		ok "segment -o saves the PNG ($where)"
	else bad "segment $where: no PNG saved"; fi
done
if cmp -s "$tmp/local.png" "$tmp/remote.png"; then
	ok "the mask from the agent is the local one, byte for byte"
else bad "the remote mask differs from the local one"; fi

if run "sgemm remote" 0 remote_cli run sgemm 8 8 8 && has "$tmp/out" "sgemm 8x8x8: checksum"; then
	ok "sgemm on an agent whose first plugin is onnx"
else bad "sgemm remote"; fi
# its worker sized OpenBLAS's pool as the blas plugin will (one thread):
# unsized, OpenBLAS starts a thread per CPU at load and the unused ones
# spin ~0.1 s of CPU at every worker's start
worker=$(pgrep -P "$apid" -f -- '--worker' | head -1)
if [ -n "$worker" ] && tr '\0' '\n' <"/proc/$worker/environ" | grep -qx 'OPENBLAS_NUM_THREADS=1'; then
	ok "a worker starts OpenBLAS with one thread"
else
	bad "worker ${worker:-none}: no OPENBLAS_NUM_THREADS=1 in its environment"
fi
if run "info remote" 0 remote_cli info && has "$tmp/out" image_classify blas_sgemm; then
	ok "vaccel info lists the agent's onnx and blas ops"
else bad "info remote"; fi

printf '0123456789abcdefg' >"$tmp/bad.jpg"
if run "bad image local" 22 local_cli run detect "$tmp/bad.jpg" &&
	has "$tmp/err" "vaccel: detect failed: image: cannot decode 17 bytes: unknown image type (Invalid argument, 22)" &&
	errors_once "<error> image: cannot decode 17 bytes: unknown image type"; then
	ok "an undecodable image: its reason, logged once (local)"
else bad "bad image local"; fi
if run "bad image remote" 22 remote_cli run detect "$tmp/bad.jpg" &&
	has "$tmp/err" "vaccel: detect failed: [rpc] the agent failed IMAGE_DETECT: " &&
	errors_once "[rpc] the agent failed IMAGE_DETECT: "; then
	ok "an undecodable image: the agent's reason, logged once (remote)"
else bad "bad image remote"; fi

if run "pose model for detect" 22 local_cli run detect "$photo" "$movenet" &&
	has "$tmp/err" "(movenet.onnx) is the pose model movenet"; then
	ok "a pose model given to detect fails naming it"
else bad "pose model for detect"; fi

python3 - "$tmp/port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)
EOF
port_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
if VACCEL_PLUGINS=$rpc VACCEL_RPC_ADDRESS=tcp://127.0.0.1:$(cat "$tmp/port") \
	run "refused" 5 "$cli" run noop &&
	has "$tmp/err" "vaccel: no session: [rpc] cannot connect to the agent at tcp://127.0.0.1:" \
		"connection refused (nothing listens there" &&
	errors_once "connection refused"; then
	ok "a refused TCP connection says so, once"
else bad "refused connection"; fi
kill "$port_pid" 2>/dev/null
wait "$port_pid" 2>/dev/null
if VACCEL_PLUGINS=$rpc VACCEL_RPC_ADDRESS=unix://$tmp/none.sock \
	run "no socket" 5 "$cli" run noop &&
	has "$tmp/err" "no such socket (is vaccel-agent running" && errors_once "no such socket"; then
	ok "a missing socket says so, once"
else bad "missing socket"; fi

if run help 0 "$cli" --help && has "$tmp/out" "ppocr-cls: the direction of a line of text" \
	"centernet: objects of the 80 COCO classes" "selfie: a person mask" \
	"movenet: 17 keypoints of one person" "-o PNG"; then
	ok "--help says what each default model does"
else bad "--help"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
