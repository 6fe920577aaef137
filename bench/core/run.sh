#!/usr/bin/env bash
# Local dispatch: vaccel_noop() through libvaccel vs a direct call.
# usage: bench/core/run.sh BUILD_DIR
set -euo pipefail
B=${1:?usage: bench/core/run.sh BUILD_DIR}
VACCEL_PLUGINS=$B/plugins/noop/libvaccel-noop.so "$B/bench/core/bench-dispatch" 31 200000
