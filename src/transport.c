/* transport.c - SMTP through libcurl's multi interface, and the Maildir outbox (see transport.h).
 *
 * SMTP (RFC 5321) with STARTTLS (RFC 3207) or implicit TLS (RFC 8314), AUTH (RFC 4954) as libcurl
 * negotiates it.  Each slot owns one easy handle that is re-added to the multi handle for every
 * message with a new envelope and read callback; libcurl keeps the SMTP connections in the multi
 * handle's pool, so a connection carries many messages and a dropped one is replaced on the next
 * message.  libcurl does the dot stuffing and the end-of-data line (RFC 5321 §4.5.2).
 *
 * Outcomes follow RFC 5321 §4.2.1: the first digit of the last reply decides (2 sent, 4 deferred,
 * 5 failed).  To tell "no reply to the final dot" (unknown: the message may have arrived, §4.1.1.4
 * and RFC 1047) from a failure before it, the debug callback watches the conversation: the read
 * callback marks the end of the body, and a reply counted after that mark settles the message.
 * libcurl 7.88 waits for the reply to the final dot without serving the other connections, so a
 * server that stalls there for longer than the timeout makes the other sessions time out as well;
 * they are deferred (or, past their own last byte, unknown) and retried, never sent twice.
 *
 * The outbox writes each message into a Maildir (tmp/ then rename into new/, as maildir(5)
 * prescribes), with LF line ends and Return-Path / Delivered-To lines in front.
 */
#include "transport.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ratelimit.h"
#include "util.h"

#define TRANSPORT_MAX_CONNECTIONS 64
#define TRANSPORT_OUTBOX_SLOTS 32
#define TRANSPORT_TRACE_MAX (256 * 1024)
#define TRANSPORT_PASSWORD_MAX 4096

enum transport_slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

struct transport_slot {
	struct nl_transport *t;
	CURL *easy;
	enum transport_slot_state state;
	struct nl_buf msg;
	size_t off; /* read position in msg */
	struct curl_slist *rcpt;
	void *tag;
	/* What the debug callback saw of this message's conversation. */
	char last_cmd[12];       /* verb of the last command sent: "MAIL", "RCPT", "DATA", "AUTH", … */
	bool in_auth;            /* between AUTH and its final reply: lines out are credentials */
	bool quitting;           /* QUIT went out: replies no longer concern the message */
	bool body_done;          /* the read callback reported the end of the body */
	unsigned replies;        /* complete replies received */
	unsigned replies_at_eob; /* `replies` when the body ended */
	bool reply_open;         /* a multi-line reply is being received */
	char reply[NL_TRANSPORT_REPLY_MAX]; /* the last complete (or current) reply, lines joined by ' ' */
	size_t reply_len;
	int reply_code;
	struct nl_transport_result result;
};

struct nl_transport {
	bool outbox;
	int nslots;
	struct transport_slot *slots;
	int in_flight;
	/* SMTP */
	CURLM *multi;
	char *url;
	char *user;
	char *password;
	char *host; /* for messages */
	bool trace;
	struct nl_buf trace_buf;
	char *trace_out; /* what nl_transport_trace handed out last */
	/* outbox */
	char *dir;
	char *hostname;
	unsigned long seq;
	bool dir_dirty; /* a rename into new/ awaits the directory's fsync */
};

static void transport_wipe(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
}

/* ---- URL helpers ---- */

