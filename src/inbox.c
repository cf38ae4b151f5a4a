/* inbox.c - reading inbound mail from IMAP (libetpan's mailimap), a Maildir or an mbox file.
 *
 * IMAP (RFC 9051 / 3501): LOGIN after TLS, either implicit (imaps://, port 993) or STARTTLS
 * (imap://, RFC 2595), with the server's certificate chain verified by GnuTLS against the system's
 * trust store (and `ca_file`) and its name checked against the host (libetpan's own TLS does not
 * verify).  Plain text is allowed only to a loopback host.  Only what is new is fetched: UID SEARCH
 * UID last+1:* while UIDVALIDITY is unchanged (RFC 9051 §2.3.1.1), then UID FETCH BODY.PEEK[] in
 * batches, which leaves \Seen alone.  After the caller has recorded messages: UID STORE +FLAGS
 * (\Seen), or UID MOVE (RFC 6851), or UID COPY + \Deleted + UID EXPUNGE of exactly those UIDs
 * (RFC 4315 UIDPLUS); without UIDPLUS the originals stay, marked \Deleted, never purged.
 *
 * Maildir: new/ then cur/, in name order; the location is the file's unique name (before ":2,"),
 * which survives a client moving it from new/ to cur/ or changing its flags.  Nothing is renamed.
 *
 * mbox: a message starts at a "From " line whose shape is that of a separator ("From SENDER"
 * followed by nothing or by a date with a time) and which is followed by a header field; the blank
 * line before it is not required (MimeKit simple.mbox has none).  So unescaped body lines such as "From
 * Russia with love" (MimeKit unmunged.mbox) do not split a message.  A leading UTF-8 BOM is skipped.  The
 * location is
 * "@OFFSET" of the separator line.
 */
#include "inbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "buf.h"
#include "message.h"
#include "util.h"

enum inbox_kind { INBOX_IMAP, INBOX_MAILDIR, INBOX_MBOX };

#define INBOX_FETCH_BATCH 64

struct inbox_fetched {
	uint32_t uid;
	char *data;
	size_t len;
};

struct nl_inbox {
	enum inbox_kind kind;
	char *source;
	char *path; /* maildir/mbox */
	char location[300];
	/* Maildir: file names relative to the directory */
	char **files;
	size_t n_files, next_file;
	struct nl_buf cur;
	/* mbox */
	struct nl_buf mbox;
	size_t *offsets; /* message starts (the separator line), plus the end */
	size_t n_msgs, next_msg;
	/* IMAP */
	mailimap *imap;
	char *host, *folder;
	enum nl_inbox_after after;
	char *move_to;
	bool has_move, has_uidplus;
	uint32_t uidvalidity;
	uint32_t *uids;
	size_t n_uids, next_uid;
	struct inbox_fetched batch[INBOX_FETCH_BATCH];
	size_t batch_n, batch_next;
};

const char *nl_inbox_source(const struct nl_inbox *inbox)
{
	return inbox->source;
}

bool nl_inbox_is_imap(const struct nl_inbox *inbox)
{
	return inbox->kind == INBOX_IMAP;
}

size_t nl_inbox_count(const struct nl_inbox *inbox)
{
	switch (inbox->kind) {
	case INBOX_IMAP:
		return inbox->n_uids;
	case INBOX_MAILDIR:
		return inbox->n_files;
	case INBOX_MBOX:
		return inbox->n_msgs;
	}
	return 0;
}

static char *inbox_absolute(const char *path)
{
	if (path[0] == '/')
		return nl_xstrdup(path);
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return nl_xstrdup(path);
	return nl_xasprintf("%s/%s", cwd, path);
}

/* ---- Maildir ---- */

