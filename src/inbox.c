/* inbox.c - reading inbound mail from IMAP (libetpan's mailimap), a Maildir or an mbox file.
 *
 * IMAP (RFC 9051 / 3501): LOGIN after TLS, either implicit (imaps://, port 993) or STARTTLS
 * (imap://, RFC 2595), with the server's certificate chain verified by GnuTLS against the system's
 * trust store (and `ca_file`) and its name checked against the host (libetpan's own TLS does not
 * verify).  Plain text is allowed only to a loopback host.  Only what is new is fetched: one UID
 * FETCH last+1:* (UID RFC822.SIZE) lists the new messages with their sizes while UIDVALIDITY is
 * unchanged (RFC 9051 §2.3.1.1), then each batch is one UID FETCH BODY.PEEK[] (which leaves \Seen
 * alone) of up to INBOX_FETCH_BATCH messages and about INBOX_FETCH_BYTES of those within the size
 * bound.  Each exchange is a round trip, so there are as few as libetpan's one-command-at-a-time
 * API allows: the greeting, STARTTLS, LOGIN, SELECT, the list, a fetch per batch, the `after`
 * action per batch of the caller, LOGOUT (with after = keep sent after the last fetch, without
 * waiting); the capabilities come with the greeting and the LOGIN reply where the server sends them
 * (Dovecot does), and only otherwise from one CAPABILITY.  Every step after the TCP connect has a
 * deadline and ends at an end of file (inbox_stream.h); a lost connection is opened again, a few
 * times, and the scan goes on from the next UID.  After the caller has recorded messages: UID STORE +FLAGS
 * (\Seen), or UID MOVE (RFC 6851), or UID COPY + \Deleted + UID EXPUNGE of exactly those UIDs
 * (RFC 4315 UIDPLUS); without UIDPLUS the originals stay, marked \Deleted, never purged.
 *
 * Maildir: new/ and cur/ together in arrival order (the delivery time a standard unique name starts
 * with, else the mtime; then the name); the location is the file's unique name (before ":2,"),
 * which survives a client moving it from new/ to cur/ or changing its flags.  Nothing is renamed.
 *
 * mbox: a message starts at a "From " line whose shape is that of a separator ("From SENDER"
 * followed by nothing or by a date with a time) and which is followed by a header field; the blank
 * line before it is not required (MimeKit simple.mbox has none).  So unescaped body lines such as "From
 * Russia with love" (MimeKit unmunged.mbox) do not split a message.  A leading UTF-8 BOM is skipped.  The
 * location is "@OFFSET" of the separator line.  The file is scanned in blocks for the offsets and
 * each message is read alone when its turn comes (one over the size bound never is), so memory does
 * not grow with the file.
 */
#include "inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "buf.h"
#include "inbox_stream.h"
#include "message.h"
#include "util.h"

enum inbox_kind { INBOX_IMAP, INBOX_MAILDIR, INBOX_MBOX };

/* A batch of bodies: at most this many messages and about INBOX_FETCH_BYTES (one at least).
 * libetpan's reading of one response grows faster than its size: on loopback 2,000 small replies
 * read at 13,000/s in two fetches and at 8,600/s in one. */
#define INBOX_FETCH_BATCH 1024
#define INBOX_FETCH_BYTES (8u << 20)
/* What is read of the answer to a LOGOUT sent ahead (a BYE and an OK) before closing. */
#define INBOX_LOGOUT_READ 4096
/* After a lost connection, how many times the session is opened again before giving up. */
#define INBOX_RECONNECTS 3

struct inbox_fetched {
	uint32_t uid;
	uint32_t size; /* RFC822.SIZE, from the list */
	char *data;
	size_t len;
};

/* A Maildir file, listed in arrival order: the delivery time that starts a standard unique name
 * ("1733300000.M1P2.host", maildir(5)), or else the file's mtime; then the unique name. */
struct inbox_maildir_file {
	char *name; /* "new/..." or "cur/..." */
	long long arrived;
	bool regular; /* readdir said so (d_type): no stat needed before reading it */
};

