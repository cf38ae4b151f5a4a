/* smtp.c - SMTP sessions: libcurl connects, the mail transaction is ours (see smtp.h).
 *
 * RFC 5321 mail transactions over connections that libcurl opened (CURLOPT_CONNECT_ONLY: TCP, TLS per
 * RFC 3207 / RFC 8314 with the certificate checked, EHLO and AUTH per RFC 4954).  Each session owns one
 * easy handle and one connection; the handle stays in the multi handle while the connection lives,
 * because removing it closes the connection.  One poll (curl_multi_poll with our sockets as extra
 * descriptors) serves the connections being opened, the open ones and nl_smtp_wakeup.
 *
 * A transaction: [RSET after a failed one] MAIL FROM, RCPT TO, DATA — written together when the
 * server offered PIPELINING (RFC 2920 §3.1: DATA ends the group), else one at a time — then, after
 * 354, the body with dot stuffing (RFC 5321 §4.5.2) and the end-of-data line.  A session holds two
 * deliveries; with PIPELINING the second one's commands follow the first one's final dot in the
 * same write (the message content may start a group), and the replies come back in order, each
 * matched to its delivery by the queue of commands written (struct smtp_cmd).  Outcomes follow
 * §4.2.1: the first digit of the reply decides (2 sent, 4 deferred, 5 failed).  Past the final dot,
 * silence, a dropped connection or a reply that is neither yes nor no means the message may have
 * arrived (§4.1.1.4, RFC 1047): unknown, never resent by itself.  Before it, nothing can have been
 * taken: a drop is deferred, and when a reused connection dies before answering anything of a
 * delivery (the one pipelined behind a dot, say), it moves once to a fresh connection at no cost.
 *
 * Every step has a deadline (the `timeout` setting) that starts when the command or a piece of the
 * body goes out; bytes of a reply do not extend it, so a reply that never ends still times out.
 * Waiting for ourselves (a held dot, an outcome not yet settled) is not the server's delay.
 * Reply lines are read in bounded memory: the first NL_TRANSPORT_REPLY_MAX bytes of a reply are kept.
 */
#include "smtp.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "ratelimit.h"
#include "util.h"

#define SMTP_TRACE_MAX (256 * 1024)
#define SMTP_READ_CHUNK 16384
#define SMTP_READS_PER_TURN 64 /* bounds one turn's reading, so a flood cannot starve the rest */
#define SMTP_CLOSE_WAIT 1.0    /* seconds for the servers to answer QUIT */

#define SMTP_PER_SESSION 2 /* deliveries a session holds: one finishing, the next behind its dot */
#define SMTP_MAX_STEPS 8   /* commands awaiting replies: a dot, then RSET, MAIL, RCPT, DATA */

enum smtp_state { SMTP_FREE, SMTP_BUSY, SMTP_DONE };
enum smtp_link { LINK_DOWN, LINK_CONNECTING, LINK_UP };
enum smtp_step { STEP_RSET, STEP_MAIL, STEP_RCPT, STEP_DATA, STEP_DOT, STEP_QUIT };

struct smtp_session;

/* One delivery: a slot of the pool, bound to one session. */
struct smtp_msg {
	struct smtp_session *session;
	enum smtp_state state;
	struct nl_buf msg;  /* swapped in from the caller */
	struct nl_buf addr; /* envelope sender NUL recipient NUL */
	size_t rcpt_off;    /* where the recipient starts in addr */
	void *tag;
	unsigned long seq; /* submission order: a session begins its deliveries in this order */
	bool held;         /* the final dot waits for nl_smtp_release */
	bool restarted;    /* already moved to a fresh connection once */
	/* its transaction, once begun on the connection */
	bool begun;
	unsigned replies; /* replies to its commands so far */
	size_t dot_end;   /* offset in the session's out just past its end-of-data line; 0 = not queued */
	bool body_queued; /* 354 came and the body is in out */
	bool dot_queued;  /* the end-of-data line is in out */
	bool dot_sent;    /* ... and left completely */
	double dot_at;    /* when it did (monotonic) */
	bool failed;      /* a reply refused the transaction before the dot */
	enum nl_code fail_code;
	int fail_smtp_code;
	char fail_reply[NL_TRANSPORT_REPLY_MAX];
	struct nl_transport_result result;
};

/* A command written (or to be written) and the delivery it belongs to. */
struct smtp_cmd {
	enum smtp_step step;
	struct smtp_msg *m;
};

/* One connection and the transactions on it. */
struct smtp_session {
	struct nl_smtp *pool;
	CURL *easy;
	struct smtp_msg *msgs[SMTP_PER_SESSION];
	struct smtp_msg *txn[SMTP_PER_SESSION]; /* deliveries begun and not finished, oldest first */
	int ntxn;
	/* the connection */
	enum smtp_link link;
	curl_socket_t sock;
	bool pipelining; /* the server's last EHLO reply offered PIPELINING */
	bool need_rset;  /* a transaction failed part way: reset before the next */
	unsigned txns;   /* transactions begun on this connection */
	void *unsettled; /* with opt->settle: a delivery whose final dot was answered (or lost) and whose
	                    outcome the caller has not yet made durable; no other dot leaves till then */
	double unsettled_at;
	/* Moving averages (seconds, < 0 = not measured yet) that decide where the next envelope goes
	 * (smtp_behind_dot): a final dot's round trip, and the wait for a settle. */
	double dot_rtt, settle_wait;
	/* the commands */
	struct smtp_cmd steps[SMTP_MAX_STEPS];
	int nsteps, nwritten, nreplied;
	struct nl_buf out;
	size_t out_off;
	double deadline; /* monotonic; INFINITY while nothing is awaited */
	/* the reply being read */
	char reply[NL_TRANSPORT_REPLY_MAX]; /* its lines joined by ' ', cut to fit */
	size_t reply_len;
	int reply_code;
	bool reply_open; /* a multi-line reply is being received */
	bool line_open;  /* a line is being received (its start is in reply or was cut) */
	bool line_first; /* the open line is the first of its reply */
	char line_head[4]; /* the first four bytes of the open line: code and separator */
	size_t line_pos;   /* bytes of the open line so far */
	/* what libcurl's debug callback saw while connecting */
	char last_cmd[12];
	bool in_auth;
	unsigned connect_replies;
};