static int inbox_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum nl_code inbox_maildir_scan(struct nl_inbox *in, struct nl_error *err)
{
	static const char *const subs[] = {"new", "cur"};
	size_t cap = 0;
	int dirs = 0;
	for (size_t s = 0; s < 2; s++) {
		char *dir = nl_xasprintf("%s/%s", in->path, subs[s]);
		DIR *d = opendir(dir);
		free(dir);
		if (!d)
			continue;
		dirs++;
		size_t first = in->n_files;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (in->n_files == cap) {
				cap = cap ? cap * 2 : 256;
				in->files = nl_xrealloc(in->files, cap * sizeof *in->files);
			}
			in->files[in->n_files++] = nl_xasprintf("%s/%s", subs[s], e->d_name);
		}
		closedir(d);
		qsort(in->files + first, in->n_files - first, sizeof *in->files, inbox_cmp);
	}
	if (!dirs)
		return nl_fail(err, NL_ERR_INBOX, "%s: not a Maildir (no new/ or cur/)", in->path);
	return NL_OK;
}

static enum nl_code inbox_maildir_next(struct nl_inbox *in, struct nl_inbox_message *msg,
                                       struct nl_error *err)
{
	if (in->next_file >= in->n_files)
		return NL_ERR_NOT_FOUND;
	const char *name = in->files[in->next_file++];
	const char *base = strchr(name, '/') + 1;
	size_t ulen = strcspn(base, ":");
	snprintf(in->location, sizeof in->location, "%.*s", (int)ulen, base);
	msg->location = in->location;
	msg->uid = 0;
	char *path = nl_xasprintf("%s/%s", in->path, name);
	nl_buf_reset(&in->cur);
	/* Only regular files are mail: opening a FIFO would block the run for good. */
	struct stat st;
	enum nl_code rc;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		rc = nl_fail(err, NL_ERR_MESSAGE, "%s: not a regular file", path);
	else
		rc = nl_read_file(path, NL_MESSAGE_MAX_SIZE, &in->cur, err);
	if (rc == NL_ERR_IO && errno == ENOENT) /* moved by a client meanwhile: look in the other dir */
		rc = nl_fail(err, NL_ERR_MESSAGE, "%s: gone while reading", path);
	else if (rc == NL_ERR_IO)
		rc = nl_fail(err, NL_ERR_MESSAGE, "%s: %s", path, strerror(errno));
	free(path);
	msg->data = nl_buf_cstr(&in->cur);
	msg->len = in->cur.len;
	return rc;
}

/* ---- mbox ---- */

static bool inbox_is_field(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] > 32 && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':';
}

/* "From SENDER" alone, or followed by something with a time ("Mon Jan  1 00:00:00 2001"). */
static bool inbox_is_separator(const char *s, size_t n)
{
	if (n < 6 || memcmp(s, "From ", 5) != 0)
		return false;
	size_t i = 5;
	while (i < n && s[i] != ' ')
		i++;
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n)
		return true;
	for (size_t k = i; k + 3 < n; k++)
		if (s[k] >= '0' && s[k] <= '9' && s[k + 1] >= '0' && s[k + 1] <= '9' && s[k + 2] == ':' &&
		    s[k + 3] >= '0' && s[k + 3] <= '9')
			return true;
	return false;
}

static enum nl_code inbox_mbox_scan(struct nl_inbox *in, struct nl_error *err)
{
	nl_buf_reset(&in->mbox);
	enum nl_code rc = nl_read_file(in->path, 0, &in->mbox, err);
	if (rc != NL_OK)
		return nl_fail(err, NL_ERR_INBOX, "%s", err ? err->detail : in->path);
	const char *d = nl_buf_cstr(&in->mbox);
	size_t n = in->mbox.len, i = 0, cap = 0;
	if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n) {
		const char *nl = memchr(d + i, '\n', n - i);
		size_t eol = nl ? (size_t)(nl - d) : n, next = nl ? eol + 1 : n;
		size_t e = eol > i && d[eol - 1] == '\r' ? eol - 1 : eol;
		if (inbox_is_separator(d + i, e - i)) {
			const char *nl2 = next < n ? memchr(d + next, '\n', n - next) : NULL;
			size_t e2 = nl2 ? (size_t)(nl2 - d) : n;
			if (next >= n || inbox_is_field(d + next, e2 - next)) {
				if (in->n_msgs + 1 >= cap) {
					cap = cap ? cap * 2 : 64;
					in->offsets = nl_xrealloc(in->offsets, cap * sizeof *in->offsets);
				}
				in->offsets[in->n_msgs++] = i;
			}
		}
		i = next;
	}
	if (!in->n_msgs && n > 0 && !(n == 3 && i == 3))
		return nl_fail(err, NL_ERR_INBOX, "%s: not an mbox file (no \"From \" line)", in->path);
	if (!in->offsets)
		in->offsets = nl_xmalloc(sizeof *in->offsets);
	in->offsets[in->n_msgs] = n;
	return NL_OK;
}

