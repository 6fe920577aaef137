#!/usr/bin/env bash
# Fetch Debian's cloud kernel for the VM test tier (apt only, never by URL).
#
# usage: tests/vm/fetch-kernel.sh [--force] [--modules "m1 m2 ..."]
#                                 [--arch amd64|arm64] [--help]
#
# Finds the current linux-image-*-cloud-ARCH package with apt-cache,
# `apt-get download`s it into $VACCEL_DEPS/vm/ (default /opt/vaccel-deps/vm),
# and extracts into $VACCEL_DEPS/vm/kernel/ (kernel-arm64/ for arm64):
#   vmlinuz          the kernel image (LZ4, fast to decompress under TCG)
#   modules/NAME.ko  the virtio modules below plus their dependencies
#   load-order       module names, one a line, dependencies first
#                    (from the modules' own `depends=` modinfo field)
#   VERSION          "package version kernel-release", used as the stamp
# Default modules: virtio-pci core, virtio_console (virtio-serial),
# virtio_net (+failover), and the guest side of vsock.
#   --force          re-download and re-extract even when up to date
#   --modules LIST   extra module names to add (dependencies are resolved)
#   --arch ARCH      amd64 (default) or arm64 (the arm64 guest of
#                    tests/cross/vm-arm64.sh; needs `dpkg --add-architecture
#                    arm64`, which scripts/setup-deps.sh does)
# Idempotent: does nothing when the kernel dir already holds the apt
# candidate version. If apt knows no cloud kernel (no `apt-get update` yet),
# it runs `apt-get update` once; offline with a kernel already present, it
# keeps that one. Needs: apt-get, apt-cache, dpkg-deb, readelf (binutils).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

DEFAULT_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
virtio_pci virtio_console failover net_failover virtio_net vsock
vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

force=0
extra=""
ARCH=amd64
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--force) force=1 ;;
	--modules) [ $# -ge 2 ] || die "--modules needs a list"; extra="$2"; shift ;;
	--arch) [ $# -ge 2 ] || die "--arch needs amd64 or arm64"; ARCH="$2"; shift ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
	shift
done

for t in apt-get apt-cache dpkg-deb readelf; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (apt-get/dpkg/binutils)"
done

case $ARCH in
amd64) KSUFFIX="" ;;
arm64) KSUFFIX="-arm64" ;;
*) die "unknown --arch $ARCH (amd64, arm64)" ;;
esac
VMDIR="$VACCEL_DEPS/vm"
KDIR="$VMDIR/kernel$KSUFFIX"
STAMP="$KDIR/VERSION"

# The ABI-versioned package the metapackage points to, and its candidate version.
resolve_pkg() {
	apt-cache depends "linux-image-cloud-$ARCH:$ARCH" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-$ARCH\)\(:$ARCH\)\{0,1\}\$/\1/p" | head -n 1
}
pkg=$(resolve_pkg || true)
if [ -z "$pkg" ]; then
	say "apt does not know linux-image-cloud-$ARCH; running apt-get update"
	if as_root apt-get update -q >&2; then pkg=$(resolve_pkg || true); fi
fi
if [ -z "$pkg" ]; then
	if [ -s "$STAMP" ] && [ -f "$KDIR/vmlinuz" ]; then
		say "warning: cannot resolve the cloud kernel with apt; keeping $(cat "$STAMP")"
		exit 0
	fi
	die "cannot resolve linux-image-*-cloud-$ARCH with apt-cache (apt sources? network?)"
