#!/usr/bin/env bash
# Build the agent's (or the example application's) OCI image offline from
# the Debian packages (scripts/build-debs.sh): a Debian 12 root with their
# dependencies (scripts/debian-root.sh, cached), the packages installed with
# dpkg, trimmed, and `podman build` from scratch (Containerfile.agent,
# Containerfile.app). docs/deploy.md "The OCI image".
#
# usage: deploy/oci/build-image.sh [--help] [--tag NAME] [--base TARBALL]
#                                  agent|app DEBDIR
#   agent      vaccel-agent, the onnx, blas and exec plugins, the default
#              models, the vaccel CLI (the DaemonSet's init container writes
#              the node's CDI spec with it); default tag localhost/vaccel/agent:VERSION, the
#              image deploy/k8s names
#   app        the example programs, libvaccel and the transport plugin;
#              default tag localhost/vaccel/examples:VERSION
#   DEBDIR     the .deb files (one version)
#   --tag      another image name (tests use unique ones)
#   --base     the root tarball to start from (default: made or reused by
#              scripts/debian-root.sh DEBDIR)
# Needs root (chroot, dpkg) and podman. Prints the image name.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
tag="" base="" what="" debdir=""
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--tag) tag=${2:?--tag needs a name}; shift ;;
	--base) base=${2:?--base needs a tarball}; shift ;;
	-*) usage >&2; say "unknown option $1"; exit 2 ;;
	*) if [ -z "$what" ]; then what=$1; elif [ -z "$debdir" ]; then debdir=$1; else usage >&2; exit 2; fi ;;
	esac
	shift
done
case "$what" in
agent) pkgs="libvaccel0 vaccel-agent vaccel-plugin-onnx vaccel-onnx-models vaccel-plugin-blas vaccel-plugin-exec vaccel-tools" ;;
app) pkgs="libvaccel0 vaccel-plugin-rpc vaccel-examples vaccel-tools" ;;
*) usage >&2; exit 2 ;;
esac
[ -d "$debdir" ] || { usage >&2; say "no directory $debdir"; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (chroot and dpkg into the image's root)"
command -v podman >/dev/null || die "podman not found (apt-get install podman)"

debs=()
for p in $pkgs; do
	f=$(find "$debdir" -maxdepth 1 -name "${p}_*.deb" | sort | tail -n 1)
	[ -n "$f" ] || die "$debdir has no ${p}_*.deb (scripts/build-debs.sh)"
	debs+=("$f")
done
version=$(dpkg-deb -f "${debs[0]}" Version)
[ -n "$tag" ] || tag=localhost/vaccel/$([ "$what" = agent ] && echo agent || echo examples):$version
[ -n "$base" ] || base=$("$HERE/../../scripts/debian-root.sh" "$debdir")

work=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$base"
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
# no daemon may start inside (policy-rc.d), whatever the packages say
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
chroot "$root" sh -c 'dpkg -i /tmp/debs/*.deb' >"$work/dpkg.log" 2>&1 || {
	tail -n 20 "$work/dpkg.log" >&2
	die "dpkg -i in the image's root failed"
}
# The shared root has every package's dependencies (Python, OpenBLAS...):
# keep only the installed packages' closure and what Debian requires
# (apt-get autoremove, offline: dpkg's status is all it needs).
# shellcheck disable=SC2016 # expanded in the chroot
chroot "$root" sh -ec 'apt-mark auto $(dpkg-query -W -f "\${Package} \${Priority} \${Essential}\n" |
		awk "\$2 != \"required\" && \$3 != \"yes\" {print \$1}") >/dev/null
	apt-mark manual "$@" >/dev/null
	apt-get -y -q autoremove --purge' _ $pkgs >>"$work/dpkg.log" 2>&1 ||
	die "apt-get autoremove in the image's root failed (log: $(tail -n 1 "$work/dpkg.log"))"
if [ "$what" = agent ]; then
	chroot "$root" sh -ec 'groupadd -g 10001 vaccel-agent
		useradd -u 10001 -g 10001 -M -d /nonexistent -s /usr/sbin/nologin vaccel-agent
		install -d -o 10001 -g 10001 -m 0750 /var/lib/vaccel-agent /var/cache/vaccel-agent
		install -d -o 10001 -g 10001 -m 0755 /run/vaccel'
else
	chroot "$root" sh -ec 'groupadd -g 10002 vaccel-app
		useradd -u 10002 -g 10002 -M -d /nonexistent -s /usr/sbin/nologin vaccel-app'
fi
# what an image does not need: package lists and caches, documentation
# other than the licences, locales, the packages themselves
rm -rf "$root"/tmp/debs "$root"/usr/sbin/policy-rc.d "$root"/var/lib/apt/lists/* \
	"$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
	"$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
find "$root/usr/share/doc" -type f ! -name copyright -delete
find "$root/usr/share/doc" -type d -empty -delete

tar -C "$root" --numeric-owner -cf "$work/rootfs.tar" .
cp "$HERE/Containerfile.$what" "$work/Containerfile"
podman build --runtime runc --quiet -f "$work/Containerfile" -t "$tag" \
	--label "org.opencontainers.image.version=$version" "$work" >"$work/build.log" 2>&1 || {
	tail -n 20 "$work/build.log" >&2
	die "podman build failed"
}
say "image $tag: $(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
echo "$tag"
