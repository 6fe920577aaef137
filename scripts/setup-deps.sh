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
	clang-format libcmocka-dev valgrind
	# runtime libraries of the core and plugins
	libcurl4-openssl-dev libopenblas-dev libstb-dev libtorch-dev
	# the agent's worker sandbox
	libseccomp-dev
	# model conversion and test data
	python3-torch python3-numpy python3-onnx python3-pil darknet
	fonts-dejavu-core
	# VM and container tiers
	qemu-system-x86 busybox-static cpio runc iproute2
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

# This machine kind ships Node.js with its own npm; fall back to Debian's.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#PKGS[@]} Debian packages present"
	exit 0
fi
say "installing ${#missing[@]} Debian packages: ${missing[*]}"
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "${missing[@]}"
