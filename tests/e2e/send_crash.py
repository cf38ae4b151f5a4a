#!/usr/bin/python3
"""send_crash.py - crash safety of `mailer send` (doc/DESIGN.md §5, issue 3).

Sends the example article to 5,000 subscribers through Postfix's smtp-sink (4 connections, or 16), killing
the sender with SIGKILL at random moments at least 10 times and re-running it until the campaign is
complete.  Then every subscriber must have exactly one complete message or, for those in flight at a
crash, more; the duplicates caused by one crash must not exceed the number of connections.  A
transaction cut off by the kill leaves a truncated capture file (smtp-sink writes as data arrives):
the MTA never accepted it, so it is counted apart, not as a delivery.  Prints the counts.

Environment: MAILER, SRC (as for every e2e test); SEED to repeat a run; KILLS, SUBSCRIBERS, CONNECTIONS.
"""
import collections, email, email.policy, os, random, shutil, signal, sqlite3, subprocess, sys, tempfile, time

from nltest import copy_example, smtp_sink, write_subscribers

MAILER = os.environ["MAILER"]
SRC = os.environ["SRC"]
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
N = int(os.environ.get("SUBSCRIBERS", "5000"))
KILLS = int(os.environ.get("KILLS", "12"))
seed = int(os.environ.get("SEED", str(int(time.time()))))
rng = random.Random(seed)


def scan(dump):
    """(complete copies per address, truncated files)"""
    got = collections.Counter()
    truncated = 0
    for name in os.listdir(dump):
        with open(os.path.join(dump, name), "rb") as f:
            raw = f.read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        rcpt = (msg.get("X-Rcpt-Args") or "").strip().split()[0].strip("<>").lower() if msg.get("X-Rcpt-Args") else ""
        boundary = msg.get_boundary()
        if not rcpt or not boundary or f"--{boundary}--".encode() not in raw:
            truncated += 1
            continue
        got[rcpt] += 1
    return got, truncated


def main():
    work = tempfile.mkdtemp(prefix="nl-send-crash.")
    os.chmod(work, 0o755)
    dump = os.path.join(work, "dump")
    os.mkdir(dump)
    os.chmod(dump, 0o777)
    article = copy_example(SRC, work)
    write_subscribers(os.path.join(work, "subscribers.csv"), N)
    try:
        with smtp_sink("-m", "512", "-d", dump + "/%H%M%S.") as port:
            with open(os.path.join(work, "mailer.conf"), "w") as f:
                f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n"
                        "list_id = career-notes.example.test\nsubscribers = subscribers.csv\n"
                        f"[smtp]\nurl = smtp://127.0.0.1:{port}\nconnections = {CONNECTIONS}\n")
            cmd = [MAILER, "-c", os.path.join(work, "mailer.conf"), "send", article]
            # Each run is killed once the sink has seen a random number (50 to N / KILLS) of NEW
            # messages from it, plus a random few milliseconds, so the kill lands anywhere in a
            # transaction or between two, and always while that run is sending.
            kills, runs, per_crash = 0, 0, []
            prev_dups = 0
            for _ in range(KILLS):
                target = len(os.listdir(dump)) + rng.randint(50, max(51, N // KILLS))
                if target >= N:
                    break
                runs += 1
                p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.time() + 120
                while p.poll() is None and len(os.listdir(dump)) < target and time.time() < deadline:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0, 0.02))
                if p.poll() is not None:
                    continue  # it finished first: no crash this time
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
                time.sleep(0.3)  # let smtp-sink close the cut transactions
                got, truncated = scan(dump)
                dups = sum(n - 1 for n in got.values() if n > 1)
                per_crash.append(dups - prev_dups)
                print(f"kill {kills} (at about {target}): {sum(got.values())} delivered, {dups - prev_dups} duplicated"
                      f" by this crash, {truncated} cut-off transactions so far", flush=True)
                prev_dups = dups
            complete = False
            while runs < 50 and not complete:
                runs += 1
                p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
                if p.returncode == 0:
                    complete = True
                elif p.returncode != 75:
                    sys.exit(f"FAIL: send exited {p.returncode}: {p.stderr.decode()}")
            time.sleep(0.5)
            got, truncated = scan(dump)
            want = {f"sub{i}@example.test" for i in range(N)}
            missing = want - set(got)
            dups = sum(n - 1 for n in got.values() if n > 1)
            db = sqlite3.connect(os.path.join(work, "state.db"))
            states = dict(db.execute("select state, count(*) from deliveries group by state").fetchall())
            print(f"seed={seed} subscribers={N} connections={CONNECTIONS} runs={runs} kills={kills} "
                  f"delivered={sum(got.values())} distinct={len(got)} missing={len(missing)} duplicates={dups} "
                  f"max_duplicates_per_crash={max(per_crash) if per_crash else 0} cut_off={truncated} journal={states}")
            ok = True
            if kills < 10:
                print("FAIL: fewer than 10 kills landed during the send"); ok = False
            if missing:
                print(f"FAIL: {len(missing)} subscribers got nothing, e.g. {sorted(missing)[:5]}"); ok = False
            if per_crash and max(per_crash) > CONNECTIONS:
                print(f"FAIL: a crash duplicated more than {CONNECTIONS} messages: {per_crash}"); ok = False
            if dups > kills * CONNECTIONS:
                print("FAIL: more duplicates than kills × connections"); ok = False
            if states.get(2, 0) != N:
                print(f"FAIL: the journal has {states.get(2, 0)} sent, not {N}"); ok = False
            if not complete:
                print("FAIL: the campaign never completed"); ok = False
            sys.exit(0 if ok else 1)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


main()