static enum nl_code inbox_mbox_next(struct nl_inbox *in, struct nl_inbox_message *msg, struct nl_error *err)
{
	if (in->next_msg >= in->n_msgs)
		return NL_ERR_NOT_FOUND;
	size_t start = in->offsets[in->next_msg], end = in->offsets[in->next_msg + 1];
	in->next_msg++;
	const char *d = nl_buf_cstr(&in->mbox);
	const char *nl = memchr(d + start, '\n', end - start);
	size_t body = nl ? (size_t)(nl - d) + 1 : end;
	/* the blank line before the next separator belongs to the mbox format */
	if (end > body && d[end - 1] == '\n')
		end--;
	if (end > body && d[end - 1] == '\r')
		end--;
	snprintf(in->location, sizeof in->location, "@%zu", start);
	msg->location = in->location;
	msg->uid = 0;
	msg->data = d + body;
	msg->len = end - body;
	if (msg->len > NL_MESSAGE_MAX_SIZE)
		return nl_fail(err, NL_ERR_LIMIT, "%s%s: message larger than %u bytes", in->source,
		               in->location, NL_MESSAGE_MAX_SIZE);
	return NL_OK;
}

/* ---- IMAP ---- */

static bool inbox_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1") ||
	       !strcmp(host, "[::1]");
}

struct inbox_tls {
	const char *host;
};

static void inbox_tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct inbox_tls *t = data;
	mailstream_ssl_set_server_name(ctx, (char *)t->host);
}

/* Verifies the peer's chain against the system trust store (and ca_file) and its name. */
static enum nl_code inbox_verify(mailstream *s, const char *host, const char *ca_file, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	carray *chain = mailstream_get_certificate_chain(s);
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t *certs = NULL;
	unsigned n = chain ? carray_count(chain) : 0, loaded = 0;
	if (!n) {
		rc = nl_fail(err, NL_ERR_TLS, "%s: the server sent no certificate", host);
		goto out;
	}
	certs = nl_xcalloc(n, sizeof *certs);
	for (unsigned i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t dt = {(unsigned char *)der->str, (unsigned)der->len};
		if (gnutls_x509_crt_init(&certs[i]) < 0 ||
		    gnutls_x509_crt_import(certs[i], &dt, GNUTLS_X509_FMT_DER) < 0) {
			rc = nl_fail(err, NL_ERR_TLS, "%s: unreadable certificate", host);
			loaded = i + 1;
			goto out;
		}
		loaded = i + 1;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0 ||
	    gnutls_x509_trust_list_add_system_trust(tl, 0, 0) < 0) {
		rc = nl_fail(err, NL_ERR_TLS, "%s: cannot load the system's trusted certificates", host);
		goto out;
	}
	if (ca_file && *ca_file &&
	    gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0) <= 0) {
		rc = nl_fail(err, NL_ERR_TLS, "%s: no certificate in ca_file", ca_file);
		goto out;
	}
	unsigned status = 0;
	if (gnutls_x509_trust_list_verify_crt(tl, certs, n, 0, &status, NULL) < 0 || status != 0) {
		gnutls_datum_t why = {NULL, 0};
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		rc = nl_fail(err, NL_ERR_TLS, "%s: certificate not trusted: %s", host,
		             why.data ? (char *)why.data : "?");
		gnutls_free(why.data);
		goto out;
	}
	if (!gnutls_x509_crt_check_hostname(certs[0], host)) {
		rc = nl_fail(err, NL_ERR_TLS, "%s: the certificate is for another host name", host);
		goto out;
	}
out:
	for (unsigned i = 0; i < loaded; i++)
		gnutls_x509_crt_deinit(certs[i]);
	free(certs);
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

