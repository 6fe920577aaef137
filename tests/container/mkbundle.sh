#!/usr/bin/env bash
# Build an OCI bundle (config.json + minimal rootfs) for the container tier.
#
# usage: tests/container/mkbundle.sh -o BUNDLE [options] [-- CMD [ARG...]]
#   -o, --bundle DIR        bundle to (re)create: DIR/config.json, DIR/rootfs
#   -s, --script FILE       copied to /test.sh (the default command is
#                           `/bin/sh /test.sh`)
#   -f, --file SRC[:DST]    host file or directory to include at DST (default:
#                           the same path; DST ending in / keeps the name);
#                           every ELF brings its shared-library closure
#                           (ldd, honouring LD_LIBRARY_PATH). Repeatable
#   -l, --lib LIB           extra library at its host path (+ closure), for
#                           what is dlopen()ed; a path or a soname
#   -e, --env KEY=VALUE     process environment (repeatable)
#   -S, --sockdir DIR       host directory (holding the agent's UNIX socket)
#                           bind-mounted read-write at /run/vaccel
#   -m, --mount SRC:DST[:ro]  extra bind mount (repeatable)
#   -- CMD [ARG...]         the process to run instead of /bin/sh /test.sh
# The config starts from `runc spec` and is edited with python3's json
# module: no terminal, read-only root, fresh pid/net/ipc/uts/mount
# namespaces (the container shares no network with the host: reach the agent
# through the socket in /run/vaccel), a writable tmpfs on /tmp (files the
# rootfs holds under /tmp, e.g. a build tree in /tmp, are bind-mounted back
# over it read-only), cwd /, hostname vaccel-test. The rootfs holds
# static busybox (+ applet links), the given files and their libraries at
# their host paths, and an etc/ld.so.cache for them.
# run-container.sh can add env and the socket dir per run.
# Exit status: 0 built, 1 error, 2 usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
. "$HERE/../../scripts/lib.sh"
# shellcheck source=SCRIPTDIR/../vm/rootfs-lib.sh
. "$HERE/../vm/rootfs-lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
usage_err() { usage >&2; say "error: $*"; exit 2; }

bundle="" script="" sockdir=""
files=() libs=() envs=() mounts=() cmd=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--) shift; cmd=("$@"); break ;;
	-o | --bundle | -s | --script | -f | --file | -l | --lib | -e | --env | -S | --sockdir | -m | --mount)
		[ $# -ge 2 ] || usage_err "$1 needs an argument"
		case "$1" in
		-o | --bundle) bundle=$2 ;;
		-s | --script) script=$2 ;;
		-f | --file) files+=("$2") ;;
		-l | --lib) libs+=("$2") ;;
		-e | --env) envs+=("$2") ;;
		-S | --sockdir) sockdir=$2 ;;
		-m | --mount) mounts+=("$2") ;;
		esac
		shift ;;
	*) usage_err "unknown argument: $1" ;;
	esac
	shift
