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
 * 354, the body with dot stuffing (RFC 5321 §4.5.2) and the end-of-data line.  Outcomes follow
 * §4.2.1: the first digit of the reply decides (2 sent, 4 deferred, 5 failed).  Past the final dot,
 * silence, a dropped connection or a reply that is neither yes nor no means the message may have
 * arrived (§4.1.1.4, RFC 1047): unknown, never resent by itself.  Before it, nothing can have been
 * taken: a drop is deferred, and when a reused connection dies before answering anything, the
 * message moves once to a fresh connection at no cost.
 *
 * Every step has a deadline (the `timeout` setting) that starts when the command or a piece of the
 * body goes out; bytes of a reply do not extend it, so a reply that never ends still times out.
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

enum smtp_state { SMTP_FREE, SMTP_BUSY, SMTP_DONE };
enum smtp_link { LINK_DOWN, LINK_CONNECTING, LINK_UP };
enum smtp_step { STEP_RSET, STEP_MAIL, STEP_RCPT, STEP_DATA, STEP_DOT, STEP_QUIT };

struct smtp_session {
	struct nl_smtp *pool;
	CURL *easy;
	enum smtp_state state;
	/* the message */
	struct nl_buf msg;  /* swapped in from the caller */
	struct nl_buf addr; /* envelope sender NUL recipient NUL */
	size_t rcpt_off;    /* where the recipient starts in addr */
	void *tag;
	bool held;      /* the final dot waits for nl_smtp_release */
	bool restarted; /* already moved to a fresh connection once */
	/* the connection */
	enum smtp_link link;
	curl_socket_t sock;
	bool pipelining; /* the server's last EHLO reply offered PIPELINING */
	bool need_rset;  /* a transaction failed part way: reset before the next */
	unsigned txns;   /* transactions begun on this connection */
	/* the transaction */
	enum smtp_step steps[5];
	int nsteps, nwritten, nreplied;
	struct nl_buf out;
	size_t out_off;
	size_t dot_end;     /* offset in out just past the end-of-data line; 0 = not queued */
	bool body_queued;   /* 354 came and the body is in out */
	bool dot_sent;      /* the end-of-data line left completely */
	bool failed;        /* a reply refused the transaction before the dot */
	enum nl_code fail_code;
	int fail_smtp_code;
	char fail_reply[NL_TRANSPORT_REPLY_MAX];
	double deadline;    /* monotonic; INFINITY while nothing is awaited */
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
	struct nl_transport_result result;
};

struct nl_smtp {
	CURLM *multi;
	int nslots;
	struct smtp_session *s;
	int in_flight;
	char *host;
	char *user;
	long timeout;
	bool trace;
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
	nl_buf_init(&p->trace_buf, 0);
	p->nslots = opt->connections;
	p->s = nl_xcalloc((size_t)p->nslots, sizeof *p->s);
	p->fds = nl_xcalloc((size_t)p->nslots, sizeof *p->fds);
	p->owner = nl_xcalloc((size_t)p->nslots, sizeof *p->owner);
	p->multi = curl_multi_init();
	if (!p->multi) {
		nl_smtp_close(p);
		return nl_fail(err, NL_ERR_INTERNAL, "libcurl could not create a multi handle");
	}
	for (int i = 0; i < p->nslots; i++) {
		struct smtp_session *s = &p->s[i];
		s->pool = p;
		s->sock = CURL_SOCKET_BAD;
		s->deadline = INFINITY;
		nl_buf_init(&s->msg, 0);
		nl_buf_init(&s->addr, 0);
		nl_buf_init(&s->out, 0);
		enum nl_code rc = smtp_setup_easy(p, s, opt, use_ssl, err);
		if (rc != NL_OK) {
			nl_smtp_close(p);
			return rc;
		}
	}
	*out = p;
	return NL_OK;
}

/* ---- outcomes ---- */

static void smtp_finish(struct smtp_session *s, enum nl_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void smtp_finish(struct smtp_session *s, enum nl_code code, const char *fmt, ...)
{
	if (s->state != SMTP_BUSY)
		return;
	struct nl_transport_result *r = &s->result;
	r->code = code;
	r->smtp_code = s->reply_code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof r->reply, fmt, ap);
	va_end(ap);
	s->state = SMTP_DONE;
	s->deadline = INFINITY;
}