static bool inbox_has_cap(mailimap *imap, const char *name)
{
	struct mailimap_capability_data *cap = NULL;
	if (mailimap_capability(imap, &cap) != MAILIMAP_NO_ERROR || !cap)
		return false;
	bool found = false;
	for (clistiter *it = clist_begin(cap->cap_list); it && !found; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_NAME && c->cap_data.cap_name &&
		    nl_ascii_casecmp(c->cap_data.cap_name, name) == 0)
			found = true;
	}
	mailimap_capability_data_free(cap);
	return found;
}

/* Splits imap[s]://[user@]host[:port][/folder]. */
static enum nl_code inbox_parse_url(const char *url, bool *tls, char **user, char **host, uint16_t *port,
                                    char **folder, struct nl_error *err)
{
	const char *p;
	if (!strncmp(url, "imaps://", 8)) {
		*tls = true;
		p = url + 8;
	} else {
		*tls = false;
		p = url + 7;
	}
	const char *slash = strchr(p, '/');
	const char *hend = slash ? slash : p + strlen(p);
	const char *at = memchr(p, '@', (size_t)(hend - p));
	*user = NULL;
	if (at) {
		*user = nl_xstrndup(p, (size_t)(at - p));
		p = at + 1;
	}
	const char *colon = NULL;
	if (*p == '[') { /* [v6] */
		const char *rb = memchr(p, ']', (size_t)(hend - p));
		colon = rb && rb + 1 < hend && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(hend - p));
	}
	const char *hstop = colon ? colon : hend;
	if (hstop == p) {
		free(*user);
		*user = NULL;
		return nl_fail(err, NL_ERR_CONFIG, "%s: no host in the inbox URL", url);
	}
	*host = nl_xstrndup(p, (size_t)(hstop - p));
	*port = *tls ? 993 : 143;
	if (colon) {
		char *e;
		long v = strtol(colon + 1, &e, 10);
		if (e != hend || v <= 0 || v > 65535) {
			free(*user);
			free(*host);
			*user = *host = NULL;
			return nl_fail(err, NL_ERR_CONFIG, "%s: bad port in the inbox URL", url);
		}
		*port = (uint16_t)v;
	}
	*folder = nl_xstrdup(slash && slash[1] ? slash + 1 : "INBOX");
	return NL_OK;
}

static enum nl_code inbox_imap_open(struct nl_inbox *in, const struct nl_inbox_options *opt,
                                    struct nl_error *err)
{
	bool tls;
	char *url_user = NULL;
	uint16_t port = 0;
	enum nl_code rc = inbox_parse_url(opt->url, &tls, &url_user, &in->host, &port, &in->folder, err);
	if (rc != NL_OK)
		return rc;
	const char *user = opt->user && *opt->user ? opt->user : url_user;
	in->source = nl_xasprintf("%s://%s/%s", tls ? "imaps" : "imap", in->host, in->folder);
	mailstream_network_delay.tv_sec = opt->timeout > 0 ? opt->timeout : 60;
	mailstream_network_delay.tv_usec = 0;
	in->imap = mailimap_new(0, NULL);
	struct inbox_tls t = {in->host};
	int r;
	if (tls)
		r = mailimap_ssl_connect_with_callback(in->imap, in->host, port, inbox_tls_setup, &t);
	else
		r = mailimap_socket_connect(in->imap, in->host, port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		rc = nl_fail(err, r == MAILIMAP_ERROR_SSL ? NL_ERR_TLS : NL_ERR_INBOX,
		             "%s:%u: cannot connect%s", in->host, port,
		             r == MAILIMAP_ERROR_SSL ? " (TLS handshake failed)" : "");
		goto out;
	}
	if (!tls) {
		if (inbox_has_cap(in->imap, "STARTTLS")) {
			r = mailimap_socket_starttls_with_callback(in->imap, inbox_tls_setup, &t);
			if (r != MAILIMAP_NO_ERROR) {
				rc = nl_fail(err, NL_ERR_TLS, "%s: STARTTLS failed", in->host);
				goto out;
			}
			tls = true;
		} else if (!inbox_loopback(in->host)) {
			rc = nl_fail(err, NL_ERR_TLS,
			             "%s: the server offers no STARTTLS; refusing to send the password "
			             "in clear (use imaps://)",
			             in->host);
			goto out;
		}
	}
	if (tls && (rc = inbox_verify(in->imap->imap_stream, in->host, opt->ca_file, err)) != NL_OK)
		goto out;
	if (!user || !opt->password) {
		rc = nl_fail(err, NL_ERR_CONFIG,
		             "%s: the inbox needs a user and a password (password_cmd or "
		             "MAILER_IMAP_PASSWORD)",
		             in->source);
		goto out;
	}
	r = mailimap_login(in->imap, user, opt->password);
	if (r != MAILIMAP_NO_ERROR) {
		rc = nl_fail(err, r == MAILIMAP_ERROR_LOGIN ? NL_ERR_AUTH : NL_ERR_INBOX,
		             "%s: login as %s refused", in->host, user);
		goto out;
	}
	in->has_move = inbox_has_cap(in->imap, "MOVE");
	in->has_uidplus = inbox_has_cap(in->imap, "UIDPLUS");
	r = mailimap_select(in->imap, in->folder);
	if (r != MAILIMAP_NO_ERROR) {
		rc = nl_fail(err, NL_ERR_INBOX, "%s: cannot select the folder", in->source);
		goto out;
	}
	in->uidvalidity = in->imap->imap_selection_info ? in->imap->imap_selection_info->sel_uidvalidity : 0;
	if (in->after == NL_AFTER_MOVE)
		mailimap_create(in->imap, in->move_to); /* fails harmlessly when it exists */
out:
	free(url_user);
	return rc;
}

