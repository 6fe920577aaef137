#!/usr/bin/env bash
# Run the whole test suite on this machine: set-up (packages, assets,
# models), the normal build and every meson suite, the clang-format check,
# the Go bindings' tests, the ASan+UBSan and ThreadSanitizer builds, a short
# fuzz run, the model conversion checks, the arm64/armhf cross builds under
# qemu-user, wire compatibility with an older commit, the container, VM and
# ops tiers (packages, image, CDI, manifests, pip). Ends with one line
# "N passed, N failed".
#
# usage: scripts/run-tests.sh [--help] [--quick] [--no-setup] [--only STEP]...
#   --quick     normal build and its suites only (no sanitizers, fuzz, VM)
#   --no-setup  skip scripts/setup.sh (packages and assets already there)
#   --only S    run only step S (repeatable): build go format asan tsan fuzz
#               models cross compat container vm packages ops
# Environment: VACCEL_DEPS (default /opt/vaccel-deps), JOBS (default: nproc).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
quick=0 setup=1 only=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--quick) quick=1 ;;
	--no-setup) setup=0 ;;
	--only) shift; only+=("${1:?--only needs a step}") ;;
	*) usage >&2; die "unknown option $1" ;;
	esac
	shift
done

cd "$VACCEL_ROOT" || exit 1
JOBS=${JOBS:-$(nproc)}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
PASSED=0 FAILED=0 SKIPPED=0
declare -a REPORT=()

wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local s
	for s in "${only[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

record() { # record NAME pass|fail|skip DETAIL
	case "$2" in
	pass) PASSED=$((PASSED + 1)) ;;
	fail) FAILED=$((FAILED + 1)) ;;
	skip) SKIPPED=$((SKIPPED + 1)) ;;
	esac
	REPORT+=("$(printf '%-5s %s %s' "$2" "$1" "${3:-}")")
}

# Add the results of a meson test run (its testlog.json) to the totals.
count_meson() { # count_meson BUILDDIR LABEL
	local log=$1/meson-logs/testlog.json
	if [ ! -f "$log" ]; then
		record "$2" fail "(no test log)"
		return
	fi
	local counts
	counts=$(/usr/bin/python3 - "$log" <<'PY'
import json, sys
ok = fail = skip = 0
bad = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t.get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        fail += 1
        bad.append(t.get("name", "?"))
print(ok, fail, skip, " ".join(bad))
PY
)
	local ok fail skip bad
	read -r ok fail skip bad <<<"$counts"
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + fail))
	SKIPPED=$((SKIPPED + skip))
	REPORT+=("$(printf '%-5s %s: %d passed, %d failed, %d skipped %s' \
		"$([ "$fail" -eq 0 ] && echo pass || echo fail)" "$2" "$ok" "$fail" \
		"$skip" "${bad:+(failed: $bad)}")")
}

step() { # step NAME CMD...: run, time and record a step that is one check
	local name=$1 t0 rc
	shift
	say "== $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	local dt=$(($(date +%s) - t0))
	if [ $rc -eq 0 ]; then
		record "$name" pass "(${dt}s)"
	elif [ $rc -eq 77 ]; then
		record "$name" skip "(${dt}s)"
	else
		record "$name" fail "(exit $rc, ${dt}s)"
	fi
	return $rc
}

# meson_build DIR [meson options...]: configure (or reconfigure) and compile.
meson_build() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
	else
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
	fi || { cat "$dir.setup.log"; return 1; }
	grep -A40 '^vaccel ' "$dir.setup.log" | sed -n '1,40p'
	meson compile -C "$dir" -j "$JOBS"
}

# meson_suites DIR LABEL [meson test args...]: run and count.
meson_suites() {
	local dir=$1 label=$2
	shift 2
	say "== $label"
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --no-rebuild --print-errorlogs \
		--num-processes "$JOBS" "$@"
	count_meson "$dir" "$label"
}

# counted NAME CMD...: run a test program that ends with its own
# "N passed, N failed" line; add its counts (or one failure if it has none).
counted() {
	local name=$1 out rc ok fail
	shift
	say "== $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	read -r ok fail < <(sed -n 's/^\([0-9]\+\) passed, \([0-9]\+\) failed.*/\1 \2/p' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "${ok:-}" ]; then
		record "$name" fail "(exit $rc, no summary line)"
		return
	fi
	[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + fail))
	REPORT+=("$(printf '%-5s %s: %d passed, %d failed' \
		"$([ "$fail" -eq 0 ] && echo pass || echo fail)" "$name" "$ok" "$fail")")
}

