# The scenarios of tests/ops/run-tests.sh, which sources this with its
# arguments (HERE set): tests/vm/e2e-lib.sh's set-up (B, D, TMP, err,
# e2e_result...), then one function a scenario.
# shellcheck shell=bash

ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=SCRIPTDIR/../vm/e2e-lib.sh
. "$ROOT/tests/vm/e2e-lib.sh"
e2e_args "$@"
e2e_init "$HERE/work" "$E2E_BUILD_ARG"

DEBS=${OPS_DEBS:-$HERE/work/debs}
# unique per run: podman objects and CDI specs of concurrent runs never meet
RUN_ID=ops-$$-$RANDOM
OPS_CTRS=() OPS_IMAGES=() OPS_FILES=()
AGENT_IMG="" APP_IMG=""
PODMAN=(podman --runtime runc)
# podman needs explicit limits on these machines
CTR_LIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --network none)
VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -SVersion 2>/dev/null || echo unknown)
ONNX=$B/plugins/onnx/libvaccel-onnx.so
IMG_HOST=$D/images/dog.jpg # installed as /usr/share/vaccel/images/example.jpg

# shellcheck disable=SC2317 # called by the EXIT trap
ops_cleanup() {
	local c
	for c in ${OPS_CTRS[@]+"${OPS_CTRS[@]}"}; do "${PODMAN[@]}" rm -f -t 5 "$c" >/dev/null 2>&1; done
	for c in ${OPS_IMAGES[@]+"${OPS_IMAGES[@]}"}; do podman rmi -f "$c" >/dev/null 2>&1; done
	for c in ${OPS_FILES[@]+"${OPS_FILES[@]}"}; do rm -f "$c"; done
}
trap 'rc=$?; ops_cleanup; (exit $rc); e2e_cleanup' EXIT

# why_not_root: a reason on stdout when the packaging scenarios cannot run
why_not_root() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root (chroot, dpkg, podman)"; return; }
	local t
	for t in "$@"; do command -v "$t" >/dev/null 2>&1 || { echo "$t not installed (scripts/setup-deps.sh)"; return; }; done
}

have_debs() { compgen -G "$DEBS/vaccel-agent_*.deb" >/dev/null; }

# The host build's results, which the installed packages must give again.
ref() { # ref NAME CMD...: $TMP/ref/NAME.out (once)
	local name=$1
	shift
	mkdir -p "$TMP/ref"
	[ -f "$TMP/ref/$name.out" ] && return 0
	"$@" >"$TMP/ref/$name.out" 2>"$TMP/logs/ref-$name.err" ||
		err "reference run $name failed: $(tail -n 1 "$TMP/logs/ref-$name.err")"
}
make_refs() {
	ref classify env VACCEL_PLUGINS="$ONNX" "$B/examples/classify" "$IMG_HOST"
	ref detect env VACCEL_PLUGINS="$ONNX" "$B/examples/detect" "$IMG_HOST"
	ref cli-detect env VACCEL_PLUGINS="$ONNX" "$B/tools/vaccel" run detect "$IMG_HOST"
	ref python-detect env VACCEL_PLUGINS="$ONNX" VACCEL_LIBRARY="$B/src/libvaccel.so.0" \
		PYTHONPATH="$ROOT/bindings/python" /usr/bin/python3 -c 'import pathlib, sys, vaccel
with vaccel.Session() as s:
    print(s.detect(pathlib.Path(sys.argv[1])))' "$IMG_HOST"
}
same_as() { # same_as FILE REF WHAT
	if ! cmp -s "$1" "$TMP/ref/$2.out"; then
		err "$3 differs from the host build's result: $(diff "$1" "$TMP/ref/$2.out" | head -n 3 | paste -sd '|')"
	fi
}