struct nl_smtp {
	CURLM *multi;
	int nsessions;
	struct smtp_session *s;
	int nmsgs;
	struct smtp_msg *m;
	unsigned long seq;
	int in_flight;
	char *host;
	char *user;
	long timeout;
	bool trace;
	bool settle;
	struct nl_buf trace_buf;
	char *trace_out;
	struct curl_waitfd *fds; /* the poll set (smtp_poll_set) */
	int *owner;              /* owner[k]: the session of fds[k] */
};

/* ---- trace ---- */

static void smtp_trace(struct nl_smtp *p, const char *dir, const char *line, size_t len)
{
	if (!p->trace || p->trace_buf.len > SMTP_TRACE_MAX)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	nl_buf_puts(&p->trace_buf, dir);
	nl_buf_append(&p->trace_buf, line, len);
	nl_buf_putc(&p->trace_buf, '\n');
}

/* ---- libcurl's part: opening connections ---- */

/* A command libcurl sent while connecting: remember its verb; AUTH and its continuation lines until
 * the final reply are elided (they carry credentials). */
static void smtp_saw_connect_command(struct smtp_session *s, const char *data, size_t len)
{
	if (s->in_auth)
		return;
	size_t n = 0;
	while (n < len && n < sizeof s->last_cmd - 1 && isalpha((unsigned char)data[n]))
		n++;
	memcpy(s->last_cmd, data, n);
	s->last_cmd[n] = '\0';
	nl_ascii_lower(s->last_cmd);
	if (strcmp(s->last_cmd, "ehlo") == 0)
		s->pipelining = false; /* a new EHLO (after STARTTLS) says it all again */
	if (strcmp(s->last_cmd, "auth") == 0) {
		s->in_auth = true;
		smtp_trace(s->pool, "> ", "AUTH (elided)", 13);
		return;
	}
	smtp_trace(s->pool, "> ", data, len);
}

static void smtp_saw_connect_reply(struct smtp_session *s, const char *data, size_t len)
{
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len < 3 || !isdigit((unsigned char)data[0]) || !isdigit((unsigned char)data[1]) ||
	    !isdigit((unsigned char)data[2]))
		return;
	int code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
	bool last = len == 3 || data[3] != '-';
	if (!s->reply_open) {
		s->reply_len = 0;
		s->reply_code = code;
	}
	size_t room = sizeof s->reply - 1 - s->reply_len;
	size_t take = len < room ? len : room;
	if (s->reply_len > 0 && take > 0) {
		s->reply[s->reply_len++] = ' ';
		take = take - 1;
	}
	for (size_t i = 0; i < take; i++)
		s->reply[s->reply_len++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '?';
	s->reply[s->reply_len] = '\0';
	s->reply_open = !last;
	if (strcmp(s->last_cmd, "ehlo") == 0 && code == 250 && len >= 14 &&
	    nl_ascii_ncasecmp(data + 4, "PIPELINING", 10) == 0 && (len == 14 || data[14] == ' '))
		s->pipelining = true;
	if (s->in_auth && code == 334) {
		smtp_trace(s->pool, "< ", "334 (elided)", 12);
		return;
	}
	if (last) {
		s->connect_replies++;
		s->in_auth = false;
	}
	smtp_trace(s->pool, "< ", data, len);
}

static int smtp_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	(void)easy;
	struct smtp_session *s = ud;
	if (type == CURLINFO_HEADER_OUT) {
		smtp_saw_connect_command(s, data, size);
	} else if (type == CURLINFO_HEADER_IN) {
		size_t start = 0;
		for (size_t i = 0; i < size; i++) {
			if (data[i] == '\n') {
				smtp_saw_connect_reply(s, data + start, i + 1 - start);
				start = i + 1;
			}
		}
		if (start < size)
			smtp_saw_connect_reply(s, data + start, size - start);
	}
	return 0;
}

static enum nl_code smtp_setup_easy(struct nl_smtp *p, struct smtp_session *s,
                                    const struct nl_transport_options *opt, long use_ssl,
                                    struct nl_error *err)
{
	CURL *e = curl_easy_init();
	if (!e)
		return nl_fail(err, NL_ERR_INTERNAL, "libcurl could not create a handle");
	s->easy = e;
	CURLcode rc = CURLE_OK;
#define SET(opt_, val_)                                                                                      \
	do {                                                                                                 \
		if (rc == CURLE_OK)                                                                          \
			rc = curl_easy_setopt(e, opt_, val_);                                                \
	} while (0)
	SET(CURLOPT_URL, opt->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_CONNECT_ONLY, 1L); /* connect, TLS, EHLO, AUTH; the transaction is ours */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USE_SSL, use_ssl);
	if (opt->ca_file && *opt->ca_file)
		SET(CURLOPT_CAINFO, opt->ca_file);
	SET(CURLOPT_SSL_VERIFYPEER, opt->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, opt->insecure ? 0L : 2L);
	if (opt->user && *opt->user) {
		SET(CURLOPT_USERNAME, opt->user);
		SET(CURLOPT_PASSWORD, opt->password ? opt->password : "");
	}
	SET(CURLOPT_CONNECTTIMEOUT, p->timeout);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, p->timeout); /* the greeting, EHLO, STARTTLS, AUTH */
	SET(CURLOPT_VERBOSE, 1L);                          /* feeds the debug callback, which never prints */
	SET(CURLOPT_DEBUGFUNCTION, smtp_debug_cb);
	SET(CURLOPT_DEBUGDATA, s);
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SET
	if (rc != CURLE_OK)
		return nl_fail(err, NL_ERR_CONFIG, "%s: libcurl refused an option: %s", p->host,
		               curl_easy_strerror(rc));
	return NL_OK;
}

