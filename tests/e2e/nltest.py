"""nltest.py - helpers shared by the Python end-to-end tests and the benchmarks (run them with
/usr/bin/python3, which has Debian's modules).  A script in tests/e2e imports it directly; one
elsewhere puts tests/e2e on sys.path first."""
import contextlib
import csv
import os
import shutil
import socket
import subprocess
import sys
import time

CAMPAIGN = "2026-11-job-or-career"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, what="the server"):
    """Waits (at most 10 s) until something accepts on 127.0.0.1:port; a server that does not come
    up fails the test."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"FAIL: {what} did not come up on port {port}")


def copy_example(src, dest):
    """Copies the example article and the templates from the source tree `src` into `dest`;
    returns the article's path there."""
    for d in ("articles", "templates"):
        shutil.copytree(os.path.join(src, d), os.path.join(dest, d))
    return os.path.join(dest, "articles", CAMPAIGN + ".md")


def write_subscribers(path, n):
    """Writes a list of n subscribers sub0@example.test … ; returns their addresses."""
    addresses = [f"sub{i}@example.test" for i in range(n)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "name"])
        for i, a in enumerate(addresses):
            w.writerow([a, f"Subscriber {i}"])
    return addresses


@contextlib.contextmanager
def smtp_sink(*options, backlog="1024"):
    """Runs Postfix's smtp-sink on a free loopback port with `options` (e.g. "-m", "512"), as nobody
    when we are root; yields the port once it accepts, and stops it by its PID at the end."""
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", *user, *options, f"127.0.0.1:{port}", backlog])
    try:
        wait_port(port, "smtp-sink")
        yield port
    finally:
        sink.kill()
        sink.wait()