# ---- deb-build -------------------------------------------------------------
scenario_deb_build() {
	local name=deb-build t0 why meson_version
	t0=$(now)
	if [ -n "${OPS_DEBS:-}" ]; then
		e2e_skip $name "OPS_DEBS=$OPS_DEBS: packages built before"
		return
	fi
	why=$(why_not_root dpkg-buildpackage dh lintian)
	[ -z "$why" ] || { e2e_skip $name "$why"; return; }
	meson_version=$(sed -n "s/^  version: '\(.*\)',/\1/p" "$ROOT/meson.build")
	[ "$meson_version" = "$VERSION" ] ||
		err "debian/changelog has $VERSION, meson.build $meson_version"
	# no -dbgsym packages: CI does not need them (a few seconds of lintian)
	if DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" "$ROOT/scripts/build-debs.sh" "$DEBS" \
		>"$TMP/logs/$name.log" 2>&1; then
		e2e_note "$name: $(find "$DEBS" -name '*.deb' | wc -l) packages; lintian: $(grep -c '^W: ' "$DEBS/lintian.log") warnings, no errors"
	else
		err "build-debs.sh failed: $(grep -E '^E: |error' "$TMP/logs/$name.log" | head -n 3 | paste -sd '|')"
	fi
	cp "$DEBS/lintian.log" "$TMP/logs/lintian.log" 2>/dev/null
	e2e_result $name "$t0"
}

# ---- deb-install -----------------------------------------------------------
# The root's files (not the API file systems and scratch dirs the run mounts
# or uses), one path a line.
root_listing() {
	(cd "$1" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./run \
		-o -path ./tmp -o -path ./sys \) -prune -o -print | LC_ALL=C sort)
}

# What dpkg and the account tools keep by design after a purge: dpkg's own
# database backups and log, and the shadow utilities' backup copies.
PURGE_KEEPS='^\./var/(log/dpkg\.log|lib/dpkg/(status|diversions|statoverride)-old|cache/debconf/[a-z]+\.dat-old|cache/ldconfig/aux-cache)$|^\./etc/(passwd|group|shadow|gshadow)-$'

IN_ROOT_CHECKS="dpkg-install group-vaccel agent-version local-classify local-detect agent-start remote-classify remote-detect remote-cli remote-python agent-stop dpkg-purge"

scenario_deb_install() {
	local name=deb-install t0 why base root=$TMP/root c f
	t0=$(now)
	why=$(why_not_root mmdebstrap unshare chroot)
	[ -z "$why" ] || { e2e_skip $name "$why"; return; }
	have_debs || { e2e_skip $name "no packages in $DEBS (deb-build)"; return; }
	make_refs
	if ! base=$("$ROOT/scripts/debian-root.sh" "$DEBS" 2>"$TMP/logs/$name-root.log"); then
		err "no Debian 12 root: $(tail -n 2 "$TMP/logs/$name-root.log" | paste -sd '|')"
		e2e_result $name "$t0"
		return
	fi
	mkdir -p "$root"
	tar -C "$root" -xf "$base"
	root_listing "$root" >"$TMP/logs/$name-before.list"
	for f in passwd group shadow gshadow; do cp "$root/etc/$f" "$TMP/$name-$f"; done
	mkdir -p "$root/tmp/ops/debs"
	light_debs "$DEBS" | xargs -r cp -t "$root/tmp/ops/debs/"
	cp "$HERE/in-root.sh" "$root/tmp/ops/"
	# own mount namespace (the mounts vanish with it) and pid namespace
	# (nothing the packages start survives the run)
	timeout 300 unshare --mount --pid --fork --propagation private bash -c '
		mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
		mount -t tmpfs -o mode=755 tmpfs "$1/run" &&
		exec chroot "$1" /bin/bash /tmp/ops/in-root.sh' _ "$root" \
		>"$TMP/logs/$name.log" 2>&1
	cp -r "$root/tmp/ops/out" "$TMP/logs/$name-out" 2>/dev/null
	for c in $IN_ROOT_CHECKS; do
		grep -q "^CHECK ok $c\$" "$TMP/logs/$name.log" ||
			err "$(grep -m1 "^CHECK FAIL $c:" "$TMP/logs/$name.log" || echo "$c: did not run")"
	done
	for c in classify detect; do
		same_as "$root/tmp/ops/out/local-$c.out" "$c" "local $c"
		same_as "$root/tmp/ops/out/remote-$c.out" "$c" "$c through the agent"
	done
	same_as "$root/tmp/ops/out/remote-cli.out" cli-detect "vaccel run detect through the agent"
	same_as "$root/tmp/ops/out/remote-python.out" python-detect "python detect through the agent"
	rm -rf "$root/tmp/ops"
	root_listing "$root" >"$TMP/logs/$name-after.list"
	diff "$TMP/logs/$name-before.list" "$TMP/logs/$name-after.list" |
		sed -n 's/^[<>] //p' | grep -vE "$PURGE_KEEPS" >"$TMP/logs/$name-left.list"
	[ -s "$TMP/logs/$name-left.list" ] &&
		err "the purge left $(wc -l <"$TMP/logs/$name-left.list") paths changed: $(head -n 3 "$TMP/logs/$name-left.list" | paste -sd ' ')"
	for f in passwd group shadow gshadow; do
		cmp -s "$root/etc/$f" "$TMP/$name-$f" || err "/etc/$f differs after the purge"
	done
	e2e_note "$name: $(light_debs "$DEBS" | wc -l) packages installed, served detect/classify locally, through the agent, the CLI and Python; purged to the base root's $(wc -l <"$TMP/logs/$name-before.list") paths"
	rm -rf "$root"
	e2e_result $name "$t0"
}

