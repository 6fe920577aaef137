#!/usr/bin/env bash
# Cross-build libvaccel, the plugins whose dependencies exist for the
# architecture, the agent and the tests for arm64 and/or armhf (meson cross
# files in cross/, Debian multiarch toolchains and libraries), and run a
# bounded set of unit, plugin and agent tests under qemu-user (binfmt_misc).
# Prints one line per test: "ok ARCH/NAME", "FAIL ARCH/NAME: why" or
# "skip ARCH/NAME: why" (run-tests.sh counts them).
#
# usage: tests/cross/run-tests.sh [--help] [ARCH...]   (default: arm64 armhf)
# Build trees: build-cross-ARCH at the repository root (incremental).
# Environment: VACCEL_DEPS (default /opt/vaccel-deps), JOBS (default nproc),
# NATIVE_BUILD (the x86-64 build whose agent the arm64 guest calls; default
# build-ci, else build).
#
# Tests run: unit-* (not unit-headers: a compile-only check, already run
# natively), abi-plugins, rpc-wire, exec-plugin, blas-plugin, the agent tests
# remote-{noop,exec,blas}-unix, and on arm64 onnx-common and onnx-small (ONNX
# Runtime's aarch64 build from onnxruntime-node). Not run under emulation
# (minutes each, or broken by qemu-user; docs/development.md): the TCP twins
# of the remote tests (same code paths), the long thread tests, onnx-plugin,
# onnx-real and remote-onnx-* (big models: 1-3 min each under TCG), and
# agent-faults (its SCM_RIGHTS case fails under qemu-user).
# arm64 also boots an arm64 guest whose application calls this machine's
# x86-64 agent over virtio-serial (tests/cross/vm-arm64.sh).
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$VACCEL_ROOT" || exit 1
ARCHES=("$@")
[ ${#ARCHES[@]} -eq 0 ] && ARCHES=(arm64 armhf)
JOBS=${JOBS:-$(nproc)}

triplet() { [ "$1" = arm64 ] && echo aarch64-linux-gnu || echo arm-linux-gnueabihf; }
qemu_name() { [ "$1" = arm64 ] && echo aarch64 || echo arm; }

# binfmt_misc must run foreign binaries: the tests start agents and
# workers as child processes, which no exe_wrapper reaches.
ensure_binfmt() {
	local q=$1 f=/proc/sys/fs/binfmt_misc
	[ -e $f/register ] || mount -t binfmt_misc binfmt_misc $f 2>/dev/null
	grep -q enabled "$f/qemu-$q" 2>/dev/null && return 0
	command -v update-binfmts >/dev/null &&
		update-binfmts --enable "qemu-$q" >/dev/null 2>&1
	grep -q enabled "$f/qemu-$q" 2>/dev/null
}

# tests ARCH: the meson test names run for ARCH.
tests_for() {
	local t=(unit-abi unit-misc unit-arg unit-config unit-log unit-prof
		unit-blob unit-resource unit-session unit-bootstrap
		unit-plugin-load unit-ops unit-genop unit-tensor unit-threads
		unit-exports unit-cxx unit-internal abi-plugins rpc-wire
		exec-plugin blas-plugin remote-noop-unix remote-exec-unix
		remote-blas-unix)
	[ "$1" = arm64 ] && t+=(onnx-common onnx-small)
	printf '%s\n' "${t[@]}"
}

# report BUILD ARCH: one line per test of the meson log.
report() {
	/usr/bin/python3 - "$1/meson-logs/testlog.json" "$2" <<'PY'
import json, sys
arch = sys.argv[2]
for line in open(sys.argv[1]):
    t = json.loads(line)
    name = "%s/%s" % (arch, t["name"].split(" / ")[-1])
    res = t["result"]
    if res in ("OK", "EXPECTEDFAIL"):
        print("ok %s (%.1fs)" % (name, t["duration"]))
    elif res == "SKIP":
        why = [l for l in t.get("stdout", "").splitlines() if l.strip()]
        print("skip %s: %s" % (name, why[-1] if why else "exit 77"))
    else:
        print("FAIL %s: %s after %.1fs" % (name, res, t["duration"]))
PY
}

run_arch() {
	local arch=$1 tri q b opts=() deps=$VACCEL_DEPS
	tri=$(triplet "$arch") q=$(qemu_name "$arch") b=build-cross-$arch
	for tool in "$tri-gcc" "qemu-$q-static"; do
		command -v "$tool" >/dev/null ||
			{ echo "skip $arch: $tool not installed (scripts/setup-deps.sh)"; return; }
	done
	[ -e "/usr/lib/$tri/libcmocka.so" ] ||
		{ echo "skip $arch: libcmocka-dev:$arch not installed"; return; }
	ensure_binfmt "$q" ||
		{ echo "skip $arch: cannot register qemu-$q with binfmt_misc"; return; }
	# arm64: the dependency tree whose onnxruntime/ is the aarch64 build
	if [ "$arch" = arm64 ] && [ -e "$VACCEL_DEPS/arm64/onnxruntime/lib/libonnxruntime.so.1" ]; then
		deps=$VACCEL_DEPS/arm64
	else
		opts+=(-Dplugin_onnx=disabled)
	fi
	opts+=(--cross-file "cross/$tri.ini" -Dtests=enabled -Ddeps_dir="$deps"
		-Dplugin_torch=disabled)
	say "== $arch: configure and build ($b)"
	local t0=$SECONDS
	if [ -f "$b/build.ninja" ]; then
		meson setup --reconfigure "$b" "${opts[@]}" >"$b.setup.log" 2>&1
	else
		meson setup "$b" "${opts[@]}" >"$b.setup.log" 2>&1
	fi || { cat "$b.setup.log" >&2; echo "FAIL $arch/configure"; return; }
	sed -n '/^  Plugins/,/^  Tools/p' "$b.setup.log" | sed '$d' >&2
	meson compile -C "$b" -j "$JOBS" >"$b/cross-build.log" 2>&1 ||
		{ tail -n 30 "$b/cross-build.log" >&2; echo "FAIL $arch/build"; return; }
	say "$arch: built in $((SECONDS - t0)) s; running tests under qemu-$q"
	t0=$SECONDS
	local names
	mapfile -t names < <(tests_for "$arch")
	rm -f "$b/meson-logs/testlog.json"
	# ONNX Runtime reads /proc/cpuinfo, which qemu-user passes through from
	# the x86-64 host: give it an aarch64 one in a private mount namespace.
	local cmd=(meson test -C "$b" --no-rebuild --num-processes "$JOBS" "${names[@]}")
	if [ "$arch" = arm64 ] && command -v unshare >/dev/null; then
		unshare -m sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' \
			tests/cross/cpuinfo-aarch64 "${cmd[@]}" >"$b/cross-test.log" 2>&1
	else
		"${cmd[@]}" >"$b/cross-test.log" 2>&1
	fi
	say "$arch: tests ran in $((SECONDS - t0)) s (log: $b/meson-logs/testlog.txt)"
	if [ -f "$b/meson-logs/testlog.json" ]; then
		report "$b" "$arch"
	else
		tail -n 20 "$b/cross-test.log" >&2
		echo "FAIL $arch/tests: no test log"
	fi
	if [ "$arch" = arm64 ]; then
		local native=${NATIVE_BUILD:-build-ci}
		[ -d "$native" ] || native=build
		tests/cross/vm-arm64.sh "$b" "$native"
	fi
}

for a in "${ARCHES[@]}"; do
	case $a in
	arm64 | armhf) run_arch "$a" ;;
	*) die "unknown architecture $a (arm64, armhf)" ;;
	esac
done
