#!/usr/bin/env bash
# Install the Debian packages the project needs. Idempotent: installs only
# what is missing, and runs `apt-get update` only when something is.
#
# usage: scripts/setup-deps.sh [--help]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

PKGS=(
	# build and test
	meson ninja-build pkg-config gcc g++ clang llvm libclang-rt-14-dev
	clang-format libcmocka-dev valgrind strace
	# runtime libraries of the core and plugins
	libcurl4-openssl-dev libopenblas-dev libstb-dev zlib1g-dev libtorch-dev
	# opencl plugin (CLBlast on pocl's CPU device), opencv plugin, tflite
	# plugin (Arm NN 20.08 and its CpuRef backend)
	libclblast-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
	libopencv-dev libarmnn-dev libarmnntfliteparser-dev
	libarmnn-cpuref-backend22
	# the agent's worker sandbox
	libseccomp-dev
	# model conversion and test data
	python3-torch python3-numpy python3-onnx python3-pil darknet
	fonts-dejavu-core
	# VM and container tiers (qemu-system-arm: the arm64 guest)
	qemu-system-x86 qemu-system-arm busybox-static cpio runc iproute2
	# Go bindings, the ABI check
	golang-go abigail-tools
	# cross builds for arm64 and armhf, run under qemu-user (binfmt_misc)
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu gcc-arm-linux-gnueabihf
	g++-arm-linux-gnueabihf qemu-user-static binfmt-support
	# ops tier: Debian packages, a fresh Debian root, the OCI image, systemd
	# units, pip installs offline (docs/packaging.md)
	dpkg-dev debhelper dh-python lintian fakeroot mmdebstrap podman systemd
	python3-venv python3-setuptools python3-wheel-whl
	# ops tier: a real Prometheus scrapes the agent's metrics
	prometheus
)
# Multiarch libraries the cross builds link and their tests load (libtorch
# is not co-installable for arm64: its python3.11:arm64 dependency conflicts
# with the host's python3.11).
FOREIGN_ARCHES=(arm64 armhf)
for a in "${FOREIGN_ARCHES[@]}"; do
	for p in libc6 libstdc++6 libcmocka-dev libopenblas-dev libstb-dev \
		zlib1g-dev; do
		PKGS+=("$p:$a")
	done
done

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

# This machine kind ships Node.js with its own npm; fall back to Debian's.
command -v npm >/dev/null 2>&1 || missing+=(npm)

# Foreign architectures for the multiarch packages (idempotent).
for a in "${FOREIGN_ARCHES[@]}"; do
	if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		as_root dpkg --add-architecture "$a"
		missing+=("(architecture $a)")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#PKGS[@]} Debian packages present"
	exit 0
fi
say "installing ${#missing[@]} Debian packages: ${missing[*]}"
# A mirror in mid-sync can fail one index (seen for armhf); what the other
# indexes give is still installable, and the install says what is not.
as_root apt-get update -q || say "apt-get update reported errors; installing anyway"
pkgs=()
for p in "${missing[@]}"; do
	case $p in "("*) ;; *) pkgs+=("$p") ;; esac
done
[ ${#pkgs[@]} -eq 0 ] && exit 0
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	-o DPkg::Lock::Timeout=300 --no-install-recommends "${pkgs[@]}"
