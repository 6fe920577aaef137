#!/usr/bin/env bash
# Compare libvaccel.so's application ABI with the committed baseline
# (tests/abi/libvaccel.abi, abidw output of the released library) using
# libabigail's abidiff, restricted to the types of the public headers.
# Added functions pass; any change to what the baseline has (struct
# layouts, parameter types, removed symbols) fails unless the library's SONAME
# differs from the baseline's (then the baseline is due for --update).
#
# usage: tests/abi/check-abi.sh [--help] [--update] LIB SRC_INCLUDE BUILD_INCLUDE
#   --update  write the baseline from LIB instead (at a release)
# Exit: 0 compatible, 1 incompatible or error, 77 no abidiff (abigail-tools).
set -uo pipefail
BASE=$(dirname "$0")/libvaccel.abi
update=0
case "${1:-}" in
-h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
--update) update=1; shift ;;
esac
[ $# -eq 3 ] || { sed -n '8,8p' "$0" >&2; exit 1; }
LIB=$1 INC=$2 BINC=$3
command -v abidiff >/dev/null || { echo "SKIP: no abidiff (Debian abigail-tools)"; exit 77; }

if [ $update -eq 1 ]; then
	abidw --no-corpus-path --no-comp-dir-path --no-show-locs \
		--headers-dir "$INC" --headers-dir "$BINC" "$LIB" >"$BASE"
	exit $?
fi
# The baseline holds the public headers' types only; no --hd2 here (it
# filters out real changes: the build's DWARF names headers relative to the
# build directory). Added symbols are compatible and not reported.
abidiff --no-added-syms "$BASE" "$LIB"
rc=$?
# abidiff's status is a bit set: 1 error, 2 usage, 4 change, 8 incompatible
if [ $((rc & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (status $rc)"
	exit 1
fi
old=$(sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$BASE" | head -n 1)
new=$(LC_ALL=C readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
# a change of what exists (layout, types, removals) sets 4; 8 only some
if [ $((rc & 12)) -ne 0 ]; then
	if [ -n "$new" ] && [ "$new" != "$old" ]; then
		echo "incompatible changes, and the SONAME changed ($old -> $new):" \
			"allowed; update the baseline (--update)"
		exit 0
	fi
	echo "FAIL: incompatible ABI change with the SONAME still $new (see above);" \
		"keep the old layout or bump the SONAME (src/meson.build soversion)"
	exit 1
fi
echo "ABI of $new compatible with the baseline"