enum nl_code nl_smtp_open(const struct nl_transport_options *opt, const char *host, long use_ssl,
                          struct nl_smtp **out, struct nl_error *err)
{
	*out = NULL;
	static bool global_done;
	if (!global_done) {
		/* Once per process, before any thread exists. */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	struct nl_smtp *p = nl_xcalloc(1, sizeof *p);
	p->host = nl_xstrdup(host);
	p->user = nl_xstrdup(opt->user ? opt->user : "");
	p->timeout = opt->timeout > 0 ? opt->timeout : 60;
	p->trace = opt->trace;
	p->settle = opt->settle;
	nl_buf_init(&p->trace_buf, 0);
	p->nsessions = opt->connections;
	p->s = nl_xcalloc((size_t)p->nsessions, sizeof *p->s);
	p->nmsgs = p->nsessions * SMTP_PER_SESSION;
	p->m = nl_xcalloc((size_t)p->nmsgs, sizeof *p->m);
	p->fds = nl_xcalloc((size_t)p->nsessions, sizeof *p->fds);
	p->owner = nl_xcalloc((size_t)p->nsessions, sizeof *p->owner);
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		s->pool = p;
		s->sock = CURL_SOCKET_BAD;
		s->deadline = INFINITY;
		s->dot_rtt = s->settle_wait = -1;
		nl_buf_init(&s->out, 0);
		for (int k = 0; k < SMTP_PER_SESSION; k++) {
			struct smtp_msg *m = &p->m[i * SMTP_PER_SESSION + k];
			m->session = s;
			nl_buf_init(&m->msg, 0);
			nl_buf_init(&m->addr, 0);
			s->msgs[k] = m;
		}
	}
	p->multi = curl_multi_init();
	if (!p->multi) {
		nl_smtp_close(p);
		return nl_fail(err, NL_ERR_INTERNAL, "libcurl could not create a multi handle");
	}
	for (int i = 0; i < p->nsessions; i++) {
		enum nl_code rc = smtp_setup_easy(p, &p->s[i], opt, use_ssl, err);
		if (rc != NL_OK) {
			nl_smtp_close(p);
			return rc;
		}
	}
	*out = p;
	return NL_OK;
}

/* ---- outcomes ---- */

static void smtp_txn_remove(struct smtp_session *s, struct smtp_msg *m)
{
	for (int i = 0; i < s->ntxn; i++) {
		if (s->txn[i] != m)
			continue;
		memmove(&s->txn[i], &s->txn[i + 1], (size_t)(s->ntxn - i - 1) * sizeof s->txn[0]);
		s->ntxn--;
		break;
	}
	/* Commands of its that were never written go too (one at a time, without PIPELINING). */
	while (s->nsteps > s->nwritten && s->steps[s->nsteps - 1].m == m)
		s->nsteps--;
	m->begun = false;
}

static void smtp_finish(struct smtp_msg *m, enum nl_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void smtp_finish(struct smtp_msg *m, enum nl_code code, const char *fmt, ...)
{
	if (m->state != SMTP_BUSY)
		return;
	struct smtp_session *s = m->session;
	struct nl_transport_result *r = &m->result;
	r->code = code;
	r->smtp_code = s->reply_code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof r->reply, fmt, ap);
	va_end(ap);
	m->state = SMTP_DONE;
	/* The server may have taken it: no other dot on this connection until its outcome is durable. */
	if (s->pool->settle && (m->dot_sent || code == NL_ERR_SMTP_UNKNOWN)) {
		s->unsettled = m->tag;
		s->unsettled_at = nl_monotonic();
	}
	if (m->begun)
		smtp_txn_remove(s, m);
}

/* Finishes every delivery of `s` that is still waiting with the same outcome (nothing was sent). */
static void smtp_finish_all(struct smtp_session *s, enum nl_code code, const char *why)
{
	for (int k = 0; k < SMTP_PER_SESSION; k++)
		smtp_finish(s->msgs[k], code, "%s", why);
}

/* Closes the connection without a word (libcurl closes a connect-only connection when its handle
 * leaves the multi handle).  The deliveries begun on it are the caller's to settle. */
static void smtp_drop_link(struct smtp_session *s)
{
	if (s->link != LINK_DOWN)
		curl_multi_remove_handle(s->pool->multi, s->easy);
	s->link = LINK_DOWN;
	s->sock = CURL_SOCKET_BAD;
	s->need_rset = false;
	s->txns = 0;
	s->reply_open = s->line_open = false;
	s->nsteps = s->nwritten = s->nreplied = 0;
	nl_buf_reset(&s->out);
	s->out_off = 0;
	s->deadline = INFINITY;
}

static const char *smtp_step_name(enum smtp_step st)
{
	static const char *const names[] = {"RSET", "MAIL", "RCPT", "DATA", "the message body", "QUIT"};
	return names[st];
}

/* The first command of `m` still awaiting its reply, by name ("" if none was written). */
static const char *smtp_pending_step(const struct smtp_session *s, const struct smtp_msg *m)
{
	for (int k = s->nreplied; k < s->nwritten; k++)
		if (s->steps[k].m == m)
			return smtp_step_name(s->steps[k].step);
	return "";
}

/* ---- the transaction ---- */

static void smtp_connect(struct smtp_session *s);
static void smtp_advance(struct smtp_session *s);

/* Whether a delivery of `s` waits for the connection (to open, or to begin its transaction). */
static bool smtp_has_waiting(const struct smtp_session *s)
{
	for (int k = 0; k < SMTP_PER_SESSION; k++)
		if (s->msgs[k]->state == SMTP_BUSY && !s->msgs[k]->begun)
			return true;
	return false;
}

/* The connection broke (`why`): decide the fate of the deliveries begun on it, close it, and open a
 * fresh one for those still waiting. */
static void smtp_link_failed(struct smtp_session *s, const char *why)
{
	struct smtp_msg *txn[SMTP_PER_SESSION];
	const char *step[SMTP_PER_SESSION];
	int n = s->ntxn;
	bool reused = s->txns > 1;
	for (int i = 0; i < n; i++) {
		txn[i] = s->txn[i];
		step[i] = smtp_pending_step(s, txn[i]);
	}
	smtp_drop_link(s);
	for (int i = 0; i < n; i++) {
		struct smtp_msg *m = txn[i];
		smtp_txn_remove(s, m);
		if (m->dot_sent) {
			smtp_finish(m, NL_ERR_SMTP_UNKNOWN, "no reply from %s after the final dot (%s)",
			            s->pool->host, why);
		} else if (reused && m->replies == 0 && !m->restarted) {
			/* The server closed a connection we meant to reuse before it answered this one: a
			 * fresh one cannot do worse, and nothing of it can have been taken. */
			m->restarted = true;
		} else {
			smtp_finish(m, NL_ERR_SMTP_TEMP, "%s: %s%s%s", s->pool->host, why,
			            step[i][0] ? " after " : "", step[i]);
		}
	}
	if (smtp_has_waiting(s))
		smtp_connect(s);
}