/* Closes the connection without a word (libcurl closes a connect-only connection when its handle
 * leaves the multi handle). */
static void smtp_drop_link(struct smtp_session *s)
{
	if (s->link != LINK_DOWN)
		curl_multi_remove_handle(s->pool->multi, s->easy);
	s->link = LINK_DOWN;
	s->sock = CURL_SOCKET_BAD;
	s->need_rset = false;
	s->txns = 0;
	s->reply_open = s->line_open = false;
}

static const char *smtp_step_name(enum smtp_step st)
{
	static const char *const names[] = {"RSET", "MAIL", "RCPT", "DATA", "the message body", "QUIT"};
	return names[st];
}

/* ---- the transaction ---- */

static void smtp_connect(struct smtp_session *s);

/* Appends the body with dot stuffing and, unless held, the end-of-data line. */
static void smtp_queue_body(struct smtp_session *s)
{
	const char *p = s->msg.data ? s->msg.data : "";
	size_t n = s->msg.len;
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
	s->body_queued = true;
}

static void smtp_queue_dot(struct smtp_session *s)
{
	nl_buf_puts(&s->out, ".\r\n");
	s->dot_end = s->out.len;
	s->steps[s->nsteps++] = STEP_DOT;
	s->nwritten = s->nsteps;
	smtp_trace(s->pool, "> ", ".", 1);
}

