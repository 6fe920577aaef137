#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A real Prometheus server (Debian's prometheus) scrapes a running agent's
# --metrics-listen endpoint. The agent serves noop and exec; clients make
# N noop calls and one exec call that the agent refuses (exec without
# --exec-allow). Checks:
#   - `promtool check metrics` accepts the agent's exposition;
#   - Prometheus reports the target up (/api/v1/targets);
#   - its queries give the calls made: vaccel_op_calls_total{op="noop"} = N,
#     vaccel_op_errors_total{op="exec"} = 1, vaccel_errors_total{code="PERM"}
#     = 1, vaccel_tenant_requests_total of the tenant > 0, vaccel_up = 1;
#   - /healthz and /readyz answer 200, an unknown path 404.
#
# usage: tests/ops/prometheus.sh [--help] BUILD_DIR
# Exit: 0 passed, 1 failed, 77 cannot run here (the reason is the last
# line: prometheus, promtool or curl not installed).
set -uo pipefail
case "${1:-}" in
-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
"") echo "usage: $0 BUILD_DIR" >&2; exit 2 ;;
esac
B=$(cd "$1" && pwd) || exit 2
AGENT=$B/agent/vaccel-agent
N=7
skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

for t in prometheus promtool curl; do
	command -v $t >/dev/null || skip "$t not installed (scripts/setup-deps.sh)"
done
[ -x "$AGENT" ] || skip "$AGENT not built"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-prom.XXXXXX")
# the agent's workers run as other uids (as root): they go through it
chmod 711 "$TMP"
apid="" ppid=""
cleanup() {
	[ -n "$ppid" ] && kill -TERM "$ppid" 2>/dev/null && wait "$ppid" 2>/dev/null
	[ -n "$apid" ] && kill -TERM "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

"$AGENT" --plugins "$B/plugins/noop/libvaccel-noop.so:$B/plugins/exec/libvaccel-exec.so" \
	--listen "unix://$TMP/agent.sock" --metrics-listen tcp://127.0.0.1:0 \
	--rundir "$TMP/run" --ready-file "$TMP/ready" 2>"$TMP/agent.log" &
apid=$!
for _ in $(seq 200); do [ -s "$TMP/ready" ] && break; sleep 0.05; done
target=$(sed -n 's|^metrics tcp://||p' "$TMP/ready" 2>/dev/null)
[ -n "$target" ] || fail "the agent wrote no metrics endpoint ($(tail -n 2 "$TMP/agent.log" | paste -sd '|'))"

client() {
	VACCEL_PLUGINS=$B/plugins/rpc/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$TMP/agent.sock \
		timeout 30 "$B/tools/vaccel" run "$@"
}
for _ in $(seq $N); do
	out=$(client noop 2>&1) || fail "noop through the agent: $out"
done
client exec /nonexistent/lib.so fn >"$TMP/exec.out" 2>&1 && fail "exec was not refused"
grep -q 'disabled' "$TMP/exec.out" || fail "exec refused with: $(cat "$TMP/exec.out")"

code() { curl -s -o /dev/null -w '%{http_code}' "http://$target/$1"; }
[ "$(code healthz)" = 200 ] || fail "/healthz: $(code healthz)"
[ "$(code readyz)" = 200 ] || fail "/readyz: $(code readyz)"
[ "$(code nothing)" = 404 ] || fail "/nothing: $(code nothing), want 404"
curl -s "http://$target/metrics" >"$TMP/metrics.txt" || fail "GET /metrics failed"
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(head -n 3 "$TMP/promtool.out" | paste -sd '|')"

# Prometheus on a free loopback port, scraping every second
pport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vaccel-agent
    static_configs:
      - targets: ['$target']
EOF
promtool check config "$TMP/prometheus.yml" >"$TMP/promtool-config.out" 2>&1 ||
	fail "promtool check config: $(tail -n 2 "$TMP/promtool-config.out" | paste -sd '|')"
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
ppid=$!
P=http://127.0.0.1:$pport

# query EXPR: the value of the first sample of an instant query ("" if none)
query() {
	curl -s --get --data-urlencode "query=$1" "$P/api/v1/query" | /usr/bin/python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
health=""
want_noop=$N
for _ in $(seq 120); do
	health=$(curl -s "$P/api/v1/targets" | /usr/bin/python3 -c '
import json, sys
try:
    t = json.load(sys.stdin)["data"]["activeTargets"]
    print(t[0]["health"] if t else "")
except Exception:
    print("")')
	[ "$health" = up ] && [ "$(query 'vaccel_op_calls_total{op="noop"}')" = "$want_noop" ] && break
	kill -0 "$ppid" 2>/dev/null || fail "prometheus exited: $(tail -n 3 "$TMP/prometheus.log" | paste -sd '|')"
	sleep 0.25
done
[ "$health" = up ] || fail "the agent's target is '$health' in Prometheus, not up ($(tail -n 2 "$TMP/prometheus.log" | paste -sd '|'))"
check() { # check EXPR WANT
	local v
	v=$(query "$1")
	[ "$v" = "$2" ] || fail "Prometheus: $1 = '$v', want $2"
}
check 'vaccel_op_calls_total{op="noop"}' $N
check 'vaccel_op_errors_total{op="noop"}' 0
check 'vaccel_op_errors_total{op="exec"}' 1
check 'vaccel_errors_total{code="PERM"}' 1
check 'vaccel_up' 1
check 'vaccel_ready' 1
check 'vaccel_op_duration_seconds_count{op="noop"}' $N
check "count(vaccel_tenant_requests_total > 0)" 1
echo "ok: Prometheus scraped the agent at $target: target up, $N noop calls and 1 refused exec in its queries; promtool accepts the exposition"