# scenarios NAME CMD...: run a tier script that prints one line per
# scenario ("ok NAME", "FAIL NAME: why", "skip NAME: why"); count them.
scenarios() {
	local name=$1 out rc ok fail skip
	shift
	say "== $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	ok=$(grep -c '^ok ' "$out")
	fail=$(grep -c '^FAIL ' "$out")
	skip=$(grep -c '^skip ' "$out")
	rm -f "$out"
	if [ "$rc" -eq 77 ] && [ "$ok" -eq 0 ] && [ "$fail" -eq 0 ]; then
		record "$name" skip "(the tier cannot run here)"
		return
	fi
	[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + fail))
	SKIPPED=$((SKIPPED + skip))
	REPORT+=("$(printf '%-5s %s: %d passed, %d failed, %d skipped' \
		"$([ "$fail" -eq 0 ] && echo pass || echo fail)" "$name" "$ok" "$fail" "$skip")")
}

fmt_check() {
	local files
	files=$(git ls-files '*.c' '*.h' '*.cpp' | grep -v '^tests/fuzz/corpus/')
	# shellcheck disable=SC2086
	clang-format --dry-run -Werror $files
}

T0=$(date +%s)
if [ $setup -eq 1 ]; then
	step setup scripts/setup.sh || die "set-up failed; see above"
fi

if wanted build; then
	if step build meson_build build-ci -Dtests=enabled; then
		meson_suites build-ci "meson suites (normal build)"
	fi
fi

# The Go bindings (go test -race) against build-ci's library and plugins.
if wanted go; then
	if command -v go >/dev/null; then
		counted "go bindings (go test -race)" bindings/go/run-tests.sh build-ci
	else
		record "go bindings" skip "(no go toolchain: Debian golang-go)"
	fi
fi

wanted format && step clang-format fmt_check

if [ $quick -eq 0 ] && wanted models && [ -f tests/models/test_converted.py ]; then
	counted "converted models vs TF.js" /usr/bin/python3 tests/models/test_converted.py
fi
if [ $quick -eq 0 ] && wanted models && [ -f tests/models/test_tflite_fold.py ]; then
	counted "tflite fp16 folding" /usr/bin/python3 tests/models/test_tflite_fold.py
fi

if [ $quick -eq 0 ] && wanted asan; then
	# Tiers 1-2 again under AddressSanitizer + UndefinedBehaviorSanitizer.
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	if [ -f tests/lsan.supp ]; then
		export LSAN_OPTIONS=suppressions=$VACCEL_ROOT/tests/lsan.supp:print_suppressions=0
	fi
	if step "build (asan+ubsan)" meson_build build-asan -Dtests=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false; then
		meson_suites build-asan "meson suites (asan+ubsan)" \
			--no-suite slow --no-suite threads
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

if [ $quick -eq 0 ] && wanted tsan; then
	if step "build (tsan)" meson_build build-tsan -Dtests=enabled \
		-Db_sanitize=thread -Db_lundef=false -Dplugin_torch=disabled \
		-Dplugin_onnx=disabled; then
		meson_suites build-tsan "thread-safety suite (tsan)" --suite threads
	fi
fi

if [ $quick -eq 0 ] && wanted fuzz && [ -f tests/fuzz/run.sh ]; then
	step "fuzz (short run)" tests/fuzz/run.sh
fi

if [ $quick -eq 0 ] && wanted cross && [ -x tests/cross/run-tests.sh ]; then
	scenarios "cross arm64+armhf (qemu-user)" tests/cross/run-tests.sh
fi

if [ $quick -eq 0 ] && wanted compat && [ -x tests/compat/wire-compat.sh ]; then
	scenarios "wire compatibility (older commit)" tests/compat/wire-compat.sh build-ci
fi

if [ $quick -eq 0 ] && wanted container && [ -x tests/container/run-tests.sh ]; then
	scenarios "container tier" tests/container/run-tests.sh build-ci
fi

if [ $quick -eq 0 ] && wanted vm && [ -x tests/vm/run-tests.sh ]; then
	scenarios "VM tier" tests/vm/run-tests.sh build-ci
fi

# The ops tier (tests/ops, docs/packaging.md), in two bounded steps: the
# Debian packages (build, lintian, install into a fresh root, purge), their
# systemd units, the OCI images and CDI; then socket activation, a real
# Prometheus scraping the agent, the Kubernetes manifests, pip installs and
# the CLI's progress.
if [ $quick -eq 0 ] && wanted packages && [ -x tests/ops/run-tests.sh ]; then
	scenarios "ops tier: packages, image, CDI" timeout -k 30 900 tests/ops/run-tests.sh \
		--only deb-build --only deb-install --only systemd-units --only oci-image \
		--only oci-cdi build-ci
fi
if [ $quick -eq 0 ] && wanted ops && [ -x tests/ops/run-tests.sh ]; then
	scenarios "ops tier: activation, Prometheus, manifests, pip, CLI" timeout -k 30 600 tests/ops/run-tests.sh \
		--only socket-activation --only prometheus --only k8s-manifests --only python-venv \
		--only python-pyenv --only cli-progress build-ci
fi

echo
echo "==================== summary ($(($(date +%s) - T0)) s) ===================="
printf '%s\n' "${REPORT[@]}"
echo "(skipped: $SKIPPED)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