/* Writes the next commands: all of them with PIPELINING, else the next once the last is answered. */
static void smtp_queue_commands(struct smtp_session *s)
{
	while (s->nwritten < s->nsteps && (s->pipelining || s->nwritten == s->nreplied)) {
		enum smtp_step st = s->steps[s->nwritten++];
		size_t from = s->out.len;
		switch (st) {
		case STEP_RSET:
			nl_buf_puts(&s->out, "RSET\r\n");
			break;
		case STEP_MAIL:
			nl_buf_printf(&s->out, "MAIL FROM:<%s>\r\n", s->addr.data);
			break;
		case STEP_RCPT:
			nl_buf_printf(&s->out, "RCPT TO:<%s>\r\n", s->addr.data + s->rcpt_off);
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

static void smtp_flush(struct smtp_session *s);

static void smtp_begin(struct smtp_session *s)
{
	nl_buf_reset(&s->out);
	s->out_off = 0;
	s->dot_end = 0;
	s->body_queued = s->dot_sent = s->failed = false;
	s->nsteps = s->nwritten = s->nreplied = 0;
	s->reply_open = s->line_open = false;
	s->reply_code = 0;
	if (s->need_rset)
		s->steps[s->nsteps++] = STEP_RSET;
	s->steps[s->nsteps++] = STEP_MAIL;
	s->steps[s->nsteps++] = STEP_RCPT;
	s->steps[s->nsteps++] = STEP_DATA;
	s->need_rset = false;
	s->txns++;
	s->deadline = nl_monotonic() + (double)s->pool->timeout;
	smtp_queue_commands(s);
	smtp_flush(s);
}

/* The connection broke (`why`): decide the message's fate and close it. */
static void smtp_link_failed(struct smtp_session *s, const char *why)
{
	bool busy = s->state == SMTP_BUSY;
	bool reuse_died = busy && s->txns > 1 && s->nreplied == 0 && !s->restarted && !s->dot_sent;
	const char *step = s->nreplied < s->nwritten ? smtp_step_name(s->steps[s->nreplied]) : "";
	smtp_drop_link(s);
	if (!busy)
		return;
	if (reuse_died) {
		/* The server closed a connection we meant to reuse before it read a thing: a fresh one
		 * cannot do worse, and nothing can have been taken. */
		s->restarted = true;
		smtp_connect(s);
		return;
	}
	if (s->dot_sent)
		smtp_finish(s, NL_ERR_SMTP_UNKNOWN, "no reply from %s after the final dot (%s)", s->pool->host,
		            why);
	else
		smtp_finish(s, NL_ERR_SMTP_TEMP, "%s: %s%s%s", s->pool->host, why, step[0] ? " after " : "", step);
}

static void smtp_flush(struct smtp_session *s)
{
	while (s->link == LINK_UP && s->out_off < s->out.len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(s->easy, s->out.data + s->out_off, s->out.len - s->out_off, &n);
		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK) {
			smtp_link_failed(s, curl_easy_strerror(rc));
			return;
		}
		s->out_off += n;
		s->deadline = nl_monotonic() + (double)s->pool->timeout; /* progress, as LOW_SPEED would see it */
		if (s->dot_end && s->out_off >= s->dot_end)
			s->dot_sent = true;
	}
	if (s->link == LINK_UP && s->out_off == s->out.len) {
		nl_buf_reset(&s->out);
		s->out_off = 0;
		s->dot_end = 0;
		if (s->held && s->body_queued && !s->dot_sent)
			s->deadline = INFINITY; /* waiting for ourselves, not for the server */
	}
}

/* The reply just read refused the transaction; the first refusal is the one that counts. */
static void smtp_refused(struct smtp_session *s)
{
	if (s->failed)
		return;
	s->failed = true;
	s->fail_code = s->reply_code / 100 == 5 ? NL_ERR_SMTP_PERM : NL_ERR_SMTP_TEMP;
	s->fail_smtp_code = s->reply_code;
	snprintf(s->fail_reply, sizeof s->fail_reply, "%s", s->reply);
}

/* A complete reply to the step the session waits for. */
static void smtp_on_reply(struct smtp_session *s)
{
	int code = s->reply_code;
	int cls = code / 100;
	if (s->state == SMTP_BUSY && s->body_queued && !s->dot_sent) {
		/* An answer while the body is going out (or held): the server did not wait for the end
		 * of the data.  A yes may stand for a cut message, so it proves nothing either way. */
		if (cls == 2)
			smtp_finish(s, NL_ERR_SMTP_UNKNOWN, "%s answered before the end of the message: %.300s",
			            s->pool->host, s->reply);
		else
			smtp_finish(s, cls == 5 ? NL_ERR_SMTP_PERM : NL_ERR_SMTP_TEMP, "%s", s->reply);
		smtp_drop_link(s);
		return;
	}
	if (s->state != SMTP_BUSY || s->nreplied >= s->nwritten) {
		/* Nothing was asked: typically 421 before an idle close.  The connection is no good. */
		smtp_link_failed(s, s->reply_len ? s->reply : "a reply nobody asked for");
		return;
	}
	enum smtp_step st = s->steps[s->nreplied++];
	s->deadline = nl_monotonic() + (double)s->pool->timeout;
	bool closing = code == 421; /* the server is going away (§3.8) */
	switch (st) {
	case STEP_RSET:
		if (cls != 2) {
			smtp_link_failed(s, s->reply);
			return;
		}
		break;
	case STEP_MAIL:
	case STEP_RCPT:
		if (cls != 2)
			smtp_refused(s);
		break;
	case STEP_DATA:
		if (code == 354 && !s->failed) {
			smtp_queue_body(s);
			if (!s->held)
				smtp_queue_dot(s);
			break;
		}
		if (code == 354) {
			/* Go-ahead after a refusal (a broken pipeline): ending DATA would be a
			 * message nobody asked for; leaving is the clean way out. */
			closing = true;
		} else {
			smtp_refused(s);
		}
		break;
	case STEP_DOT: {
		enum nl_code oc = cls == 2 ? NL_OK
		                  : cls == 4 ? NL_ERR_SMTP_TEMP
		                  : cls == 5 ? NL_ERR_SMTP_PERM
		                             : NL_ERR_SMTP_UNKNOWN;
		if (oc == NL_ERR_SMTP_UNKNOWN)
			smtp_finish(s, oc, "%s answered the final dot with neither yes nor no: %.300s",
			            s->pool->host, s->reply);
		else
			smtp_finish(s, oc, "%s", s->reply);
		if (closing || oc == NL_ERR_SMTP_UNKNOWN)
			smtp_drop_link(s);
		return;
	}
	case STEP_QUIT:
		return;
	}
	if (s->failed && (s->nreplied == s->nwritten || !s->pipelining || closing)) {
		/* Refused before the body: every command written has its answer (or the server leaves). */
		s->need_rset = true;
		smtp_finish(s, s->fail_code, "%s", s->fail_reply);
		s->result.smtp_code = s->fail_smtp_code;
		if (closing || s->nreplied < s->nwritten)
			smtp_drop_link(s);
		return;
	}
	if (closing) {
		smtp_link_failed(s, s->reply);
		return;
	}
	smtp_queue_commands(s);
	smtp_flush(s);
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
		smtp_finish(s, NL_ERR_SMTP_TEMP, "libcurl: %s", curl_multi_strerror(mc));
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

/* Opening the connection failed: nothing was sent (see transport.h for the codes). */
static void smtp_connect_failed(struct smtp_session *s, CURLcode rc)
{
	struct nl_smtp *p = s->pool;
	const char *why = curl_easy_strerror(rc);
	bool complete_reply = !s->reply_open;
	smtp_drop_link(s);
	if (rc == CURLE_LOGIN_DENIED)
		smtp_finish(s, NL_ERR_AUTH, "authentication failed: %.100s refused the login for user '%.100s': %.250s",
		            p->host, p->user, s->reply_len ? s->reply : why);
	else if (rc == CURLE_USE_SSL_FAILED)
		smtp_finish(s, NL_ERR_TLS,
		            "%s does not offer STARTTLS, which is required for it (only `starttls = never` in "
		            "[smtp] would allow plain text)",
		            p->host);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		smtp_finish(s, NL_ERR_TLS,
		            "TLS with %s failed: its certificate is not trusted (%s); for a private CA set ca_file",
		            p->host, why);
	else if (smtp_tls_error(rc))
		smtp_finish(s, NL_ERR_TLS, "TLS with %s failed: %s", p->host, why);
	else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	         (rc == CURLE_OPERATION_TIMEDOUT && s->connect_replies == 0 && !s->last_cmd[0]))
		smtp_finish(s, NL_ERR_SMTP_CONNECT, "cannot reach %s: %s", p->host, why);
	else if (complete_reply && s->reply_code >= 400 && s->reply_code < 600)
		smtp_finish(s, NL_ERR_SMTP_TEMP, "%s", s->reply);
	else
		smtp_finish(s, NL_ERR_SMTP_TEMP, "%s: %s%s%s", p->host, why, s->last_cmd[0] ? " after " : "",
		            s->last_cmd);
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
		if (s->state == SMTP_BUSY)
			smtp_begin(s);
	}
}

/* ---- public ---- */

int nl_smtp_slots(const struct nl_smtp *p)
{
	return p->nslots;
}

int nl_smtp_free_slots(const struct nl_smtp *p)
{
	int n = 0;
	for (int i = 0; i < p->nslots; i++)
		n += p->s[i].state == SMTP_FREE;
	return n;
}

int nl_smtp_in_flight(const struct nl_smtp *p)
{
	return p->in_flight;
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

enum nl_code nl_smtp_submit(struct nl_smtp *p, const char *from, const char *rcpt, struct nl_buf *msg,
                            void *tag, bool hold, struct nl_error *err)
{
	struct smtp_session *s = NULL;
	/* Prefer a session whose connection is open. */
	for (int i = 0; i < p->nslots; i++) {
		if (p->s[i].state != SMTP_FREE)
			continue;
		if (!s || (p->s[i].link == LINK_UP && s->link != LINK_UP))
			s = &p->s[i];
	}
	if (!s)
		return nl_fail(err, NL_ERR_USAGE, "no free transport slot");
	struct nl_buf old = s->msg;
	s->msg = *msg;
	*msg = old;
	nl_buf_reset(msg);
	msg->overflow = false;
	s->tag = tag;
	s->held = hold;
	s->restarted = false;
	memset(&s->result, 0, sizeof s->result);
	s->result.tag = tag;
	s->state = SMTP_BUSY;
	p->in_flight++;
	nl_buf_reset(&s->addr);
	nl_buf_append(&s->addr, from, strlen(from) + 1);
	s->rcpt_off = s->addr.len;
	nl_buf_append(&s->addr, rcpt, strlen(rcpt) + 1);
	s->reply_code = 0;
	if (smtp_bad_address(from) || smtp_bad_address(rcpt) || !*rcpt) {
		smtp_finish(s, NL_ERR_SMTP_PERM, "an envelope address cannot be sent as it is: <%.200s> to <%.200s>",
		            from, rcpt);
		return NL_OK;
	}
	if (s->link == LINK_DOWN)
		smtp_connect(s);
	else if (s->link == LINK_UP)
		smtp_begin(s);
	return NL_OK;
}

void nl_smtp_release(struct nl_smtp *p, void *tag)
{
	for (int i = 0; i < p->nslots; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->state != SMTP_BUSY || s->tag != tag || !s->held)
			continue;
		s->held = false;
		if (s->body_queued && s->link == LINK_UP) {
			smtp_queue_dot(s);
			s->deadline = nl_monotonic() + (double)p->timeout;
			smtp_flush(s);
		}
		return;
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
	for (int i = 0; i < p->nslots; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->state == SMTP_BUSY && s->link == LINK_UP && now >= s->deadline) {
			char why[64];
			snprintf(why, sizeof why, "no reply within %ld s", p->timeout);
			s->restarted = true; /* a silent server is not a closed connection: never move it */
			smtp_link_failed(s, why);
		}
	}
}

static size_t smtp_collect(struct nl_smtp *p, struct nl_transport_result *out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < p->nslots && n < max; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->state != SMTP_DONE)
			continue;
		out[n++] = s->result;
		s->state = SMTP_FREE;
		s->tag = NULL;
		p->in_flight--;
	}
	return n;
}

