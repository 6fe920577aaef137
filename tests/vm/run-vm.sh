#!/usr/bin/env bash
# Boot a test guest under QEMU/TCG and return the guest script's exit status.
#
# usage: tests/vm/run-vm.sh -i INITRD [options] [--help]
#   -i, --initrd FILE       initramfs from tests/vm/mkguest.sh (required)
#   -k, --kernel FILE       kernel (default $VACCEL_DEPS/vm/kernel/vmlinuz)
#   -p, --vport NAME=SOCK   a virtio-serial port NAME in the guest
#                           (/dev/virtio-ports/NAME) connected to the host
#                           UNIX socket SOCK; QEMU is the client and retries
#                           every second until the listener is up. Repeatable
#   -n, --net               user-mode networking (slirp): the guest is
#                           10.0.2.15, host loopback is reachable at 10.0.2.2
#       --net-opts OPTS     extra -netdev user options, implies --net
#                           (e.g. "restrict=on,guestfwd=tcp:10.0.2.100:80-unix:/s")
#   -e, --env KEY=VALUE     passed on the kernel command line; /init and the
#                           guest script see it in their environment. KEY:
#                           [A-Za-z_][A-Za-z0-9_]*, VALUE without blanks or
#                           quotes. Repeatable (at most ~25 in all, 2 KiB line)
#   -t, --timeout SEC       wall-clock limit (default 60); then QEMU is killed
#   -l, --log FILE          console log (default: a new file under
#                           tests/vm/work/); QEMU's own stderr goes to FILE.qemu
#   -P, --pidfile FILE      write QEMU's PID there while it runs (removed at
#                           the end), e.g. for a test to SIGKILL the VM
#   -m, --memory MB         guest RAM (default 256)
#   -v, --verbose           also copy the console to stderr as it runs
#   -Q, --qemu-arg ARG      extra QEMU argument (repeatable; no -accel kvm)
#   -A, --append WORD       an extra kernel command line word, KEY or
#                           KEY=VALUE where KEY may hold dots (e.g.
#                           rdinit=/lib/systemd/systemd,
#                           systemd.unified_cgroup_hierarchy=1); repeatable
#   -a, --arch ARCH         amd64 (default: q35, ttyS0) or arm64 (virt,
#                           cortex-a72, ttyAMA0; kernel default
#                           $VACCEL_DEPS/vm/kernel-arm64/vmlinuz)
# Always TCG (`-accel tcg`): KVM on this machine kind cannot boot stock kernels.
# Exit status: the guest script's status from the VACCEL-GUEST-RC=N marker
# (keep guest statuses below 120 to stay apart from these), or
#   124  wall timeout, QEMU killed
#   125  QEMU failed or exited with no VACCEL-GUEST-RC marker (bad option,
#        kernel panic, /init died)
#   126  QEMU killed by a signal from outside (e.g. SIGKILL via the pidfile)
#   127  usage or setup error (missing kernel/initrd/qemu)
# A summary line "[run-vm.sh] rc=N (...) in S s, log: FILE" goes to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
fail() { say "error: $*"; exit 127; }

initrd="" kernel="$VACCEL_DEPS/vm/kernel/vmlinuz" timeout=60 log="" pidfile=""
mem=256 net=0 netopts="" verbose=0 arch=amd64
vports=() envs=() qextra=() kargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	-n | --net) net=1 ;;
	-v | --verbose) verbose=1 ;;
	-i | --initrd | -k | --kernel | -p | --vport | --net-opts | -e | --env | -t | --timeout | \
		-l | --log | -P | --pidfile | -m | --memory | -Q | --qemu-arg | -a | --arch | -A | --append)
		[ $# -ge 2 ] || { usage >&2; fail "$1 needs an argument"; }
		case "$1" in
		-i | --initrd) initrd=$2 ;;
		-k | --kernel) kernel=$2 ;;
		-p | --vport) vports+=("$2") ;;
		--net-opts) net=1; netopts=$2 ;;
		-e | --env) envs+=("$2") ;;
		-t | --timeout) timeout=$2 ;;
		-l | --log) log=$2 ;;
		-P | --pidfile) pidfile=$2 ;;
		-m | --memory) mem=$2 ;;
		-Q | --qemu-arg) qextra+=("$2") ;;
		-a | --arch) arch=$2 ;;
		-A | --append) kargs+=("$2") ;;
		esac
		shift ;;
	*) usage >&2; fail "unknown argument: $1" ;;
	esac
	shift
done

# The machine, CPU, console and QEMU binary of each guest architecture.
case $arch in
amd64) machine=(-machine q35 -cpu max) console=ttyS0 qemu_def=qemu-system-x86_64 ;;
arm64)
	machine=(-machine virt -cpu cortex-a72) console=ttyAMA0 qemu_def=qemu-system-aarch64
	[ "$kernel" = "$VACCEL_DEPS/vm/kernel/vmlinuz" ] && kernel=$VACCEL_DEPS/vm/kernel-arm64/vmlinuz
	;;
*) fail "unknown --arch $arch (amd64, arm64)" ;;
esac
[ -n "$initrd" ] || { usage >&2; fail "-i INITRD is required"; }
[ -f "$initrd" ] || fail "no such initrd: $initrd"
[ -f "$kernel" ] || fail "no kernel $kernel (run tests/vm/fetch-kernel.sh)"
if ! [[ "$timeout" =~ ^[0-9]+$ ]] || [ "$timeout" -eq 0 ]; then fail "bad timeout: $timeout"; fi
[[ "$mem" =~ ^[0-9]+$ ]] || fail "bad memory size: $mem"
QEMU=${QEMU:-$qemu_def}
command -v "$QEMU" >/dev/null 2>&1 || fail "$QEMU not found (apt-get install qemu-system-x86 / qemu-system-arm)"
for a in ${qextra[@]+"${qextra[@]}"}; do
	case "$a" in *kvm*) fail "KVM is not usable here (guest hangs); TCG only" ;; esac
