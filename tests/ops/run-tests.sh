#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The operations tier (issue 12): what an operator installs and runs, tested
# for real on this machine. docs/packaging.md, docs/deploy.md.
#
# usage: tests/ops/run-tests.sh [--help] [--only NAME]... BUILD_DIR
#   BUILD_DIR: a configured and compiled meson tree (e.g. build-ci): its
#   programs give the reference results and run the host-side checks.
# Scenarios (one line each: "ok NAME (Ss)", "FAIL NAME: why", "skip NAME: why"):
#   deb-build          scripts/build-debs.sh: dpkg-buildpackage -us -uc -b of
#                      the tree, lintian without errors (packages kept in
#                      tests/ops/work/debs for the scenarios below)
#   deb-install        the packages (all but libtorch's plugin) into a fresh
#                      Debian 12 root (mmdebstrap, cached tarball) in a chroot
#                      with its own mount and pid namespaces: examples, the
#                      CLI and Python locally and through the installed agent
#                      give the host build's results; purge leaves the root
#                      as it was (file list, users and groups)
#   systemd-units      the packaged vaccel-agent.service and .socket pass
#                      `systemd-analyze verify` (and a broken copy does not);
#                      `systemd-analyze security` exposure at most 4.0
#   socket-activation  tests/ops/socket-activation.sh: the agent under
#                      systemd-socket-activate serves two clients
#   prometheus         tests/ops/prometheus.sh: a real Prometheus scrapes the
#                      agent's --metrics-listen; target up, the calls made
#                      in its queries, promtool check metrics passes
#   oci-image          deploy/oci/build-image.sh agent and app images from
#                      the packages; the agent container serves detect to an
#                      application container through a bind-mounted socket
#                      directory (podman, runc); its /healthz and /readyz
#                      (the Kubernetes probes) answer 200
#   oci-cdi            the same through CDI: `vaccel cdi` writes the spec,
#                      `podman run --device vaccel.dev/agent=NAME` gets the
#                      socket and VACCEL_* from it
#   k8s-manifests      deploy/k8s overlays unix and tcp render (kubectl
#                      kustomize) and pass tests/ops/k8s-validate.mjs (schemas,
#                      Pod Security, probes, images built by build-image.sh);
#                      a broken rendering is refused
#   python-venv        pip install ./bindings/python (offline, no build
#                      isolation) into a python3 -m venv; the bindings' tests
#                      run with the venv's python on the installed copy
#   python-pyenv       the same with the pyenv Python (not Debian's), and the
#                      installed copy finds an installed libvaccel through
#                      pkg-config's libdir
#   cli-progress       `vaccel upload` of 100 MiB through an agent shows
#                      progress on a pty (python pty), not on a pipe, and not
#                      for small files
# Environment: OPS_DEBS=DIR uses packages built before (skips the build).
# Exit: 0 all passed, 1 a scenario failed, 2 usage. Logs of the last run
# stay in tests/ops/work/last-run/. Every process, container, image and CDI
# spec the tier makes is removed, also on failure.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/ops-lib.sh
. "$HERE/ops-lib.sh" "$@"

e2e_wanted deb-build && scenario_deb_build
e2e_wanted deb-install && scenario_deb_install
e2e_wanted systemd-units && scenario_systemd_units
e2e_wanted socket-activation && scenario_socket_activation
e2e_wanted prometheus && scenario_prometheus
e2e_wanted oci-image && scenario_oci_image
e2e_wanted oci-cdi && scenario_oci_cdi
e2e_wanted k8s-manifests && scenario_k8s
e2e_wanted python-venv && scenario_python venv /usr/bin/python3
e2e_wanted python-pyenv && scenario_python pyenv "$(pyenv_python)"
e2e_wanted cli-progress && scenario_cli_progress
e2e_exit
