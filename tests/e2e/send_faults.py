#!/usr/bin/python3
"""send_faults.py SCENARIO - `mailer send` against a hostile SMTP server (issue 7, faults on the
sending side).

The server is a raw socket SMTP server in this process (aiosmtpd cannot send a 1 MB reply line, a reply
without CRLF or close in the middle of DATA): it binds 127.0.0.1:0 itself, so it always has a free
port, and a server that cannot bind fails the test.  Every socket has a timeout, every read is bounded,
and the server dies with this process (it is also stopped explicitly at the end).

Scenarios:
  bigline   1 MB lines inside multi-line replies: in the EHLO reply of the first two connections, in
            the reply to one subscriber's RCPT and in the reply to another's final dot
  nocrlf    a reply without CRLF, then a close: as the greeting, to a RCPT, and to a final dot
  dot421    421 after the final dot, then a close: for one subscriber once (retried in the run), for
            another on every attempt (deferred at the end of the run); and 421 as the first greeting
  silent    no reply at all after the final dot
  endless   a multi-line reply that never ends, to a RCPT and to a final dot (bounded time and memory)
  dotcode   odd codes after the final dot: a 252 is success (sent, never resent), a 354 is neither
            yes nor no (unknown)
  middata   a close in the middle of DATA of a 2 MB message (the close lands while mailer is still
            writing the body)
  middata_small  the same with the normal small message (mailer may have written everything,
            the final dot included, before it learns of the close)
  early     a 250 in the middle of the body of a 7.5 MB message, before the final dot (unknown,
            never sent)

Each scenario runs mailer once against the hostile server and checks that the run ended within a
bound, with exit 0 or 75, and that the journal is consistent: one row per subscriber, none left
`sending`, each in a state the scenario allows, never `sent` for a message the server did not accept.
Then, against a well-behaved server (with the deferred rows' back-off moved to now, as if the wait
had passed), a plain run must send every deferred delivery and leave the unknown alone, and a run
with --resend-unknown must send each unknown exactly once more: in the end every subscriber holds
exactly one accepted copy, plus the one the hostile server may have accepted without a complete
reply (that is what `unknown` means).  Environment: MAILER, SRC.
"""
import os, resource, shutil, socket, sqlite3, subprocess, sys, tempfile, threading, time

from nltest import CAMPAIGN, copy_example, write_subscribers

MAILER = os.environ["MAILER"]
SRC = os.environ["SRC"]
SENDING, SENT, DEFERRED, FAILED, UNKNOWN = 1, 2, 3, 4, 5
NAMES = {SENDING: "sending", SENT: "sent", DEFERRED: "deferred", FAILED: "failed", UNKNOWN: "unknown"}
MB = 1024 * 1024
RUN_BOUND = 90  # seconds one run of mailer may take (kills after 180)

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