static bool smtp_any_done(const struct nl_smtp *p)
{
	for (int i = 0; i < p->nslots; i++)
		if (p->s[i].state == SMTP_DONE)
			return true;
	return false;
}

/* The poll's timeout: the caller's, or sooner when a deadline comes first. */
static int smtp_poll_ms(const struct nl_smtp *p, int timeout_ms, double now)
{
	double soonest = INFINITY;
	for (int i = 0; i < p->nslots; i++)
		if (p->s[i].state == SMTP_BUSY && p->s[i].link == LINK_UP && p->s[i].deadline < soonest)
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
	for (int i = 0; i < p->nslots; i++) {
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
		for (int i = 0; i < p->nslots; i++)
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
	for (int i = 0; i < p->nslots; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->link != LINK_UP || s->state == SMTP_BUSY || s->out_off < s->out.len) {
			smtp_drop_link(s);
			continue;
		}
		size_t sent = 0;
		if (curl_easy_send(s->easy, "QUIT\r\n", 6, &sent) != CURLE_OK || sent != 6) {
			smtp_drop_link(s);
			continue;
		}
		smtp_trace(p, "> ", "QUIT", 4);
		s->state = SMTP_BUSY;
		s->restarted = true; /* a close now is what we asked for */
		s->nsteps = s->nwritten = 1;
		s->nreplied = 0;
		s->steps[0] = STEP_QUIT;
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
			if (s->link == LINK_UP && s->nreplied > 0)
				smtp_drop_link(s);
			if (s->link == LINK_DOWN)
				waiting--;
		}
	}
	for (int i = 0; i < p->nslots; i++) {
		smtp_drop_link(&p->s[i]);
		p->s[i].state = SMTP_FREE;
	}
}

void nl_smtp_close(struct nl_smtp *p)
{
	if (!p)
		return;
	if (p->multi)
		smtp_quit_all(p);
	for (int i = 0; i < p->nslots; i++) {
		struct smtp_session *s = &p->s[i];
		if (s->easy)
			curl_easy_cleanup(s->easy);
		nl_buf_free(&s->msg);
		nl_buf_free(&s->addr);
		nl_buf_free(&s->out);
	}
	if (p->multi)
		curl_multi_cleanup(p->multi);
	free(p->s);
	free(p->fds);
	free(p->owner);
	free(p->host);
	free(p->user);
	nl_buf_free(&p->trace_buf);
	free(p->trace_out);
	free(p);
}
