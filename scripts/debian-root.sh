#!/usr/bin/env bash
# A Debian 12 root file system (tarball) that has every dependency of the
# given vAccel packages but not the packages themselves, made by mmdebstrap
# from this machine's Debian apt sources and cached: the package tier
# installs the packages into it offline (dpkg -i), the image builder
# (deploy/oci/build-image.sh) makes an image of it.
#
# usage: scripts/debian-root.sh [--help] [--cache DIR] DEBDIR
#   DEBDIR       the .deb files (scripts/build-debs.sh): the Depends of
#                every package there but the -dbgsym ones and the libtorch,
#                OpenCV, Arm NN and OpenCL plugins (light_debs in
#                scripts/lib.sh: their libraries weigh hundreds of MB), less the
#                vAccel packages themselves, on top of mmdebstrap's minbase
#                variant; one root serves the install test and both images
#   --cache DIR  where tarballs are kept (default $VACCEL_DEPS/cache/rootfs);
#                the name has a hash of the suite, the sources and the
#                package list, so a new dependency makes a new tarball
# Prints the tarball's path. Needs root (or mmdebstrap's unshare mode) and
# the Debian mirror the first time; afterwards nothing is downloaded.
# Exit: 0 ok, 1 mmdebstrap failed (its log tail on stderr), 2 usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
cache=$VACCEL_DEPS/cache/rootfs
debdir=""
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--cache) cache=${2:?--cache needs a directory}; shift ;;
	-*) usage >&2; say "unknown option $1"; exit 2 ;;
	*) [ -z "$debdir" ] || { usage >&2; exit 2; }; debdir=$1 ;;
	esac
	shift
done
[ -d "$debdir" ] || { usage >&2; exit 2; }
mapfile -t debs < <(light_debs "$debdir")
[ ${#debs[@]} -gt 0 ] || die "no .deb in $debdir"
command -v mmdebstrap >/dev/null || die "mmdebstrap not found (apt-get install mmdebstrap)"

SUITE=bookworm
# The machine's Debian sources (deb822 or one-line), nothing else (no
# third-party repositories).
sources=$(grep -lsE '^(URIs:|deb) .*/debian(-security)?/?( |$)' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list || true)
[ -n "$sources" ] || die "no Debian apt sources on this machine"

# Depends of the packages, less their own names; the first of alternatives.
ours=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done | sort -u)
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; done |
	tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' |
	grep -v '^$' | sort -u | grep -vxF "$ours" | paste -sd, -)
key=$( { echo "$SUITE minbase $deps"; cat $sources; } | sha256sum | cut -c1-16)
tarball=$cache/$SUITE-minbase-$key.tar
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp "$cache/.new.XXXXXX")
log=$(mktemp)
trap 'rm -f "$tmp" "$log"' EXIT
say "mmdebstrap $SUITE minbase + $deps (cached as $tarball)"
# shellcheck disable=SC2086 # one argument per sources file
if ! mmdebstrap --variant=minbase --format=tar --include="$deps" \
	"$SUITE" "$tmp" $sources >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "mmdebstrap failed"
fi
mv "$tmp" "$tarball"
echo "$tarball"
