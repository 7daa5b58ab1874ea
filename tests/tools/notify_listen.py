#!/usr/bin/env python3
"""A fake systemd service manager for tests: binds a unix datagram socket at
PATH (what NOTIFY_SOCKET names) and appends every message it receives to OUT
as one line, "SECONDS MESSAGE", SECONDS on the monotonic clock and the
message's newlines written as '|' (READY=1|STATUS=in call lobby: ...).
Runs until killed (the test stops it by PID)."""
import os
import socket
import sys
import time


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: notify_listen.py SOCKET_PATH OUT_FILE")
    path, out = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out, "a", buffering=1) as f:
        while True:
            data = sock.recv(65536)
            f.write("%.3f %s\n" % (time.monotonic(), data.decode("utf-8", "replace").replace("\n", "|")))


if __name__ == "__main__":
    main()
