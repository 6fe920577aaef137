#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""agent-metrics.py URI

Scrape a running vaccel-agent's metrics endpoint (--metrics-listen; URI
unix://PATH or tcp://HOST:PORT; docs/security.md, docs/deploy.md) and print
what it holds, summed over its tenants, as one line of key=value words:

  conns=1 tenants=1 sessions=0 resources=0 shm_bytes=0 requests=40
  cache_entries=2 cache_bytes=8319892 worker_failures=0

`conns` is the agent's authenticated connections (the scrape is not one).
Workers report every second: the values may be that old. The tests use it
to see what the agent still holds after a client (a VM, a container) is
gone. Exit: 0, 1 on a connection or HTTP error, 2 on usage errors."""
import re
import socket
import sys

SUMS = {"vaccel_tenant_sessions": "sessions",
        "vaccel_tenant_resources": "resources",
        "vaccel_tenant_shm_bytes": "shm_bytes",
        "vaccel_tenant_cache_entries": "cache_entries",
        "vaccel_tenant_cache_bytes": "cache_bytes",
        "vaccel_worker_failures_total": "worker_failures"}
SINGLE = {"vaccel_connections": "conns", "vaccel_tenants": "tenants",
          "vaccel_requests_total": "requests"}


def scrape(uri):
    if uri.startswith("unix://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(uri[len("unix://"):])
    elif uri.startswith("tcp://"):
        host, port = uri[len("tcp://"):].rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), 5)
    else:
        sys.exit(2)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: agent\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise OSError("HTTP: " + head.split(b"\r\n")[0].decode())
    return body.decode()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        text = scrape(sys.argv[1])
    except (OSError, ValueError) as e:
        print("agent-metrics: %s" % e, file=sys.stderr)
        return 1
    out = {k: 0 for k in list(SINGLE.values()) + list(SUMS.values())}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if not m:
            continue
        name, value = m.group(1), int(float(m.group(3)))
        if name in SINGLE:
            out[SINGLE[name]] = value
        elif name in SUMS:
            out[SUMS[name]] += value
    print(" ".join("%s=%d" % kv for kv in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