done
[ -n "$bundle" ] || usage_err "-o BUNDLE is required"
[ -z "$script" ] || [ -f "$script" ] || die "no such script: $script"
[ -z "$sockdir" ] || [ -d "$sockdir" ] || die "no such socket directory: $sockdir"
for kv in ${envs[@]+"${envs[@]}"}; do
	[[ "$kv" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || usage_err "bad --env '$kv' (KEY=VALUE)"
done
command -v runc >/dev/null 2>&1 || die "runc not found (apt-get install runc)"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3) || die "python3 not found"

t0=$EPOCHREALTIME
case "$bundle" in /*) ;; *) bundle="$PWD/$bundle" ;; esac
if [ -e "$bundle" ]; then
	# Replace only what looks like a bundle (or an empty directory).
	if [ ! -d "$bundle" ] || { [ ! -e "$bundle/config.json" ] && [ -n "$(ls -A "$bundle")" ]; }; then
		die "$bundle exists and is not a bundle; not replacing it"
	fi
	rm -rf "$bundle"
fi
mkdir -p "$bundle"
R="$bundle/rootfs"

rootfs_init "$R"
mkdir -p "$R/run/vaccel"
for spec in ${files[@]+"${files[@]}"}; do
	case "$spec" in
	*:*) rootfs_add "$R" "${spec%%:*}" "${spec#*:}" ;;
	*) rootfs_add "$R" "$(realpath -s "$spec")" ;;
	esac
done
for l in ${libs[@]+"${libs[@]}"}; do rootfs_add_lib "$R" "$l"; done
rootfs_finish "$R"
if [ -n "$script" ]; then
	cp "$script" "$R/test.sh"
	chmod 755 "$R/test.sh"
fi
[ ${#cmd[@]} -gt 0 ] || cmd=(/bin/sh /test.sh)
[ ${#cmd[@]} -ne 2 ] || [ "${cmd[1]}" != /test.sh ] || [ -f "$R/test.sh" ] ||
	die "no command given and no --script: nothing to run"
# /tmp is always a writable tmpfs; what the rootfs holds there (a build tree
# under /tmp brings its libraries to their host paths) moves out of the
# rootfs, because the tmpfs hides it, and is bound back over the tmpfs.
tmp_binds=()
for e in "$R"/tmp/* "$R"/tmp/.[!.]*; do
	[ -e "$e" ] || continue
	mkdir -p "$bundle/tmp-binds"
	mv "$e" "$bundle/tmp-binds/"
	tmp_binds+=("$bundle/tmp-binds/$(basename "$e"):/tmp/$(basename "$e"):ro")
done

(cd "$bundle" && runc spec) || die "runc spec failed"

# Mount specs: SRC:DST[:ro]; the socket dir first.
mspecs=()
[ -z "$sockdir" ] || mspecs+=("$(realpath "$sockdir"):/run/vaccel")
for m in ${mounts[@]+"${mounts[@]}"}; do
	src=${m%%:*} rest=${m#*:}
	if [ "$src" = "$m" ] || [ ! -e "$src" ]; then die "bad --mount $m (SRC:DST[:ro], SRC must exist)"; fi
	mspecs+=("$(realpath "$src"):$rest")
done

"$PY" - "$bundle/config.json" "${#cmd[@]}" "${cmd[@]}" \
	"${#envs[@]}" ${envs[@]+"${envs[@]}"} ${tmp_binds[@]+"${tmp_binds[@]}"} \
	${mspecs[@]+"${mspecs[@]}"} <<'EOF' || die "editing config.json failed"
import json, sys
path = sys.argv[1]
a = sys.argv[2:]
n = int(a[0]); cmd = a[1:1 + n]; a = a[1 + n:]
n = int(a[0]); envs = a[1:1 + n]; mounts = a[1 + n:]
c = json.load(open(path))
p = c["process"]
p["terminal"] = False
p["args"] = cmd
p["cwd"] = "/"
env = {e.split("=", 1)[0]: e for e in p.get("env", [])}
env["PATH"] = "PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin"
env["HOME"] = "HOME=/root"
for e in envs:
    env[e.split("=", 1)[0]] = e
p["env"] = list(env.values())
c["root"] = {"path": "rootfs", "readonly": True}
c["hostname"] = "vaccel-test"
c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "nodev", "mode=1777", "size=64m"]})
for m in mounts:
    parts = m.split(":")
    src, dst = parts[0], parts[1]
    ro = len(parts) > 2 and parts[2] == "ro"
    c["mounts"].append({"destination": dst, "type": "bind", "source": src,
                        "options": ["rbind", "ro" if ro else "rw"]})
# A fresh network namespace (the runc default); make sure it is there.
ns = c["linux"].setdefault("namespaces", [])
if not any(x.get("type") == "network" and not x.get("path") for x in ns):
    ns[:] = [x for x in ns if x.get("type") != "network"] + [{"type": "network"}]
json.dump(c, open(path, "w"), indent=2)
EOF
say "bundle $bundle ($(du -sh "$R" | cut -f1) rootfs, $(find "$R" -type f | wc -l) files, cmd: ${cmd[*]}) in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}') s"
