#!/usr/bin/env bash
# A Debian 12 root file system whose PID 1 is Debian's own systemd, for the
# VM tier's vm-systemd-unit scenario (tests/vm/README.md): mmdebstrap's
# minbase variant plus systemd, systemd-sysv and the agent's and the
# examples' runtime libraries, from this machine's Debian apt sources only,
# without documentation, manual pages and locales. Cached as a tarball.
#
# usage: tests/vm/systemd-root.sh [--help] [--cache DIR]
#   --cache DIR  where tarballs are kept (default $VACCEL_DEPS/cache/rootfs);
#                the name has a hash of the suite, the sources, the package
#                list and the path filters, so a change makes a new tarball
# Prints the tarball's path. Needs root (or mmdebstrap's unshare mode) and
# the Debian mirror the first time (about 1-2 min); afterwards nothing is
# downloaded (mmdebstrap is needed only then). Exit: 0 ok, 1 mmdebstrap failed (its log tail on stderr) or no
# Debian sources, 2 usage, 3 mmdebstrap not installed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
cache=$VACCEL_DEPS/cache/rootfs
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--cache) cache=${2:?--cache needs a directory}; shift ;;
	*) usage >&2; say "unknown argument $1"; exit 2 ;;
	esac
	shift
done

SUITE=bookworm
# systemd as PID 1; libseccomp2 (the agent), libstb0 (the examples)
PKGS=systemd,systemd-sysv,libseccomp2,libstb0
FILTERS=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright')
# the machine's Debian sources (deb822 or one-line), nothing else
sources=$(grep -lsE '^(URIs:|deb) .*/debian(-security)?/?( |$)' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list || true)
[ -n "$sources" ] || die "no Debian apt sources on this machine"
# shellcheck disable=SC2086 # one file per word
key=$( { echo "$SUITE minbase $PKGS ${FILTERS[*]}"; cat $sources; } | sha256sum | cut -c1-16)
tarball=$cache/$SUITE-systemd-$key.tar
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

command -v mmdebstrap >/dev/null || { say "mmdebstrap not found (apt-get install mmdebstrap)"; exit 3; }
mkdir -p "$cache"
tmp=$(mktemp "$cache/.new.XXXXXX")
log=$(mktemp)
trap 'rm -f "$tmp" "$log"' EXIT
say "mmdebstrap $SUITE minbase + $PKGS (cached as $tarball)"
# shellcheck disable=SC2086 # one argument per sources file
if ! mmdebstrap --variant=minbase --format=tar --include="$PKGS" "${FILTERS[@]}" \
	"$SUITE" "$tmp" $sources >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "mmdebstrap failed"
fi
mv "$tmp" "$tarball"
echo "$tarball"
