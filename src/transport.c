/* transport.c - the transport's front: SMTP (smtp.c) or the Maildir outbox, URL checks, passwords.
 *
 * The outbox writes each message into a Maildir (tmp/ then rename into new/, as maildir(5)
 * prescribes), with LF line ends and Return-Path / Delivered-To lines in front; a held message is
 * written when it is released.
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
#include <unistd.h>

#include <curl/curl.h> /* CURLUSESSL_* for smtp.c */

#include "smtp.h"
#include "util.h"

#define TRANSPORT_MAX_CONNECTIONS 64
#define TRANSPORT_OUTBOX_SLOTS 32

enum transport_slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

/* An outbox delivery. */
struct transport_slot {
	enum transport_slot_state state;
	struct nl_buf msg;
	struct nl_buf addr; /* envelope sender NUL recipient NUL, for a held message */
	size_t rcpt_off;
	void *tag;
	bool held;
	struct nl_transport_result result;
};

struct nl_transport {
	bool outbox;
	int nslots;
	struct nl_smtp *smtp; /* SMTP */
	/* outbox */
	struct transport_slot *slots;
	int in_flight;
	char *dir;
	char *hostname;
	unsigned long seq;
	bool dir_dirty; /* a rename into new/ awaits the directory's fsync */
};

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

/* ---- SMTP ---- */

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
	return nl_smtp_open(opt, host, use_ssl, &t->smtp, err);
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
		/* tmp/ and new/ take every message: say which one refuses, before anything is sent */
		if (rc == NL_OK && i < 2 && access(p, W_OK | X_OK) != 0)
			rc = nl_fail(err, NL_ERR_IO, "%s: %s", p, strerror(errno));
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
		nl_buf_init(&t->slots[i].msg, 0);
		nl_buf_init(&t->slots[i].addr, 0);
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
	const char *failed = tmp; /* the path the error is about */
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, dst) != 0) {
		ok = false;
		saved = errno;
		failed = dst;
	}
	if (ok) {
		r->code = NL_OK;
		snprintf(r->reply, sizeof r->reply, "outbox: new/%s", name);
		t->dir_dirty = true;
	} else {
		unlink(tmp);
		r->code = NL_ERR_IO;
		snprintf(r->reply, sizeof r->reply, "%s: %s", failed, strerror(saved));
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
	nl_smtp_close(t->smtp);
	for (int i = 0; t->slots && i < t->nslots; i++) {
		nl_buf_free(&t->slots[i].msg);
		nl_buf_free(&t->slots[i].addr);
	}
	free(t->slots);
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
	return t->outbox ? t->nslots : nl_smtp_slots(t->smtp);
}

int nl_transport_free_slots(const struct nl_transport *t)
{
	if (!t->outbox)
		return nl_smtp_free_slots(t->smtp);
	int n = 0;
	for (int i = 0; i < t->nslots; i++)
		n += t->slots[i].state == SLOT_FREE;
	return n;
}

int nl_transport_in_flight(const struct nl_transport *t)
{
	return t->outbox ? t->in_flight : nl_smtp_in_flight(t->smtp);
}

int nl_transport_can_finish(const struct nl_transport *t)
{
	if (!t->outbox)
		return nl_smtp_can_finish(t->smtp);
	int n = 0;
	for (int i = 0; i < t->nslots; i++)
		n += t->slots[i].state == SLOT_BUSY && !t->slots[i].held;
	return n;
}

static enum nl_code transport_submit(struct nl_transport *t, const char *from, const char *rcpt,
                                     struct nl_buf *msg, void *tag, bool hold, struct nl_error *err)
{
	if (!t->outbox)
		return nl_smtp_submit(t->smtp, from, rcpt, msg, tag, hold, err);
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
	memset(&s->result, 0, sizeof s->result);
	s->result.tag = tag;
	t->in_flight++;
	s->state = SLOT_BUSY;
	s->held = hold;
	nl_buf_reset(&s->addr);
	nl_buf_append(&s->addr, from, strlen(from) + 1);
	s->rcpt_off = s->addr.len;
	nl_buf_append(&s->addr, rcpt, strlen(rcpt) + 1);
	if (!hold) {
		transport_outbox_deliver(t, s, s->addr.data, s->addr.data + s->rcpt_off);
		s->state = SLOT_DONE;
	}
	return NL_OK;
}

enum nl_code nl_transport_submit(struct nl_transport *t, const char *from, const char *rcpt,
                                 struct nl_buf *msg, void *tag, struct nl_error *err)
{
	return transport_submit(t, from, rcpt, msg, tag, false, err);
}

enum nl_code nl_transport_submit_held(struct nl_transport *t, const char *from, const char *rcpt,
                                      struct nl_buf *msg, void *tag, struct nl_error *err)
{
	return transport_submit(t, from, rcpt, msg, tag, true, err);
}

void nl_transport_release(struct nl_transport *t, void *tag)
{
	if (!t->outbox) {
		nl_smtp_release(t->smtp, tag);
		return;
	}
	for (int i = 0; i < t->nslots; i++) {
		struct transport_slot *s = &t->slots[i];
		if (s->state == SLOT_BUSY && s->held && s->tag == tag) {
			s->held = false;
			transport_outbox_deliver(t, s, s->addr.data, s->addr.data + s->rcpt_off);
			s->state = SLOT_DONE;
			return;
		}
	}
}

void nl_transport_settle(struct nl_transport *t, void *tag)
{
	if (!t->outbox)
		nl_smtp_settle(t->smtp, tag);
}

static size_t transport_collect(struct nl_transport *t, struct nl_transport_result *out, size_t max)
{
	size_t n = 0;
	if (t->dir_dirty) {
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
	if (!t->outbox)
		return nl_smtp_wait(t->smtp, timeout_ms, out, max, n, err);
	if (!transport_any_done(t) && timeout_ms > 0)
		usleep((useconds_t)timeout_ms * 1000);
	*n = transport_collect(t, out, max);
	return NL_OK;
}

void nl_transport_wakeup(struct nl_transport *t)
{
	if (t->smtp)
		nl_smtp_wakeup(t->smtp);
}

const char *nl_transport_trace(struct nl_transport *t)
{
	return t->smtp ? nl_smtp_trace(t->smtp) : "";
}

/* ---- passwords ---- */

enum nl_code nl_transport_password(const struct nl_config *cfg, char **out, struct nl_error *err)
{
	*out = NULL;
	if (!cfg->smtp_user || !*cfg->smtp_user)
		return NL_OK;
	if (cfg->smtp_password_cmd && *cfg->smtp_password_cmd)
		return nl_password_from_command("smtp", cfg->smtp_password_cmd, out, err);
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
	nl_password_free(password);
}
