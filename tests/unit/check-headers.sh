#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every public header compiles on its own (self-contained), as strict C11
# and as C++17, with and without _GNU_SOURCE, with -pedantic-errors and the
# warnings of the project as errors.
#   CC="cc" CXX="c++" check-headers.sh <source include dir> <build include dir>
# CXX may be empty (no C++ compiler): the C++ half is then skipped.
set -u
src_inc=$1
bld_inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
warn="-Wall -Wextra -Werror -pedantic-errors -Wundef"
# Not -Wshadow in C++: upstream's API has a function vaccel_config() and a
# struct vaccel_config, which g++ -Wshadow reports; C gets it.
fails=0
headers=$(cd "$src_inc" && find vaccel -name '*.h' | sort)
for h in $headers vaccel.h slog.h; do
	printf '#include <%s>\n#include <%s>\n' "$h" "$h" >"$tmp/t.c"
	for defs in "" "-D_GNU_SOURCE"; do
		if ! $CC -std=c11 $warn -Wshadow -Wstrict-prototypes $defs \
			-fsyntax-only \
			-I"$src_inc" -I"$bld_inc" "$tmp/t.c" >"$tmp/out" 2>&1; then
			echo "FAIL (C11 $defs): $h"
			cat "$tmp/out"
			fails=$((fails + 1))
		fi
		if [ -n "${CXX:-}" ]; then
			cp "$tmp/t.c" "$tmp/t.cpp"
			if ! $CXX -std=c++17 $warn $defs -fsyntax-only \
				-I"$src_inc" -I"$bld_inc" "$tmp/t.cpp" \
				>"$tmp/out" 2>&1; then
				echo "FAIL (C++17 $defs): $h"
				cat "$tmp/out"
				fails=$((fails + 1))
			fi
		fi
	done
done
n=$(echo $headers vaccel.h slog.h | wc -w)
echo "$n headers checked${CXX:+ (C11 and C++17)}; $fails failures"
[ "$fails" -eq 0 ]
