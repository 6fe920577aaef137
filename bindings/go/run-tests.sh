#!/usr/bin/env bash
# Run the Go bindings' tests (go test -race) against a meson build tree:
# libvaccel through its uninstalled pkg-config file, the plugins, the agent
# and the examples' test library from that tree. Offline: GOPROXY=off, no
# modules to fetch (go.mod has no requirements). Ends with one line
# "N passed, N failed, N skipped" counting every test and subtest that ran
# no subtests of its own.
#
# usage: bindings/go/run-tests.sh [--help] [BUILD_DIR] [go test args...]
#   BUILD_DIR  default: build (relative to the repository root)
set -uo pipefail
cd "$(dirname "$0")" || exit 1
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
ROOT=$(cd ../.. && pwd)
BUILD=${1:-build}
[ $# -gt 0 ] && shift
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
if ! command -v go >/dev/null; then
	echo "skip go bindings: no go toolchain (Debian golang-go)"
	exit 77
fi
if [ ! -f "$BUILD/meson-uninstalled/vaccel-uninstalled.pc" ]; then
	echo "error: $BUILD is not a configured meson build tree" >&2
	exit 1
fi
export PKG_CONFIG_PATH=$BUILD/meson-uninstalled
export LD_LIBRARY_PATH=$BUILD/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export VACCEL_BUILD_ROOT=$BUILD VACCEL_PLUGINS= VACCEL_LOG_LEVEL=1
# offline: no proxy, no module downloads (go.mod requires nothing)
export GOPROXY=off GOFLAGS= GO111MODULE=on CGO_ENABLED=1
# the build cache (and the race runtime's build) need a HOME
export HOME=${HOME:-$BUILD}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
json=$(mktemp)
trap 'rm -f "$json"' EXIT
go test -race -count=1 -json "$@" . >"$json"
rc=$?
# Print the verbose output and count the leaves (tests without subtests).
/usr/bin/python3 - "$json" "$rc" <<'PY'
import json, sys
result, parents = {}, set()
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        print(line, end="")
        continue
    if ev.get("Action") == "output":
        print(ev["Output"], end="")
    name = ev.get("Test")
    if name and ev.get("Action") in ("pass", "fail", "skip"):
        result[name] = ev["Action"]
        if "/" in name:
            parents.add(name.rsplit("/", 1)[0])
leaves = {n: r for n, r in result.items() if n not in parents}
count = {a: sum(1 for r in leaves.values() if r == a)
         for a in ("pass", "fail", "skip")}
if int(sys.argv[2]) != 0 and count["fail"] == 0:
    count["fail"] = 1  # the build or the run failed outside any test
print("%d passed, %d failed, %d skipped" % (count["pass"], count["fail"],
                                           count["skip"]))
PY