static void smtp_push_step(struct smtp_session *s, enum smtp_step st, struct smtp_msg *m)
{
	s->steps[s->nsteps].step = st;
	s->steps[s->nsteps].m = m;
	s->nsteps++;
}

/* Appends the body of `m` with dot stuffing. */
static void smtp_queue_body(struct smtp_session *s, struct smtp_msg *m)
{
	const char *p = m->msg.data ? m->msg.data : "";
	size_t n = m->msg.len;
	const char *end = p + n, *start = p;
	if (n > 0 && *p == '.')
		nl_buf_putc(&s->out, '.');
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		if (!lf)
			break;
		p = lf + 1;
		if (p < end && *p == '.') {
			nl_buf_append(&s->out, start, (size_t)(p - start));
			nl_buf_putc(&s->out, '.');
			start = p;
		}
	}
	nl_buf_append(&s->out, start, (size_t)(end - start));
	if (n > 0 && (n < 2 || end[-2] != '\r' || end[-1] != '\n'))
		nl_buf_puts(&s->out, "\r\n");
	m->body_queued = true;
}

static void smtp_queue_dot(struct smtp_session *s, struct smtp_msg *m)
{
	nl_buf_puts(&s->out, ".\r\n");
	m->dot_end = s->out.len;
	m->dot_queued = true;
	smtp_push_step(s, STEP_DOT, m);
	s->nwritten = s->nsteps;
	smtp_trace(s->pool, "> ", ".", 1);
}

/* Writes the next commands: all of them with PIPELINING, else the next once the last is answered. */
static void smtp_queue_commands(struct smtp_session *s)
{
	while (s->nwritten < s->nsteps && (s->pipelining || s->nwritten == s->nreplied)) {
		const struct smtp_cmd *c = &s->steps[s->nwritten++];
		const struct nl_buf *addr = &c->m->addr;
		size_t from = s->out.len;
		switch (c->step) {
		case STEP_RSET:
			nl_buf_puts(&s->out, "RSET\r\n");
			break;
		case STEP_MAIL:
			nl_buf_printf(&s->out, "MAIL FROM:<%s>\r\n", addr->data);
			break;
		case STEP_RCPT:
			nl_buf_printf(&s->out, "RCPT TO:<%s>\r\n", addr->data + c->m->rcpt_off);
			break;
		case STEP_DATA:
			nl_buf_puts(&s->out, "DATA\r\n");
			break;
		case STEP_DOT:
		case STEP_QUIT:
			break;
		}
		smtp_trace(s->pool, "> ", s->out.data + from, s->out.len - from);
	}
}

/* The oldest delivery of `s` whose transaction has not begun. */
static struct smtp_msg *smtp_next_waiting(struct smtp_session *s)
{
	struct smtp_msg *w = NULL;
	for (int k = 0; k < SMTP_PER_SESSION; k++) {
		struct smtp_msg *m = s->msgs[k];
		if (m->state == SMTP_BUSY && !m->begun && (!w || m->seq < w->seq))
			w = m;
	}
	return w;
}

static void smtp_average(double *avg, double sample)
{
	*avg = *avg < 0 ? sample : 0.8 * *avg + 0.2 * sample;
}

/* Whether the next envelope should go behind the final dot rather than after its reply.  Behind
 * it saves the envelope's round trip; but its next dot must wait for the settle anyway, and when
 * the server answers faster than the caller settles (loopback, where the commit's fsync is the
 * longer wait), the envelope sent after the reply travels while the commit waits for the disk,
 * instead of delaying the reply: on loopback with the journal on disk, one connection sent 2,200
 * messages/s behind the dot and 2,700/s after it. */
static bool smtp_behind_dot(const struct smtp_session *s)
{
	return !s->pool->settle || s->dot_rtt < 0 || s->settle_wait < 0 || s->dot_rtt >= s->settle_wait;
}

/* Whether another transaction can begin: none is in progress, or (PIPELINING) the last one's
 * final dot is queued, so the next envelope travels with it (RFC 2920 §3.1: the message content
 * may start a group, and DATA ends it). */
static bool smtp_can_begin(const struct smtp_session *s)
{
	if (s->link != LINK_UP || s->nsteps + 4 > SMTP_MAX_STEPS)
		return false;
	if (s->ntxn == 0)
		return true;
	return s->pipelining && s->ntxn < SMTP_PER_SESSION && s->txn[s->ntxn - 1]->dot_queued &&
	       smtp_behind_dot(s);
}

static void smtp_begin(struct smtp_session *s, struct smtp_msg *m)
{
	m->begun = true;
	m->replies = 0;
	m->dot_end = 0;
	m->body_queued = m->dot_queued = m->dot_sent = m->failed = false;
	m->dot_at = 0;
	s->txn[s->ntxn++] = m;
	if (s->need_rset)
		smtp_push_step(s, STEP_RSET, m);
	smtp_push_step(s, STEP_MAIL, m);
	smtp_push_step(s, STEP_RCPT, m);
	smtp_push_step(s, STEP_DATA, m);
	s->need_rset = false;
	s->txns++;
	s->deadline = nl_monotonic() + (double)s->pool->timeout;
}

/* The deadline runs while the server owes a reply or our bytes wait to leave; waiting for
 * ourselves (a held dot, an outcome to be made durable) is not the server's delay. */
static void smtp_arm(struct smtp_session *s)
{
	bool awaiting = s->link == LINK_UP && (s->nreplied < s->nwritten || s->out_off < s->out.len);
	if (!awaiting)
		s->deadline = INFINITY;
	else if (s->deadline == INFINITY)
		s->deadline = nl_monotonic() + (double)s->pool->timeout;
}

