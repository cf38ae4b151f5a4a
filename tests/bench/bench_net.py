#!/usr/bin/python3
"""bench_net.py - sending and collecting over a simulated network (issue 14), beside references
measured in the same run.

Not a test: it prints figures and ratios and decides nothing.  Usage (from a build directory):

    /usr/bin/python3 ../tests/bench/bench_net.py [--mailer mailer/mailer] [--rtt 0,10,50]
                     [--connections 1,4,16] [--count 0:4000,10:800,50:400] [--replies 2000]
                     [--repeat 1] [--skip-send] [--skip-collect]

Every path goes through tests/latency_proxy (built with the tests), which delays each direction by
half the round trip time (RTT) and limits nothing else: no bandwidth, no window.  The TCP handshake
to the proxy is not delayed, the server's greeting is (by half the RTT).

1. Send: for each RTT and each number of connections C, `mailer send` of the example article to
   --count subscribers (per RTT: RTT:N pairs, or one N for all) through the proxy to Postfix's
   smtp-sink, `[smtp] connections = C`, the state on tmpfs; and `smtp-source -d -s C` (connections
   reused, no pipelining) sending as many messages of the same size through the same proxy.
2. Collect: Dovecot holding --replies replies of mixed shapes (tests/collect_fixture) behind the
   proxy, per RTT: `mailer collect` over imap:// (after = keep, a fresh copy of the seeded state on
   tmpfs every run) and `mbsync` (isync) pulling the same INBOX into an empty Maildir on tmpfs
   (Sync Pull New, Create Near).  The mailbox is checked after every run: the same messages with the
   same flags, or the bench stops.

Printed: messages/s (best of --repeat runs), the ratio mailer / reference, and the round trips per
message inferred from the time: time x connections / messages / RTT (not at RTT 0).  For collect,
one connection each, also the round trips of the whole run (time / RTT).
"""
import argparse, contextlib, itertools, os, pwd, signal, shutil, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nltest import copy_example, free_port, smtp_sink, wait_port, write_subscribers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description="send and collect through a latency proxy (not a test)")
ap.add_argument("--mailer", default="mailer/mailer")
ap.add_argument("--build", default=".", help="the build directory (for tests/latency_proxy, tests/collect_fixture)")
ap.add_argument("--src", default=os.path.join(HERE, "..", ".."))
ap.add_argument("--rtt", default="0,10,50", help="round trip times in ms")
ap.add_argument("--connections", default="1,4,16")
ap.add_argument("--count", default="0:4000,10:800,50:400", help="messages sent per run: N, or RTT:N,...")
ap.add_argument("--replies", type=int, default=2000, help="messages in the IMAP INBOX")
ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best counts")
ap.add_argument("--skip-send", action="store_true")
ap.add_argument("--skip-collect", action="store_true")
args = ap.parse_args()
MAILER = os.path.abspath(args.mailer)
BUILD = os.path.abspath(args.build)
SRC = os.path.abspath(args.src)
PROXY = os.path.join(BUILD, "tests", "latency_proxy")
FIXTURE = os.path.join(BUILD, "tests", "collect_fixture")
RTTS = [float(x) for x in args.rtt.split(",")]
CONNS = [int(x) for x in args.connections.split(",")]
STEP_TIMEOUT = 1800  # seconds any one command may take
PROXY_LIFETIME = 7200  # a proxy left behind by a killed bench ends by itself
proxies = itertools.count()

for tool, package in (("/usr/sbin/smtp-sink", "postfix"), ("/usr/sbin/smtp-source", "postfix"),
                      ("/usr/bin/mbsync", "isync"), ("/usr/sbin/dovecot", "dovecot-imapd")):
    if not os.access(tool, os.X_OK):
        sys.exit(f"{tool} is missing: apt-get install {package} (or scripts/deps.sh --test)")
for built in (MAILER, PROXY, FIXTURE):
    if not os.access(built, os.X_OK):
        sys.exit(f"build first: {built} is missing (run from the build directory, or give --mailer/--build)")


