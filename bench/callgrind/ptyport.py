#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for a VM's virtio-serial port on the host (bench/callgrind):
a pseudo-terminal in raw mode whose other end is relayed to the agent's
UNIX socket, the way QEMU relays a port to its chardev socket. The client
opens LINK (vport:///LINK) as a character device, not a socket, and so takes
the code path it takes in a guest (read/write/poll on a non-blocking
descriptor, reads of what one buffer holds, the stream outliving the
process). Writes LINK, then READY when it relays; runs until killed.

usage: ptyport.py LINK AGENT_SOCKET READY"""
import os
import select
import socket
import sys
import tty


def main():
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    link, path, ready = sys.argv[1:]
    master, slave = os.openpty()
    tty.setraw(slave)  # 8-bit clean, no echo; kept open: no hang-up
    os.symlink(os.ttyname(slave), link)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    with open(ready, "w") as f:
        f.write("ready\n")
    peer = {master: sock.fileno(), sock.fileno(): master}
    while True:
        for fd in select.select(list(peer), [], [])[0]:
            data = os.read(fd, 65536)
            if not data:
                return 0
            view = memoryview(data)
            while view:
                view = view[os.write(peer[fd], view):]


if __name__ == "__main__":
    sys.exit(main())
