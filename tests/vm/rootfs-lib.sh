# Helpers to fill a minimal root file system (busybox + given files + the
# shared-library closure of every ELF among them). Used by tests/vm/mkguest.sh
# (initramfs) and tests/container/mkbundle.sh (OCI rootfs). Source it.
# shellcheck shell=bash
#
#   rootfs_init DIR             create DIR with busybox (static) and its applets,
#                               /etc/{passwd,group,hosts}, empty proc sys dev tmp run
#   rootfs_add DIR SRC [DST]    copy host file or directory SRC to DST (default: the
#                               same path); an ELF brings its library closure, and
#                               a lib*.so* file's directory goes into ld.so.cache
#   rootfs_add_lib DIR LIB      a library at its host path (+ closure); LIB may be
#                               a path or a bare soname looked up in ldconfig's cache
#                               (for what a program dlopen()s: ldd cannot see it)
#   rootfs_finish DIR           write etc/ld.so.conf and build etc/ld.so.cache
#
# Libraries keep their host paths, so RUNPATHs of build trees still resolve;
# the generated ld.so.cache covers bare-name lookups (dlopen("libx.so")).

: "${BUSYBOX:=/bin/busybox}"
declare -gA ROOTFS_SEEN=()   # dest path -> source path
declare -gA ROOTFS_LIBDIRS=() # dirs that hold a library

_rootfs_die() {
	if declare -F die >/dev/null; then die "$@"; fi
	printf 'error: %s\n' "$*" >&2
	exit 1
}

rootfs_is_elf() {
	[ -f "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# Copy one regular file (following symlinks) to DIR/DST, once.
_rootfs_copy() {
	local dir=$1 src=$2 dst=$3 prev
	prev=${ROOTFS_SEEN[$dst]:-}
	if [ -n "$prev" ]; then
		[ "$prev" = "$src" ] && return 0
		cmp -s "$prev" "$src" && return 0
		_rootfs_die "two different files for $dst: $prev and $src"
	fi
	mkdir -p "$dir$(dirname "$dst")"
	cp -L "$src" "$dir$dst" || _rootfs_die "cannot copy $src"
	ROOTFS_SEEN[$dst]=$src
}

# The shared libraries (and the ELF interpreter) that ELF file $1 needs, one
# host path a line. Fails listing what ldd cannot find.
rootfs_closure() {
	local f=$1 out missing
	# ROOTFS_LDD: another lister for a foreign guest, e.g.
	# "/lib/ld-linux-aarch64.so.1 --list" (run through binfmt_misc)
	# shellcheck disable=SC2086 # a command and its arguments
	out=$(LC_ALL=C ${ROOTFS_LDD:-ldd} "$f" 2>&1) || {
		case "$out" in
		*"not a dynamic executable"* | *"statically linked"*) return 0 ;;
		*) _rootfs_die "ldd $f failed: $out" ;;
		esac
	}
	missing=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
	[ -z "$missing" ] || _rootfs_die "$f needs libraries ldd cannot find: $(echo "$missing" | paste -sd ' ') (set LD_LIBRARY_PATH?)"
	# "name => path (0x...)" and "/path/ld-linux (0x...)"; a relative
	# LD_LIBRARY_PATH entry gives relative paths: made absolute here.
	printf '%s\n' "$out" | sed -n \
		-e 's/^[[:space:]]*[^ ]* => \([^ ]*\) (0x[0-9a-f]*)$/\1/p' \
		-e 's/^[[:space:]]*\(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' |
		while IFS= read -r p; do
			case "$p" in /*) echo "$p" ;; *) realpath -s "$p" ;; esac
		done
}

_rootfs_add_closure() {
	local dir=$1 elf=$2 lib libs
	# Not a process substitution: a failure there would go unnoticed.
	libs=$(rootfs_closure "$elf") || exit 1
	[ -n "$libs" ] || return 0
	mapfile -t libs <<<"$libs"
	for lib in "${libs[@]}"; do
		_rootfs_copy "$dir" "$lib" "$lib"
		ROOTFS_LIBDIRS[$(dirname "$lib")]=1
	done
}

rootfs_add() {
	local dir=$1 src=$2 dst=${3:-$2} f rel
	[ -e "$src" ] || _rootfs_die "no such file: $src"
	case "$dst" in /*) ;; *) _rootfs_die "destination must be absolute: $dst" ;; esac
	case "$dst" in */) dst="$dst$(basename "$src")" ;; esac
	if [ -d "$src" ]; then
		while IFS= read -r f; do
			rel=${f#"$src"}
			_rootfs_copy "$dir" "$f" "$dst$rel"
			if rootfs_is_elf "$f"; then _rootfs_add_closure "$dir" "$f"; fi
		done < <(find -L "$src" -type f)
		return 0
	fi
	_rootfs_copy "$dir" "$src" "$dst"
	if rootfs_is_elf "$src"; then
		_rootfs_add_closure "$dir" "$src"
		# A shared library placed somewhere: bare-name dlopen() finds it too.
		case "$dst" in */lib*.so | */lib*.so.*) ROOTFS_LIBDIRS[$(dirname "$dst")]=1 ;; esac
	fi
}

rootfs_add_lib() {
	local dir=$1 lib=$2 path
	case "$lib" in
	*/*) path=$lib ;;
	*)
		path=$(ldconfig -p | sed -n "s/^[[:space:]]*$lib (libc6,x86-64[^)]*) => //p" | head -n 1)
		[ -n "$path" ] || _rootfs_die "library $lib not in ldconfig's cache; give its path"
		;;
	esac
	[ -f "$path" ] || _rootfs_die "no such library: $path"
	_rootfs_copy "$dir" "$path" "$path"
	ROOTFS_LIBDIRS[$(dirname "$path")]=1
	_rootfs_add_closure "$dir" "$path"
}

rootfs_init() {
	local dir=$1 a
	[ -x "$BUSYBOX" ] || _rootfs_die "$BUSYBOX not found (apt-get install busybox-static)"
	case "$(LC_ALL=C ldd "$BUSYBOX" 2>&1 || true)" in
	*"not a dynamic"* | *"statically linked"*) ;;
	*) _rootfs_die "$BUSYBOX is not static (install busybox-static)" ;;
	esac
	mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,usr/bin,usr/sbin,usr/local/bin}
	chmod 1777 "$dir/tmp"
	cp "$BUSYBOX" "$dir/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		case "$a" in busybox | linuxrc) continue ;; esac
		ln -sf busybox "$dir/bin/$a"
	done
	ROOTFS_SEEN[/bin/busybox]=$BUSYBOX
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$dir/etc/hosts"
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dir/etc/nsswitch.conf"
}

rootfs_finish() {
	local dir=$1 d
	: >"$dir/etc/ld.so.conf"
	for d in "${!ROOTFS_LIBDIRS[@]}"; do echo "$d" >>"$dir/etc/ld.so.conf"; done
	if [ -s "$dir/etc/ld.so.conf" ]; then
		# -X: leave the copied files alone (no symlink updates), only write the cache.
		ldconfig -X -r "$dir" 2>/dev/null || _rootfs_die "ldconfig -r $dir failed"
	fi
}