def count_for(rtt):
    if ":" not in args.count:
        return int(args.count)
    table = {float(k): int(v) for k, v in (pair.split(":") for pair in args.count.split(","))}
    if rtt not in table:
        sys.exit(f"--count names no count for RTT {rtt:g} ms")
    return table[rtt]


def stop(proc, what):
    """Stops a process we started, by its PID: SIGTERM, then SIGKILL after 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            print(f"{what} (pid {proc.pid}) ignored SIGTERM; killing it", file=sys.stderr)
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def latency_proxy(target_port, rtt_ms):
    """A latency_proxy on a free port in front of 127.0.0.1:target_port; yields its port."""
    port_file = os.path.join(work, f"proxy{next(proxies)}.port")
    proc = subprocess.Popen([PROXY, "0", "127.0.0.1", str(target_port), f"{rtt_ms / 2:g}", "--port-file",
                             port_file, "--lifetime", str(PROXY_LIFETIME)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file) or proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(port_file):
            sys.exit(f"latency_proxy did not start (exit {proc.poll()})")
        with open(port_file) as f:
            yield int(f.read())
    finally:
        stop(proc, "latency_proxy")


def run(cmd, what, **kw):
    """Runs cmd (bounded by STEP_TIMEOUT) and returns the seconds it took; stops the bench if it fails."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT, **kw)
    took = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{what} failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}")
    return took


def rt_per_msg(secs, conns, msgs, rtt, digits=2):
    return f"{secs * conns / msgs / (rtt / 1000):.{digits}f}" if rtt > 0 else "-"


# ---- sending ----

def send_conf(state, connections, listfile, port):
    path = os.path.join(work, "mailer.conf")
    with open(path, "w") as f:
        f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n"
                f"list_id = career-notes.example.test\nsubscribers = {listfile}\nstate = {state}\n"
                f"[smtp]\nurl = smtp://127.0.0.1:{port}\nconnections = {connections}\n")
    return path


def mailer_send(port, connections, listfile):
    state = os.path.join(shm, "send.db")
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(state + suffix):
            os.unlink(state + suffix)
    return run([MAILER, "-c", send_conf(state, connections, listfile, port), "send", article], "mailer send")


def smtp_source(port, connections, n, size):
    return run(["/usr/sbin/smtp-source", "-d", "-s", str(connections), "-m", str(n), "-l", str(size), "-f",
                "news@example.test", "-t", "sub@example.test", f"127.0.0.1:{port}"], "smtp-source")


def bench_send():
    sink_port = servers.enter_context(smtp_sink("-m", "512"))
    # One message as mailer writes it, for smtp-source's size.
    listfile = os.path.join(work, "subscribers.csv")
    write_subscribers(listfile, 1)
    run([MAILER, "-c", send_conf(os.path.join(work, "preview.db"), 1, listfile, sink_port), "preview", article,
         "-o", work], "mailer preview")
    size = os.path.getsize(os.path.join(work, "2026-11-job-or-career.eml"))
    print(f"send: the example article ({size} bytes) to smtp-sink through latency_proxy; mailer's state on "
          f"tmpfs; smtp-source -d (no pipelining); best of {args.repeat}")
    print(f"{'rtt ms':>6} {'conn':>4} {'msgs':>5} {'mailer/s':>9} {'smtp-source/s':>14} {'ratio':>6} "
          f"{'rt/msg mailer':>14} {'rt/msg smtp-source':>19}", flush=True)
    for rtt in RTTS:
        n = count_for(rtt)
        write_subscribers(listfile, n)
        with latency_proxy(sink_port, rtt) as port:
            for c in CONNS:
                ref = min(smtp_source(port, c, n, size) for _ in range(args.repeat))
                ours = min(mailer_send(port, c, listfile) for _ in range(args.repeat))
                print(f"{rtt:>6g} {c:>4} {n:>5} {n / ours:>9.1f} {n / ref:>14.1f} {ref / ours:>6.2f} "
                      f"{rt_per_msg(ours, c, n, rtt):>14} {rt_per_msg(ref, c, n, rtt):>19}", flush=True)