# ---- systemd-units ------------------------------------------------------------
UNIT_KEYS="NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes RuntimeDirectory= CacheDirectory= RestrictAddressFamilies= SystemCallFilter=@system-service"

scenario_systemd_units() {
	local name=systemd-units t0 R=$TMP/sysroot deb out k score
	t0=$(now)
	command -v systemd-analyze >/dev/null || { e2e_skip $name "systemd-analyze not installed (systemd)"; return; }
	deb=$(find "$DEBS" -maxdepth 1 -name 'vaccel-agent_*.deb' 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { e2e_skip $name "no vaccel-agent package in $DEBS (deb-build)"; return; }
	# systemd's own units (targets the ours name) and the package's files:
	# a root where ExecStart's program exists
	mkdir -p "$R/lib/systemd"
	cp -a /lib/systemd/system "$R/lib/systemd/"
	dpkg-deb -x "$deb" "$R"
	local U=$R/lib/systemd/system
	out=$(systemd-analyze --root="$R" verify "$U/vaccel-agent.socket" "$U/vaccel-agent.service" 2>&1) ||
		err "systemd-analyze verify failed: $out"
	[ -z "$out" ] || err "systemd-analyze verify: $(head -n 3 <<<"$out" | paste -sd '|')"
	# the check can fail: a unit with an unknown key and a missing program
	sed -e 's|^ExecStart=/usr/bin/vaccel-agent|ExecStart=/usr/bin/vaccel-agent-missing|' \
		-e 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$U/vaccel-agent.service" >"$U/vaccel-broken.service"
	out=$(systemd-analyze --root="$R" verify "$U/vaccel-broken.service" 2>&1)
	grep -q 'vaccel-agent-missing' <<<"$out" && grep -q 'NoNewPrivilege' <<<"$out" ||
		err "systemd-analyze verify did not report a broken unit: $out"
	for k in $UNIT_KEYS; do grep -q "^$k" "$U/vaccel-agent.service" || err "the service lacks $k"; done
	grep -q '^CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_CHOWN CAP_FOWNER CAP_KILL$' "$U/vaccel-agent.service" ||
		err "the service's capability bounding set is not SETUID SETGID CHOWN FOWNER KILL"
	grep -q '^ListenStream=/run/vaccel/agent.sock$' "$U/vaccel-agent.socket" || err "the socket unit does not listen on /run/vaccel/agent.sock"
	out=$(systemd-analyze security --offline=yes --root="$R" --threshold=40 "$U/vaccel-agent.service" 2>&1) ||
		err "systemd-analyze security: exposure above 4.0: $(tail -n 1 <<<"$out")"
	score=$(sed -n 's/.*Overall exposure level for vaccel-agent.service: \([0-9.]*\).*/\1/p' <<<"$out")
	e2e_note "$name: verify clean; systemd-analyze security exposure ${score:-?} (of 10, lower is better)"
	e2e_result $name "$t0"
}

# ---- socket-activation -----------------------------------------------------------
# script_scenario NAME SCRIPT: a scenario that is a script of its own
# (exit 0 passed, 77 skipped with the reason as its last line)
script_scenario() {
	local name=$1 script=$2 t0 rc
	t0=$(now)
	"$HERE/$script" "$B" >"$TMP/logs/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		e2e_skip "$name" "$(tail -n 1 "$TMP/logs/$name.log")"
		return
	fi
	[ $rc -eq 0 ] || err "$script: exit $rc: $(tail -n 2 "$TMP/logs/$name.log" | paste -sd '|')"
	grep -q '^ok: ' "$TMP/logs/$name.log" && e2e_note "$name: $(sed -n 's/^ok: //p' "$TMP/logs/$name.log" | head -n 1)"
	e2e_result "$name" "$t0"
}
scenario_socket_activation() { script_scenario socket-activation socket-activation.sh; }
scenario_prometheus() { script_scenario prometheus prometheus.sh; }

# ---- oci-image, oci-cdi ----------------------------------------------------------
build_images() {
	[ -n "$AGENT_IMG" ] && return 0
	local base
	base=$("$ROOT/scripts/debian-root.sh" "$DEBS" 2>"$TMP/logs/oci-root.log") ||
		{ err "no Debian 12 root: $(tail -n 2 "$TMP/logs/oci-root.log" | paste -sd '|')"; return 1; }
	OPS_IMAGES+=("localhost/vaccel/agent:$RUN_ID" "localhost/vaccel/examples:$RUN_ID")
	AGENT_IMG=$("$ROOT/deploy/oci/build-image.sh" --base "$base" --tag "localhost/vaccel/agent:$RUN_ID" \
		agent "$DEBS" 2>"$TMP/logs/oci-build-agent.log") &&
		APP_IMG=$("$ROOT/deploy/oci/build-image.sh" --base "$base" --tag "localhost/vaccel/examples:$RUN_ID" \
			app "$DEBS" 2>"$TMP/logs/oci-build-app.log") || {
		err "build-image.sh failed: $(tail -qn 2 "$TMP/logs"/oci-build-*.log | paste -sd '|')"
		AGENT_IMG=""
		return 1
	}
	e2e_note "images: $(grep -h '^\[build-image.sh\] image' "$TMP/logs"/oci-build-*.log | sed 's/.*image //' | paste -sd ';')"
}

# agent_ctr NAME SOCKDIR: the agent image serving on SOCKDIR/agent.sock
agent_ctr() {
	local ctr=vaccel-test-$1-$RUN_ID sock=$2
	mkdir -p "$sock"
	chown 10001:10001 "$sock"
	chmod 0750 "$sock"
	OPS_CTRS+=("$ctr")
	"${PODMAN[@]}" run -d --name "$ctr" "${CTR_LIMITS[@]}" -v "$sock:/run/vaccel" "$AGENT_IMG" \
		--listen unix:///run/vaccel/agent.sock --plugins libvaccel-onnx.so \
		--rundir /var/lib/vaccel-agent/run --cache-dir /var/cache/vaccel-agent \
		--metrics-listen unix:///run/vaccel/metrics.sock \
		--ready-file /run/vaccel/ready >"$TMP/logs/$1-agent-run.log" 2>&1 ||
		{ err "podman run of the agent image failed: $(tail -n 1 "$TMP/logs/$1-agent-run.log")"; return 1; }
	for _ in $(seq 100); do [ -s "$sock/ready" ] && return 0; sleep 0.1; done
	err "the agent container did not get ready in 10 s: $("${PODMAN[@]}" logs "$ctr" 2>&1 | tail -n 2 | paste -sd '|')"
	return 1
}

# health_check SOCKDIR: what the Kubernetes probes ask the agent's image
# (there over TCP, here over the metrics socket in SOCKDIR)
health_check() {
	local p code
	command -v curl >/dev/null || { e2e_note "no curl: health endpoints not checked"; return; }
	for p in healthz readyz; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$1/metrics.sock" "http://agent/$p")
		[ "$code" = 200 ] || err "GET /$p of the agent container: HTTP $code"
	done
	curl -s --unix-socket "$1/metrics.sock" http://agent/metrics | grep -qx 'vaccel_up 1' ||
		err "the agent container's /metrics has no 'vaccel_up 1'"
}

# agent_ctr_stop NAME: SIGTERM; it must exit 0 and have logged no error
agent_ctr_stop() {
	local ctr=vaccel-test-$1-$RUN_ID code
	"${PODMAN[@]}" stop -t 20 "$ctr" >/dev/null 2>&1
	code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$ctr" 2>/dev/null)
	"${PODMAN[@]}" logs "$ctr" >"$TMP/logs/$1-agent.log" 2>&1
	[ "$code" = 0 ] || err "the agent container exited $code on SIGTERM"
	grep -q ' error: ' "$TMP/logs/$1-agent.log" && err "the agent logged errors: $(grep -m1 ' error: ' "$TMP/logs/$1-agent.log")"
	"${PODMAN[@]}" rm -f "$ctr" >/dev/null 2>&1
}

# app_ctr NAME ARGS...: run the application image once; stdout to NAME.out
app_ctr() {
	local name=$1
	shift
	"${PODMAN[@]}" run --rm --name "vaccel-test-$name-$RUN_ID" "${CTR_LIMITS[@]}" --group-add 10001 "$@" \
		>"$TMP/logs/$name.out" 2>"$TMP/logs/$name.err" ||
		err "the application container failed: $(tail -n 2 "$TMP/logs/$name.err" | paste -sd '|')"
}

# oci_begin NAME SOCKDIR: the images and an agent container on SOCKDIR.
# 0: go on; 1: failed (ERRS says why); 2: skipped (nothing more to say).
oci_begin() {
	local why
	why=$(why_not_root podman mmdebstrap)
	[ -z "$why" ] || { e2e_skip "$1" "$why"; return 2; }
	have_debs || { e2e_skip "$1" "no packages in $DEBS (deb-build)"; return 2; }
	make_refs
	build_images && agent_ctr "$1" "$2"
}

scenario_oci_image() {
	local name=oci-image t0 sock=$TMP/oci-sock rc
	t0=$(now)
	oci_begin $name "$sock"
	rc=$?
	[ $rc -eq 2 ] && return
	if [ $rc -eq 0 ]; then
		app_ctr "$name-app" -v "$sock:/run/vaccel" -e VACCEL_PLUGINS=libvaccel-rpc.so \
			-e VACCEL_RPC_ADDRESS=unix:///run/vaccel/agent.sock \
			"$APP_IMG" detect /usr/share/vaccel/images/example.jpg
		same_as "$TMP/logs/$name-app.out" detect "detect in the application container"
		health_check "$sock"
		# the application's image has no backend and no ONNX Runtime
		app_ctr "$name-find" --user 0 "$APP_IMG" find / -xdev '(' -name 'libonnxruntime*' -o -name 'libvaccel-onnx*' ')' -print
		[ -s "$TMP/logs/$name-find.out" ] && err "backend libraries in the application image: $(head -n 2 "$TMP/logs/$name-find.out" | paste -sd ' ')"
		agent_ctr_stop "$name"
	fi
	e2e_result $name "$t0"
}

scenario_oci_cdi() {
	local name=oci-cdi t0 sock=$TMP/cdi-sock spec=/var/run/cdi/vaccel-test-$RUN_ID.json rc
	t0=$(now)
	oci_begin $name "$sock"
	rc=$?
	[ $rc -eq 2 ] && return
	if [ $rc -eq 0 ]; then
		# the packaged CLI writes the node's spec, as the DaemonSet's init
		# container does (deploy/k8s/components/unix)
		mkdir -p /var/run/cdi
		OPS_FILES+=("$spec")
		"${PODMAN[@]}" run --rm "${CTR_LIMITS[@]}" --user 0 -v /var/run/cdi:/host/cdi \
			--entrypoint vaccel "$AGENT_IMG" cdi --socket "$sock/agent.sock" \
			--name "$RUN_ID" -o "/host/cdi/${spec##*/}" >"$TMP/logs/$name-cdi.log" 2>&1 ||
			err "vaccel cdi in the agent image failed: $(tail -n 1 "$TMP/logs/$name-cdi.log")"
		cp "$spec" "$TMP/logs/$name-spec.json" 2>/dev/null
		# nothing but the CDI device: no -v, no -e
		app_ctr "$name-app" --device "vaccel.dev/agent=$RUN_ID" "$APP_IMG" \
			detect /usr/share/vaccel/images/example.jpg
		same_as "$TMP/logs/$name-app.out" detect "detect in a container given the agent by CDI"
		app_ctr "$name-env" --device "vaccel.dev/agent=$RUN_ID" "$APP_IMG" env
		grep -qx 'VACCEL_RPC_ADDRESS=unix:///run/vaccel/agent.sock' "$TMP/logs/$name-env.out" ||
			err "the CDI device did not set VACCEL_RPC_ADDRESS"
		agent_ctr_stop "$name"
	fi
	e2e_result $name "$t0"
}

# ---- k8s-manifests ---------------------------------------------------------------
scenario_k8s() {
	local name=k8s-manifests t0 mods=$D/k8s-schemas/node_modules k=$TMP/k8s o img_a img_b
	t0=$(now)
	command -v kubectl >/dev/null || { e2e_skip $name "kubectl not installed"; return; }
	command -v node >/dev/null || { e2e_skip $name "node not installed (scripts/setup-deps.sh)"; return; }
	[ -f "$mods/kubernetes-models/package.json" ] ||
		{ e2e_skip $name "$mods/kubernetes-models missing (scripts/fetch-assets.sh installs it)"; return; }
	# the names deploy/oci/build-image.sh gives its images by default
	img_a=localhost/vaccel/agent:$VERSION img_b=localhost/vaccel/examples:$VERSION
	cp -r "$ROOT/deploy/k8s" "$k"
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$k/overlays/tcp/token"
	for o in unix tcp; do
		if ! kubectl kustomize "$k/overlays/$o" >"$TMP/logs/k8s-$o.yaml" 2>"$TMP/logs/k8s-$o.err"; then
			err "kubectl kustomize overlays/$o: $(head -n 2 "$TMP/logs/k8s-$o.err" | paste -sd '|')"
			continue
		fi
		node "$HERE/k8s-validate.mjs" "$mods" "$TMP/logs/k8s-$o.yaml" "$img_a" "$img_b" \
			>"$TMP/logs/k8s-$o.validate" 2>&1 ||
			err "overlays/$o: $(grep -v '^valid' "$TMP/logs/k8s-$o.validate" | head -n 2 | paste -sd '|')"
		e2e_note "$name: overlays/$o: $(grep -c '^valid' "$TMP/logs/k8s-$o.validate") objects valid"
	done
	# the validator refuses what the baseline level refuses: a hostPath in
	# the application's pod
	sed 's|^\(      volumes:\)$|\1\n      - name: sock\n        hostPath:\n          path: /run/vaccel|' \
		"$TMP/logs/k8s-tcp.yaml" >"$TMP/logs/k8s-bad.yaml"
	node "$HERE/k8s-validate.mjs" "$mods" "$TMP/logs/k8s-bad.yaml" "$img_a" "$img_b" >"$TMP/logs/k8s-bad.validate" 2>&1 &&
		err "the validator accepted a hostPath volume in vaccel-apps"
	grep -q "INVALID Job vaccel-apps/vaccel-detect: .*hostPath" "$TMP/logs/k8s-bad.validate" ||
		err "the validator did not name the hostPath of the application's Job"
	e2e_result $name "$t0"
}

# ---- python-venv, python-pyenv -----------------------------------------------------
pyenv_python() {
	local p
	# 3.11 (what Debian 12 has, from another build) first, else any 3.x
	for p in "${PYENV_ROOT:-/root/.pyenv}"/versions/3.11*/bin/python3 \
		"${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
}

# The bindings' meson tests ("python" suite), run with PY on the installed
# package: the same environment as meson gives them, less PYTHONPATH.
venv_tests() { # venv_tests PY LOGPREFIX: prints "passed failed skipped"
	/usr/bin/python3 - "$B" "$1" "$2" <<'EOF'
import json, os, subprocess, sys
build, py, log = sys.argv[1:4]
tests = json.loads(subprocess.run(["meson", "introspect", "--tests", build],
                                  capture_output=True, text=True, check=True).stdout)
counts = {"ok": 0, "fail": 0, "skip": 0}
for t in tests:
    if "python" not in [s.split(":")[-1] for s in t["suite"]]:
        continue
    env = dict(os.environ)
    env.update(t["env"])
    env.pop("PYTHONPATH", None)
    with open("%s-%s.log" % (log, t["name"]), "w") as out:
        rc = subprocess.run([py] + t["cmd"][1:], env=env, cwd=t["workdir"],
                            stdout=out, stderr=subprocess.STDOUT,
                            timeout=t["timeout"]).returncode
    k = "ok" if rc == 0 else "skip" if rc == 77 else "fail"
    counts[k] += 1
    if k == "fail":
        print("failed: %s (exit %d)" % (t["name"], rc), file=sys.stderr)
print(counts["ok"], counts["fail"], counts["skip"])
EOF
}

scenario_python() { # scenario_python venv|pyenv PYTHON
	local name=python-$1 py=$2 t0 v=$TMP/venv-$1 src=$TMP/pysrc-$1 ok fail skip where
	t0=$(now)
	[ -n "$py" ] && [ -x "$py" ] || { e2e_skip "$name" "no such Python (${py:-pyenv: no 3.x version})"; return; }
	compgen -G "/usr/share/python-wheels/wheel-*.whl" >/dev/null ||
		{ e2e_skip "$name" "Debian's wheel (python3-wheel-whl) missing: setuptools needs it offline"; return; }
	# a copy: setuptools builds in the source directory
	cp -r "$ROOT/bindings/python" "$src"
	if ! { "$py" -m venv "$v" && "$v/bin/pip" install -q --no-index --find-links /usr/share/python-wheels wheel &&
		"$v/bin/pip" install --no-build-isolation --no-index "$src"; } >"$TMP/logs/$name-pip.log" 2>&1; then
		err "pip install failed: $(tail -n 3 "$TMP/logs/$name-pip.log" | paste -sd '|')"
		e2e_result "$name" "$t0"
		return
	fi
	rm -rf "$src"
	where=$(cd / && "$v/bin/python" -c 'import vaccel; print(vaccel.__file__)')
	[[ "$where" == "$v/"* ]] || err "import vaccel found $where, not the venv's copy"
	read -r ok fail skip < <(venv_tests "$v/bin/python" "$TMP/logs/$name" 2>>"$TMP/logs/$name-tests.log")
	[ "${ok:-0}" -gt 0 ] || err "no test of the bindings passed"
	[ "${fail:-1}" -eq 0 ] && [ -n "$fail" ] || err "$fail tests failed: $(paste -sd ' ' "$TMP/logs/$name-tests.log")"
	# libvaccel installed under a prefix the loader does not search (the
	# build's vaccel.pc and library, as `meson install --prefix P` puts
	# them), found through pkg-config
	local P=$TMP/prefix-$1 L
	L=$P/$(sed -n 's/^libdir=\${prefix}\///p' "$B/meson-private/vaccel.pc")
	mkdir -p "$L/pkgconfig"
	find "$B/src" -maxdepth 1 -name 'libvaccel.so.0*' ! -type d -exec cp -P {} "$L/" \;
	sed "s|^prefix=.*|prefix=$P|" "$B/meson-private/vaccel.pc" >"$L/pkgconfig/vaccel.pc"
	where=$(cd / && env -u VACCEL_LIBRARY PKG_CONFIG_PATH="$L/pkgconfig" \
		"$v/bin/python" -c 'import vaccel; vaccel.info(); from vaccel import _lib; print(_lib.library_path())' 2>&1)
	[[ "$where" == "$L/libvaccel.so.0"* ]] || err "with PKG_CONFIG_PATH the bindings loaded ${where:-nothing}, not $L/libvaccel.so.0"
	e2e_note "$name: $("$py" --version 2>&1), pip install from the tree; $ok bindings tests passed ($skip skipped) on the installed copy"
	e2e_result "$name" "$t0"
}

# ---- cli-progress ------------------------------------------------------------------
scenario_cli_progress() {
	local name=cli-progress t0
	t0=$(now)
	agent_start "$name" noop || { e2e_result $name "$t0"; return; }
	head -c 100M /dev/urandom >"$TMP/big.bin"
	head -c 1M /dev/urandom >"$TMP/small.bin"
	/usr/bin/python3 "$HERE/cli_progress.py" "$B/tools/vaccel" "$B/plugins/rpc/libvaccel-rpc.so" \
		"unix://${AGENT_SOCK[$name]}" "$TMP/big.bin" "$TMP/small.bin" >"$TMP/logs/$name.log" 2>&1 ||
		err "$(grep -v '^ok' "$TMP/logs/$name.log" | head -n 3 | paste -sd '|')"
	agent_stop "$name"
	rm -f "$TMP/big.bin" "$TMP/small.bin"
	e2e_result $name "$t0"
}
