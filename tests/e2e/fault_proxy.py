#!/usr/bin/python3
"""fault_proxy.py - a TCP proxy on loopback that fails the way networks and servers do (issue 15).

usage: fault_proxy.py PORT_FILE UPSTREAM_PORT MODE BYTES

Listens on a free 127.0.0.1 port (written to PORT_FILE once listening) and relays each connection
to 127.0.0.1:UPSTREAM_PORT.  After BYTES bytes from the server to the client on the first
connection, MODE decides:
  cut       close both sides at once; refuse every later connection (the server is gone)
  stall     stop relaying but keep the connection open; refuse every later connection
  cut-once  close both sides at once; relay every later connection normally (a passing fault)
  trickle   go on relaying from the server one byte every 0.5 s (never idle long enough for a
            timeout, far too slow to finish); refuse every later connection
The count of bytes relayed to clients is rewritten to PORT_FILE.bytes after every chunk.  Runs
until killed (SIGTERM); bounded by a 300 s lifetime so that a forgotten proxy ends by itself.
"""
import os
import selectors
import socket
import sys
import time

port_file, upstream, mode, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
assert mode in ("cut", "stall", "cut-once", "trickle"), mode

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
listener.setblocking(False)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % listener.getsockname()[1])
os.rename(port_file + ".tmp", port_file)

sel = selectors.DefaultSelector()
sel.register(listener, selectors.EVENT_READ, None)
pairs = {}  # socket -> (peer, is_server_side, connection number)
connections = 0
relayed = 0
faulted = False
held = []  # stalled sockets, kept open and unread
trickle = {"to": None, "data": b"", "next": 0.0}  # the client trickled to, what waits, when next


def close_pair(s):
    peer = pairs.pop(s, (None,))[0]
    for x in (s, peer):
        if x is None:
            continue
        pairs.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


def record():
    with open(port_file + ".bytes.tmp", "w") as f:
        f.write("%d\n" % relayed)
    os.rename(port_file + ".bytes.tmp", port_file + ".bytes")


end = time.monotonic() + 300
while time.monotonic() < end:
    if trickle["to"] is not None and trickle["data"] and time.monotonic() >= trickle["next"]:
        try:
            trickle["to"].sendall(trickle["data"][:1])
            trickle["data"] = trickle["data"][1:]
        except OSError:
            trickle["data"] = b""
        trickle["next"] = time.monotonic() + 0.5
    for key, _ in sel.select(timeout=0.1 if trickle["to"] is not None else 1):
        s = key.fileobj
        if s is listener:
            client, _ = listener.accept()
            if faulted and mode != "cut-once":
                client.close()  # the server is gone
                continue
            connections += 1
            try:
                server = socket.create_connection(("127.0.0.1", upstream), 5)
            except OSError:
                client.close()
                continue
            pairs[client] = (server, False, connections)
            pairs[server] = (client, True, connections)
            sel.register(client, selectors.EVENT_READ, None)
            sel.register(server, selectors.EVENT_READ, None)
            continue
        if s not in pairs:
            continue
        peer, from_server, number = pairs[s]
        if from_server and peer is trickle["to"]:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                pairs.pop(s, None)
                held.append(s)
            trickle["data"] += data
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close_pair(s)
            continue
        if from_server and number == 1 and not faulted and relayed + len(data) >= limit:
            relayed_before = relayed
            peer.sendall(data[: max(0, limit - relayed)])
            relayed = limit
            record()
            faulted = True
            if mode == "trickle":
                trickle["to"] = peer
                trickle["data"] = data[max(0, limit - relayed_before):]
            elif mode == "stall":
                for x in (s, peer):
                    sel.unregister(x)
                    pairs.pop(x, None)
                    held.append(x)
            else:
                close_pair(s)
            if mode != "cut-once":
                sel.unregister(listener)
                listener.close()  # later connections are refused
            continue
        try:
            peer.sendall(data)
        except OSError:
            close_pair(s)
            continue
        if from_server:
            relayed += len(data)
            record()