static enum nl_code inbox_imap_scan(struct nl_inbox *in, uint32_t uidvalidity, uint32_t last_uid,
                                    struct nl_error *err)
{
	if (uidvalidity != in->uidvalidity)
		last_uid = 0; /* renumbered: everything again (the store's hash check skips what is known) */
	struct mailimap_set *set = mailimap_set_new_interval(last_uid + 1, 0);
	struct mailimap_search_key *key = mailimap_search_key_new_uid(set);
	clist *result = NULL;
	int r = mailimap_uid_search(in->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return nl_fail(err, NL_ERR_INBOX, "%s: UID SEARCH failed", in->source);
	size_t cap = 0;
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);
		if (uid <= last_uid) /* "N:*" always matches the highest UID */
			continue;
		if (in->n_uids == cap) {
			cap = cap ? cap * 2 : 64;
			in->uids = nl_xrealloc(in->uids, cap * sizeof *in->uids);
		}
		in->uids[in->n_uids++] = uid;
	}
	mailimap_search_result_free(result);
	/* ascending, so the cursor can advance message by message */
	for (size_t i = 1; i < in->n_uids; i++)
		for (size_t k = i; k > 0 && in->uids[k - 1] > in->uids[k]; k--) {
			uint32_t t = in->uids[k];
			in->uids[k] = in->uids[k - 1];
			in->uids[k - 1] = t;
		}
	return NL_OK;
}

static void inbox_batch_clear(struct nl_inbox *in)
{
	for (size_t i = 0; i < in->batch_n; i++)
		free(in->batch[i].data);
	in->batch_n = in->batch_next = 0;
}