/* Copies the host of "scheme://[user@]host[:port][/path]" into out; false if there is none. */
static bool transport_url_host(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	p += 3;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	const char *hend;
	if (*p == '[') {
		p++;
		hend = memchr(p, ']', (size_t)(end - p));
		if (!hend)
			return false;
	} else {
		hend = memchr(p, ':', (size_t)(end - p));
		if (!hend)
			hend = end;
	}
	size_t n = (size_t)(hend - p);
	if (n == 0 || n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool nl_transport_url_is_loopback(const char *url)
{
	char host[256];
	if (!url || !transport_url_host(url, host, sizeof host))
		return false;
	if (nl_ascii_casecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return true;
	/* 127.0.0.0/8, written as a dotted quad */
	if (strncmp(host, "127.", 4) != 0)
		return false;
	for (const char *c = host + 4; *c; c++)
		if (!isdigit((unsigned char)*c) && *c != '.')
			return false;
	return true;
}

/* ---- SMTP: callbacks ---- */

static size_t transport_read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct transport_slot *s = ud;
	size_t want = size * nitems;
	size_t left = s->msg.len - s->off;
	if (left == 0) {
		if (!s->body_done) {
			s->body_done = true;
			s->replies_at_eob = s->replies;
		}
		return 0;
	}
	if (want > left)
		want = left;
	memcpy(buf, s->msg.data + s->off, want);
	s->off += want;
	if (s->off == s->msg.len && !s->body_done) {
		/* libcurl knows the size and will not ask again: from here on the end of the data may be
		 * on its way, so a silence now is "unknown", never "deferred" (safe side: never twice). */
		s->body_done = true;
		s->replies_at_eob = s->replies;
	}
	return want;
}

static size_t transport_discard_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

static void transport_trace_line(struct nl_transport *t, const char *dir, const char *line, size_t len)
{
	if (!t->trace || t->trace_buf.len > TRANSPORT_TRACE_MAX)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	nl_buf_puts(&t->trace_buf, dir);
	nl_buf_append(&t->trace_buf, line, len);
	nl_buf_putc(&t->trace_buf, '\n');
}

/* A command went out: remember its verb; AUTH and what follows it until the final reply is elided. */
static void transport_saw_command(struct transport_slot *s, const char *data, size_t len)
{
	if (s->in_auth)
		return; /* SASL continuation lines carry credentials */
	if (len >= 4 && nl_ascii_ncasecmp(data, "QUIT", 4) == 0) {
		/* libcurl closes a failed connection with QUIT before reporting the transfer: keep the
		 * reply that failed it, not the 221. */
		s->quitting = true;
		transport_trace_line(s->t, "> ", data, len);
		return;
	}
	size_t n = 0;
	while (n < len && n < sizeof s->last_cmd - 1 && isalpha((unsigned char)data[n]))
		n++;
	memcpy(s->last_cmd, data, n);
	s->last_cmd[n] = '\0';
	nl_ascii_lower(s->last_cmd);
	if (strcmp(s->last_cmd, "auth") == 0) {
		s->in_auth = true;
		transport_trace_line(s->t, "> ", "AUTH (elided)", 13);
		return;
	}
	transport_trace_line(s->t, "> ", data, len);
}

/* One reply line came in ("250-…" continues, "250 …" ends the reply, RFC 5321 §4.2.1). */
static void transport_saw_reply_line(struct transport_slot *s, const char *data, size_t len)
{
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (s->quitting) {
		transport_trace_line(s->t, "< ", data, len);
		return;
	}
	if (len < 3 || !isdigit((unsigned char)data[0]) || !isdigit((unsigned char)data[1]) ||
	    !isdigit((unsigned char)data[2]))
		return;
	if (!s->reply_open) {
		s->reply_len = 0;
		s->reply[0] = '\0';
		s->reply_code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
	}
	/* Keep the text of every line, joined by a space, as far as it fits. */
	const char *text = len > 4 ? data + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;
	if (s->reply_len == 0) {
		text = data;
		tlen = len;
	}
	size_t room = sizeof s->reply - 1 - s->reply_len;
	if (s->reply_len > 0 && room > 0) {
		s->reply[s->reply_len++] = ' ';
		room--;
	}
	if (tlen > room)
		tlen = room;
	for (size_t i = 0; i < tlen; i++)
		s->reply[s->reply_len++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	s->reply[s->reply_len] = '\0';
	bool last = len == 3 || data[3] != '-';
	s->reply_open = !last;
	if (last) {
		s->replies++;
		if (s->in_auth && s->reply_code != 334)
			s->in_auth = false;
	}
	if (s->in_auth && s->reply_code == 334)
		transport_trace_line(s->t, "< ", "334 (elided)", 12);
	else
		transport_trace_line(s->t, "< ", data, len);
}

static int transport_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	(void)easy;
	struct transport_slot *s = ud;
	switch (type) {
	case CURLINFO_HEADER_OUT:
		transport_saw_command(s, data, size);
		break;
	case CURLINFO_HEADER_IN: {
		/* libcurl hands over one line at a time, but be safe with several. */
		size_t start = 0;
		for (size_t i = 0; i < size; i++) {
			if (data[i] == '\n') {
				transport_saw_reply_line(s, data + start, i + 1 - start);
				start = i + 1;
			}
		}
		if (start < size)
			transport_saw_reply_line(s, data + start, size - start);
		break;
	}
	default:
		break;
	}
	return 0;
}

/* ---- SMTP: setup ---- */

static enum nl_code transport_setup_easy(struct nl_transport *t, struct transport_slot *s,
                                         const struct nl_transport_options *opt, long use_ssl,
                                         struct nl_error *err)
{
	long timeout = opt->timeout > 0 ? opt->timeout : 60;
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
	SET(CURLOPT_URL, t->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USE_SSL, use_ssl);
	if (opt->ca_file && *opt->ca_file)
		SET(CURLOPT_CAINFO, opt->ca_file);
	SET(CURLOPT_SSL_VERIFYPEER, opt->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, opt->insecure ? 0L : 2L);
	if (t->user) {
		SET(CURLOPT_USERNAME, t->user);
		SET(CURLOPT_PASSWORD, t->password ? t->password : "");
	}
	SET(CURLOPT_CONNECTTIMEOUT, timeout);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout); /* every reply, the one to the final dot too */
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);              /* and a stalled upload of the body */
	SET(CURLOPT_LOW_SPEED_TIME, timeout);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, transport_read_cb);
	SET(CURLOPT_READDATA, s);
	SET(CURLOPT_WRITEFUNCTION, transport_discard_cb);
	SET(CURLOPT_VERBOSE, 1L); /* feeds the debug callback, which never prints */
	SET(CURLOPT_DEBUGFUNCTION, transport_debug_cb);
	SET(CURLOPT_DEBUGDATA, s);
	SET(CURLOPT_PRIVATE, s);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SET
	if (rc != CURLE_OK)
		return nl_fail(err, NL_ERR_CONFIG, "%s: libcurl refused an option: %s", t->host,
		               curl_easy_strerror(rc));
	return NL_OK;
}