static void smtp_flush(struct smtp_session *s)
{
	while (s->link == LINK_UP && s->out_off < s->out.len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(s->easy, s->out.data + s->out_off, s->out.len - s->out_off, &n);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			smtp_link_failed(s, curl_easy_strerror(rc));
			return;
		}
		s->out_off += n;
		double now = nl_monotonic();
		s->deadline = now + (double)s->pool->timeout; /* progress, as LOW_SPEED would see it */
		for (int i = 0; i < s->ntxn; i++) {
			struct smtp_msg *m = s->txn[i];
			if (m->dot_end && s->out_off >= m->dot_end && !m->dot_sent) {
				m->dot_sent = true;
				m->dot_at = now;
			}
		}
	}
	if (s->link == LINK_UP && s->out_off == s->out.len) {
		nl_buf_reset(&s->out);
		s->out_off = 0;
		for (int i = 0; i < s->ntxn; i++)
			s->txn[i]->dot_end = 0;
	}
	smtp_arm(s);
}

/* Moves the connection on as far as it can go without a reply: the final dot of the newest
 * transaction once released (and once the last outcome is durable, with opt->settle), the next
 * transaction's commands, and the bytes. */
static void smtp_advance(struct smtp_session *s)
{
	if (s->link != LINK_UP)
		return;
	if (s->ntxn > 0) {
		struct smtp_msg *m = s->txn[s->ntxn - 1];
		if (m->body_queued && !m->dot_queued && !m->held && !s->unsettled)
			smtp_queue_dot(s, m);
	}
	struct smtp_msg *w;
	if (smtp_can_begin(s) && (w = smtp_next_waiting(s)) != NULL)
		smtp_begin(s, w);
	smtp_queue_commands(s);
	smtp_flush(s);
}

/* The reply just read refused the transaction of `m`; the first refusal is the one that counts. */
static void smtp_refused(struct smtp_session *s, struct smtp_msg *m)
{
	if (m->failed)
		return;
	m->failed = true;
	m->fail_code = s->reply_code / 100 == 5 ? NL_ERR_SMTP_PERM : NL_ERR_SMTP_TEMP;
	m->fail_smtp_code = s->reply_code;
	snprintf(m->fail_reply, sizeof m->fail_reply, "%s", s->reply);
}

/* The outcome of the reply to a final dot (§4.2.1: the first digit decides). */
static void smtp_dot_answered(struct smtp_session *s, struct smtp_msg *m)
{
	int cls = s->reply_code / 100;
	if (m->dot_at > 0)
		smtp_average(&s->dot_rtt, nl_monotonic() - m->dot_at);
	enum nl_code oc = cls == 2   ? NL_OK
	                  : cls == 4 ? NL_ERR_SMTP_TEMP
	                  : cls == 5 ? NL_ERR_SMTP_PERM
	                             : NL_ERR_SMTP_UNKNOWN;
	if (oc == NL_ERR_SMTP_UNKNOWN)
		smtp_finish(m, oc, "%s answered the final dot with neither yes nor no: %.300s", s->pool->host,
		            s->reply);
	else
		smtp_finish(m, oc, "%s", s->reply);
	/* A server going away (§3.8) or talking nonsense: what was pipelined behind the dot starts
	 * again on a fresh connection. */
	if (s->reply_code == 421 || oc == NL_ERR_SMTP_UNKNOWN)
		smtp_link_failed(s, s->reply);
	else
		smtp_advance(s);
}

/* A complete reply to the oldest command awaiting one. */
static void smtp_on_reply(struct smtp_session *s)
{
	int code = s->reply_code;
	int cls = code / 100;
	struct smtp_msg *tail = s->ntxn > 0 ? s->txn[s->ntxn - 1] : NULL;
	if (tail && tail->body_queued && !tail->dot_sent) {
		/* An answer while the body is going out (or held): the server did not wait for the end
		 * of the data.  A yes may stand for a cut message, so it proves nothing either way. */
		if (cls == 2)
			smtp_finish(tail, NL_ERR_SMTP_UNKNOWN,
			            "%s answered before the end of the message: %.300s", s->pool->host,
			            s->reply);
		else
			smtp_finish(tail, cls == 5 ? NL_ERR_SMTP_PERM : NL_ERR_SMTP_TEMP, "%s", s->reply);
		smtp_link_failed(s, s->reply);
		return;
	}
	if (s->nreplied >= s->nwritten) {
		/* Nothing was asked: typically 421 before an idle close.  The connection is no good. */
		smtp_link_failed(s, s->reply_len ? s->reply : "a reply nobody asked for");
		return;
	}
	struct smtp_cmd c = s->steps[s->nreplied++];
	if (s->nreplied == s->nwritten) {
		/* Every command written is answered: the queue starts over. */
		memmove(s->steps, s->steps + s->nreplied,
		        (size_t)(s->nsteps - s->nreplied) * sizeof s->steps[0]);
		s->nsteps -= s->nreplied;
		s->nwritten = s->nreplied = 0;
	}
	s->deadline = nl_monotonic() + (double)s->pool->timeout;
	if (c.step == STEP_QUIT)
		return;
	struct smtp_msg *m = c.m;
	m->replies++;
	bool closing = code == 421; /* the server is going away (§3.8) */
	switch (c.step) {
	case STEP_RSET:
		if (cls != 2) {
			smtp_link_failed(s, s->reply);
			return;
		}
		break;
	case STEP_MAIL:
	case STEP_RCPT:
		if (cls != 2)
			smtp_refused(s, m);
		break;
	case STEP_DATA:
		if (code == 354 && !m->failed) {
			smtp_queue_body(s, m);
			break;
		}
		if (code == 354) {
			/* Go-ahead after a refusal (a broken pipeline): ending DATA would be a
			 * message nobody asked for; leaving is the clean way out. */
			closing = true;
		} else {
			smtp_refused(s, m);
		}
		break;
	case STEP_DOT:
		smtp_dot_answered(s, m);
		return;
	case STEP_QUIT:
		return;
	}
	bool answered = smtp_pending_step(s, m)[0] == '\0';
	if (m->failed && (answered || !s->pipelining || closing)) {
		/* Refused before the body: every command written has its answer (or the server leaves). */
		s->need_rset = true;
		smtp_finish(m, m->fail_code, "%s", m->fail_reply);
		m->result.smtp_code = m->fail_smtp_code;
		if (closing || !answered) {
			smtp_link_failed(s, s->reply);
			return;
		}
	} else if (closing) {
		smtp_link_failed(s, s->reply);
		return;
	}
	smtp_advance(s);
}

