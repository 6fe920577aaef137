#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No import circle between the files of one component (issue 10).

For each component's object directory in a meson build tree (the library,
the agent, the CLI, every plugin with its static helper libraries), reads
the symbols each object defines and the ones it uses (nm) and looks for a
cycle of files that call (or read) each other. Prints each cycle found and
exits 1; exits 0 with the number of components, files and edges checked.

usage: tests/arch/check_cycles.py [--help] BUILD_DIR
"""
import collections
import glob
import os
import subprocess
import sys


def symbols(objs):
    """{object path: (defined, used)} of object files, one nm run."""
    out = subprocess.run(["nm", "-A"] + objs, capture_output=True, text=True,
                         check=True).stdout
    syms = {o: (set(), set()) for o in objs}
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        parts = rest.split()
        if path not in syms:
            continue
        defined, used = syms[path]
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
    return syms


def cycles(objs):
    """Strongly connected components of more than one file, and the edges."""
    owner, uses = {}, {}
    for path, (d, u) in symbols(objs).items():
        name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        for s in d:
            owner[s] = name
        uses[name] = u
    graph = collections.defaultdict(set)
    for f, used in uses.items():
        for s in used:
            if s in owner and owner[s] != f:
                graph[f].add(owner[s])
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(uses):
        if v not in index:
            visit(v)
    return found, sum(len(e) for e in graph.values())


def components(build):
    """Object sets, one per component: a plugin with its helper libraries."""
    comps = {
        "libvaccel": ["src/libvaccel-internal.a.p", "src/libvaccel-shared.a.p"],
        "vaccel-agent": ["agent/vaccel-agent.p"],
        "vaccel (CLI)": ["tools/vaccel.p"],
    }
    for d in sorted(glob.glob(os.path.join(build, "plugins", "*"))):
        dirs = [os.path.relpath(p, build) for p in glob.glob(d + "/*.p")]
        if dirs:
            comps["plugins/" + os.path.basename(d)] = dirs
    common = comps.pop("plugins/common", [])
    if "plugins/onnx" in comps:
        comps["plugins/onnx"] += common
    out = {}
    for name, dirs in comps.items():
        objs = [o for d in dirs for o in glob.glob(os.path.join(build, d, "*.o"))]
        if objs:
            out[name] = objs
    return out


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    comps = components(sys.argv[1])
    if not comps:
        print("no object files under %s" % sys.argv[1])
        return 1
    bad = nfiles = nedges = 0
    for name, objs in comps.items():
        found, edges = cycles(objs)
        nfiles += len(objs)
        nedges += edges
        for c in found:
            print("%s: import circle: %s" % (name, " <-> ".join(c)))
            bad += 1
    if bad:
        return 1
    print("%d components, %d files, %d file-to-file edges: no import circle"
          % (len(comps), nfiles, nedges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
