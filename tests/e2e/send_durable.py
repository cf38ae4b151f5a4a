#!/usr/bin/python3
"""send_durable.py - the order that makes "never twice" hold after a power cut (doc/DESIGN.md §5).

The sender commits without waiting for the disk and a second thread makes each commit durable with
an fdatasync of the WAL; a final dot may leave only once every commit before it is durable (the one
holding the outcome of its connection's previous message and its own start included).  This runs
`mailer send` under strace against Postfix's smtp-sink, with the state on a real disk, and checks
in the trace that before every final dot ("." alone, or at the end of a body), every write into the
WAL so far was followed by an fdatasync of the WAL that began after it and has returned; and that
every subscriber got the message and the journal says sent.

Environment: MAILER, SRC (as for every e2e test).
"""
import os, re, shutil, sqlite3, subprocess, sys, tempfile

from nltest import copy_example, smtp_sink, write_subscribers

MAILER = os.environ["MAILER"]
SRC = os.environ["SRC"]
N = 300
CONNECTIONS = 4

# strace -f -y lines: "PID sendto(FD<socket:[INODE]>, "…\r\n.\r\n", N, ...) = N" (the dot alone, or after
# the body when the release came before the 354, either followed by the next envelope), "PID pwrite64(FD</path/state.db-wal>, ...",
# "PID fdatasync(FD</path/state.db-wal>) = 0"; a call another thread interrupts is split into
# "PID name(... <unfinished ...>" and "PID <... name resumed>...".
SEND = re.compile(r'^(\d+) +sendto\((\d+)<socket:[^>]*>, "(.*)", \d+, MSG_NOSIGNAL')
WAL_WRITE = re.compile(r'^(\d+) +pwrite64\(\d+<[^>]*-wal>,')
WAL_SYNC = re.compile(r'^(\d+) +fdatasync\(\d+<[^>]*-wal>\)? *(<unfinished \.\.\.>|= 0)')
SYNC_RESUMED = re.compile(r'^(\d+) +<\.\.\. fdatasync resumed>\) += 0')


def main():
    if not os.access("/usr/bin/strace", os.X_OK):
        sys.exit("FAIL: /usr/bin/strace is missing (apt-get install strace)")
    work = tempfile.mkdtemp(prefix="nl-send-durable.", dir="/var/tmp")  # a disk, not tmpfs
    try:
        with smtp_sink("-m", "64", backlog="256") as port:
            article = copy_example(SRC, work)
            write_subscribers(os.path.join(work, "subscribers.csv"), N)
            with open(os.path.join(work, "mailer.conf"), "w") as f:
                f.write("[newsletter]\nsubscribers = subscribers.csv\n"
                        f"[smtp]\nurl = smtp://127.0.0.1:{port}\nconnections = {CONNECTIONS}\n")
            trace = os.path.join(work, "trace")
            # LeakSanitizer cannot run under ptrace (the ASan build); the other tests look for leaks.
            env = dict(os.environ)
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
            strace = ["/usr/bin/strace", "-f", "-qq", "-y", "-e", "trace=sendto,pwrite64,fdatasync",
                      "-e", "signal=none", "-s", "65536", "-o", trace]  # whole strings: a dot can end a body
            p = subprocess.run([*strace, MAILER, "-c", os.path.join(work, "mailer.conf"), "send", article],
                               capture_output=True, text=True, env=env, timeout=600)
            ok = True
            if p.returncode != 0:
                print(f"FAIL: send exited {p.returncode}: {p.stderr}")
                ok = False
            last_write = -1    # trace line of the latest write into the WAL
            durable_upto = -1  # latest start of a WAL fdatasync that has returned: writes before it are durable
            pending = {}       # pid -> trace line where its unfinished WAL fdatasync began
            syncs = dots = 0
            conns = set()
            bad = []
            with open(trace) as f:
                for i, line in enumerate(f):
                    if WAL_WRITE.match(line):
                        last_write = i
                        continue
                    m = WAL_SYNC.match(line)
                    if m:
                        if m.group(2) == "= 0":
                            durable_upto, syncs = i, syncs + 1
                        else:
                            pending[m.group(1)] = i
                        continue
                    m = SYNC_RESUMED.match(line)
                    if m:
                        if m.group(1) in pending:  # a WAL sync (others are not recorded as pending)
                            durable_upto, syncs = max(durable_upto, pending.pop(m.group(1))), syncs + 1
                        continue
                    m = SEND.match(line)
                    # the dot alone, at the end of a body, or followed by the next envelope
                    # (pipelined behind it, RFC 2920 §3.1); a body never holds CRLF.CRLF
                    if not m or not (m.group(3).startswith(".\\r\\n") or "\\r\\n.\\r\\n" in m.group(3)):
                        continue
                    dots += 1
                    conns.add(m.group(2))
                    if last_write >= durable_upto:
                        bad.append(line.strip())
            print(f"{dots} final dots on {len(conns)} connections, {syncs} WAL fdatasyncs")
            if dots != N:
                print(f"FAIL: {dots} final dots in the trace, expected {N} (one per message)")
                ok = False
            if len(conns) != CONNECTIONS:
                print(f"FAIL: {len(conns)} connections carried dots, expected {CONNECTIONS}")
                ok = False
            if bad:
                print(f"FAIL: {len(bad)} final dots left before every commit ahead of them was durable,"
                      f" e.g. {bad[0][:160]}")
                ok = False
            states = dict(sqlite3.connect(os.path.join(work, "state.db")).execute(
                "select state, count(*) from deliveries group by state").fetchall())
            if states != {2: N}:
                print(f"FAIL: the journal says {states}, not {N} sent")
                ok = False
            sys.exit(0 if ok else 1)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


main()