static enum nl_code inbox_imap_fetch(struct nl_inbox *in, struct nl_error *err)
{
	inbox_batch_clear(in);
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t want = 0;
	for (; in->next_uid < in->n_uids && want < INBOX_FETCH_BATCH; want++) {
		uint32_t uid = in->uids[in->next_uid++];
		mailimap_set_add_single(set, uid);
		in->batch[want] = (struct inbox_fetched){uid, NULL, 0};
	}
	in->batch_n = want;
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	clist *result = NULL;
	int r = mailimap_uid_fetch(in->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return nl_fail(err, NL_ERR_INBOX, "%s: UID FETCH failed", in->source);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t uid = 0;
		const char *body = NULL;
		size_t len = 0;
		for (clistiter *a = clist_begin(ma->att_list); a; a = clist_next(a)) {
			struct mailimap_msg_att_item *item = clist_content(a);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			         st->att_data.att_body_section) {
				body = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		for (size_t i = 0; i < in->batch_n; i++)
			if (in->batch[i].uid == uid && body && !in->batch[i].data) {
				in->batch[i].data = nl_xstrndup(body, len);
				in->batch[i].len = len;
			}
	}
	mailimap_fetch_list_free(result);
	return NL_OK;
}

static enum nl_code inbox_imap_next(struct nl_inbox *in, struct nl_inbox_message *msg, struct nl_error *err)
{
	if (in->batch_next >= in->batch_n) {
		if (in->next_uid >= in->n_uids)
			return NL_ERR_NOT_FOUND;
		enum nl_code rc = inbox_imap_fetch(in, err);
		if (rc != NL_OK)
			return rc;
	}
	struct inbox_fetched *f = &in->batch[in->batch_next++];
	snprintf(in->location, sizeof in->location, "%u:%u", in->uidvalidity, f->uid);
	msg->location = in->location;
	msg->uid = f->uid;
	msg->data = f->data ? f->data : "";
	msg->len = f->len;
	if (!f->data) /* expunged by another client meanwhile */
		return nl_fail(err, NL_ERR_MESSAGE, "%s: UID %u vanished before it could be fetched",
		               in->source, f->uid);
	if (f->len > NL_MESSAGE_MAX_SIZE)
		return nl_fail(err, NL_ERR_LIMIT, "%s: UID %u larger than %u bytes", in->source, f->uid,
		               NL_MESSAGE_MAX_SIZE);
	return NL_OK;
}

static struct mailimap_set *inbox_uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	return set;
}

static int inbox_flag(mailimap *imap, const uint32_t *uids, size_t n, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(fl, flag);
	struct mailimap_store_att_flags *sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	struct mailimap_set *set = inbox_uid_set(uids, n);
	int r = mailimap_uid_store(imap, set, sf);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(sf);
	return r;
}

enum nl_code nl_inbox_after(struct nl_inbox *in, const uint32_t *uids, size_t n, struct nl_error *err)
{
	if (in->kind != INBOX_IMAP || !n || in->after == NL_AFTER_KEEP)
		return NL_OK;
	if (in->after == NL_AFTER_SEEN) {
		if (inbox_flag(in->imap, uids, n, mailimap_flag_new_seen()) != MAILIMAP_NO_ERROR)
			return nl_fail(err, NL_ERR_INBOX, "%s: cannot mark messages \\Seen", in->source);
		return NL_OK;
	}
	struct mailimap_set *set = inbox_uid_set(uids, n);
	int r;
	if (in->has_move) {
		r = mailimap_uid_move(in->imap, set, in->move_to);
	} else {
		r = mailimap_uid_copy(in->imap, set, in->move_to);
		if (r == MAILIMAP_NO_ERROR)
			r = inbox_flag(in->imap, uids, n, mailimap_flag_new_deleted());
		if (r == MAILIMAP_NO_ERROR && in->has_uidplus)
			r = mailimap_uid_expunge(in->imap, set);
	}
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return nl_fail(err, NL_ERR_INBOX, "%s: cannot move messages to %s", in->source, in->move_to);
	return NL_OK;
}

/* ---- The common part ---- */