/* Keeps printable text of a reply line, as far as it fits (CRs and other controls are dropped). */
static void smtp_reply_text(struct smtp_session *s, const char *data, size_t len)
{
	for (size_t i = 0; i < len && s->reply_len < sizeof s->reply - 1; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\r')
			continue;
		s->reply[s->reply_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	s->reply[s->reply_len] = '\0';
}
/* Feeds received bytes through the reply parser: "250-..." continues a reply, "250 ..." ends it
 * (§4.2.1).  The first line is kept whole, later lines without their code. */
static void smtp_feed(struct smtp_session *s, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	while (p < end && s->link == LINK_UP) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *stop = lf ? lf : end;
		size_t seg = (size_t)(stop - p);
		if (!s->line_open) {
			s->line_open = true;
			s->line_pos = 0;
			s->line_first = !s->reply_open;
			if (s->line_first)
				s->reply_len = 0;
			else if (s->reply_len < sizeof s->reply - 1)
				s->reply[s->reply_len++] = ' ';
		}
		for (size_t i = 0; i < seg && s->line_pos + i < sizeof s->line_head; i++)
			s->line_head[s->line_pos + i] = p[i];
		size_t skip = 0;
		if (!s->line_first && s->line_pos < sizeof s->line_head)
			skip = seg < sizeof s->line_head - s->line_pos ? seg : sizeof s->line_head - s->line_pos;
		smtp_reply_text(s, p + skip, seg - skip);
		s->line_pos += seg;
		if (!lf)
			return;
		p = lf + 1;
		s->line_open = false;
		const char *h = s->line_head;
		if (s->line_pos < 3 || !isdigit((unsigned char)h[0]) || !isdigit((unsigned char)h[1]) ||
		    !isdigit((unsigned char)h[2])) {
			smtp_link_failed(s, "a reply line without a code");
			return;
		}
		int code = (h[0] - '0') * 100 + (h[1] - '0') * 10 + (h[2] - '0');
		if (s->line_first)
			s->reply_code = code;
		bool last = s->line_pos < 4 || h[3] != '-';
		s->reply_open = !last;
		if (last) {
			smtp_trace(s->pool, "< ", s->reply, s->reply_len);
			smtp_on_reply(s);
		}
	}
}

/* Reads what the server sent (a bounded amount per turn). */
static void smtp_read(struct smtp_session *s)
{
	char buf[SMTP_READ_CHUNK];
	for (int i = 0; i < SMTP_READS_PER_TURN && s->link == LINK_UP; i++) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(s->easy, buf, sizeof buf, &n);
		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			smtp_link_failed(s, curl_easy_strerror(rc));
			return;
		}
		if (n == 0) {
			smtp_link_failed(s, "the server closed the connection");
			return;
		}
		smtp_feed(s, buf, n);
	}
}

/* ---- connecting ---- */

static void smtp_connect(struct smtp_session *s)
{
	s->last_cmd[0] = '\0';
	s->in_auth = false;
	s->connect_replies = 0;
	s->pipelining = false;
	s->reply_open = false;
	s->reply_len = 0;
	s->reply_code = 0;
	s->reply[0] = '\0';
	s->deadline = INFINITY; /* libcurl keeps the connect and reply timeouts */
	CURLMcode mc = curl_multi_add_handle(s->pool->multi, s->easy);
	if (mc != CURLM_OK) {
		char why[128];
		snprintf(why, sizeof why, "libcurl: %s", curl_multi_strerror(mc));
		smtp_finish_all(s, NL_ERR_SMTP_TEMP, why);
		return;
	}
	s->link = LINK_CONNECTING;
}

static bool smtp_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_INITFAILED:
		return true;
	default:
		return false;
	}
}

/* Opening the connection failed: nothing was sent (see transport.h for the codes); every delivery
 * waiting for it gets the same outcome. */
static void smtp_connect_failed(struct smtp_session *s, CURLcode rc)
{
	struct nl_smtp *p = s->pool;
	const char *why = curl_easy_strerror(rc);
	bool complete_reply = !s->reply_open;
	char text[NL_TRANSPORT_REPLY_MAX];
	enum nl_code code = NL_ERR_SMTP_TEMP;
	smtp_drop_link(s);
	if (rc == CURLE_LOGIN_DENIED) {
		code = NL_ERR_AUTH;
		snprintf(text, sizeof text,
		         "authentication failed: %.100s refused the login for user '%.100s': %.250s", p->host,
		         p->user, s->reply_len ? s->reply : why);
	} else if (rc == CURLE_USE_SSL_FAILED) {
		code = NL_ERR_TLS;
		snprintf(text, sizeof text,
		         "%s does not offer STARTTLS, which is required for it (only `starttls = never` in "
		         "[smtp] would allow plain text)",
		         p->host);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		code = NL_ERR_TLS;
		snprintf(
		    text, sizeof text,
		    "TLS with %s failed: its certificate is not trusted (%s); for a private CA set ca_file",
		    p->host, why);
	} else if (smtp_tls_error(rc)) {
		code = NL_ERR_TLS;
		snprintf(text, sizeof text, "TLS with %s failed: %s", p->host, why);
	} else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	           (rc == CURLE_OPERATION_TIMEDOUT && s->connect_replies == 0 && !s->last_cmd[0])) {
		code = NL_ERR_SMTP_CONNECT;
		snprintf(text, sizeof text, "cannot reach %s: %s", p->host, why);
	} else if (complete_reply && s->reply_code >= 400 && s->reply_code < 600) {
		snprintf(text, sizeof text, "%s", s->reply);
	} else {
		snprintf(text, sizeof text, "%s: %s%s%s", p->host, why, s->last_cmd[0] ? " after " : "",
		         s->last_cmd);
	}
	smtp_finish_all(s, code, text);
}