done

# QEMU option values escape ',' by doubling it.
qesc() { printf '%s' "${1//,/,,}"; }

append="console=$console panic=-1 quiet"
vnames=""
args=(-accel tcg "${machine[@]}" -m "$mem" -smp 1 -nodefaults -no-user-config
	-display none -no-reboot -serial stdio -kernel "$kernel" -initrd "$initrd")
if [ ${#vports[@]} -gt 0 ]; then
	args+=(-device "virtio-serial-pci,id=vs0")
	i=0
	for vp in "${vports[@]}"; do
		name=${vp%%=*} sock=${vp#*=}
		if [ "$name" = "$vp" ] || [ -z "$name" ] || [ -z "$sock" ]; then
			fail "bad --vport $vp (NAME=SOCKET)"
		fi
		[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || fail "bad port name: $name"
		[ ${#sock} -lt 108 ] || fail "socket path too long for AF_UNIX (${#sock} >= 108): $sock"
		args+=(-chardev "socket,id=vp$i,path=$(qesc "$sock"),reconnect=1"
			-device "virtserialport,bus=vs0.0,chardev=vp$i,name=$name")
		vnames="$vnames${vnames:+,}$name"
		i=$((i + 1))
	done
	append="$append VACCEL_VPORTS=$vnames"
fi
if [ "$net" -eq 1 ]; then
	args+=(-netdev "user,id=n0${netopts:+,$netopts}" -device "virtio-net-pci,netdev=n0,romfile=")
fi
for kv in ${envs[@]+"${envs[@]}"}; do
	[[ "$kv" =~ ^[A-Za-z_][A-Za-z0-9_]*=[^[:space:]\"\']*$ ]] ||
		fail "bad --env '$kv' (KEY=VALUE, no blanks or quotes in VALUE)"
	append="$append $kv"
done
for ka in ${kargs[@]+"${kargs[@]}"}; do
	[[ "$ka" =~ ^[A-Za-z_][A-Za-z0-9_.-]*(=[^[:space:]\"\']*)?$ ]] ||
		fail "bad --append '$ka' (one word: KEY or KEY=VALUE, no blanks or quotes)"
	append="$append $ka"
done
[ ${#append} -lt 2000 ] || fail "kernel command line too long (${#append} bytes)"
args+=(-append "$append" ${qextra[@]+"${qextra[@]}"})

if [ -z "$log" ]; then
	mkdir -p "$HERE/work"
	log=$(mktemp --suffix=.log "$HERE/work/console.XXXXXX")
fi
mkdir -p "$(dirname "$log")"
: >"$log"
qerr="$log.qemu"

qpid="" tailpid="" state=running
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	if [ -n "$tailpid" ]; then
		kill "$tailpid" 2>/dev/null || true
		wait "$tailpid" 2>/dev/null || true
	fi
	[ -z "$pidfile" ] || rm -f "$pidfile"
}
trap cleanup EXIT
trap 'state=interrupted; exit 130' INT TERM HUP

t0=$EPOCHREALTIME
"$QEMU" "${args[@]}" </dev/null >"$log" 2>"$qerr" &
qpid=$!
if [ -n "$pidfile" ]; then
	echo "$qpid" >"$pidfile.tmp.$$"
	mv -f "$pidfile.tmp.$$" "$pidfile"
fi
if [ "$verbose" -eq 1 ]; then
	tail -s 0.1 -n +1 -f --pid="$qpid" "$log" >&2 &
	tailpid=$!
fi

deadline=$(awk -v a="$t0" -v t="$timeout" 'BEGIN{printf "%.3f", a+t}')
while kill -0 "$qpid" 2>/dev/null; do
	if awk -v d="$deadline" -v n="$EPOCHREALTIME" 'BEGIN{exit !(n >= d)}'; then
		state=timeout
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.05
done
qrc=0
# (stderr: no "Killed" job notice from bash)
{ wait "$qpid" || qrc=$?; } 2>/dev/null
qpid=""
if [ -n "$tailpid" ]; then
	wait "$tailpid" 2>/dev/null || true
	tailpid=""
fi
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')

marker=$(tr -d '\r' <"$log" | grep -a -o 'VACCEL-GUEST-RC=[0-9]*' | tail -n 1 || true)
if [ "$state" = timeout ]; then
	rc=124 why="timeout after ${timeout} s, QEMU killed"
elif [ "$qrc" -gt 128 ]; then
	rc=126 why="QEMU killed by signal $((qrc - 128))"
elif [ -n "$marker" ] && [ -n "${marker#VACCEL-GUEST-RC=}" ]; then
	rc=${marker#VACCEL-GUEST-RC=} why="guest script status"
	[ "$qrc" -eq 0 ] || why="$why (QEMU exit $qrc)"
else
	rc=125 why="QEMU exit $qrc, no VACCEL-GUEST-RC marker"
fi
if [ "$rc" -ge 124 ] && [ "$rc" -le 126 ] && [ -s "$qerr" ]; then
	say "QEMU stderr: $(tail -n 5 "$qerr" | paste -sd '|')"
fi
[ -s "$qerr" ] || rm -f "$qerr"
say "rc=$rc ($why) in $secs s, log: $log"
exit "$rc"