enum nl_code nl_inbox_open(const struct nl_inbox_options *opt, struct nl_inbox **out, struct nl_error *err)
{
	*out = NULL;
	if (!opt || !opt->url || !*opt->url)
		return nl_fail(err, NL_ERR_CONFIG,
		               "no inbox configured ([inbox] url, or --maildir / --mbox)");
	struct nl_inbox *in = nl_xcalloc(1, sizeof *in);
	in->after = opt->after;
	in->move_to = nl_xstrdup(opt->move_to && *opt->move_to ? opt->move_to : "Processed");
	enum nl_code rc = NL_OK;
	const char *url = opt->url;
	if (!strncmp(url, "maildir:", 8)) {
		in->kind = INBOX_MAILDIR;
		in->path = inbox_absolute(url + 8);
		in->source = nl_xasprintf("maildir:%s", in->path);
		struct stat st;
		if (stat(in->path, &st) != 0 || !S_ISDIR(st.st_mode))
			rc = nl_fail(err, NL_ERR_INBOX, "%s: no such Maildir", in->path);
	} else if (!strncmp(url, "mbox:", 5)) {
		in->kind = INBOX_MBOX;
		in->path = inbox_absolute(url + 5);
		in->source = nl_xasprintf("mbox:%s", in->path);
		struct stat st;
		if (stat(in->path, &st) != 0 || !S_ISREG(st.st_mode))
			rc = nl_fail(err, NL_ERR_INBOX, "%s: no such mbox file", in->path);
	} else if (!strncmp(url, "imap://", 7) || !strncmp(url, "imaps://", 8)) {
		in->kind = INBOX_IMAP;
		rc = inbox_imap_open(in, opt, err);
	} else {
		rc = nl_fail(err, NL_ERR_CONFIG,
		             "%s: the inbox URL must start with imap://, imaps://, maildir: or mbox:", url);
	}
	if (rc != NL_OK) {
		nl_inbox_close(in);
		return rc;
	}
	*out = in;
	return NL_OK;
}

enum nl_code nl_inbox_scan(struct nl_inbox *in, uint32_t uidvalidity, uint32_t last_uid,
                           uint32_t *uidvalidity_now, struct nl_error *err)
{
	*uidvalidity_now = 0;
	switch (in->kind) {
	case INBOX_MAILDIR:
		return inbox_maildir_scan(in, err);
	case INBOX_MBOX:
		return inbox_mbox_scan(in, err);
	case INBOX_IMAP:
		*uidvalidity_now = in->uidvalidity;
		return inbox_imap_scan(in, uidvalidity, last_uid, err);
	}
	return NL_ERR_INTERNAL;
}

enum nl_code nl_inbox_next(struct nl_inbox *in, struct nl_inbox_message *msg, struct nl_error *err)
{
	memset(msg, 0, sizeof *msg);
	switch (in->kind) {
	case INBOX_MAILDIR:
		return inbox_maildir_next(in, msg, err);
	case INBOX_MBOX:
		return inbox_mbox_next(in, msg, err);
	case INBOX_IMAP:
		return inbox_imap_next(in, msg, err);
	}
	return NL_ERR_INTERNAL;
}

void nl_inbox_close(struct nl_inbox *in)
{
	if (!in)
		return;
	if (in->imap) {
		if (in->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
			mailimap_logout(in->imap);
		mailimap_free(in->imap);
	}
	inbox_batch_clear(in);
	for (size_t i = 0; i < in->n_files; i++)
		free(in->files[i]);
	free(in->files);
	nl_buf_free(&in->cur);
	nl_buf_free(&in->mbox);
	free(in->offsets);
	free(in->uids);
	free(in->source);
	free(in->path);
	free(in->host);
	free(in->folder);
	free(in->move_to);
	free(in);
}

enum nl_code nl_inbox_password(const char *password_cmd, char **out, struct nl_error *err)
{
	*out = NULL;
	if (password_cmd && *password_cmd) {
		FILE *f = popen(password_cmd, "r");
		if (!f)
			return nl_fail(err, NL_ERR_CONFIG, "[inbox] password_cmd: cannot run it: %s",
			               strerror(errno));
		char line[1024];
		bool got = fgets(line, sizeof line, f) != NULL;
		char rest[256];
		while (
		    fgets(rest, sizeof rest, f)) /* read to the end so the command is not killed by SIGPIPE */
			;
		int st = pclose(f);
		if (st != 0 || !got)
			return nl_fail(err, NL_ERR_CONFIG, "[inbox] password_cmd failed (exit status %d)",
			               st);
		line[strcspn(line, "\r\n")] = '\0';
		*out = nl_xstrdup(line);
		explicit_bzero(line, sizeof line);
		return NL_OK;
	}
	const char *env = getenv("MAILER_IMAP_PASSWORD");
	if (env)
		*out = nl_xstrdup(env);
	return NL_OK;
}