static enum nl_code transport_open_smtp(struct nl_transport *t, const struct nl_transport_options *opt,
                                        struct nl_error *err)
{
	char host[256];
	bool smtps = strncmp(opt->url, "smtps://", 8) == 0;
	if (!smtps && strncmp(opt->url, "smtp://", 7) != 0)
		return nl_fail(err, NL_ERR_CONFIG, "smtp url '%s': use smtp://, smtps:// or outbox:DIR",
		               opt->url);
	if (!transport_url_host(opt->url, host, sizeof host))
		return nl_fail(err, NL_ERR_CONFIG, "smtp url '%s' names no host", opt->url);
	if (strchr(opt->url, '@'))
		return nl_fail(err, NL_ERR_CONFIG, "smtp url: put the user in `user`, not in the url");
	if (opt->connections < 1 || opt->connections > TRANSPORT_MAX_CONNECTIONS)
		return nl_fail(err, NL_ERR_CONFIG, "connections = %d: use 1 to %d", opt->connections,
		               TRANSPORT_MAX_CONNECTIONS);
	long use_ssl = CURLUSESSL_NONE;
	if (!smtps) {
		if (opt->starttls == NL_STARTTLS_REQUIRED)
			use_ssl = CURLUSESSL_ALL;
		else if (opt->starttls == NL_STARTTLS_AUTO && !nl_transport_url_is_loopback(opt->url))
			use_ssl = CURLUSESSL_ALL; /* RFC 8314: no plain text past the loopback */
	}
	t->url = nl_xstrdup(opt->url);
	t->host = nl_xstrdup(host);
	if (opt->user && *opt->user) {
		t->user = nl_xstrdup(opt->user);
		t->password = nl_xstrdup(opt->password ? opt->password : "");
	}
	t->trace = opt->trace;
	static bool global_done;
	if (!global_done) {
		/* Once per process; the tool is single-threaded. */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	t->multi = curl_multi_init();
	if (!t->multi)
		return nl_fail(err, NL_ERR_INTERNAL, "libcurl could not create a multi handle");
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)opt->connections);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)opt->connections);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)opt->connections);
	t->nslots = opt->connections;
	t->slots = nl_xcalloc((size_t)t->nslots, sizeof *t->slots);
	for (int i = 0; i < t->nslots; i++) {
		t->slots[i].t = t;
		nl_buf_init(&t->slots[i].msg, 0);
		enum nl_code rc = transport_setup_easy(t, &t->slots[i], opt, use_ssl, err);
		if (rc != NL_OK)
			return rc;
	}
	return NL_OK;
}

