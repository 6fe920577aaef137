#!/usr/bin/env bash
# One scenario across architectures: an arm64 guest (qemu-system-aarch64,
# TCG, Debian's arm64 cloud kernel, a busybox-static:arm64 initramfs built
# with tests/vm/mkguest.sh) whose application, the arm64 build's classify
# example with its own libvaccel and libvaccel-rpc.so, calls this machine's
# x86-64 vaccel-agent (onnx backend) over a virtio-serial port
# (vport://org.vaccel.agent). Its output must equal a host-local run of the
# x86-64 build on the same photo. Prints "ok NAME (...)" with the guest's
# boot time and the whole run's, or "FAIL NAME: why" / "skip NAME: why".
#
# usage: tests/cross/vm-arm64.sh [--help] CROSS_BUILD NATIVE_BUILD
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib.sh"
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ] || [ $# -ne 2 ]; then
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -eq 2 ] || [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]
	exit $?
fi
cd "$VACCEL_ROOT" || exit 1
X=$(realpath "$1") N=$(realpath "$2") NAME=vm-arm64-vport-classify
IMG=$VACCEL_DEPS/images/text/text0_180.jpg
skip() { echo "skip $NAME: $*"; exit 0; }
for f in "$X/examples/classify" "$X/plugins/rpc/libvaccel-rpc.so" \
	"$N/agent/vaccel-agent" "$N/plugins/onnx/libvaccel-onnx.so" "$IMG"; do
	[ -e "$f" ] || skip "no $f"
done
command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (qemu-system-arm)"
[ -e /lib/ld-linux-aarch64.so.1 ] || skip "no libc6:arm64"
"$HERE/../vm/fetch-kernel.sh" --arch arm64 >&2 || skip "cannot fetch the arm64 kernel"

# busybox-static:arm64 (not co-installable with the host's busybox-static)
BB=$VACCEL_DEPS/vm/busybox-arm64
if [ ! -x "$BB/bin/busybox" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root busybox-static:arm64 >&2) &&
		dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/root" &&
		mkdir -p "$BB/bin" && cp "$tmp/root/bin/busybox" "$BB/bin/busybox"
	rm -rf "$tmp"
	[ -x "$BB/bin/busybox" ] || skip "cannot fetch busybox-static:arm64"
fi

. "$HERE/../compat/agent-lib.sh"
T=$TMP
fail() {
	echo "FAIL $NAME: $*"
	exit 1
}

cat >"$T/test.sh" <<EOS
#!/bin/sh
echo "GUEST-ARCH \$(uname -m)"
VACCEL_PLUGINS=$X/plugins/rpc/libvaccel-rpc.so \\
VACCEL_RPC_ADDRESS=vport://org.vaccel.agent \\
	$X/examples/classify /data/photo.jpg 1 >/out.txt 2>&1
rc=\$?
sed 's/^/GUEST-OUT /' /out.txt
exit \$rc
EOS
t0=$SECONDS
# the arm64 loader lists the closure (through binfmt_misc); libraries keep
# their host paths (/usr/lib/aarch64-linux-gnu, the cross build's RUNPATH)
BUSYBOX=$BB/bin/busybox ROOTFS_LDD="/lib/ld-linux-aarch64.so.1 --list" \
	LD_LIBRARY_PATH=$X/src "$HERE/../vm/mkguest.sh" -o "$T/guest.cpio.gz" \
	-k "$VACCEL_DEPS/vm/kernel-arm64" -s "$T/test.sh" \
	-f "$X/examples/classify" -l "$X/plugins/rpc/libvaccel-rpc.so" \
	-f "$IMG:/data/photo.jpg" >"$T/mkguest.log" 2>&1 ||
	fail "mkguest.sh: $(tail -n 2 "$T/mkguest.log" | paste -sd '|')"

# the host's agent, x86-64, with the onnx backend
agent "$N" onnx || fail "the agent did not start"

"$HERE/../vm/run-vm.sh" --arch arm64 -i "$T/guest.cpio.gz" -t 240 \
	-p "org.vaccel.agent=$T/agent.sock" -l "$T/console.log" 2>"$T/run-vm.log"
rc=$?
total=$((SECONDS - t0))
con=$(tr -d '\r' <"$T/console.log")
boot=$(sed -n 's/^VACCEL-GUEST-BEGIN uptime=\([0-9.]*\).*/\1/p' <<<"$con")
[ "$rc" -eq 0 ] || fail "run-vm.sh rc=$rc: $(tail -n 1 "$T/run-vm.log"); console: $(tail -n 5 <<<"$con" | paste -sd '|')"
grep -qx "GUEST-ARCH aarch64" <<<"$con" || fail "the guest is not aarch64"
got=$(sed -n 's/^GUEST-OUT //p' <<<"$con" | grep -v '^Initialized session')
want=$(LD_LIBRARY_PATH=$N/src VACCEL_PLUGINS=$N/plugins/onnx/libvaccel-onnx.so \
	"$N/examples/classify" "$IMG" 1 2>&1 | grep -v '^Initialized session')
[ -n "$want" ] && [ "$got" = "$want" ] ||
	fail "guest output differs from the host-local run: got [$got] want [$want]"
grep -q "classification tags: 180 " <<<"$got" || fail "unexpected result: $got"
vm=$(sed -n 's/.* in \([0-9.]*\) s, log: .*/\1/p' "$T/run-vm.log" | tail -n 1)
grep -q 'end: eof$' "$T/agent.log" || grep -q 'accepted' "$T/agent.log" ||
	fail "the agent logged no connection from the guest"
echo "ok $NAME (QEMU ${vm:-?} s: boot to the guest script ${boot:-?} s by its clock, then the call and power-off; ${total} s with the image)"