# ---- collecting ----

def mail_user():
    """The unprivileged user whose mail Dovecot serves (it will not serve mail as root), as
    tests/e2e/dovecot_lib.sh chooses it."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    user = "mailtest"
    try:
        pwd.getpwnam(user)
    except KeyError:
        # another test may create it at the same moment: only its absence afterwards fails
        subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", user], capture_output=True)
        pwd.getpwnam(user)
    return user


def start_dovecot(d):
    """Dovecot on a free loopback port with dovecot_lib.sh's configuration; returns (port, user,
    password file, INBOX Maildir).  Stopped by its PID with the other servers."""
    user = mail_user()
    pw = pwd.getpwnam(user)
    port = free_port()
    maildir = os.path.join(d, "home", user, "Maildir")
    for sub in ("run", "state", *(os.path.join(maildir, x) for x in ("new", "cur", "tmp"))):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    password = "pw-" + os.urandom(6).hex()
    with open(os.path.join(d, "passwd"), "w") as f:
        f.write(f"{user}:{{PLAIN}}{password}\n")
    password_file = os.path.join(d, "imap-password")
    with open(os.open(password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(password + "\n")
    conf = subprocess.run(["sh", "-c", '. "$0"; dovecot_config "$@"', os.path.join(HERE, "..", "e2e", "dovecot_lib.sh"),
                           d, str(pw.pw_uid), str(pw.pw_gid), str(port)], capture_output=True, text=True, check=True)
    with open(os.path.join(d, "dovecot.conf"), "w") as f:
        f.write(conf.stdout)
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "home"), 0o755)
    proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", os.path.join(d, "dovecot.conf")])
    servers.callback(stop, proc, "dovecot")
    wait_port(port, "dovecot")
    return port, user, password_file, maildir


def mailbox(maildir):
    """What the INBOX holds, as IMAP sees it: each message with its flags (new/ or cur/ aside)."""
    out = []
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(maildir, sub)):
            base, _, flags = name.partition(":2,")
            out.append((base, flags))
    return sorted(out)


def mailer_collect(port, user, password_file, seed):
    state = os.path.join(shm, "collect.db")
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(state + suffix):
            os.unlink(state + suffix)
    with sqlite3.connect(seed) as src, sqlite3.connect(state) as dst:
        src.backup(dst)
    conf = os.path.join(work, "collect.conf")
    with open(conf, "w") as f:
        f.write(f"[newsletter]\nstate = {state}\nfrom = Career Notes <news@news.example.test>\n"
                f"reply_to = replies@news.example.test\n[inbox]\nurl = imap://127.0.0.1:{port}/INBOX\n"
                f"user = {user}\npassword_cmd = cat {password_file}\n")
    took = run([MAILER, "-c", conf, "collect"], "mailer collect")
    with contextlib.closing(sqlite3.connect(state)) as db:
        got = db.execute("SELECT count(*) FROM inbound").fetchone()[0]
    if got != args.replies:
        sys.exit(f"mailer collect recorded {got} messages, not {args.replies}")
    return took


def mbsync(port, user, password_file):
    near = os.path.join(shm, "mbsync")
    shutil.rmtree(near, ignore_errors=True)
    os.makedirs(near)
    rc = os.path.join(work, "mbsyncrc")
    with open(rc, "w") as f:
        f.write(f"IMAPAccount bench\nHost 127.0.0.1\nPort {port}\nUser {user}\nPassCmd \"cat {password_file}\"\n"
                "SSLType None\nAuthMechs LOGIN\n\n"
                "IMAPStore bench-far\nAccount bench\n\n"
                f"MaildirStore bench-near\nPath {near}/\nInbox {near}/INBOX\n\n"
                "Channel bench\nFar :bench-far:INBOX\nNear :bench-near:INBOX\n"
                "Sync Pull New\nCreate Near\nExpunge None\nSyncState *\n")
    took = run(["/usr/bin/mbsync", "-q", "-c", rc, "bench"], "mbsync")
    got = sum(len(os.listdir(os.path.join(near, "INBOX", x))) for x in ("new", "cur"))
    if got != args.replies:
        sys.exit(f"mbsync pulled {got} messages, not {args.replies}")
    return took


def bench_collect():
    d = os.path.join(work, "dovecot")
    os.makedirs(d)
    port, user, password_file, maildir = start_dovecot(d)
    seed = os.path.join(work, "seed.db")
    replies = os.path.join(work, "replies")
    run([FIXTURE, seed, article, replies, str(args.replies)], "collect_fixture")
    for name in os.listdir(os.path.join(replies, "new")):
        shutil.copy(os.path.join(replies, "new", name), os.path.join(maildir, "new", name))
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(os.path.join(d, "home")):
        for x in (root, *(os.path.join(root, f) for f in files)):
            os.chown(x, pw.pw_uid, pw.pw_gid)
    before = mailbox(maildir)

    def check(what):
        if mailbox(maildir) != before:
            sys.exit(f"{what} changed the mailbox: the runs would not be comparable")

    # Warm-up, straight to Dovecot: it builds its index and cache, which no timed run should pay.
    mailer_collect(port, user, password_file, seed)
    check("mailer collect")
    mbsync(port, user, password_file)
    check("mbsync")
    size = sum(os.path.getsize(os.path.join(replies, "new", x)) for x in os.listdir(os.path.join(replies, "new")))
    print(f"\ncollect: {args.replies} replies ({size / 1048576:.1f} MB) in Dovecot's INBOX through latency_proxy; "
          f"mailer collect (after = keep, fresh state on tmpfs) vs mbsync (Pull New into an empty Maildir on "
          f"tmpfs); one connection each; best of {args.repeat}")
    print(f"{'rtt ms':>6} {'msgs':>5} {'mailer/s':>9} {'mbsync/s':>9} {'ratio':>6} {'rt mailer':>10} "
          f"{'rt mbsync':>10} {'rt/msg mailer':>14} {'rt/msg mbsync':>14}", flush=True)
    n = args.replies
    for rtt in RTTS:
        with latency_proxy(port, rtt) as proxy_port:
            ours = ref = float("inf")
            for _ in range(args.repeat):
                ours = min(ours, mailer_collect(proxy_port, user, password_file, seed))
                check("mailer collect")
                ref = min(ref, mbsync(proxy_port, user, password_file))
                check("mbsync")
        total = (lambda s: f"{s / (rtt / 1000):.0f}" if rtt > 0 else "-")
        print(f"{rtt:>6g} {n:>5} {n / ours:>9.0f} {n / ref:>9.0f} {ref / ours:>6.2f} {total(ours):>10} "
              f"{total(ref):>10} {rt_per_msg(ours, 1, n, rtt, 3):>14} {rt_per_msg(ref, 1, n, rtt, 3):>14}", flush=True)


def on_term(signum, frame):
    sys.exit(f"bench_net: signal {signum}")  # through the finally below, which stops every server


signal.signal(signal.SIGTERM, on_term)
work = tempfile.mkdtemp(prefix="nl-bench-net.", dir="/var/tmp")
shm = tempfile.mkdtemp(prefix="nl-bench-net.", dir="/dev/shm")
os.chmod(work, 0o755)  # smtp-sink and Dovecot's mail user reach below it
servers = contextlib.ExitStack()
started = time.monotonic()
try:
    article = copy_example(SRC, work)
    if not args.skip_send:
        bench_send()
    if not args.skip_collect:
        bench_collect()
    print(f"\nbench_net: {time.monotonic() - started:.0f} s in all")
finally:
    servers.close()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(shm, ignore_errors=True)