/* ---- outbox ---- */

static enum nl_code transport_open_outbox(struct nl_transport *t, const char *dir, struct nl_error *err)
{
	if (!*dir)
		return nl_fail(err, NL_ERR_CONFIG, "smtp url 'outbox:' names no directory");
	t->outbox = true;
	t->dir = nl_xstrdup(dir);
	static const char *const subdirs[] = {"tmp", "new", "cur"};
	for (size_t i = 0; i < 3; i++) {
		char *p = nl_xasprintf("%s/%s", dir, subdirs[i]);
		enum nl_code rc = nl_mkdirs(p, err);
		free(p);
		if (rc != NL_OK)
			return rc;
	}
	char hn[256] = "localhost";
	if (gethostname(hn, sizeof hn - 1) != 0)
		strcpy(hn, "localhost");
	hn[sizeof hn - 1] = '\0';
	/* maildir(5): '/' and ':' cannot appear in the host part of a name. */
	for (char *c = hn; *c; c++)
		if (*c == '/' || *c == ':')
			*c = '_';
	t->hostname = nl_xstrdup(hn);
	t->nslots = TRANSPORT_OUTBOX_SLOTS;
	t->slots = nl_xcalloc((size_t)t->nslots, sizeof *t->slots);
	for (int i = 0; i < t->nslots; i++) {
		t->slots[i].t = t;
		nl_buf_init(&t->slots[i].msg, 0);
	}
	return NL_OK;
}

static bool transport_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Writes the message (CRLF → LF) with the envelope lines in front into tmp/, then renames it into new/. */
static void transport_outbox_deliver(struct nl_transport *t, struct transport_slot *s, const char *from,
                                     const char *rcpt)
{
	struct nl_transport_result *r = &s->result;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char name[400];
	snprintf(name, sizeof name, "%lld.M%06ldP%ldQ%lu.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
	         (long)getpid(), ++t->seq, t->hostname);
	char *tmp = nl_xasprintf("%s/tmp/%s", t->dir, name);
	char *dst = nl_xasprintf("%s/new/%s", t->dir, name);
	struct nl_buf out = NL_BUF_INIT;
	nl_buf_printf(&out, "Return-Path: <%s>\nDelivered-To: %s\n", from, rcpt);
	const char *p = s->msg.data ? s->msg.data : "";
	const char *end = p + s->msg.len;
	while (p < end) {
		const char *cr = memchr(p, '\r', (size_t)(end - p));
		if (!cr) {
			nl_buf_append(&out, p, (size_t)(end - p));
			break;
		}
		nl_buf_append(&out, p, (size_t)(cr - p));
		if (cr + 1 < end && cr[1] == '\n')
			p = cr + 1; /* drop the CR of a CRLF */
		else {
			nl_buf_putc(&out, '\r');
			p = cr + 1;
		}
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && transport_write_all(fd, out.data ? out.data : "", out.len) && fsync(fd) == 0;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, dst) != 0) {
		ok = false;
		saved = errno;
	}
	if (ok) {
		r->code = NL_OK;
		snprintf(r->reply, sizeof r->reply, "outbox: new/%s", name);
		t->dir_dirty = true;
	} else {
		unlink(tmp);
		r->code = NL_ERR_IO;
		snprintf(r->reply, sizeof r->reply, "%s: %s", tmp, strerror(saved));
	}
	nl_buf_free(&out);
	free(tmp);
	free(dst);
}

