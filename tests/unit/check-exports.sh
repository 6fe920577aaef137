#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The dynamic symbols libvaccel.so defines: only public `vaccel_<letter>`
# names (no `vaccel__` internals, no slog_*, fs_*, plugin_*, ...), every
# function of the public API list (public-symbols.txt) present, and the
# SONAME libvaccel.so.0.
#   check-exports.sh <libvaccel.so> <public-symbols.txt>
set -u
lib=$1
list=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

if ! nm -D --defined-only "$lib" >"$tmp/nm" 2>&1; then
	echo "nm failed on $lib"
	cat "$tmp/nm"
	exit 1
fi
awk '{ print $NF }' "$tmp/nm" | sort -u >"$tmp/defined"

bad=$(grep -v '^vaccel_[a-z]' "$tmp/defined")
if [ -n "$bad" ]; then
	echo "FAIL: exported symbols outside the public vaccel_ namespace:"
	echo "$bad"
	fails=$((fails + 1))
fi

grep -v '^#' "$list" | grep -v '^$' | sort -u >"$tmp/wanted"
missing=$(comm -23 "$tmp/wanted" "$tmp/defined")
if [ -n "$missing" ]; then
	echo "FAIL: public API functions not exported:"
	echo "$missing"
	fails=$((fails + 1))
fi
extra=$(comm -13 "$tmp/wanted" "$tmp/defined")
if [ -n "$extra" ]; then
	echo "note: exported but not in $(basename "$list") (add them if public):"
	echo "$extra"
fi

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libvaccel.so.0" ]; then
	echo "FAIL: SONAME is '$soname', expected libvaccel.so.0"
	fails=$((fails + 1))
fi

echo "$(wc -l <"$tmp/defined") symbols exported, $(wc -l <"$tmp/wanted") required; SONAME $soname; $fails failures"
[ "$fails" -eq 0 ]
