#!/usr/bin/env bash
# Build the Debian packages (debian/) from this tree, outside it, and check
# them with lintian (docs/packaging.md).
#
# usage: scripts/build-debs.sh [--help] [--notorch] [--no-lintian] OUTDIR
#   OUTDIR        receives the .deb files, the .changes, .buildinfo and
#                 lintian.log (created; older vaccel packages there removed)
#   --notorch     build profile pkg.vaccel.notorch (no libtorch plugin)
#   --no-lintian  skip the lintian check
# The tree (tracked and untracked, not ignored files: `git ls-files`) is
# copied to a scratch directory, because dpkg-buildpackage writes its
# results next to the source directory. Environment: VACCEL_DEPS (assets:
# ONNX Runtime, models), JOBS (default: nproc).
# Exit: 0 built (and no lintian error), 1 failure, 2 usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
profiles="" lintian=1 out=""
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--notorch) profiles=pkg.vaccel.notorch ;;
	--no-lintian) lintian=0 ;;
	-*) usage >&2; say "unknown option $1"; exit 2 ;;
	*) [ -z "$out" ] || { usage >&2; exit 2; }; out=$1 ;;
	esac
	shift
done
[ -n "$out" ] || { usage >&2; exit 2; }
for t in dpkg-buildpackage dh git; do
	command -v "$t" >/dev/null || die "$t not found (apt-get install dpkg-dev debhelper git)"
done
[ -f "$VACCEL_DEPS/onnxruntime/lib/libonnxruntime.so" ] ||
	die "$VACCEL_DEPS/onnxruntime missing: scripts/setup.sh fetches it"

mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(cd "$VACCEL_ROOT" && dpkg-parsechangelog -SVersion)
work=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/vaccel-$version
mkdir -p "$src"
(cd "$VACCEL_ROOT" && git ls-files -z -co --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	cpio -0 -pdm --quiet "$src")

say "dpkg-buildpackage in $src${profiles:+ (profile $profiles)}"
(cd "$src" && DEB_BUILD_PROFILES=$profiles \
	DEB_BUILD_OPTIONS="parallel=${JOBS:-$(nproc)} ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	cp "$work/build.log" "$out/build.log"
	die "dpkg-buildpackage failed (log: $out/build.log)"
}
rm -f "$out"/*.deb "$out"/vaccel_*.changes "$out"/vaccel_*.buildinfo
mv "$work"/*.deb "$work"/vaccel_*.changes "$work"/vaccel_*.buildinfo "$out/"
cp "$work/build.log" "$out/build.log"
say "built: $(cd "$out" && ls ./*.deb | sed 's|^\./||' | paste -sd ' ')"

[ $lintian -eq 1 ] || exit 0
command -v lintian >/dev/null || die "lintian not found (apt-get install lintian)"
# errors fail the build; warnings are reported (docs/packaging.md lists
# the ones we accept and why; overrides: debian/*.lintian-overrides)
lintian --profile debian \
	"$out"/vaccel_*.changes >"$out/lintian.log" 2>&1 || true
cat "$out/lintian.log" >&2
if grep -q '^E: ' "$out/lintian.log"; then
	die "lintian errors (above; $out/lintian.log)"
fi
say "lintian: no errors ($(grep -c '^W: ' "$out/lintian.log" || true) warnings)"