/* ---- public ---- */

enum nl_code nl_transport_open(const struct nl_transport_options *opt, struct nl_transport **out,
                               struct nl_error *err)
{
	*out = NULL;
	if (!opt->url || !*opt->url)
		return nl_fail(err, NL_ERR_CONFIG, "no smtp url");
	struct nl_transport *t = nl_xcalloc(1, sizeof *t);
	nl_buf_init(&t->trace_buf, 0);
	enum nl_code rc;
	if (strncmp(opt->url, "outbox:", 7) == 0)
		rc = transport_open_outbox(t, opt->url + 7, err);
	else
		rc = transport_open_smtp(t, opt, err);
	if (rc != NL_OK) {
		nl_transport_close(t);
		return rc;
	}
	*out = t;
	return NL_OK;
}

void nl_transport_close(struct nl_transport *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nslots; i++) {
		struct transport_slot *s = &t->slots[i];
		if (s->easy) {
			if (s->state == SLOT_BUSY && t->multi)
				curl_multi_remove_handle(t->multi, s->easy);
			curl_easy_cleanup(s->easy);
		}
		curl_slist_free_all(s->rcpt);
		nl_buf_free(&s->msg);
	}
	if (t->multi)
		curl_multi_cleanup(t->multi); /* QUITs the pooled connections */
	free(t->slots);
	free(t->url);
	free(t->user);
	transport_wipe(t->password);
	free(t->password);
	free(t->host);
	nl_buf_free(&t->trace_buf);
	free(t->trace_out);
	free(t->dir);
	free(t->hostname);
	free(t);
}

bool nl_transport_is_outbox(const struct nl_transport *t)
{
	return t->outbox;
}

int nl_transport_slots(const struct nl_transport *t)
{
	return t->nslots;
}

int nl_transport_free_slots(const struct nl_transport *t)
{
	int n = 0;
	for (int i = 0; i < t->nslots; i++)
		n += t->slots[i].state == SLOT_FREE;
	return n;
}

int nl_transport_in_flight(const struct nl_transport *t)
{
	return t->in_flight;
}