class Conn:
    """One client connection: bounded line reads with a timeout."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self, limit=64 * 1024):
        for _ in range(100000):
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > limit:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        return None

    def read_data(self, stop_after=None, limit=64 * MB):
        """The DATA body up to the final dot; with stop_after, stops once that many bytes are in."""
        for _ in range(1000000):
            i = self.buf.find(b"\r\n.\r\n")
            if i >= 0 or (self.buf.startswith(b".\r\n")):
                end = i + 5 if i >= 0 else 3
                data, self.buf = self.buf[:end], self.buf[end:]
                return data, True
            if stop_after is not None and len(self.buf) >= stop_after:
                return self.buf, False
            if len(self.buf) > limit:
                return None, False
            chunk = self.sock.recv(256 * 1024)
            if not chunk:
                return None, False
            self.buf += chunk
        return None, False

    def send(self, data):
        self.sock.sendall(data)


class Server:
    """A scripted SMTP server.  `faults` maps a hook to (target, times): the hook fires for the
    target recipient (an address or a tuple of them; every connection with None) at most `times`
    times in all (None: always).
    Hooks: ehlo_bigline, greeting_nocrlf, greeting_421, rcpt_bigline, rcpt_nocrlf, dot_bigline, dot_nocrlf,
    dot_421, dot_silent, data_close, data_early, rcpt_endless, dot_endless, dot_2xx, dot_3xx."""

    def __init__(self, accepted, faults=None, data_close_after=4096):
        self.accepted = accepted  # shared list of (rcpts, hostile?) for messages given a full 250
        self.faults = dict(faults or {})
        self.fired = {}
        self.data_close_after = data_close_after
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = []
        self.socks = []
        self.nconn = 0
        self.sock = socket.socket()
        try:
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(64)
        except OSError as e:
            print(f"FAIL: the test server cannot listen on 127.0.0.1: {e}", flush=True)
            sys.exit(1)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.acceptor = threading.Thread(target=self.accept_loop, daemon=True)
        self.acceptor.start()

    def fire(self, hook, rcpts=None):
        with self.lock:
            if hook not in self.faults:
                return False
            target, times = self.faults[hook]
            targets = (target,) if isinstance(target, str) else target
            if targets is not None and not set(targets) & set(rcpts or ()):
                return False
            n = self.fired.get(hook, 0)
            if times is not None and n >= times:
                return False
            self.fired[hook] = n + 1
            return True

    def accept_loop(self):
        deadline = time.time() + 900
        while not self.stopping and time.time() < deadline:
            try:
                s, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            s.settimeout(30)
            with self.lock:
                self.nconn += 1
                self.socks.append(s)
            th = threading.Thread(target=self.session_safe, args=(s,), daemon=True)
            self.threads.append(th)
            th.start()

    def session_safe(self, s):
        try:
            self.session(Conn(s))
        except OSError:
            pass
        finally:
            try:
                s.close()
            except OSError:
                pass

    def session(self, c):
        if self.fire("greeting_421"):
            c.send(b"421 4.7.0 faults.test too busy, try again later\r\n")
            return
        if self.fire("greeting_nocrlf"):
            c.send(b"220 faults.test ESMTP but the line never ends")
            return
        c.send(b"220 faults.test ESMTP hostile\r\n")
        mail_from, rcpts = None, []
        for _ in range(10000):
            line = c.readline()
            if line is None:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                mail_from, rcpts = None, []
                out = b"250-faults.test\r\n"
                if self.fire("ehlo_bigline"):
                    out += b"250-" + b"X" * MB + b"\r\n"
                c.send(out + b"250-8BITMIME\r\n250 SIZE 104857600\r\n")
            elif verb == b"MAIL":
                mail_from, rcpts = line, []
                c.send(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                a = line.split(b":", 1)[1].strip().strip(b"<>").decode().lower()
                if self.fire("rcpt_nocrlf", [a]):
                    c.send(b"250 2.1.5 Ok but the line never ends")
                    return
                rcpts.append(a)
                if self.fire("rcpt_endless", [a]):
                    self.endless(c)
                    return
                if self.fire("rcpt_bigline", [a]):
                    c.send(b"250-" + b"R" * MB + b"\r\n250 2.1.5 Ok after a long story\r\n")
                else:
                    c.send(b"250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                if not mail_from or not rcpts:
                    c.send(b"503 5.5.1 need MAIL and RCPT first\r\n")
                    continue
                c.send(b"354 go ahead\r\n")
                if self.fire("data_early", rcpts):
                    # A yes in the middle of the body: the server claims a message it has not seen
                    # end (it may deliver what it has).  It then reads no more (mailer's writes
                    # stall, its reads see the yes) and closes after a while.
                    c.read_data(stop_after=4096)
                    self.log(rcpts, True)
                    c.send(b"250 2.0.0 taken before the end, somehow\r\n")
                    for _ in range(30):
                        if self.stopping:
                            break
                        time.sleep(0.1)
                    return
                if self.fire("data_close", rcpts):
                    if self.data_close_after:
                        c.read_data(stop_after=self.data_close_after)
                    return  # the close: what is left unread makes the kernel reset the connection
                data, complete = c.read_data()
                if not complete:
                    return
                if self.fire("dot_421", rcpts):
                    c.send(b"421 4.3.0 faults.test is going down, message not taken\r\n")
                    return
                if self.fire("dot_silent", rcpts):
                    c.sock.settimeout(20)
                    try:
                        c.sock.recv(1)  # until the client gives up and closes (bounded by the timeout)
                    except OSError:
                        pass
                    return
                if self.fire("dot_nocrlf", rcpts):
                    # The server has taken the message; its answer is cut off.
                    self.log(rcpts, True)
                    c.send(b"250 2.0.0 queued but the line never ends")
                    return
                if self.fire("dot_2xx", rcpts):
                    # Success in an unusual 2xx (RFC 5321 §4.2.1: the first digit decides).
                    self.log(rcpts, False)
                    c.send(b"252 2.0.0 queued, said oddly\r\n")
                    mail_from, rcpts = None, []
                    continue
                if self.fire("dot_3xx", rcpts):
                    c.send(b"354 go ahead, once more\r\n")  # neither yes nor no
                    return
                if self.fire("dot_endless", rcpts):
                    self.log(rcpts, True)
                    self.endless(c)
                    return
                if self.fire("dot_bigline", rcpts):
                    self.log(rcpts, True)
                    c.send(b"250-" + b"D" * MB + b"\r\n250 2.0.0 queued after a long story\r\n")
                else:
                    self.log(rcpts, False)
                    c.send(b"250 2.0.0 Ok: queued\r\n")
                mail_from, rcpts = None, []
            elif verb == b"RSET":
                mail_from, rcpts = None, []
                c.send(b"250 2.0.0 Ok\r\n")
            elif verb == b"NOOP":
                c.send(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                c.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                c.send(b"502 5.5.2 not here\r\n")

    def endless(self, c):
        """A multi-line reply that never ends: 250- lines as fast as the client takes them, until it
        closes the connection (or 60 s pass)."""
        chunk = b"250-and there is more to say\r\n" * 2048
        deadline = time.time() + 60
        while time.time() < deadline and not self.stopping:
            c.send(chunk)

    def log(self, rcpts, hostile):
        with self.lock:
            self.accepted.append((list(rcpts), hostile))

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.acceptor.join(5)
        for th in self.threads:
            th.join(5)


class Env:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="nl-send-faults.")
        self.article = copy_example(SRC, self.dir)
        self.accepted = []
        self.server = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def subscribers(self, n):
        self.addresses = write_subscribers(self.path("subscribers.csv"), n)

    def big_article(self, size):
        """Makes the article's body about `size` bytes of ordinary paragraphs."""
        with open(self.article) as f:
            text = f.read()
        para = ("Most people use the words job and career as if they meant the same thing, and the "
                "difference decides what you put up with and what you say yes to.\n\n")
        with open(self.article, "w") as f:
            f.write(text + "\n" + para * (size // len(para)))

    def start(self, faults=None, **kw):
        self.stop()
        self.server = Server(self.accepted, faults, **kw)
        with open(self.path("mailer.conf"), "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n"
                    "list_id = career-notes.example.test\nsubscribers = subscribers.csv\n"
                    f"[smtp]\nurl = smtp://127.0.0.1:{self.server.port}\nconnections = 2\ntimeout = 3\n")
        os.chmod(self.path("mailer.conf"), 0o600)

    def stop(self):
        if self.server:
            self.server.stop()
            self.server = None

    def send(self, *args):
        """Runs mailer send; returns (exit code, stderr, seconds, peak RSS in MB)."""
        e = dict(os.environ)
        e.pop("MAILER_SMTP_PASSWORD", None)
        t0 = time.time()
        p = subprocess.Popen([MAILER, "-c", self.path("mailer.conf"), "send", self.article, *args], cwd=self.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        killer = threading.Timer(2 * RUN_BOUND, p.kill)
        killer.start()
        out, err = p.communicate()
        killer.cancel()
        took = time.time() - t0
        # communicate() reaped the child; its own peak is the children's maximum, as it is the only child.
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        print(f"  mailer send {' '.join(args)} -> {p.returncode} in {took:.1f} s, peak RSS so far {rss:.0f} MB\n"
              f"  stdout: {out.strip()[:300]}\n  stderr: {err.strip()[:1500]}", flush=True)
        return p.returncode, err, took, rss

    def journal(self):
        db = sqlite3.connect(self.path("state.db"))
        try:
            rows = db.execute("select email, state, attempts, reply from deliveries where campaign=?",
                              (CAMPAIGN,)).fetchall()
        finally:
            db.close()
        return rows

    def states(self):
        return {r[0].lower(): r[1] for r in self.journal()}

    def back_off_passed(self):
        """The next run may retry the deferred at once (as if their back-off had passed)."""
        db = sqlite3.connect(self.path("state.db"))
        db.execute("update deliveries set next_attempt = 0 where campaign=? and state=?", (CAMPAIGN, DEFERRED))
        db.commit()
        db.close()

    def copies(self):
        c = {}
        for rcpts, _ in self.accepted:
            for r in rcpts:
                c[r] = c.get(r, 0) + 1
        return c


def consistent(env, tag):
    rows = env.journal()
    emails = [r[0].lower() for r in rows]
    check(sorted(emails) == sorted(env.addresses), f"{tag}: exactly one journal row per subscriber")
    check(all(r[1] != SENDING for r in rows), f"{tag}: no row is left `sending`")
    check(all(r[1] in NAMES for r in rows), f"{tag}: every row holds a known state")
    check(not [r for r in rows if r[1] == UNKNOWN and "sending data" in (r[3] or "")],
          f"{tag}: no delivery whose send failed (so its final dot never left) is `unknown`")
    for r in rows:
        if r[1] != SENT:
            print(f"  {r[0]}: {NAMES.get(r[1], r[1])} after {r[2]} attempt(s): {r[3]}")


def hostile_then_good(env, faults, allowed, exits=(0, 75), rss_margin=None, server_kw=None):
    """Runs against the hostile server, checks, then recovers against a good one.  `allowed` maps an
    address to the states it may have after the hostile run (default: sent).  With rss_margin, the
    hostile run's peak memory may exceed that of a dry run by at most that many MB."""
    rss_bound = None
    if rss_margin is not None:
        env.start()
        code, _, _, base = env.send("--dry-run")
        check(code == 0, "a dry run gives the memory baseline")
        rss_bound = base + rss_margin
    env.start(faults, **(server_kw or {}))
    code, err, took, rss = env.send()
    fired = dict(env.server.fired)
    env.stop()
    for hook in faults:
        check(fired.get(hook, 0) > 0, f"the fault {hook} happened ({fired.get(hook, 0)} times)")
    check(code in exits, f"hostile run: exit {code}, one of {list(exits)}")
    check(took < RUN_BOUND, f"hostile run ended within {RUN_BOUND} s ({took:.1f} s)")
    check("AddressSanitizer" not in err and "runtime error" not in err and "LeakSanitizer" not in err,
          "hostile run: no sanitizer report")
    if rss_bound is not None:
        check(rss < rss_bound, f"hostile run: peak RSS {rss:.0f} MB < {rss_bound} MB")
    consistent(env, "after the hostile run")
    st = env.states()
    copies = env.copies()
    for a in env.addresses:
        want = allowed.get(a, {SENT})
        check(st.get(a) in want,
              f"{a}: {NAMES.get(st.get(a), st.get(a))}, allowed {sorted(NAMES[s] for s in want)}")
        if st.get(a) == SENT:
            check(copies.get(a, 0) == 1, f"{a}: sent, and the server took exactly one copy")
        if st.get(a) == DEFERRED:
            check(all(not h for r, h in env.accepted if a in r) and copies.get(a, 0) == 0,
                  f"{a}: deferred, and the server took no copy")
    unknown = [a for a in env.addresses if st.get(a) == UNKNOWN]
    before = env.copies()

    env.back_off_passed()
    env.start()
    code, err, took, _ = env.send()
    check(code == 0, f"next run against a good server: exit {code} == 0")
    check("AddressSanitizer" not in err and "LeakSanitizer" not in err, "next run: no sanitizer report")
    consistent(env, "after the next run")
    st2 = env.states()
    copies = env.copies()
    for a in env.addresses:
        if a in unknown:
            check(st2.get(a) == UNKNOWN and copies.get(a, 0) == before.get(a, 0),
                  f"{a}: unknown, left alone by a plain run")
        else:
            check(st2.get(a) == SENT and copies.get(a, 0) == 1, f"{a}: sent, exactly one copy in all")
    if unknown:
        code, err, took, _ = env.send("--resend-unknown")
        check(code == 0, f"--resend-unknown: exit {code} == 0")
        consistent(env, "after --resend-unknown")
        st3 = env.states()
        copies = env.copies()
        for a in unknown:
            check(st3.get(a) == SENT and copies.get(a, 0) == before.get(a, 0) + 1,
                  f"{a}: resent once with --resend-unknown ({copies.get(a, 0)} copies, "
                  f"{before.get(a, 0)} of them taken without a complete reply)")
        for a in env.addresses:
            if a not in unknown:
                check(copies.get(a, 0) == 1, f"{a}: still exactly one copy")
    env.stop()
    return st


def scenario_bigline(env):
    env.subscribers(8)
    faults = {"ehlo_bigline": (None, 2), "rcpt_bigline": ("sub2@example.test", None),
              "dot_bigline": ("sub5@example.test", None)}
    allowed = {a: {SENT, DEFERRED} for a in env.addresses}
    allowed["sub5@example.test"] = {SENT, UNKNOWN}  # the long line comes after the final dot
    hostile_then_good(env, faults, allowed, rss_margin=48)


def scenario_endless(env):
    env.subscribers(8)
    faults = {"rcpt_endless": ("sub2@example.test", None), "dot_endless": ("sub5@example.test", None)}
    # The reply timeout (3 s here) counts from the command, so a reply that never ends is cut off.
    # libcurl 7.88 serves no other connection while it waits for the reply to a final dot, so the
    # other session can time out in that wait too (as in `silent`).
    allowed = {a: {SENT, DEFERRED, UNKNOWN} for a in env.addresses}
    allowed["sub2@example.test"] = {DEFERRED}
    allowed["sub5@example.test"] = {UNKNOWN}
    hostile_then_good(env, faults, allowed, exits=(75,), rss_margin=48)


def scenario_dotcode(env):
    env.subscribers(6)
    faults = {"dot_2xx": ("sub1@example.test", None), "dot_3xx": ("sub3@example.test", None)}
    hostile_then_good(env, faults, {"sub3@example.test": {UNKNOWN}}, exits=(75,))


def scenario_nocrlf(env):
    env.subscribers(8)
    faults = {"greeting_nocrlf": (None, 1), "rcpt_nocrlf": ("sub3@example.test", None),
              "dot_nocrlf": ("sub5@example.test", None)}
    allowed = {a: {SENT, DEFERRED} for a in env.addresses}  # the first connection dies at its greeting
    allowed["sub3@example.test"] = {DEFERRED}
    allowed["sub5@example.test"] = {UNKNOWN}  # taken, but the reply never completed
    hostile_then_good(env, faults, allowed)


def scenario_dot421(env):
    env.subscribers(8)
    faults = {"dot_421": ("sub2@example.test", None), "greeting_421": (None, 1)}
    allowed = {a: {SENT, DEFERRED} for a in env.addresses}  # the first connection is turned away
    allowed["sub2@example.test"] = {DEFERRED}
    hostile_then_good(env, faults, allowed)
    # once, then taken: a second server with a single 421 for sub4
    env2 = Env()
    try:
        env2.subscribers(6)
        env2.start({"dot_421": ("sub4@example.test", 1)})
        code, _, _, _ = env2.send()
        j = {r[0].lower(): r for r in env2.journal()}
        check(code == 0, "a single 421 after the dot: retried in the run, exit 0")
        check(j["sub4@example.test"][1] == SENT and j["sub4@example.test"][2] == 2,
              "sub4: sent on its second attempt")
        check(env2.copies() == {a: 1 for a in env2.addresses}, "one copy each")
    finally:
        env2.stop()
        shutil.rmtree(env2.dir, ignore_errors=True)


def scenario_silent(env):
    env.subscribers(6)
    faults = {"dot_silent": ("sub2@example.test", None)}
    # libcurl 7.88 serves no other connection while it waits for the reply to a final dot, so the
    # other session can time out in that wait too: deferred before its dot, unknown after it.
    allowed = {a: {SENT, DEFERRED, UNKNOWN} for a in env.addresses}
    allowed["sub2@example.test"] = {UNKNOWN}
    hostile_then_good(env, faults, allowed, exits=(75,))


def scenario_middata(env):
    env.subscribers(4)
    # About 7.5 MB composed: more than loopback's socket buffers hold (3 to 4 MB here), so the close
    # after the first 4 KB of the body surely lands while mailer is still writing.
    env.big_article(3 * MB + MB // 2)
    faults = {"data_close": ("sub1@example.test", None)}
    allowed = {"sub1@example.test": {DEFERRED}}
    hostile_then_good(env, faults, allowed, exits=(75,))


def scenario_middata_small(env):
    env.subscribers(8)
    targets = ("sub1@example.test", "sub3@example.test", "sub5@example.test")
    faults = {"data_close": (targets, None)}
    # The server closes right after its 354, reading none of the body.  mailer has written the small
    # message into the socket before the reset comes back; then either writing the final dot fails
    # (deferred: it never left) or it went out and the reset comes while mailer waits for the reply
    # (unknown: from the client's side it cannot be told from a server that took the message and
    # then died, or a middlebox resetting the connection).  `consistent` checks that no unknown row
    # is one whose send failed.
    allowed = {a: {DEFERRED, UNKNOWN} for a in targets}
    hostile_then_good(env, faults, allowed, exits=(75,), server_kw={"data_close_after": 0})


def scenario_early(env):
    env.subscribers(4)
    env.big_article(3 * MB + MB // 2)  # the 250 surely comes while mailer is still writing
    faults = {"data_early": ("sub1@example.test", None)}
    # A 250 before the final dot answers nothing mailer asked: never `sent`.  The server may deliver
    # what it read, so `unknown`, resent only with --resend-unknown.
    allowed = {"sub1@example.test": {UNKNOWN}}
    hostile_then_good(env, faults, allowed, exits=(75,))


def main():
    name = sys.argv[1]
    env = Env()
    try:
        globals()["scenario_" + name](env)
    finally:
        env.stop()
        if os.environ.get("KEEP"):
            print("kept", env.dir)
        else:
            shutil.rmtree(env.dir, ignore_errors=True)
    print(f"{name}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


main()