/* Connections libcurl finished opening (or failed to). */
static void smtp_harvest_connects(struct nl_smtp *p)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct smtp_session *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (!s || s->link != LINK_CONNECTING)
			continue;
		CURLcode rc = m->data.result;
		curl_socket_t sock = CURL_SOCKET_BAD;
		if (rc == CURLE_OK && curl_easy_getinfo(s->easy, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK)
			sock = CURL_SOCKET_BAD;
		if (rc == CURLE_OK && sock == CURL_SOCKET_BAD)
			rc = CURLE_COULDNT_CONNECT;
		if (rc != CURLE_OK) {
			smtp_connect_failed(s, rc);
			continue;
		}
		s->link = LINK_UP;
		s->sock = sock;
		s->txns = 0;
		s->need_rset = false;
		smtp_advance(s);
	}
}

/* ---- public ---- */

int nl_smtp_slots(const struct nl_smtp *p)
{
	return p->nmsgs;
}

int nl_smtp_free_slots(const struct nl_smtp *p)
{
	int n = 0;
	for (int i = 0; i < p->nmsgs; i++)
		n += p->m[i].state == SMTP_FREE;
	return n;
}

int nl_smtp_in_flight(const struct nl_smtp *p)
{
	return p->in_flight;
}

int nl_smtp_can_finish(const struct nl_smtp *p)
{
	int n = 0;
	for (int i = 0; i < p->nmsgs; i++) {
		const struct smtp_msg *m = &p->m[i];
		n += m->state == SMTP_BUSY && !m->held && (m->dot_queued || !m->session->unsettled);
	}
	return n;
}

/* An address that could not go into a command line as it is (RFC 5321 §4.1.2 leaves no room for
 * controls, spaces or angle brackets outside quotes; the address checks never let them through). */
static bool smtp_bad_address(const char *a)
{
	for (const unsigned char *c = (const unsigned char *)a; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == '<' || *c == '>')
			return true;
	return false;
}

/* How good a place slot `m` is for the next delivery (lower is better): a connection with nothing
 * to do first, then one that can take it behind its dot; open before opening before closed. */
static int smtp_slot_rank(const struct smtp_msg *m)
{
	const struct smtp_session *s = m->session;
	int busy = 0;
	for (int k = 0; k < SMTP_PER_SESSION; k++)
		busy += s->msgs[k]->state != SMTP_FREE;
	int link = s->link == LINK_UP ? 0 : s->link == LINK_CONNECTING ? 1 : 2;
	return busy * 3 + link;
}

enum nl_code nl_smtp_submit(struct nl_smtp *p, const char *from, const char *rcpt, struct nl_buf *msg,
                            void *tag, bool hold, struct nl_error *err)
{
	struct smtp_msg *m = NULL;
	int best = 0;
	for (int i = 0; i < p->nmsgs; i++) {
		if (p->m[i].state != SMTP_FREE)
			continue;
		int rank = smtp_slot_rank(&p->m[i]);
		if (!m || rank < best) {
			m = &p->m[i];
			best = rank;
		}
	}
	if (!m)
		return nl_fail(err, NL_ERR_USAGE, "no free transport slot");
	struct smtp_session *s = m->session;
	struct nl_buf old = m->msg;
	m->msg = *msg;
	*msg = old;
	nl_buf_reset(msg);
	msg->overflow = false;
	m->tag = tag;
	m->held = hold;
	m->restarted = false;
	m->begun = false;
	m->seq = ++p->seq;
	memset(&m->result, 0, sizeof m->result);
	m->result.tag = tag;
	m->state = SMTP_BUSY;
	p->in_flight++;
	nl_buf_reset(&m->addr);
	nl_buf_append(&m->addr, from, strlen(from) + 1);
	m->rcpt_off = m->addr.len;
	nl_buf_append(&m->addr, rcpt, strlen(rcpt) + 1);
	if (smtp_bad_address(from) || smtp_bad_address(rcpt) || !*rcpt) {
		smtp_finish(m, NL_ERR_SMTP_PERM,
		            "an envelope address cannot be sent as it is: <%.200s> to <%.200s>", from, rcpt);
		return NL_OK;
	}
	if (s->link == LINK_DOWN)
		smtp_connect(s);
	else
		smtp_advance(s);
	return NL_OK;
}

void nl_smtp_release(struct nl_smtp *p, void *tag)
{
	for (int i = 0; i < p->nmsgs; i++) {
		struct smtp_msg *m = &p->m[i];
		if (m->state != SMTP_BUSY || m->tag != tag || !m->held)
			continue;
		m->held = false;
		smtp_advance(m->session);
		return;
	}
}

void nl_smtp_settle(struct nl_smtp *p, void *tag)
{
	if (!tag)
		return;
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->unsettled != tag)
			continue;
		s->unsettled = NULL;
		smtp_average(&s->settle_wait, nl_monotonic() - s->unsettled_at);
		smtp_advance(s);
	}
}

/* Serves one open connection that poll reported: what the server said first, so that an answer
 * is seen before more of a message goes out. */
static void smtp_service(struct smtp_session *s, int revents)
{
	if (s->link == LINK_UP && (revents & ~CURL_WAIT_POLLOUT))
		smtp_read(s);
	if (s->link == LINK_UP && (revents & CURL_WAIT_POLLOUT))
		smtp_flush(s);
}

static void smtp_check_deadlines(struct nl_smtp *p, double now)
{
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->link != LINK_UP || now < s->deadline)
			continue;
		char why[64];
		snprintf(why, sizeof why, "no reply within %ld s", p->timeout);
		for (int k = 0; k < s->ntxn; k++)
			s->txn[k]->restarted =
			    true; /* a silent server is not a closed connection: never move it */
		smtp_link_failed(s, why);
	}
}

