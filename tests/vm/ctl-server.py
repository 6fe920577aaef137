#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ctl-server.py SOCKET INBOX

The host end of a guest's control port: listens on the UNIX socket SOCKET
(give it to tests/vm/run-vm.sh as `-p vaccel.ctl=SOCKET`; QEMU connects as a
client) and forwards every line appended to the file INBOX to the guest, in
order, each line once (also across a QEMU reconnection). A test drives a
guest program step by step with `echo "forge 9 10" >> INBOX`; the guest
reads /dev/virtio-ports/vaccel.ctl. Creates INBOX if missing. Runs until
SIGTERM/SIGINT (exit 0); removes SOCKET at exit."""
import os
import select
import signal
import socket
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, inbox = argv[1], argv[2]
    open(inbox, "ab").close()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    conn, sent = None, 0
    try:
        while not stop:
            rd = [srv] + ([conn] if conn else [])
            try:
                ready, _, _ = select.select(rd, [], [], 0.05)
            except InterruptedError:
                continue
            if srv in ready:
                if conn:
                    conn.close()
                conn, _ = srv.accept()
            elif conn and conn in ready:
                # guest output on the control port is not used: drain it
                if not conn.recv(4096):
                    conn.close()
                    conn = None
            if conn:
                with open(inbox, "rb") as f:
                    f.seek(sent)
                    data = f.read()
                end = data.rfind(b"\n") + 1  # whole lines only
                if end:
                    try:
                        conn.sendall(data[:end])
                        sent += end
                    except OSError:
                        conn.close()
                        conn = None
    finally:
        if conn:
            conn.close()
        srv.close()
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
