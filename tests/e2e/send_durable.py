#!/usr/bin/python3
"""send_durable.py - the order that makes "never twice" hold after a power cut (DESIGN.md §5).

The sender commits without waiting for the disk and a second thread makes each commit durable with
an fdatasync of the WAL; a connection's final dot may leave only after the commit that holds its
predecessor's outcome (and its own start) is durable.  This runs `mailer send` under strace against
Postfix's smtp-sink, with the state on a real disk, and checks in the trace that:
- on every connection, each final dot ("." alone) follows an fdatasync of the WAL that completed
  after the connection's previous final dot (or after the run began, for its first one);
- every subscriber got the message and the journal says sent.

Environment: MAILER, SRC (as for every e2e test).
"""
import os, re, shutil, sqlite3, subprocess, sys, tempfile

from nltest import copy_example, free_port, wait_port, write_subscribers

MAILER = os.environ["MAILER"]
SRC = os.environ["SRC"]
N = 300
CONNECTIONS = 4

# strace -f -y lines: "PID sendto(FD<socket:[INODE]>, "…\r\n.\r\n", N, ...) = N" (the dot alone, or after
# the body when the release came before the 354), "PID fdatasync(FD</path/state.db-wal>) = 0", or
# either split into "<unfinished ...>" and "<... resumed>".
SEND = re.compile(r'^(\d+) +sendto\((\d+)<socket:[^>]*>, "(.*)", \d+, MSG_NOSIGNAL')
SYNC_DONE = re.compile(r'^(\d+) +(?:fdatasync\(\d+<[^>]*-wal>\)|<\.\.\. fdatasync resumed>\)) += 0')
SYNC_START = re.compile(r'^(\d+) +fdatasync\(\d+<[^>]*-wal> <unfinished')


def main():
    if not os.access("/usr/bin/strace", os.X_OK):
        sys.exit("FAIL: /usr/bin/strace is missing (apt-get install strace)")
    work = tempfile.mkdtemp(prefix="nl-send-durable.", dir="/var/tmp")  # a disk, not tmpfs
    port = free_port()
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", *(["-u", "nobody"] if os.geteuid() == 0 else []), "-m", "64",
                             f"127.0.0.1:{port}", "256"])
    try:
        wait_port(port, "smtp-sink")
        article = copy_example(SRC, work)
        write_subscribers(os.path.join(work, "subscribers.csv"), N)
        with open(os.path.join(work, "mailer.conf"), "w") as f:
            f.write("[newsletter]\nsubscribers = subscribers.csv\n"
                    f"[smtp]\nurl = smtp://127.0.0.1:{port}\nconnections = {CONNECTIONS}\n")
        trace = os.path.join(work, "trace")
        # LeakSanitizer cannot run under ptrace (the ASan build); the other tests look for leaks.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
        p = subprocess.run(["/usr/bin/strace", "-f", "-qq", "-y", "-e", "trace=sendto,fdatasync", "-e", "signal=none", "-s", "65536",
                            "-o", trace, MAILER, "-c", os.path.join(work, "mailer.conf"), "send", article],
                           capture_output=True, text=True, env=env, timeout=600)
        ok = True
        if p.returncode != 0:
            print(f"FAIL: send exited {p.returncode}: {p.stderr}")
            ok = False
        syncs = 0          # WAL fdatasyncs completed so far
        last_dot = {}      # connection fd -> syncs completed when its last final dot left
        dots = pending = 0
        bad = []
        with open(trace) as f:
            for line in f:
                if SYNC_START.match(line):
                    pending += 1
                    continue
                if SYNC_DONE.match(line):
                    syncs += 1
                    continue
                m = SEND.match(line)
                if not m or not (m.group(3) == ".\\r\\n" or m.group(3).endswith("\\r\\n.\\r\\n")):
                    continue
                dots += 1
                fd = m.group(2)
                if syncs <= last_dot.get(fd, 0):
                    bad.append(line.strip())
                last_dot[fd] = syncs
        print(f"{dots} final dots on {len(last_dot)} connections, {syncs} WAL fdatasyncs")
        if dots != N:
            print(f"FAIL: {dots} final dots in the trace, expected {N} (one per message)")
            ok = False
        if len(last_dot) != CONNECTIONS:
            print(f"FAIL: {len(last_dot)} connections carried dots, expected {CONNECTIONS}")
            ok = False
        if bad:
            print(f"FAIL: {len(bad)} final dots left before the previous outcome on their connection was durable,"
                  f" e.g. {bad[0][:160]}")
            ok = False
        states = dict(sqlite3.connect(os.path.join(work, "state.db")).execute(
            "select state, count(*) from deliveries group by state").fetchall())
        if states != {2: N}:
            print(f"FAIL: the journal says {states}, not {N} sent")
            ok = False
        sys.exit(0 if ok else 1)
    finally:
        sink.kill()
        sink.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


main()