struct nl_inbox {
	enum inbox_kind kind;
	char *source;
	char *path; /* maildir/mbox */
	char location[300];
	/* Maildir: files relative to the directory */
	struct inbox_maildir_file *files;
	size_t n_files, next_file;
	struct nl_buf cur;
	/* mbox */
	int mbox_fd;       /* -1 until the first message is read */
	uint64_t *offsets; /* message starts (the separator line), plus the end */
	size_t n_msgs, next_msg;
	/* IMAP */
	mailimap *imap;
	struct inbox_stream *stream; /* the deadline layer of imap's stream (owned by it) */
	bool lost;                   /* the connection broke: worth opening again */
	bool logout_sent;            /* LOGOUT went out ahead; nothing else is said on the session */
	char *host, *folder, *user, *password, *ca_file;
	uint16_t port;
	bool tls_implicit; /* imaps:// */
	long timeout;
	enum nl_inbox_after after;
	char *move_to;
	bool has_move, has_uidplus;
	uint32_t uidvalidity;
	uint32_t *uids, *sizes; /* the new messages, ascending, with their RFC822.SIZE */
	size_t n_uids, uids_cap, next_uid;
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


static const char *inbox_unique_name(const char *name)
{
	return strchr(name, '/') + 1;
}

static int inbox_arrival_cmp(const void *pa, const void *pb)
{
	const struct inbox_maildir_file *a = pa, *b = pb;
	if (a->arrived != b->arrived)
		return a->arrived < b->arrived ? -1 : 1;
	return strcmp(inbox_unique_name(a->name), inbox_unique_name(b->name));
}

static long long inbox_arrived(const char *dir, const char *base)
{
	long long t = 0;
	size_t i = 0;
	while (base[i] >= '0' && base[i] <= '9' && i < 18)
		t = t * 10 + (base[i++] - '0');
	if (i > 0 && base[i] == '.')
		return t;
	struct stat st;
	char *path = nl_xasprintf("%s/%s", dir, base);
	t = stat(path, &st) == 0 ? (long long)st.st_mtime : 0;
	free(path);
	return t;
}

/* Lists new/ and cur/ together in arrival order: a message a client has moved to cur/ is older
 * than one still in new/, and the order replies arrived in decides which answer stands. */
static enum nl_code inbox_maildir_scan(struct nl_inbox *in, struct nl_error *err)
{
	static const char *const subs[] = {"new", "cur"};
	struct inbox_maildir_file *files = NULL;
	size_t cap = 0, n = 0;
	int dirs = 0;
	for (size_t s = 0; s < 2; s++) {
		char *dir = nl_xasprintf("%s/%s", in->path, subs[s]);
		DIR *d = opendir(dir);
		if (!d) {
			free(dir);
			continue;
		}
		dirs++;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				files = nl_xrealloc(files, cap * sizeof *files);
			}
			files[n].name = nl_xasprintf("%s/%s", subs[s], e->d_name);
			files[n].regular = e->d_type == DT_REG;
			files[n++].arrived = inbox_arrived(dir, e->d_name);
		}
		closedir(d);
		free(dir);
	}
	if (n > 1)
		qsort(files, n, sizeof *files, inbox_arrival_cmp);
	free(in->files);
	in->files = files;
	in->n_files = n;
	if (!dirs)
		return nl_fail(err, NL_ERR_INBOX, "%s: not a Maildir (no new/ or cur/)", in->path);
	return NL_OK;
}

