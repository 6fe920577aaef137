#!/usr/bin/env bash
# A guest whose PID 1 is Debian 12's systemd, with vaccel-agent installed as
# the package installs it (its systemd units, sysusers.d entry and options
# file), for the VM tier's vm-systemd-unit scenario (tests/vm/README.md).
#
# usage: tests/vm/mksystemd-guest.sh [--help] -o OUT.cpio -r ROOT.tar
#                                    -b BUILD_DIR -s CHECK_SCRIPT
#                                    [-O OPTIONS]
#   -o OUT.cpio   the initramfs to write (newc cpio, not compressed: the
#                 kernel copies it faster under TCG than it inflates it)
#   -r ROOT.tar   the root file system (tests/vm/systemd-root.sh)
#   -b BUILD_DIR  a compiled meson tree with the agent, libvaccel, the rpc
#                 plugin, the classify example and the faulty test plugin
#                 (-Dtests=enabled); its configured deploy/vaccel-agent.service
#   -s SCRIPT     the checks: run once by vaccel-check.service (a oneshot
#                 unit of multi-user.target, output on the console), which
#                 powers the guest off at its end
#   -O OPTIONS    VACCEL_AGENT_OPTS of the options file
#                 (SYSCONFDIR/default/vaccel-agent)
# Boot it with tests/vm/run-vm.sh -A rdinit=/lib/systemd/systemd
# -A systemd.unified_cgroup_hierarchy=1 (-m 2048).
# Where things go: the agent, libvaccel, the plugins and classify under
# /usr/local (bin, lib; ld.so.cache rebuilt), the units in
# /lib/systemd/system (vaccel-agent.socket enabled, the service started by
# its socket), the options file where the unit's EnvironmentFile= says.
# Units of no use here (gettys, udev, timers, logind...) are masked.
# Needs root (the tarball's owners), tar, cpio, ldconfig. Exit: 0 ok,
# 1 failure, 2 usage.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
out="" tarball="" B="" script="" opts=""
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	-o | -r | -b | -s | -O)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		case "$1" in
		-o) out=$2 ;; -r) tarball=$2 ;; -b) B=$2 ;; -s) script=$2 ;; -O) opts=$2 ;;
		esac
		shift ;;
	*) usage >&2; say "unknown argument $1"; exit 2 ;;
	esac
	shift
done
if [ -z "$out" ] || [ -z "$tarball" ] || [ -z "$B" ] || [ -z "$script" ]; then usage >&2; exit 2; fi
[ -s "$tarball" ] || die "no root tarball $tarball"
[ -f "$script" ] || die "no check script $script"
for f in agent/vaccel-agent src/libvaccel.so.0 plugins/rpc/libvaccel-rpc.so \
	tests/lib/faulty/libvaccel-faulty.so examples/classify deploy/vaccel-agent.service; do
	[ -e "$B/$f" ] || die "no $B/$f"
done
unit=$B/deploy/vaccel-agent.service
envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
[ -n "$envfile" ] || die "no EnvironmentFile= in $unit"
bindir=$(sed -n 's|^ExecStart=\(/[^ ]*\)/vaccel-agent .*|\1|p' "$unit")
[ -n "$bindir" ] || die "no ExecStart=BINDIR/vaccel-agent in $unit"

R=$(mktemp -d "${TMPDIR:-/tmp}/sdguest.XXXXXX")
trap 'rm -rf "$R"' EXIT
tar -x --numeric-owner -f "$tarball" -C "$R"
rm -rf "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/*

# the agent as the package installs it: units, sysusers.d, options file
install -D -m 755 "$B/agent/vaccel-agent" "$R$bindir/vaccel-agent"
install -D -m 755 "$B/examples/classify" "$R/usr/local/bin/classify"
install -D -m 644 "$B/src/libvaccel.so.0" "$R/usr/local/lib/libvaccel.so.0"
install -m 644 "$B/plugins/rpc/libvaccel-rpc.so" "$B/tests/lib/faulty/libvaccel-faulty.so" \
	"$R/usr/local/lib/"
install -m 644 "$unit" "$SRC/deploy/systemd/vaccel-agent.socket" "$R/lib/systemd/system/"
install -D -m 644 "$SRC/deploy/systemd/vaccel-agent.sysusers" "$R/usr/lib/sysusers.d/vaccel-agent.conf"
install -d "$R$(dirname "$envfile")"
printf '# vm-systemd-unit\nVACCEL_AGENT_OPTS="%s"\n' "$opts" >"$R$envfile"
ldconfig -r "$R"
mkdir -p "$R/etc/systemd/system/sockets.target.wants"
ln -sf /lib/systemd/system/vaccel-agent.socket "$R/etc/systemd/system/sockets.target.wants/"

# the checks: a oneshot unit, its output on the console
install -D -m 755 "$script" "$R/usr/local/lib/vaccel-test/check.sh"
cat >"$R/etc/systemd/system/vaccel-check.service" <<'EOF'
[Unit]
Description=vm-systemd-unit checks
After=vaccel-agent.socket systemd-sysusers.service

[Service]
Type=oneshot
ExecStart=/usr/local/lib/vaccel-test/check.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/vaccel-check.service "$R/etc/systemd/system/multi-user.target.wants/"
ln -sf /lib/systemd/system/multi-user.target "$R/etc/systemd/system/default.target"

# a lean boot: what a serial test guest does not need
for u in getty@tty1.service serial-getty@ttyS0.service getty.target console-getty.service \
	systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
	systemd-udev-trigger.service systemd-udev-settle.service systemd-hwdb-update.service \
	systemd-logind.service systemd-user-sessions.service systemd-update-utmp.service \
	systemd-update-utmp-runlevel.service systemd-journal-flush.service systemd-random-seed.service \
	systemd-timesyncd.service systemd-networkd.service systemd-resolved.service \
	systemd-firstboot.service systemd-machine-id-commit.service systemd-remount-fs.service \
	systemd-modules-load.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
	systemd-pstore.service systemd-boot-update.service systemd-tmpfiles-clean.timer \
	kmod-static-nodes.service ldconfig.service systemd-journal-catalog-update.service \
	dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
	sys-kernel-config.mount sys-fs-fuse-connections.mount apt-daily.timer \
	apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer man-db.timer modprobe@configfs.service modprobe@drm.service \
	modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service \
	modprobe@dm_mod.service systemd-ask-password-console.path \
	systemd-ask-password-wall.path systemd-initctl.socket cryptsetup.target \
	remote-fs.target swap.target; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done
echo vm-systemd-unit >"$R/etc/hostname"
# a fixed machine id (the journal's directory name); the root is an
# initramfs: no fstab
echo 5c0ffee5c0ffee5c0ffee5c0ffee5c0f >"$R/etc/machine-id"
: >"$R/etc/fstab"
mkdir -p "$(dirname "$out")"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
say "$out: $(du -h "$out" | cut -f1)"
