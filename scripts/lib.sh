# Shared helpers for the setup and run scripts. Source it; do not run it.
# shellcheck shell=bash

# Where fetched dependencies, models and images live (outside the repository,
# shared by every checkout on the machine; safe to delete, the setup refetches).
: "${VACCEL_DEPS:=/opt/vaccel-deps}"
export VACCEL_DEPS

VACCEL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VACCEL_ROOT

say() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Run as root, or through sudo when available.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# light_debs DIR: the .deb files of DIR that a test root installs: not the
# -dbgsym ones, not the plugins whose libraries weigh hundreds of MB
# (libtorch, OpenCV, Arm NN, pocl's LLVM): those are built and linted only.
light_debs() {
	find "$1" -maxdepth 1 -name '*.deb' ! -name '*-dbgsym_*' \
		! -name 'vaccel-plugin-torch_*' ! -name 'vaccel-plugin-opencv_*' \
		! -name 'vaccel-plugin-tflite_*' ! -name 'vaccel-plugin-opencl_*' | sort
}
