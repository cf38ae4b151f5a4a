#!/usr/bin/python3
"""bench_send.py - how fast `mailer send` delivers, against references measured in the same run.

Not a test: it prints figures and ratios and decides nothing.  Each throughput figure is the best of
--repeat runs, for mailer and the reference alike.  Usage (from a build directory):

    /usr/bin/python3 ../tests/bench/bench_send.py [--mailer mailer/mailer] [--count 20000]
                     [--msmtp 1000] [--rss 10000,1000000] [--skip-rss]

1. Throughput: COUNT deliveries of the example article to Postfix's smtp-sink on loopback, at 1, 4 and
   16 connections, with the journal (the SQLite state, every commit fsynced) on the local disk and on
   tmpfs; beside `smtp-source -d` (connections reused) sending a message of the same size at the same
   concurrency, and a loop of msmtp with one process per message.  Ratios: mailer / smtp-source
   (target >= 0.7) and mailer / msmtp loop (target >= 100).
2. Memory: peak RSS of `mailer send` for each list size in --rss (smtp-sink, 16 connections,
   state on tmpfs): it must stay flat, since the list is streamed.
"""
import argparse, contextlib, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nltest import copy_example, smtp_sink, write_subscribers  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--mailer", default="mailer/mailer")
ap.add_argument("--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ap.add_argument("--count", type=int, default=20000)
ap.add_argument("--msmtp", type=int, default=1000)
ap.add_argument("--rss", default="10000,1000000")
ap.add_argument("--skip-rss", action="store_true")
ap.add_argument("--connections", default="1,4,16")
ap.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the best counts (a shared machine is noisy)")
args = ap.parse_args()
MAILER = os.path.abspath(args.mailer)
SRC = os.path.abspath(args.src)
for tool in ("/usr/sbin/smtp-sink", "/usr/sbin/smtp-source", "/usr/bin/msmtp"):
    if not os.access(tool, os.X_OK):
        sys.exit(f"{tool} is missing (apt-get install postfix msmtp)")


work = tempfile.mkdtemp(prefix="nl-bench-send.", dir="/var/tmp")
shm = tempfile.mkdtemp(prefix="nl-bench-send.", dir="/dev/shm")
article = copy_example(SRC, work)
servers = contextlib.ExitStack()
port = servers.enter_context(smtp_sink("-m", "512"))


def conf(state, connections, listfile):
    path = os.path.join(work, "mailer.conf")
    with open(path, "w") as f:
        f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n"
                f"list_id = career-notes.example.test\nsubscribers = {listfile}\nstate = {state}\n"
                f"[smtp]\nurl = smtp://127.0.0.1:{port}\nconnections = {connections}\n")
    return path


def run_mailer(state, connections, listfile):
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(state + suffix):
            os.unlink(state + suffix)
    cfg = conf(state, connections, listfile)
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", MAILER, "-c", cfg, "send", article], capture_output=True,
                       text=True)
    took = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"mailer send failed ({p.returncode}): {p.stderr}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return took, rss_kb


try:
    listfile = os.path.join(work, "subscribers.csv")
    write_subscribers(listfile, args.count)
    # One message as mailer writes it, for smtp-source's size and for msmtp.
    subprocess.run([MAILER, "-c", conf(os.path.join(work, "preview.db"), 1, listfile), "preview", article, "-o",
                    work], check=True, capture_output=True)
    eml = os.path.join(work, "2026-11-job-or-career.eml")
    size = os.path.getsize(eml)
    print(f"message: the example article, {size} bytes; {args.count} deliveries per run; smtp-sink on loopback")
    print(f"{'conn':>4} {'journal':>8} {'mailer/s':>9} {'smtp-source/s':>14} {'ratio':>6}")
    best = 0.0
    for c in [int(x) for x in args.connections.split(",")]:
        ref = 0.0
        for _ in range(args.repeat):
            t0 = time.monotonic()
            subprocess.run(["/usr/sbin/smtp-source", "-d", "-s", str(c), "-m", str(args.count), "-l", str(size),
                            "-f", "news@example.test", "-t", "sub@example.test", f"127.0.0.1:{port}"], check=True)
            ref = max(ref, args.count / (time.monotonic() - t0))
        for where, state in (("disk", os.path.join(work, "state.db")), ("tmpfs", os.path.join(shm, "state.db"))):
            rate = max(args.count / run_mailer(state, c, listfile)[0] for _ in range(args.repeat))
            best = max(best, rate)
            print(f"{c:>4} {where:>8} {rate:>9.0f} {ref:>14.0f} {rate / ref:>6.2f}", flush=True)
    # msmtp, one process per message.
    t0 = time.monotonic()
    with open(eml, "rb") as f:
        body = f.read()
    for i in range(args.msmtp):
        subprocess.run(["/usr/bin/msmtp", "--host=127.0.0.1", f"--port={port}", "--auth=off", "--tls=off",
                        "--from=news@example.test", "--", f"sub{i}@example.test"], input=body, check=True)
    msmtp = args.msmtp / (time.monotonic() - t0)
    print(f"msmtp loop (one process per message, {args.msmtp} messages): {msmtp:.0f}/s; "
          f"mailer's best above / msmtp = {best / msmtp:.0f}x")
    if not args.skip_rss:
        print("peak RSS of mailer send (16 connections, smtp-sink, state on tmpfs):")
        for n in [int(x) for x in args.rss.split(",")]:
            big = os.path.join(shm, f"list{n}.csv")
            write_subscribers(big, n)
            took, rss = run_mailer(os.path.join(shm, "rss.db"), 16, big)
            print(f"  {n:>8} subscribers: {rss / 1024:6.1f} MiB peak RSS, {took:7.1f} s, {n / took:.0f}/s", flush=True)
            os.unlink(big)
finally:
    servers.close()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(shm, ignore_errors=True)
