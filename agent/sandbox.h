// SPDX-License-Identifier: Apache-2.0
/* A worker's confinement (sandbox.c), in two steps around loading the
 * backend plugins:
 *  sandbox_enter  (before)  its own session, resource limits, the
 *                           tenant's uid (as root), no core dumps and no
 *                           ptrace (not dumpable), dies with the front,
 *                           no_new_privs, Landlock: read-only system and
 *                           plugin paths, read-write its own directories
 *  sandbox_seal   (after)   seccomp-bpf: an allowlist of system calls; no
 *                           new sockets, processes or programs, signals
 *                           only to itself
 * Each layer that the kernel (or the build) lacks is logged once and
 * skipped; --no-sandbox skips Landlock and seccomp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 0, or -1 after logging why (the worker must not serve then). */
int sandbox_enter(pid_t front);
int sandbox_seal(void);
/* Whether a worker's Landlock rules let it read `file` (the rule's path
 * in `rule`); the front's check of its token files. */
bool sandbox_may_read(const char *file, char *rule, size_t size);
/* Whether workers will have Landlock (this kernel, this build, no
 * --no-sandbox): if not, a worker of the front's uid reads what it does. */
bool sandbox_confines_files(void);
/* What the sandbox of this build and kernel has, for logs and --version
 * ("landlock 7, seccomp"). */
const char *sandbox_describe(void);
/* A worker's view of the host (as root, with workers of their own uids):
 * a mount namespace whose /proc shows a worker only its own processes
 * and whose /sys is the network namespace's of its own (no host network
 * device, no cgroup file system). sandbox_view_probe tries it once in
 * a child of the front, at its start; sandbox_view_enter (system calls
 * only, in the child that becomes the worker) makes it: 0, or the errno. */
bool sandbox_view_probe(bool own_uids);
bool sandbox_view(void);
int sandbox_view_enter(void);
const char *sandbox_view_describe(void);
