#!/usr/bin/env bash
# The main job, end to end: set up the machine (packages, ONNX Runtime,
# models, photos), build and install vAccel, start vaccel-agent with the
# ONNX Runtime backend on a UNIX socket, and run the upstream example
# programs `classify`, `detect`, `segment` and `pose` as a client would:
# unchanged, with VACCEL_PLUGINS=libvaccel-rpc.so. Every result printed
# comes from a real model on a real photo, computed by the agent.
#
# usage: scripts/run-demo.sh [--help] [--no-setup] [--no-install] [IMAGE...]
#   --no-setup    skip scripts/setup.sh
#   --no-install  run from the build tree (build-demo/) instead of installing
#   IMAGE...      photos to run every op on (default: each op on photos that
#                 suit its default model: classify (text direction) on a text
#                 line upright and upside down, detect (80 COCO classes) on
#                 dog.jpg and a face-api group photo, pose and segment
#                 (person mask) on that photo)
# The masks (segment's PNGs, which the agent returns as bytes and the
# example saves: its png_out argument) and drawings of every photo's results
# (scripts/draw-results.py) stay in demo-output/ (git-ignored), replaced by
# the next run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

setup=1 install=1 images=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--no-setup) setup=0 ;;
	--no-install) install=0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) images+=("$1") ;;
	esac
	shift
done
cd "$VACCEL_ROOT"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

[ $setup -eq 1 ] && scripts/setup.sh

say "building (build-demo/)"
if [ -f build-demo/build.ninja ]; then
	meson setup --reconfigure build-demo >/dev/null
else
	meson setup build-demo >/dev/null
fi
meson compile -C build-demo >/dev/null
B=$PWD/build-demo
if [ $install -eq 1 ]; then
	say "installing (meson install, ldconfig)"
	as_root meson install -C build-demo --quiet
	as_root ldconfig
	AGENT=vaccel-agent
	BIN=""
	ONNX=libvaccel-onnx.so RPC=libvaccel-rpc.so
else
	AGENT=$B/agent/vaccel-agent
	BIN=$B/examples/
	ONNX=$B/plugins/onnx/libvaccel-onnx.so RPC=$B/plugins/rpc/libvaccel-rpc.so
	export LD_LIBRARY_PATH=$B/src${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

D=$VACCEL_DEPS
T=$D/images/text/text0_0.jpg T180=$D/images/text/text0_180.jpg
DOG=$D/images/dog.jpg PEOPLE=$D/images/sample1.jpg
# "OP|IMAGE|WHAT TO EXPECT" per run
runs=()
if [ ${#images[@]} -eq 0 ]; then
	runs=("classify|$T|upright text: 0 first"
		"classify|$T180|upside-down text: 180 first"
		"detect|$DOG|a dog (lower left), a bicycle (centre), a car or truck (upper right)"
		"detect|$PEOPLE|three persons"
		"pose|$PEOPLE|17 keypoints of one person (MoveNet follows one)"
		"segment|$PEOPLE|a mask over the three persons, not the room")
else
	for img in "${images[@]}"; do
		for op in classify detect segment pose; do runs+=("$op|$img|"); done
	done
fi

# The example saves the masks here; a person looks at them after the demo.
out=$VACCEL_ROOT/demo-output
mkdir -p "$out"
rm -f "$out"/*-mask.png "$out"/*-results.png

work=$(mktemp -d)
chmod 711 "$work" # the agent's workers (other uids, as root) go through it
sock=$work/agent.sock
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid" 2>/dev/null || true
		wait "$agent_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say "starting the agent: $AGENT --listen unix://$sock --plugins $ONNX"
"$AGENT" --listen "unix://$sock" --plugins "$ONNX" >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log"; die "the agent exited"; }
	sleep 0.1
done
[ -S "$sock" ] || die "the agent did not open $sock"

export VACCEL_PLUGINS=$RPC VACCEL_RPC_ADDRESS=unix://$sock
failed=0
declare -A txt_of=() # photo -> the file of its results (for the drawings)
for r in "${runs[@]}"; do
	IFS='|' read -r op img expect <<<"$r"
	[ -f "$img" ] || die "no such image: $img"
	echo
	echo "### $op $(basename "$img")  (computed by the agent)${expect:+; expected: $expect}"
	[ -n "${txt_of[$img]:-}" ] || txt_of[$img]=$work/results-${#txt_of[@]}.txt
	args=("$img")
	# segment: the default model, and the mask saved here (png_out)
	[ "$op" = segment ] && args+=(1 - "$out/$(basename "${img%.*}")-mask.png")
	if ! "${BIN}$op" "${args[@]}" | tee -a "${txt_of[$img]}"; then
		failed=1
		say "$op $(basename "$img") failed (agent log below)"
	fi
done
echo

# Draw each photo's boxes, keypoints and mask (python3-pil, as the setup
# installs it).
drawn=0
if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
	for img in "${!txt_of[@]}"; do
		txt=${txt_of[$img]}
		name=$(basename "$img")
		# classify's records are not drawn: skip photos with nothing else
		grep -q -E '^(detection|pose estimation|segmentation) imagename: ' "$txt" || continue
		/usr/bin/python3 "$VACCEL_ROOT/scripts/draw-results.py" "$img" "$txt" \
			-o "$out/${name%.*}-results.png" >/dev/null && drawn=$((drawn + 1))
	done
fi
say "every result above was computed by the agent (pid $agent_pid) on this machine"
say "masks and drawings are in $out/ (kept after the demo):"
for f in "$out"/*.png; do
	if [ -e "$f" ]; then say "    ${f#"$VACCEL_ROOT"/}"; fi
done
[ $drawn -gt 0 ] || say "    (no drawings: /usr/bin/python3 with PIL is missing)"
say "segment's mask came back from the agent as PNG bytes; the example saved it"
echo
say "agent log:"
sed 's/^/    /' "$work/agent.log"
exit $failed