static enum nl_code inbox_maildir_next(struct nl_inbox *in, struct nl_inbox_message *msg,
                                       struct nl_error *err)
{
	if (in->next_file >= in->n_files)
		return NL_ERR_NOT_FOUND;
	const struct inbox_maildir_file *file = &in->files[in->next_file++];
	const char *name = file->name;
	const char *base = strchr(name, '/') + 1;
	size_t ulen = strcspn(base, ":");
	snprintf(in->location, sizeof in->location, "%.*s", (int)ulen, base);
	msg->location = in->location;
	msg->uid = 0;
	char *path = nl_xasprintf("%s/%s", in->path, name);
	nl_buf_reset(&in->cur);
	/* Only regular files are mail: opening a FIFO would block the run for good.  readdir says
	 * which are (system calls are dear: a message costs three, not five). */
	struct stat st;
	enum nl_code rc;
	if (file->regular)
		rc = nl_read_regular_file(path, NL_MESSAGE_MAX_SIZE, &in->cur, err);
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		rc = nl_fail(err, NL_ERR_MESSAGE, "%s: not a regular file", path);
	else
		rc = nl_read_file(path, NL_MESSAGE_MAX_SIZE, &in->cur, err);
	if (rc == NL_ERR_NOT_FOUND) /* moved by a client meanwhile: look in the other dir */
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

/* The scan reads the file in blocks and keeps only the offsets of the messages, and of each line
 * only its first MBOX_HEAD bytes (enough to tell a separator or a header field): memory does not
 * grow with the file (a 1 GB mbox is read in a few MB). */
#define MBOX_BLOCK (1u << 20)
#define MBOX_HEAD 1024

struct mbox_scan {
	struct nl_inbox *in;
	size_t cap;
	bool pending;       /* the last line was a separator: a message starts there if a field follows */
	uint64_t pending_at;
	bool bom;           /* the file starts with a UTF-8 BOM */
};

static void mbox_add(struct mbox_scan *sc, uint64_t at)
{
	struct nl_inbox *in = sc->in;
	if (in->n_msgs + 1 >= sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 64;
		in->offsets = nl_xrealloc(in->offsets, sc->cap * sizeof *in->offsets);
	}
	in->offsets[in->n_msgs++] = at;
}

/* One line, starting at file offset `at`; `head` holds its first bytes (no LF). */
static void mbox_line(struct mbox_scan *sc, const char *head, size_t len, uint64_t at)
{
	if (at == 0 && len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
		head += 3;
		len -= 3;
		at += 3;
		sc->bom = true;
	}
	if (len && head[len - 1] == '\r')
		len--;
	if (sc->pending && inbox_is_field(head, len))
		mbox_add(sc, sc->pending_at);
	sc->pending = inbox_is_separator(head, len);
	sc->pending_at = at;
}

static enum nl_code inbox_mbox_scan(struct nl_inbox *in, struct nl_error *err)
{
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nl_fail(err, NL_ERR_INBOX, "%s: %s", in->path, strerror(errno));
	struct mbox_scan sc = {.in = in};
	char *block = nl_xmalloc(MBOX_BLOCK), head[MBOX_HEAD];
	size_t head_len = 0;
	uint64_t pos = 0, line_start = 0;
	enum nl_code rc = NL_OK;
	for (;;) {
		ssize_t r = read(fd, block, MBOX_BLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = nl_fail(err, NL_ERR_INBOX, "%s: %s", in->path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		for (size_t k = 0; k < (size_t)r;) {
			const char *nl = memchr(block + k, '\n', (size_t)r - k);
			size_t seg = nl ? (size_t)(nl - (block + k)) : (size_t)r - k;
			size_t take = seg < MBOX_HEAD - head_len ? seg : MBOX_HEAD - head_len;
			memcpy(head + head_len, block + k, take);
			head_len += take;
			k += seg;
			pos += seg;
			if (nl) {
				mbox_line(&sc, head, head_len, line_start);
				k++;
				pos++;
				line_start = pos;
				head_len = 0;
			}
		}
	}
	close(fd);
	free(block);
	if (rc != NL_OK)
		return rc;
	if (line_start < pos) /* a last line without a newline */
		mbox_line(&sc, head, head_len, line_start);
	if (sc.pending) /* a separator on the last line: an empty message */
		mbox_add(&sc, sc.pending_at);
	if (!in->n_msgs && pos > 0 && !(pos == 3 && sc.bom))
		return nl_fail(err, NL_ERR_INBOX, "%s: not an mbox file (no \"From \" line)", in->path);
	if (!in->offsets)
		in->offsets = nl_xmalloc(sizeof *in->offsets);
	in->offsets[in->n_msgs] = pos;
	return NL_OK;
}

/* Reads [at, at+len) of the mbox into in->cur; false when the file no longer has those bytes. */
static bool mbox_read(struct nl_inbox *in, int fd, uint64_t at, size_t len)
{
	nl_buf_reset(&in->cur);
	char chunk[65536];
	while (len > 0) {
		size_t want = len < sizeof chunk ? len : sizeof chunk;
		ssize_t r = pread(fd, chunk, want, (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		nl_buf_append(&in->cur, chunk, (size_t)r);
		at += (uint64_t)r;
		len -= (size_t)r;
	}
	return true;
}

static enum nl_code inbox_mbox_next(struct nl_inbox *in, struct nl_inbox_message *msg, struct nl_error *err)
{
	if (in->next_msg >= in->n_msgs)
		return NL_ERR_NOT_FOUND;
	uint64_t start = in->offsets[in->next_msg], end = in->offsets[in->next_msg + 1];
	in->next_msg++;
	snprintf(in->location, sizeof in->location, "@%llu", (unsigned long long)start);
	msg->location = in->location;
	msg->uid = 0;
	msg->data = "";
	msg->len = 0;
	if (in->mbox_fd < 0 && (in->mbox_fd = open(in->path, O_RDONLY | O_CLOEXEC)) < 0)
		return nl_fail(err, NL_ERR_INBOX, "%s: %s", in->path, strerror(errno));
	/* the separator line, then the body up to the blank line that belongs to the format */
	size_t first = end - start < 65536 ? (size_t)(end - start) : 65536;
	if (!mbox_read(in, in->mbox_fd, start, first))
		return nl_fail(err, NL_ERR_MESSAGE, "%s%s: the file changed while it was read", in->source,
		               in->location);
	const char *nl = memchr(in->cur.data ? in->cur.data : "", '\n', in->cur.len);
	if (!nl && first < end - start)
		return nl_fail(err, NL_ERR_MESSAGE, "%s%s: a separator line longer than 64 KB", in->source,
		               in->location);
	uint64_t body = nl ? start + (uint64_t)(nl - in->cur.data) + 1 : end;
	char tail[2] = {0, 0};
	size_t tail_len = end - body < 2 ? (size_t)(end - body) : 2;
	if (tail_len && pread(in->mbox_fd, tail, tail_len, (off_t)(end - tail_len)) != (ssize_t)tail_len)
		return nl_fail(err, NL_ERR_MESSAGE, "%s%s: the file changed while it was read", in->source,
		               in->location);
	if (tail_len && tail[tail_len - 1] == '\n') {
		end--;
		if (tail_len == 2 && tail[0] == '\r')
			end--;
	} else if (tail_len && tail[tail_len - 1] == '\r') {
		end--;
	}
	if (end - body > NL_MESSAGE_MAX_SIZE) /* never read into memory */
		return nl_fail(err, NL_ERR_LIMIT, "%s%s: message larger than %u bytes", in->source,
		               in->location, NL_MESSAGE_MAX_SIZE);
	if (!mbox_read(in, in->mbox_fd, body, (size_t)(end - body)))
		return nl_fail(err, NL_ERR_MESSAGE, "%s%s: the file changed while it was read", in->source,
		               in->location);
	msg->data = nl_buf_cstr(&in->cur);
	msg->len = in->cur.len;
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
	mailstream_ssl_set_server_name(ctx, NL_UNCONST(t->host));
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

/* Forgets the capabilities libetpan keeps, so that only those announced from now on count (they
 * change with STARTTLS and LOGIN, RFC 9051 §6.2.1). */
static void inbox_forget_caps(mailimap *imap)
{
	if (imap->imap_connection_info && imap->imap_connection_info->imap_capability) {
		mailimap_capability_data_free(imap->imap_connection_info->imap_capability);
		imap->imap_connection_info->imap_capability = NULL;
	}
}

/* Whether the server has capability `name`: from what it announced since inbox_forget_caps (a
 * [CAPABILITY] code in the greeting or a tagged OK, which libetpan keeps), else from one
 * CAPABILITY command, whose answer libetpan keeps too. */
static bool inbox_has_cap(mailimap *imap, const char *name)
{
	if (!imap->imap_connection_info)
		return false;
	if (!imap->imap_connection_info->imap_capability) {
		struct mailimap_capability_data *asked = NULL;
		if (mailimap_capability(imap, &asked) != MAILIMAP_NO_ERROR || !asked)
			return false;
		mailimap_capability_data_free(asked);
	}
	const struct mailimap_capability_data *cap = imap->imap_connection_info->imap_capability;
	if (!cap)
		return false;
	for (clistiter *it = clist_begin(cap->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_NAME && c->cap_data.cap_name &&
		    nl_ascii_casecmp(c->cap_data.cap_name, name) == 0)
			return true;
	}
	return false;
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

/* Before every IMAP step, which expects about `bytes` from the server: its deadline starts
 * (inbox_stream_step). */
static void inbox_step(struct nl_inbox *in, size_t bytes)
{
	if (in->stream)
		inbox_stream_step(in->stream, bytes);
}

/* After a libetpan call that returned `r`: a broken stream (or libetpan's stream error) means the
 * connection is lost, and the session is worth opening again. */
static bool inbox_failed(struct nl_inbox *in, int r)
{
	if (r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	    r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return false;
	if (r == MAILIMAP_ERROR_STREAM || (in->stream && inbox_stream_broken(in->stream)))
		in->lost = true;
	return true;
}

/* "SOURCE: WHAT failed" and, when the connection broke, why. */
static enum nl_code inbox_fail(struct nl_inbox *in, struct nl_error *err, enum nl_code code, const char *what)
{
	const char *why = in->stream ? inbox_stream_broken(in->stream) : NULL;
	if (in->lost)
		code = NL_ERR_INBOX;
	return nl_fail(err, code, "%s: %s failed%s%s", in->source, what, why ? ": " : "", why ? why : "");
}

static void inbox_imap_drop(struct nl_inbox *in)
{
	if (in->imap)
		mailimap_free(in->imap); /* closes the stream and the layer with it */
	in->imap = NULL;
	in->stream = NULL;
}

/* Connects, greets, upgrades to TLS and verifies it, logs in and selects the folder: the session
 * that nl_inbox_open starts and a reconnection starts again.  Every step after the TCP connect
 * and the TLS handshake has its deadline (inbox_stream.h). */
static enum nl_code inbox_imap_connect(struct nl_inbox *in, struct nl_error *err)
{
	inbox_imap_drop(in);
	in->lost = false;
	in->logout_sent = false;
	char why[160];
	int fd = inbox_stream_connect(in->host, in->port, in->timeout, why, sizeof why);
	if (fd < 0) {
		in->lost = true;
		return nl_fail(err, NL_ERR_INBOX, "%s:%u: cannot connect: %s", in->host, in->port, why);
	}
	struct inbox_tls t = {in->host};
	mailstream *s = in->tls_implicit ? mailstream_ssl_open_with_callback_timeout(fd, in->timeout, inbox_tls_setup, &t)
	                                 : mailstream_socket_open_timeout(fd, in->timeout);
	if (!s) {
		close(fd);
		return nl_fail(err, in->tls_implicit ? NL_ERR_TLS : NL_ERR_INBOX, "%s:%u: cannot connect%s",
		               in->host, in->port, in->tls_implicit ? " (TLS handshake failed)" : "");
	}
	in->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(in->imap, in->timeout);
	in->stream = inbox_stream_wrap(s, in->timeout);
	inbox_step(in, 0);
	int r = mailimap_connect(in->imap, s);
	if (inbox_failed(in, r))
		return inbox_fail(in, err, NL_ERR_INBOX, "the greeting");
	bool tls = in->tls_implicit;
	if (!tls) {
		inbox_step(in, 0);
		if (inbox_has_cap(in->imap, "STARTTLS")) {
			inbox_step(in, 0);
			r = mailimap_socket_starttls_with_callback(in->imap, inbox_tls_setup, &t);
			if (inbox_failed(in, r))
				return inbox_fail(in, err, NL_ERR_TLS, "STARTTLS");
			/* libetpan put a TLS layer in place of ours: ours goes above it again */
			in->stream = inbox_stream_wrap(in->imap->imap_stream, in->timeout);
			tls = true;
		} else if (in->lost) {
			return inbox_fail(in, err, NL_ERR_INBOX, "CAPABILITY");
		} else if (!inbox_loopback(in->host)) {
			return nl_fail(err, NL_ERR_TLS,
			               "%s: the server offers no STARTTLS; refusing to send the password "
			               "in clear (use imaps://)",
			               in->host);
		}
	}
	enum nl_code rc;
	if (tls && (rc = inbox_verify(in->imap->imap_stream, in->host, in->ca_file, err)) != NL_OK)
		return rc;
	if (!in->user || !in->password)
		return nl_fail(err, NL_ERR_CONFIG,
		               "%s: the inbox needs a user and a password (password_cmd or "
		               "MAILER_IMAP_PASSWORD)",
		               in->source);
	inbox_step(in, 0);
	inbox_forget_caps(in->imap); /* what the server says after LOGIN is what holds */
	r = mailimap_login(in->imap, in->user, in->password);
	if (inbox_failed(in, r)) {
		if (in->lost)
			return inbox_fail(in, err, NL_ERR_INBOX, "LOGIN");
		return nl_fail(err, r == MAILIMAP_ERROR_LOGIN ? NL_ERR_AUTH : NL_ERR_INBOX,
		               "%s: login as %s refused", in->host, in->user);
	}
	inbox_step(in, 0);
	in->has_move = inbox_has_cap(in->imap, "MOVE");
	inbox_step(in, 0);
	in->has_uidplus = inbox_has_cap(in->imap, "UIDPLUS");
	inbox_step(in, 0);
	r = mailimap_select(in->imap, in->folder);
	if (inbox_failed(in, r))
		return inbox_fail(in, err, NL_ERR_INBOX, "selecting the folder");
	uint32_t validity = in->imap->imap_selection_info ? in->imap->imap_selection_info->sel_uidvalidity : 0;
	if (in->uidvalidity && validity != in->uidvalidity)
		return nl_fail(err, NL_ERR_INBOX,
		               "%s: the folder's UIDVALIDITY changed during the collect (%u, now %u); run "
		               "collect again",
		               in->source, in->uidvalidity, validity);
	in->uidvalidity = validity;
	return NL_OK;
}

typedef enum nl_code (*inbox_imap_step_fn)(struct nl_inbox *, const void *, struct nl_error *);

/* After `step` returned `rc`: when the connection was lost, opens the session again after a pause
 * (1 s, 2 s, 4 s, no more than an eighth of the timeout, so that a collect that gives up still
 * ends within twice the timeout) and runs `step` again, INBOX_RECONNECTS times at most.  Refusals
 * (login, TLS, a changed UIDVALIDITY) are not retried. */
static enum nl_code inbox_imap_retry_after(struct nl_inbox *in, enum nl_code rc, inbox_imap_step_fn step,
                                           const void *arg, struct nl_error *err)
{
	char first[sizeof err->detail];
	snprintf(first, sizeof first, "%s", err->detail);
	for (int attempt = 1; rc != NL_OK && in->lost && attempt <= INBOX_RECONNECTS; attempt++) {
		long long pause_ms = 1000LL << (attempt - 1), cap_ms = in->timeout * 1000LL / 8;
		if (pause_ms > cap_ms)
			pause_ms = cap_ms;
		struct timespec ts = {(time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		rc = inbox_imap_connect(in, err);
		if (rc == NL_OK)
			rc = step(in, arg, err);
		else if (!in->lost) {
			/* refused on the way back in (login, TLS): the mailbox is gone for this run, never
			 * one bad message (collect would go on with a stale batch) */
			char why[sizeof err->detail];
			snprintf(why, sizeof why, "%s", err->detail);
			return nl_fail(err, NL_ERR_INBOX, "%s; reconnecting failed: %s", first, why);
		}
	}
	if (rc != NL_OK && in->lost) {
		char last[sizeof err->detail];
		snprintf(last, sizeof last, "%s", err->detail);
		if (strcmp(last, first) == 0)
			rc = nl_fail(err, NL_ERR_INBOX, "%s; gave up after %d attempts to reconnect", first,
			             INBOX_RECONNECTS);
		else
			rc = nl_fail(err, NL_ERR_INBOX, "%s; gave up after %d attempts to reconnect (the last: %s)",
			             first, INBOX_RECONNECTS, last);
	}
	return rc;
}

/* Runs `step`, and again after a lost connection (inbox_imap_retry_after). */
static enum nl_code inbox_imap_retry(struct nl_inbox *in, inbox_imap_step_fn step, const void *arg,
                                     struct nl_error *err)
{
	return inbox_imap_retry_after(in, step(in, arg, err), step, arg, err);
}

/* The step after a reconnection of the first session: none, the session is all it needed. */
static enum nl_code inbox_imap_session_ready(struct nl_inbox *in, const void *arg, struct nl_error *err)
{
	(void)in, (void)arg, (void)err;
	return NL_OK;
}

static enum nl_code inbox_imap_open(struct nl_inbox *in, const struct nl_inbox_options *opt,
                                    struct nl_error *err)
{
	char *url_user = NULL;
	enum nl_code rc =
	    inbox_parse_url(opt->url, &in->tls_implicit, &url_user, &in->host, &in->port, &in->folder, err);
	if (rc != NL_OK)
		return rc;
	in->user = nl_xstrdup(opt->user && *opt->user ? opt->user : url_user ? url_user : "");
	if (!*in->user) {
		free(in->user);
		in->user = NULL;
	}
	free(url_user);
	in->password = opt->password ? nl_xstrdup(opt->password) : NULL;
	in->ca_file = opt->ca_file ? nl_xstrdup(opt->ca_file) : NULL;
	in->timeout = opt->timeout > 0 ? opt->timeout : 60;
	in->source = nl_xasprintf("%s://%s/%s", in->tls_implicit ? "imaps" : "imap", in->host, in->folder);
	mailstream_network_delay.tv_sec = in->timeout; /* for what libetpan does before our layer */
	mailstream_network_delay.tv_usec = 0;
	rc = inbox_imap_connect(in, err);
	/* a server that answered and then dropped the session (greeting, LOGIN, SELECT) is tried
	 * again, as a drop later on is; one that cannot be reached at all is not */
	if (rc != NL_OK && in->lost && in->imap)
		rc = inbox_imap_retry_after(in, rc, inbox_imap_session_ready, NULL, err);
	if (rc != NL_OK)
		return rc;
	if (in->after == NL_AFTER_MOVE) {
		inbox_step(in, 0);
		inbox_failed(in, mailimap_create(in->imap, in->move_to)); /* fails harmlessly when it exists */
	}
	return NL_OK;
}

static const struct mailimap_msg_att_static *inbox_att(const struct mailimap_msg_att *ma, int type);

/* The list: UID FETCH last+1:* (UID RFC822.SIZE), the UIDs and sizes in one round trip (a UID
 * SEARCH would need a second for the sizes). */
static enum nl_code inbox_imap_list(struct nl_inbox *in, const void *arg, struct nl_error *err)
{
	uint32_t last_uid = *(const uint32_t *)arg;
	struct mailimap_set *set = mailimap_set_new_interval(last_uid + 1, 0);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	clist *result = NULL;
	inbox_step(in, 0);
	int r = mailimap_uid_fetch(in->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (inbox_failed(in, r))
		return inbox_fail(in, err, NL_ERR_INBOX, "UID FETCH RFC822.SIZE");
	in->n_uids = 0;
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att_static *uid =
		    inbox_att(clist_content(it), MAILIMAP_MSG_ATT_UID);
		const struct mailimap_msg_att_static *size =
		    inbox_att(clist_content(it), MAILIMAP_MSG_ATT_RFC822_SIZE);
		/* "N:*" always matches the highest UID, even below N */
		if (!uid || !size || uid->att_data.att_uid <= last_uid)
			continue;
		if (in->n_uids == in->uids_cap) {
			in->uids_cap = in->uids_cap ? in->uids_cap * 2 : 64;
			in->uids = nl_xrealloc(in->uids, in->uids_cap * sizeof *in->uids);
			in->sizes = nl_xrealloc(in->sizes, in->uids_cap * sizeof *in->sizes);
		}
		in->uids[in->n_uids] = uid->att_data.att_uid;
		in->sizes[in->n_uids++] = size->att_data.att_rfc822_size;
	}
	mailimap_fetch_list_free(result);
	return NL_OK;
}

static int inbox_pair_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts the list by UID (servers answer in sequence order, which is UID order, but need not),
 * keeping each size with its UID. */
static void inbox_sort_list(struct nl_inbox *in)
{
	bool sorted = true;
	for (size_t i = 1; i < in->n_uids && sorted; i++)
		sorted = in->uids[i - 1] < in->uids[i];
	if (sorted)
		return;
	uint64_t *pairs = nl_xcalloc(in->n_uids, sizeof *pairs);
	for (size_t i = 0; i < in->n_uids; i++)
		pairs[i] = (uint64_t)in->uids[i] << 32 | in->sizes[i];
	qsort(pairs, in->n_uids, sizeof *pairs, inbox_pair_cmp);
	size_t n = 0;
	for (size_t i = 0; i < in->n_uids; i++) {
		if (n > 0 && in->uids[n - 1] == (uint32_t)(pairs[i] >> 32))
			continue; /* listed twice */
		in->uids[n] = (uint32_t)(pairs[i] >> 32);
		in->sizes[n++] = (uint32_t)pairs[i];
	}
	in->n_uids = n;
	free(pairs);
}

static enum nl_code inbox_imap_scan(struct nl_inbox *in, uint32_t uidvalidity, uint32_t last_uid,
                                    struct nl_error *err)
{
	if (uidvalidity != in->uidvalidity)
		last_uid = 0; /* renumbered: everything again (the store's hash check skips what is known) */
	enum nl_code rc = inbox_imap_retry(in, inbox_imap_list, &last_uid, err);
	/* ascending, so the cursor can advance message by message */
	if (rc == NL_OK)
		inbox_sort_list(in);
	return rc;
}

static void inbox_batch_clear(struct nl_inbox *in)
{
	for (size_t i = 0; i < in->batch_n; i++)
		free(in->batch[i].data);
	in->batch_n = in->batch_next = 0;
}

static struct inbox_fetched *inbox_batch_find(struct nl_inbox *in, uint32_t uid)
{
	for (size_t i = 0; i < in->batch_n; i++)
		if (in->batch[i].uid == uid)
			return &in->batch[i];
	return NULL;
}

/* UID FETCH of `ft` for the batch entries [from, to) that `want` selects; `bytes` sizes the
 * step's deadline.  Each response goes to `take`. */
static enum nl_code inbox_imap_uid_fetch(struct nl_inbox *in, size_t from, size_t to,
                                         bool (*want)(const struct inbox_fetched *), size_t bytes,
                                         struct mailimap_fetch_type *ft,
                                         void (*take)(struct nl_inbox *, struct mailimap_msg_att *),
                                         const char *what, struct nl_error *err)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		if (want(&in->batch[i])) {
			mailimap_set_add_single(set, in->batch[i].uid);
			n++;
		}
	enum nl_code rc = NL_OK;
	if (n) {
		clist *result = NULL;
		inbox_step(in, bytes);
		int r = mailimap_uid_fetch(in->imap, set, ft, &result);
		if (inbox_failed(in, r)) {
			rc = inbox_fail(in, err, NL_ERR_INBOX, what);
		} else {
			for (clistiter *it = clist_begin(result); it; it = clist_next(it))
				take(in, clist_content(it));
			mailimap_fetch_list_free(result);
		}
	}
	mailimap_set_free(set);
	return rc;
}

static const struct mailimap_msg_att_static *inbox_att(const struct mailimap_msg_att *ma, int type)
{
	for (clistiter *a = clist_begin(ma->att_list); a; a = clist_next(a)) {
		const struct mailimap_msg_att_item *item = clist_content(a);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static->att_type == type)
			return item->att_data.att_static;
	}
	return NULL;
}

static void inbox_take_body(struct nl_inbox *in, struct mailimap_msg_att *ma)
{
	const struct mailimap_msg_att_static *uid = inbox_att(ma, MAILIMAP_MSG_ATT_UID);
	const struct mailimap_msg_att_static *body = inbox_att(ma, MAILIMAP_MSG_ATT_BODY_SECTION);
	struct inbox_fetched *f = uid ? inbox_batch_find(in, uid->att_data.att_uid) : NULL;
	if (f && body && body->att_data.att_body_section && !f->data) {
		f->data = nl_xstrndup(body->att_data.att_body_section->sec_body_part,
		                      body->att_data.att_body_section->sec_length);
		f->len = body->att_data.att_body_section->sec_length;
	}
}

static bool inbox_body_wanted(const struct inbox_fetched *f)
{
	return f->size <= NL_MESSAGE_MAX_SIZE;
}

/* After the last fetch, when nothing more will be asked (after = keep): LOGOUT goes out now, so
 * its round trip overlaps the caller's work instead of ending the collect (nl_inbox_close reads
 * the answer, which is there by then).  It is untagged by libetpan: nothing else uses the session
 * afterwards. */
static void inbox_logout_ahead(struct nl_inbox *in)
{
	static const char cmd[] = "Z LOGOUT\r\n";
	mailstream *s = in->imap->imap_stream;
	if (mailstream_write(s, cmd, sizeof cmd - 1) == (ssize_t)(sizeof cmd - 1) && mailstream_flush(s) == 0)
		in->logout_sent = true;
}

/* The next batch: from the list, up to INBOX_FETCH_BATCH messages and about INBOX_FETCH_BYTES of
 * them (one at least), their bodies in one UID FETCH; a message over the size bound is never
 * fetched. */
static enum nl_code inbox_imap_fetch(struct nl_inbox *in, const void *arg, struct nl_error *err)
{
	(void)arg;
	inbox_batch_clear(in);
	size_t want = 0, bytes = 0;
	for (size_t i = in->next_uid; i < in->n_uids && want < INBOX_FETCH_BATCH; i++) {
		struct inbox_fetched f = {.uid = in->uids[i], .size = in->sizes[i]};
		if (inbox_body_wanted(&f)) {
			if (want > 0 && bytes + f.size > INBOX_FETCH_BYTES)
				break;
			bytes += f.size;
		}
		in->batch[want++] = f;
	}
	in->batch_n = want;
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
	    ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	enum nl_code rc = inbox_imap_uid_fetch(in, 0, want, inbox_body_wanted, bytes, ft, inbox_take_body,
	                                       "UID FETCH", err);
	mailimap_fetch_type_free(ft);
	if (rc == NL_OK)
		in->next_uid += want;
	if (rc == NL_OK && in->next_uid == in->n_uids && in->after == NL_AFTER_KEEP)
		inbox_logout_ahead(in);
	return rc;
}

static enum nl_code inbox_imap_next(struct nl_inbox *in, struct nl_inbox_message *msg, struct nl_error *err)
{
	if (in->batch_next >= in->batch_n) {
		if (in->next_uid >= in->n_uids)
			return NL_ERR_NOT_FOUND;
		enum nl_code rc = in->imap ? inbox_imap_retry(in, inbox_imap_fetch, NULL, err)
		                           : nl_fail(err, NL_ERR_INBOX, "%s: no session", in->source);
		if (rc != NL_OK) {
			inbox_batch_clear(in); /* nothing of a failed batch is ever served */
			return nl_recode(err, NL_ERR_INBOX);
		}
	}
	struct inbox_fetched *f = &in->batch[in->batch_next++];
	snprintf(in->location, sizeof in->location, "%u:%u", in->uidvalidity, f->uid);
	msg->location = in->location;
	msg->uid = f->uid;
	msg->data = f->data ? f->data : "";
	msg->len = f->len;
	if (f->size > NL_MESSAGE_MAX_SIZE)
		return nl_fail(err, NL_ERR_LIMIT, "%s: UID %u is %u bytes, over the bound of %u (not fetched)",
		               in->source, f->uid, f->size, NL_MESSAGE_MAX_SIZE);
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

static int inbox_flag(struct nl_inbox *in, const uint32_t *uids, size_t n, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(fl, flag);
	struct mailimap_store_att_flags *sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	struct mailimap_set *set = inbox_uid_set(uids, n);
	inbox_step(in, 0);
	int r = mailimap_uid_store(in->imap, set, sf);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(sf);
	return r;
}

struct inbox_uids {
	const uint32_t *uids;
	size_t n;
	bool *copied; /* the server confirmed the COPY: a retry must not copy them again */
};

static enum nl_code inbox_imap_after(struct nl_inbox *in, const void *arg, struct nl_error *err)
{
	const struct inbox_uids *u = arg;
	if (in->after == NL_AFTER_SEEN) {
		if (inbox_failed(in, inbox_flag(in, u->uids, u->n, mailimap_flag_new_seen())))
			return inbox_fail(in, err, NL_ERR_INBOX, "marking messages \\Seen");
		return NL_OK;
	}
	struct mailimap_set *set = inbox_uid_set(u->uids, u->n);
	int r;
	inbox_step(in, 0);
	if (in->has_move) {
		r = mailimap_uid_move(in->imap, set, in->move_to);
	} else {
		r = *u->copied ? MAILIMAP_NO_ERROR : mailimap_uid_copy(in->imap, set, in->move_to);
		if (r == MAILIMAP_NO_ERROR)
			*u->copied = true;
		else if (inbox_failed(in, r) && in->lost) {
			/* the COPY may have been done before the connection broke: copying again could
			 * file them twice, so they stay where they are, recorded (the safe side) */
			mailimap_set_free(set);
			in->lost = false;
			return nl_fail(err, NL_ERR_INBOX,
			               "%s: the connection broke during the copy to %s; the messages stay "
			               "in the folder (they may also have been copied)",
			               in->source, in->move_to);
		}
		if (r == MAILIMAP_NO_ERROR)
			r = inbox_flag(in, u->uids, u->n, mailimap_flag_new_deleted());
		if (r == MAILIMAP_NO_ERROR && in->has_uidplus) {
			inbox_step(in, 0);
			r = mailimap_uid_expunge(in->imap, set);
		}
	}
	mailimap_set_free(set);
	if (inbox_failed(in, r)) {
		char *what = nl_xasprintf("moving messages to %s", in->move_to);
		enum nl_code rc = inbox_fail(in, err, NL_ERR_INBOX, what);
		free(what);
		return rc;
	}
	return NL_OK;
}

enum nl_code nl_inbox_after(struct nl_inbox *in, const uint32_t *uids, size_t n, struct nl_error *err)
{
	if (in->kind != INBOX_IMAP || !n || in->after == NL_AFTER_KEEP)
		return NL_OK;
	bool copied = false;
	struct inbox_uids u = {uids, n, &copied};
	return inbox_imap_retry(in, inbox_imap_after, &u, err);
}

/* ---- The common part ---- */

enum nl_code nl_inbox_open(const struct nl_inbox_options *opt, struct nl_inbox **out, struct nl_error *err)
{
	*out = NULL;
	if (!opt || !opt->url || !*opt->url)
		return nl_fail(err, NL_ERR_CONFIG,
		               "no inbox configured ([inbox] url, or --maildir / --mbox)");
	struct nl_inbox *in = nl_xcalloc(1, sizeof *in);
	in->mbox_fd = -1;
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
			rc = nl_fail(err, NL_ERR_NOT_FOUND, "%s: no such Maildir", in->path);
	} else if (!strncmp(url, "mbox:", 5)) {
		in->kind = INBOX_MBOX;
		in->path = inbox_absolute(url + 5);
		in->source = nl_xasprintf("mbox:%s", in->path);
		struct stat st;
		if (stat(in->path, &st) != 0 || !S_ISREG(st.st_mode))
			rc = nl_fail(err, NL_ERR_NOT_FOUND, "%s: no such mbox file", in->path);
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

/* Whether buf[0..len) holds the whole tagged answer to the LOGOUT sent ahead ("Z OK ...\r\n"). */
static bool inbox_tagged_done(char *buf, size_t len)
{
	buf[len] = '\0';
	const char *line = buf;
	for (const char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		if (line[0] == 'Z' && line[1] == ' ')
			return true;
	return false;
}

void nl_inbox_close(struct nl_inbox *in)
{
	if (!in)
		return;
	if (in->imap && !in->lost && in->logout_sent) {
		/* the answer to the LOGOUT sent ahead, so that the server closes first (no reset) */
		char buf[INBOX_LOGOUT_READ + 1];
		size_t got = 0;
		ssize_t n;
		inbox_step(in, 0);
		while (got < INBOX_LOGOUT_READ && !inbox_tagged_done(buf, got) &&
		       (n = mailstream_read(in->imap->imap_stream, buf + got, INBOX_LOGOUT_READ - got)) > 0)
			got += (size_t)n;
	} else if (in->imap && !in->lost && in->imap->imap_state != MAILIMAP_STATE_DISCONNECTED) {
		inbox_step(in, 0);
		mailimap_logout(in->imap);
	}
	inbox_imap_drop(in);
	inbox_batch_clear(in);
	for (size_t i = 0; i < in->n_files; i++)
		free(in->files[i].name);
	free(in->files);
	nl_buf_free(&in->cur);
	if (in->mbox_fd >= 0)
		close(in->mbox_fd);
	free(in->offsets);
	free(in->uids);
	free(in->sizes);
	free(in->source);
	free(in->path);
	free(in->host);
	free(in->folder);
	free(in->user);
	nl_password_free(in->password);
	free(in->ca_file);
	free(in->move_to);
	free(in);
}

enum nl_code nl_inbox_password(const char *password_cmd, char **out, struct nl_error *err)
{
	*out = NULL;
	if (password_cmd && *password_cmd)
		return nl_password_from_command("inbox", password_cmd, out, err);
	const char *env = getenv("MAILER_IMAP_PASSWORD");
	if (env)
		*out = nl_xstrdup(env);
	return NL_OK;
}