static size_t smtp_collect(struct nl_smtp *p, struct nl_transport_result *out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < p->nmsgs && n < max; i++) {
		struct smtp_msg *m = &p->m[i];
		if (m->state != SMTP_DONE)
			continue;
		out[n++] = m->result;
		m->state = SMTP_FREE;
		m->tag = NULL;
		p->in_flight--;
	}
	return n;
}

static bool smtp_any_done(const struct nl_smtp *p)
{
	for (int i = 0; i < p->nmsgs; i++)
		if (p->m[i].state == SMTP_DONE)
			return true;
	return false;
}

/* The poll's timeout: the caller's, or sooner when a deadline comes first. */
static int smtp_poll_ms(const struct nl_smtp *p, int timeout_ms, double now)
{
	double soonest = INFINITY;
	for (int i = 0; i < p->nsessions; i++)
		if (p->s[i].link == LINK_UP && p->s[i].deadline < soonest)
			soonest = p->s[i].deadline;
	if (soonest == INFINITY)
		return timeout_ms;
	double ms = (soonest - now) * 1000.0 + 1.0;
	if (ms < 0)
		ms = 0;
	return ms < (double)timeout_ms ? (int)ms : timeout_ms;
}

/* Puts every open connection into p->fds: busy ones for their replies (and for room to write when
 * output waits), idle ones for a server that says goodbye.  Returns how many. */
static unsigned smtp_poll_set(struct nl_smtp *p)
{
	unsigned nfds = 0;
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->link != LINK_UP)
			continue;
		p->fds[nfds].fd = s->sock;
		p->fds[nfds].events = CURL_WAIT_POLLIN | (s->out_off < s->out.len ? CURL_WAIT_POLLOUT : 0);
		p->fds[nfds].revents = 0;
		p->owner[nfds++] = i;
	}
	return nfds;
}

enum nl_code nl_smtp_wait(struct nl_smtp *p, int timeout_ms, struct nl_transport_result *out, size_t max,
                          size_t *n, struct nl_error *err)
{
	*n = 0;
	for (int round = 0; round < 2; round++) {
		bool connecting = false;
		for (int i = 0; i < p->nsessions; i++)
			connecting |= p->s[i].link == LINK_CONNECTING;
		if (connecting) {
			int running = 0;
			CURLMcode mc = curl_multi_perform(p->multi, &running);
			if (mc != CURLM_OK)
				return nl_fail(err, NL_ERR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
			smtp_harvest_connects(p);
		}
		double now = nl_monotonic();
		smtp_check_deadlines(p, now);
		if (smtp_any_done(p)) {
			*n = smtp_collect(p, out, max);
			return NL_OK;
		}
		if (round == 1 || timeout_ms <= 0)
			return NL_OK;
		unsigned nfds = smtp_poll_set(p);
		CURLMcode mc = curl_multi_poll(p->multi, p->fds, nfds, smtp_poll_ms(p, timeout_ms, now), NULL);
		if (mc != CURLM_OK)
			return nl_fail(err, NL_ERR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
		for (unsigned k = 0; k < nfds; k++) {
			if (p->fds[k].revents)
				smtp_service(&p->s[p->owner[k]], p->fds[k].revents);
		}
	}
	return NL_OK;
}

void nl_smtp_wakeup(struct nl_smtp *p)
{
	curl_multi_wakeup(p->multi);
}

const char *nl_smtp_trace(struct nl_smtp *p)
{
	free(p->trace_out);
	p->trace_out = NULL;
	if (!p->trace || p->trace_buf.len == 0)
		return "";
	p->trace_out = nl_buf_detach(&p->trace_buf);
	return p->trace_out;
}

/* QUIT on every idle open connection, then a bounded wait for the answers (RFC 5321 §4.1.1.10). */
static void smtp_quit_all(struct nl_smtp *p)
{
	int waiting = 0;
	for (int i = 0; i < p->nmsgs; i++)
		if (p->m[i].state == SMTP_BUSY)
			p->m[i].state = SMTP_FREE; /* a held dot is never sent; nothing reconnects for it */
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->link != LINK_UP || s->ntxn > 0 || s->out_off < s->out.len) {
			smtp_drop_link(s);
			continue;
		}
		size_t sent = 0;
		if (curl_easy_send(s->easy, "QUIT\r\n", 6, &sent) != CURLE_OK || sent != 6) {
			smtp_drop_link(s);
			continue;
		}
		smtp_trace(p, "> ", "QUIT", 4);
		s->nsteps = s->nwritten = 1;
		s->nreplied = 0;
		s->steps[0].step = STEP_QUIT;
		s->steps[0].m = NULL;
		waiting++;
	}
	double until = nl_monotonic() + SMTP_CLOSE_WAIT;
	while (waiting > 0) {
		double now = nl_monotonic();
		if (now >= until)
			break;
		unsigned nfds = smtp_poll_set(p);
		if (nfds == 0 || curl_multi_poll(p->multi, p->fds, nfds, (int)((until - now) * 1000) + 1, NULL) !=
		                     CURLM_OK)
			break;
		for (unsigned k = 0; k < nfds; k++) {
			struct smtp_session *s = &p->s[p->owner[k]];
			if (!p->fds[k].revents)
				continue;
			smtp_read(s);
			if (s->link == LINK_UP && s->nwritten == 0)
				smtp_drop_link(s); /* QUIT was answered (the queue started over) */
			if (s->link == LINK_DOWN)
				waiting--;
		}
	}
	for (int i = 0; i < p->nsessions; i++)
		smtp_drop_link(&p->s[i]);
}

void nl_smtp_close(struct nl_smtp *p)
{
	if (!p)
		return;
	if (p->multi)
		smtp_quit_all(p);
	for (int i = 0; i < p->nsessions; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->easy)
			curl_easy_cleanup(s->easy);
		nl_buf_free(&s->out);
	}
	for (int i = 0; i < p->nmsgs; i++) {
		nl_buf_free(&p->m[i].msg);
		nl_buf_free(&p->m[i].addr);
	}
	if (p->multi)
		curl_multi_cleanup(p->multi);
	free(p->s);
	free(p->m);
	free(p->fds);
	free(p->owner);
	free(p->host);
	free(p->user);
	nl_buf_free(&p->trace_buf);
	free(p->trace_out);
	free(p);
}
