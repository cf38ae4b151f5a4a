#!/usr/bin/python3
"""send_server.py - a scripted SMTP server (aiosmtpd) for the send end-to-end tests.

Listens on 127.0.0.1:PORT and appends one JSON line per accepted message to LOG:
{"t": arrival time, "rcpt": [...], "from": ..., "tls": bool, "auth": bool, "conn": n, "size": bytes}.
Writes "ready" to READY once it accepts connections, and runs until SIGTERM.

  --cert/--key FILE    offer STARTTLS with this certificate and require it before MAIL
  --implicit-tls       TLS from the first byte (smtps) instead of STARTTLS
  --auth USER:PASS     require AUTH (PLAIN or LOGIN) with these credentials
  --temp ADDR          answer RCPT TO ADDR with 450 the first time, 250 afterwards
  --perm ADDR          answer RCPT TO ADDR with 550, always
  --drop-after N       close a connection without a reply at the MAIL after N messages on it
  --silent ADDR        the first time, accept ADDR's data but never answer after the final dot
  --pipelining         offer PIPELINING in the EHLO reply (aiosmtpd reads pipelined commands anyway)
  --dot-delay MS       answer each final dot MS milliseconds late, as a distant server would
  --mail-temp-every K  answer every K-th MAIL on a connection with 451 (with pipelining, the MAIL that
                       came in the same packet as the previous message's final dot), never twice for
                       the same sender (each delivery has its own)
"""
import argparse, asyncio, json, signal, ssl, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--ready", required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--implicit-tls", action="store_true")
ap.add_argument("--auth")
ap.add_argument("--temp", action="append", default=[])
ap.add_argument("--perm", action="append", default=[])
ap.add_argument("--drop-after", type=int, default=0)
ap.add_argument("--silent", action="append", default=[])
ap.add_argument("--pipelining", action="store_true")
ap.add_argument("--mail-temp-every", type=int, default=0)
ap.add_argument("--dot-delay", type=int, default=0)
args = ap.parse_args()

lock = threading.Lock()
log = open(args.log, "a", buffering=1)
temp_seen = set()
silent_seen = set()
conn_ids = {}
per_conn = {}
mails_per_conn = {}
mail_refused = set()


class Handler:
    def conn(self, session):
        with lock:
            if id(session) not in conn_ids:
                conn_ids[id(session)] = len(conn_ids) + 1
            return conn_ids[id(session)]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if args.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        c = self.conn(session)
        if args.drop_after and per_conn.get(c, 0) >= args.drop_after:
            server.transport.abort()  # gone without a word, as a crashing server would
            return "421 4.3.2 never seen"
        with lock:
            mails_per_conn[c] = mails_per_conn.get(c, 0) + 1
            nth = mails_per_conn[c]
            refuse = args.mail_temp_every and nth % args.mail_temp_every == 0 and address not in mail_refused
            if refuse:
                mail_refused.add(address)
        if refuse:
            return "451 4.3.0 Temporary lookup failure, try again"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        a = address.lower()
        if a in args.perm:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if a in args.temp and a not in temp_seen:
            temp_seen.add(a)
            return "450 4.2.0 <%s>: Recipient address rejected: Greylisted, try again" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        c = self.conn(session)
        if args.dot_delay:
            await asyncio.sleep(args.dot_delay / 1000.0)
        for a in envelope.rcpt_tos:
            if a.lower() in args.silent and a.lower() not in silent_seen:
                silent_seen.add(a.lower())
                await asyncio.sleep(3600)  # the data is here; the answer never comes
        per_conn[c] = per_conn.get(c, 0) + 1
        log.write(json.dumps({"t": time.time(), "rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                              "tls": server.transport.get_extra_info("ssl_object") is not None, "auth": bool(session.authenticated),
                              "conn": c, "size": len(envelope.content)}) + "\n")
        return "250 2.0.0 Ok: queued as %06d" % sum(per_conn.values())


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    user, password = args.auth.split(":", 1)
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)


kw = {}
ctx = None
if args.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
if ctx and args.implicit_tls:
    kw["ssl_context"] = ctx
elif ctx:
    kw["tls_context"] = ctx
    kw["require_starttls"] = True
if args.auth:
    kw["authenticator"] = authenticator
    kw["auth_required"] = True
    kw["auth_require_tls"] = bool(ctx)
if args.implicit_tls:
    kw["server_hostname"] = "localhost"
controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, **kw)
controller.start()
with open(args.ready, "w") as f:
    f.write("ready\n")
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
while not stop.wait(0.5):
    pass
try:
    controller.stop(no_assert=True)
except Exception:
    pass
