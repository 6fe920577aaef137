#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""agent-info.py URI [--token-file FILE] [--identity TEXT]

Ask a running vaccel-agent for its INFO stats (docs/protocol.md §5.1) and
print them as one line of key=value words:

  conns=1 conns_total=7 cache_entries=2 cache_bytes=8319892 uploads=2
  upload_bytes=8319892 cache_hits=0 sessions=0 resources=0 shm_bytes=0
  requests=40

URI: unix://PATH or tcp://HOST:PORT. `conns` counts this query's own
connection. The tests use it to see what the agent still holds after a
client (a VM, a container) is gone. Written from the protocol document
only (HELLO, INFO, BYE), independent of src/rpc/. Exit: 0, 1 on a
protocol or connection error, 2 on usage errors."""
import os
import random
import socket
import struct
import sys

MAGIC = b"VACR"
HDR = struct.Struct("<4sHHIIQQ")  # magic, version, type, flags, fields, id, bulk
T_HELLO, T_INFO, T_BYE = 1, 3, 4
F_REPLY = 1
STATS = {1: "conns", 2: "conns_total", 3: "cache_entries", 4: "cache_bytes",
         5: "uploads", 6: "upload_bytes", 7: "cache_hits", 8: "sessions",
         9: "resources", 10: "shm_bytes", 11: "requests"}


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, n):
        if self.o + n > len(self.d):
            raise ValueError("reply fields too short")
        b = self.d[self.o:self.o + n]
        self.o += n
        return b

    def u(self, fmt):
        s = struct.Struct("<" + fmt)
        return s.unpack(self.take(s.size))[0]

    def str(self):
        return self.take(self.u("I")).decode("utf-8", "replace")

    def kvs(self):
        return {self.u("H"): self.u("Q") for _ in range(self.u("I"))}


def enc_str(b):
    return struct.pack("<I", len(b)) + b


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the agent closed the connection")
        buf += chunk
    return buf


def call(s, mtype, rid, fields):
    s.sendall(HDR.pack(MAGIC, 1, mtype, 0, len(fields), rid, 0) + fields)
    magic, _, rtype, flags, flen, rrid, blen = HDR.unpack(recv_exact(s, 32))
    if magic != MAGIC or rtype != mtype or not flags & F_REPLY or rrid != rid:
        raise ValueError("unexpected reply header")
    r = Reader(recv_exact(s, flen))
    recv_exact(s, blen)
    status, message = r.u("I"), r.str()
    if status:
        raise ValueError("status %d: %s" % (status, message))
    return r


def connect(uri):
    if uri.startswith("unix://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(uri[len("unix://"):])
    elif uri.startswith("tcp://"):
        host, _, port = uri[len("tcp://"):].rpartition(":")
        s = socket.create_connection((host.strip("[]"), int(port)))
    else:
        raise ValueError("unsupported URI " + uri)
    s.settimeout(10)
    return s


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    uri, token, ident = argv[1], b"", "agent-info.py[%d]" % os.getpid()
    i = 2
    while i < len(argv):
        if argv[i] == "--token-file" and i + 1 < len(argv):
            token = open(argv[i + 1], "rb").read().rstrip(b"\r\n ")
        elif argv[i] == "--identity" and i + 1 < len(argv):
            ident = argv[i + 1]
        else:
            print("agent-info.py: bad argument " + argv[i], file=sys.stderr)
            return 2
        i += 2
    try:
        s = connect(uri)
        nonce = random.getrandbits(64)
        h = call(s, T_HELLO, 0, struct.pack("<HHIQ", 1, 0, 0, nonce) +
                 enc_str(ident.encode()) + enc_str(token))
        h.u("H"), h.u("H"), h.u("I")
        if h.u("Q") != nonce:
            raise ValueError("HELLO reply with another nonce")
        r = call(s, T_INFO, 1, b"")
        r.str(), r.u("Q")
        for _ in range(r.u("I")):
            r.str(), r.str(), r.u("I"), r.u("Q")
        r.kvs()
        stats = r.kvs()
        s.sendall(HDR.pack(MAGIC, 1, T_BYE, 0, 4, 0, 0) + struct.pack("<I", 0))
        s.close()
    except (OSError, ValueError, ConnectionError) as e:
        print("agent-info.py: %s: %s" % (uri, e), file=sys.stderr)
        return 1
    print(" ".join("%s=%d" % (STATS.get(k, "stat%d" % k), v)
                   for k, v in sorted(stats.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