enum nl_code nl_transport_submit(struct nl_transport *t, const char *from, const char *rcpt,
                                 struct nl_buf *msg, void *tag, struct nl_error *err)
{
	struct transport_slot *s = NULL;
	for (int i = 0; i < t->nslots && !s; i++)
		if (t->slots[i].state == SLOT_FREE)
			s = &t->slots[i];
	if (!s)
		return nl_fail(err, NL_ERR_USAGE, "no free transport slot");
	/* Swap the bytes in; hand the slot's old memory back for the next message. */
	struct nl_buf old = s->msg;
	s->msg = *msg;
	*msg = old;
	nl_buf_reset(msg);
	msg->overflow = false;
	s->tag = tag;
	s->off = 0;
	memset(&s->result, 0, sizeof s->result);
	s->result.tag = tag;
	t->in_flight++;
	if (t->outbox) {
		transport_outbox_deliver(t, s, from, rcpt);
		s->state = SLOT_DONE;
		return NL_OK;
	}
	s->last_cmd[0] = '\0';
	s->in_auth = false;
	s->quitting = false;
	s->body_done = false;
	s->replies = s->replies_at_eob = 0;
	s->reply_open = false;
	s->reply_len = 0;
	s->reply[0] = '\0';
	s->reply_code = 0;
	curl_slist_free_all(s->rcpt);
	s->rcpt = curl_slist_append(NULL, rcpt);
	if (!s->rcpt)
		abort(); /* out of memory, as nl_xmalloc would */
	curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt);
	curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->msg.len);
	CURLMcode mc = curl_multi_add_handle(t->multi, s->easy);
	if (mc != CURLM_OK) {
		s->state = SLOT_DONE;
		s->result.code = NL_ERR_SMTP_TEMP;
		snprintf(s->result.reply, sizeof s->result.reply, "libcurl: %s", curl_multi_strerror(mc));
		return NL_OK;
	}
	s->state = SLOT_BUSY;
	return NL_OK;
}

static bool transport_tls_error(CURLcode rc)
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

/* Decides the outcome of one finished transfer (see transport.h for the codes). */
static void transport_classify(struct nl_transport *t, struct transport_slot *s, CURLcode rc)
{
	struct nl_transport_result *r = &s->result;
	r->smtp_code = s->reply_code;
	const char *why = curl_easy_strerror(rc);
	/* body_done only says that libcurl has all the bytes, not that they left.  A failed send means
	 * the end-of-data line did not (completely) leave: libcurl 7.88 writes nothing after it, and
	 * after an error in the body does not write it at all (smtp_done), so the server cannot have
	 * taken the message.  Seen when a server closes at the start of DATA: the body goes into the
	 * socket, the reset comes back, and writing the final dot fails.  Deferred, not unknown. */
	bool after_dot = s->body_done && rc != CURLE_SEND_ERROR;
	bool reply_after_dot = after_dot && s->replies > s->replies_at_eob && !s->reply_open;
	if (rc == CURLE_OK) {
		r->code = NL_OK;
		snprintf(r->reply, sizeof r->reply, "%s", s->reply_len ? s->reply : "250 (no text)");
		return;
	}
	/* libcurl 7.88 takes only 250 after the final dot (anything else is CURLE_WEIRD_SERVER_REPLY),
	 * but any complete 2xx there means the server took the message (RFC 5321 §4.2.1): deferring it
	 * would send it again. */
	if (reply_after_dot && s->reply_code >= 200 && s->reply_code < 300) {
		r->code = NL_OK;
		snprintf(r->reply, sizeof r->reply, "%s", s->reply);
		return;
	}
	if (after_dot && !reply_after_dot) {
		r->code = NL_ERR_SMTP_UNKNOWN;
		snprintf(r->reply, sizeof r->reply, "no reply from %s after the final dot (%s)", t->host,
		         why);
		return;
	}
	/* Only a 4xx or 5xx says the server did not take it; a reply that is neither (1xx, 3xx) is no
	 * answer, and deferring would risk a second copy. */
	if (after_dot && (s->reply_code < 400 || s->reply_code >= 600)) {
		r->code = NL_ERR_SMTP_UNKNOWN;
		snprintf(r->reply, sizeof r->reply,
		         "%s answered the final dot with neither yes nor no: %.300s", t->host, s->reply);
		return;
	}
	if (rc == CURLE_LOGIN_DENIED) {
		r->code = NL_ERR_AUTH;
		snprintf(r->reply, sizeof r->reply,
		         "authentication failed: %.100s refused the login for user '%.100s': %.250s", t->host,
		         t->user ? t->user : "", s->reply_len ? s->reply : why);
		return;
	}
	if (rc == CURLE_USE_SSL_FAILED) {
		r->code = NL_ERR_TLS;
		snprintf(
		    r->reply, sizeof r->reply,
		    "%s does not offer STARTTLS, which is required for it (only `starttls = never` in [smtp] "
		    "would allow plain text)",
		    t->host);
		return;
	}
	if (transport_tls_error(rc)) {
		r->code = NL_ERR_TLS;
		if (rc == CURLE_PEER_FAILED_VERIFICATION)
			snprintf(r->reply, sizeof r->reply,
			         "TLS with %s failed: its certificate is not trusted (%s); for a private CA "
			         "set ca_file",
			         t->host, why);
		else
			snprintf(r->reply, sizeof r->reply, "TLS with %s failed: %s", t->host, why);
		return;
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    (rc == CURLE_OPERATION_TIMEDOUT && s->replies == 0 && !s->last_cmd[0])) {
		r->code = NL_ERR_SMTP_CONNECT;
		snprintf(r->reply, sizeof r->reply, "cannot reach %s: %s", t->host, why);
		return;
	}
	/* A complete 4xx/5xx reply to the envelope or the data decides (RFC 5321 §4.2.1). */
	bool envelope = strcmp(s->last_cmd, "mail") == 0 || strcmp(s->last_cmd, "rcpt") == 0 ||
	                strcmp(s->last_cmd, "data") == 0 || reply_after_dot;
	if (!s->reply_open && s->reply_code >= 500 && s->reply_code < 600 && envelope) {
		r->code = NL_ERR_SMTP_PERM;
		snprintf(r->reply, sizeof r->reply, "%s", s->reply);
		return;
	}
	r->code = NL_ERR_SMTP_TEMP;
	if (!s->reply_open && s->reply_code >= 400 && s->reply_code < 600)
		snprintf(r->reply, sizeof r->reply, "%s", s->reply);
	else
		snprintf(r->reply, sizeof r->reply, "%s: %s%s%s", t->host, why,
		         s->last_cmd[0] ? " after " : "", s->last_cmd);
}