fi
ver=$(apt-cache policy "$pkg:$ARCH" | sed -n 's/^ *Candidate: *//p' | head -n 1)
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then die "no candidate version for $pkg"; fi
krel=${pkg#linux-image-}

want_mods="$DEFAULT_MODULES $extra"
# shellcheck disable=SC2086 # split the list on purpose
want_mods=$(printf '%s\n' $want_mods | sort -u | paste -sd ' ')
stamp_line="$pkg $ver $krel"
if [ "$force" -eq 0 ] && [ -f "$KDIR/vmlinuz" ] && [ -s "$KDIR/load-order" ] &&
	[ "$(head -n 1 "$STAMP" 2>/dev/null)" = "$stamp_line" ] &&
	[ "$(sed -n 2p "$STAMP" 2>/dev/null)" = "modules: $want_mods" ]; then
	say "up to date: $pkg $ver in $KDIR"
	exit 0
fi

mkdir -p "$VMDIR"
# apt's version in a file name escapes ':' as %3a.
deb="$VMDIR/${pkg}_${ver//:/%3a}_$ARCH.deb"
if [ -s "$deb" ] && [ "$force" -eq 0 ]; then
	say "using downloaded $(basename "$deb")"
else
	say "downloading $pkg=$ver with apt-get download"
	t0=$EPOCHREALTIME
	(cd "$VMDIR" && as_root apt-get download -q -o APT::Sandbox::User=root "$pkg:$ARCH=$ver" >&2) ||
		die "apt-get download $pkg=$ver failed"
	[ -s "$deb" ] || die "apt-get download did not produce $deb"
	say "downloaded $(du -h "$deb" | cut -f1) in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
fi
# Drop .debs of older kernels.
for old in "$VMDIR"/linux-image-*-cloud-"$ARCH"_*.deb; do
	[ -e "$old" ] && [ "$old" != "$deb" ] && { say "removing old $(basename "$old")"; rm -f "$old"; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
say "extracting $(basename "$deb")"
dpkg-deb -x "$deb" "$tmp/root"
vmlinuz="$tmp/root/boot/vmlinuz-$krel"
[ -f "$vmlinuz" ] || die "no boot/vmlinuz-$krel in $deb"
moddir=$(find "$tmp/root" -type d -path "*/modules/$krel" | head -n 1)
[ -n "$moddir" ] || die "no lib/modules/$krel in $deb"

# name -> path of every .ko (module names use '_' where files may use '-').
declare -A KO
while IFS= read -r f; do
	n=$(basename "$f"); n=${n%%.ko*}; n=${n//-/_}
	KO[$n]=$f
done < <(find "$moddir" -name '*.ko*')

# Dependencies from each module's .modinfo section ("depends=a,b").
deps_of() {
	local f=${KO[$1]}
	case "$f" in *.ko) ;; *) die "compressed module $f is not supported (need plain .ko)" ;; esac
	readelf -p .modinfo "$f" 2>/dev/null | sed -n 's/.*\]  *depends=//p' | tr ',' ' '
}

# Depth-first topological sort: dependencies before dependants.
declare -A STATE
ORDER=()
visit() {
	local m=$1 d
	[ -n "${KO[$m]:-}" ] || die "module $m not found in $pkg (built in, or misspelt?)"
	case "${STATE[$m]:-}" in
	finished) return ;;
	busy) die "dependency cycle at module $m" ;;
	esac
	STATE[$m]=busy
	for d in $(deps_of "$m"); do visit "${d//-/_}"; done
	STATE[$m]=finished
	ORDER+=("$m")
}
# Visit in the listed order, so that ties keep the documented order.
for m in $DEFAULT_MODULES $extra; do visit "${m//-/_}"; done

new="$KDIR.new"
rm -rf "$new"
mkdir -p "$new/modules"
cp "$vmlinuz" "$new/vmlinuz"
for m in "${ORDER[@]}"; do
	cp "${KO[$m]}" "$new/modules/$m.ko"
	echo "$m" >>"$new/load-order"
done
cp "$moddir/modules.builtin" "$new/modules.builtin" 2>/dev/null || true
[ -f "$tmp/root/boot/config-$krel" ] && cp "$tmp/root/boot/config-$krel" "$new/config"
printf '%s\nmodules: %s\n' "$stamp_line" "$want_mods" >"$new/VERSION"
rm -rf "$KDIR"
mv "$new" "$KDIR"
say "kernel $krel ($pkg $ver) in $KDIR: vmlinuz + ${#ORDER[@]} modules: ${ORDER[*]}"