/* Moves finished transfers from the multi handle into their slots. */
static void transport_harvest(struct nl_transport *t)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct transport_slot *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		CURLcode rc = m->data.result;
		curl_multi_remove_handle(t->multi, m->easy_handle);
		if (!s)
			continue;
		transport_classify(t, s, rc);
		s->state = SLOT_DONE;
	}
}

static size_t transport_collect(struct nl_transport *t, struct nl_transport_result *out, size_t max)
{
	size_t n = 0;
	if (t->outbox && t->dir_dirty) {
		/* The renames into new/ are durable once the directory is (one fsync per batch). */
		char *nd = nl_xasprintf("%s/new", t->dir);
		int fd = open(nd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(nd);
		t->dir_dirty = false;
	}
	for (int i = 0; i < t->nslots && n < max; i++) {
		struct transport_slot *s = &t->slots[i];
		if (s->state != SLOT_DONE)
			continue;
		out[n++] = s->result;
		s->state = SLOT_FREE;
		t->in_flight--;
	}
	return n;
}

static bool transport_any_done(const struct nl_transport *t)
{
	for (int i = 0; i < t->nslots; i++)
		if (t->slots[i].state == SLOT_DONE)
			return true;
	return false;
}

enum nl_code nl_transport_wait(struct nl_transport *t, int timeout_ms, struct nl_transport_result *out,
                               size_t max, size_t *n, struct nl_error *err)
{
	*n = 0;
	if (t->outbox) {
		if (!transport_any_done(t) && timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		*n = transport_collect(t, out, max);
		return NL_OK;
	}
	/* Perform, and if nothing finished, sleep once until activity, a wakeup or the timeout. */
	for (int round = 0; round < 2; round++) {
		int running = 0;
		CURLMcode mc = curl_multi_perform(t->multi, &running);
		if (mc != CURLM_OK)
			return nl_fail(err, NL_ERR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
		transport_harvest(t);
		if (transport_any_done(t)) {
			*n = transport_collect(t, out, max);
			return NL_OK;
		}
		if (round == 1 || timeout_ms <= 0)
			return NL_OK;
		mc = curl_multi_poll(t->multi, NULL, 0, timeout_ms, NULL);
		if (mc != CURLM_OK)
			return nl_fail(err, NL_ERR_INTERNAL, "libcurl: %s", curl_multi_strerror(mc));
	}
	return NL_OK;
}

void nl_transport_wakeup(struct nl_transport *t)
{
	if (t->multi)
		curl_multi_wakeup(t->multi);
}

const char *nl_transport_trace(struct nl_transport *t)
{
	free(t->trace_out);
	t->trace_out = NULL;
	if (!t->trace || t->trace_buf.len == 0)
		return "";
	/* Hand out the text and start afresh; the old memory lives until the next call. */
	t->trace_out = nl_buf_detach(&t->trace_buf);
	return t->trace_out;
}

/* ---- passwords ---- */

static enum nl_code transport_password_cmd(const char *cmd, char **out, struct nl_error *err)
{
	/* popen runs /bin/sh -c CMD: the command line is the user's, the password only ever travels
	 * through the pipe. */
	FILE *f = popen(cmd, "r");
	if (!f)
		return nl_fail(err, NL_ERR_CONFIG, "password_cmd could not be started: %s", strerror(errno));
	char *buf = nl_xcalloc(1, TRANSPORT_PASSWORD_MAX + 1);
	size_t len = 0;
	int c;
	bool eol = false;
	while ((c = fgetc(f)) != EOF) {
		if (eol)
			continue; /* drain the rest so the command is not killed by SIGPIPE */
		if (c == '\n' || c == '\r') {
			eol = true;
			continue;
		}
		if (len < TRANSPORT_PASSWORD_MAX)
			buf[len++] = (char)c;
	}
	int status = pclose(f);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		transport_wipe(buf);
		free(buf);
		if (status != -1 && WIFEXITED(status))
			return nl_fail(err, NL_ERR_CONFIG, "password_cmd failed (exit status %d)",
			               WEXITSTATUS(status));
		return nl_fail(err, NL_ERR_CONFIG, "password_cmd failed (killed or not run)");
	}
	if (len == 0) {
		free(buf);
		return nl_fail(err, NL_ERR_CONFIG, "password_cmd printed no password");
	}
	*out = buf;
	return NL_OK;
}

enum nl_code nl_transport_password(const struct nl_config *cfg, char **out, struct nl_error *err)
{
	*out = NULL;
	if (!cfg->smtp_user || !*cfg->smtp_user)
		return NL_OK;
	if (cfg->smtp_password_cmd && *cfg->smtp_password_cmd)
		return transport_password_cmd(cfg->smtp_password_cmd, out, err);
	const char *env = getenv("MAILER_SMTP_PASSWORD");
	if (env && *env) {
		*out = nl_xstrdup(env);
		return NL_OK;
	}
	if (cfg->smtp_has_password && cfg->smtp_password) {
		struct stat st;
		if (!cfg->path || stat(cfg->path, &st) != 0)
			return nl_fail(err, NL_ERR_CONFIG, "%s: cannot check its permissions: %s",
			               cfg->path ? cfg->path : "(no file)", strerror(errno));
		if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
			return nl_fail(err, NL_ERR_CONFIG,
			               "%s holds the SMTP password but others can read it (mode %03o); run "
			               "'chmod 600 %s', or use password_cmd or MAILER_SMTP_PASSWORD instead",
			               cfg->path, (unsigned)(st.st_mode & 0777), cfg->path);
		*out = nl_xstrdup(cfg->smtp_password);
		return NL_OK;
	}
	return nl_fail(err, NL_ERR_CONFIG,
	               "smtp user '%s' has no password: set password_cmd in [smtp] or MAILER_SMTP_PASSWORD",
	               cfg->smtp_user);
}

void nl_transport_password_free(char *password)
{
	transport_wipe(password);
	free(password);
}
