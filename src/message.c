/* message.c - one inbound message parsed: header fields, the MIME tree, the body as UTF-8 text,
 * and the parts of delivery and feedback reports.
 *
 * RFC 5322 (header fields, unfolding), RFC 2045/2046 (MIME entities, multipart delimiters,
 * base64 and quoted-printable), RFC 2047 (encoded-words, in charset.c), RFC 3676 (format=flowed,
 * delsp), RFC 3464/6522 (delivery-status reports), RFC 5965 (feedback reports).  Addresses are
 * parsed with libetpan's mailimf parser; the MIME structure is walked here with explicit bounds.
 *
 * Handles untrusted input, in time linear in its size: header fields are scanned once by index and
 * unfolded only when used; each multipart level scans its own byte range once, and levels are
 * bounded (NL_MESSAGE_MAX_DEPTH), as are the number of parts, header fields and field length, and
 * RFC 2047 words.  Over a bound the message is unreadable with NL_ERR_LIMIT and the reason; nothing
 * recurses deeper than the depth bound.  Accepted deviations (as real mail needs): LF, CRLF or
 * CR-only line ends; a line without a colon ends the header (CPython msg_35) unless a field follows
 * it, when it is a fold without its leading space (MimeKit issue358), as is a "name=value" line after
 * a field ending in ';' (sisimai lhost-apachejames-01); a part whose closing delimiter never comes
 * runs to the end; a multipart with no boundary parameter, or whose boundary never starts a line
 * (sisimai rfc3464-04, rhost-google-02), is read as text unless its body is blank; an inner multipart that reuses its parent's boundary is
 * empty (CPython msg_15); a UTF-8 byte order mark and "From " (an mbox separator) at the very top
 * are skipped; unknown transfer encodings are read as 8bit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "message.h"
#include "util.h"

struct msg_field {
	struct nl_span name;
	struct nl_span value; /* raw, folding included */
};

enum msg_cte { MSG_CTE_IDENTITY, MSG_CTE_BASE64, MSG_CTE_QP };

struct msg_part {
	size_t first_field, n_fields;
	size_t header_start; /* offset of the header block */
	struct nl_span body;
	char type[64]; /* lower-cased "type/subtype" */
	char charset[40];
	char boundary[128];
	char report_type[40];
	bool flowed, delsp;
	bool attachment;
	bool as_text; /* a multipart without a boundary parameter or delimiter lines, read as text */
	enum msg_cte cte;
	int parent, first_child, last_child, next_sibling;
};

struct msg_parser {
	const char *data;
	size_t len;
	struct msg_field *fields;
	size_t n_fields, cap_fields;
	struct msg_part *parts;
	size_t n_parts, cap_parts;
	struct nl_error *err;
};

/* ---- Lines ---- */

/* The line at data[i..end): *eol is its end without the terminator, the return value the start of
 * the next line.  The message has LF line ends here (CR-only input is converted first). */
static size_t msg_line(const char *data, size_t i, size_t end, size_t *eol)
{
	const char *nl = memchr(data + i, '\n', end - i);
	size_t e = nl ? (size_t)(nl - data) : end;
	size_t next = nl ? e + 1 : end;
	if (e > i && data[e - 1] == '\r')
		e--;
	*eol = e;
	return next;
}

/* ---- Header fields ---- */

static bool msg_name_char(unsigned char c)
{
	return c > 32 && c < 127 && c != ':';
}

/* Does the line s[0..n) start with "Name:"? */
static bool msg_is_field(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && msg_name_char((unsigned char)s[k]))
		k++;
	return k > 0 && k < n && s[k] == ':';
}

/* Does the line s[0..n) read as "name=value", the next parameter of a field `v` that ends in ';'? */
static bool msg_is_param_fold(struct nl_span v, const char *s, size_t n)
{
	v = nl_span_trim(v);
	if (!v.len || v.ptr[v.len - 1] != ';')
		return false;
	size_t k = 0;
	while (k < n && msg_name_char((unsigned char)s[k]) && s[k] != '=' && s[k] != ';')
		k++;
	return k > 0 && k < n && s[k] == '=';
}

/* Reads the header block at [start, end); returns the offset of the body (after the blank line). */
static enum nl_code msg_headers(struct msg_parser *p, size_t start, size_t end, bool top, size_t *body,
                                struct msg_part *part)
{
	const char *d = p->data;
	size_t i = start, eol;
	struct msg_field *cur = NULL;
	size_t cur_len = 0;
	part->first_field = p->n_fields;
	part->n_fields = 0;
	if (top && end - i >= 5 && memcmp(d + i, "From ", 5) == 0)
		i = msg_line(d, i, end, &eol); /* an mbox separator left on the message */
	while (i < end) {
		size_t next = msg_line(d, i, end, &eol);
		if (eol == i) { /* the blank line */
			*body = next;
			return NL_OK;
		}
		if (d[i] == ' ' || d[i] == '\t') {
			if (cur) {
				cur->value.len = eol - (size_t)(cur->value.ptr - d);
				cur_len += eol - i;
				if (cur_len > NL_MESSAGE_MAX_HEADER_LINE)
					return nl_fail(p->err, NL_ERR_LIMIT,
					               "header field %.*s longer than %d bytes",
					               (int)(cur->name.len > 40 ? 40 : cur->name.len),
					               cur->name.ptr, NL_MESSAGE_MAX_HEADER_LINE);
			}
			i = next;
			continue;
		}
		size_t k = i;
		while (k < eol && msg_name_char((unsigned char)d[k]))
			k++;
		size_t name_end = k;
		while (k < eol && (d[k] == ' ' || d[k] == '\t')) /* obsolete "Name : value" */
			k++;
		if (k >= eol || d[k] != ':' || name_end == i) {
			/* Not a header field.  If a field follows, it is a fold that lost its leading
			 * space (MimeKit issue358, Exchange): part of the field before.  Otherwise the
			 * body starts here (CPython msg_35). */
			bool fold = false;
			if (cur && next < end) {
				size_t e2;
				msg_line(d, next, end, &e2);
				fold = msg_is_field(d + next, e2 - next);
			}
			/* A parameter after a field that ends in ';' ("Content-Type: multipart/alternative;"
			 * then "boundary=…" at the margin, sisimai lhost-apachejames-01) is its fold too. */
			if (cur && !fold)
				fold = msg_is_param_fold(cur->value, d + i, eol - i);
			if (fold) {
				cur->value.len = eol - (size_t)(cur->value.ptr - d);
				cur_len += eol - i;
				if (cur_len > NL_MESSAGE_MAX_HEADER_LINE)
					return nl_fail(p->err, NL_ERR_LIMIT,
					               "header field %.*s longer than %d bytes",
					               (int)(cur->name.len > 40 ? 40 : cur->name.len),
					               cur->name.ptr, NL_MESSAGE_MAX_HEADER_LINE);
				i = next;
				continue;
			}
			*body = i;
			return NL_OK;
		}
		if (p->n_fields - part->first_field >= NL_MESSAGE_MAX_HEADERS)
			return nl_fail(p->err, NL_ERR_LIMIT, "more than %d header fields",
			               NL_MESSAGE_MAX_HEADERS);
		if (p->n_fields == p->cap_fields) {
			p->cap_fields = p->cap_fields ? p->cap_fields * 2 : 64;
			p->fields = nl_xrealloc(p->fields, p->cap_fields * sizeof *p->fields);
		}
		cur = &p->fields[p->n_fields++];
		part->n_fields++;
		cur->name = (struct nl_span){d + i, name_end - i};
		k++;
		while (k < eol && (d[k] == ' ' || d[k] == '\t'))
			k++;
		cur->value = (struct nl_span){d + k, eol - k};
		cur_len = eol - k;
		if (cur_len > NL_MESSAGE_MAX_HEADER_LINE)
			return nl_fail(p->err, NL_ERR_LIMIT, "header field %.*s longer than %d bytes",
			               (int)(cur->name.len > 40 ? 40 : cur->name.len), cur->name.ptr,
			               NL_MESSAGE_MAX_HEADER_LINE);
		i = next;
	}
	*body = end;
	return NL_OK;
}

static const struct msg_field *msg_field(const struct msg_parser *p, const struct msg_part *part,
                                         const char *name)
{
	for (size_t i = 0; i < part->n_fields; i++)
		if (nl_span_ieq(p->fields[part->first_field + i].name, name))
			return &p->fields[part->first_field + i];
	return NULL;
}

/* The value unfolded (CR and LF removed) and trimmed, as a new string. */
static char *msg_unfold(struct nl_span v)
{
	char *s = nl_xmalloc(v.len + 1);
	size_t k = 0;
	for (size_t i = 0; i < v.len; i++)
		if (v.ptr[i] != '\r' && v.ptr[i] != '\n')
			s[k++] = v.ptr[i];
	s[k] = '\0';
	struct nl_span t = nl_span_trim((struct nl_span){s, k});
	memmove(s, t.ptr, t.len);
	s[t.len] = '\0';
	return s;
}

/* ---- Content-Type and friends (RFC 2045 §5.1) ---- */

static void msg_lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	dst[k] = '\0';
}

static void msg_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static bool msg_tspecial_end(char c)
{
	return c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Calls back for each "name=value" parameter after the first ';' of a structured field. */
static void msg_params(struct nl_span v, void (*fn)(struct msg_part *, struct nl_span, const char *, size_t),
                       struct msg_part *part)
{
	const char *s = v.ptr;
	size_t n = v.len, i = 0;
	char value[256];
	while (i < n && s[i] != ';')
		i++;
	while (i < n) {
		i++; /* past ';' */
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		size_t ns = i;
		while (i < n && s[i] != '=' && s[i] != ';')
			i++;
		struct nl_span name = nl_span_trim((struct nl_span){s + ns, i - ns});
		if (i >= n || s[i] != '=')
			continue;
		i++;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		size_t k = 0;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\r' || s[i] == '\n')
					continue;
				if (k + 1 < sizeof value)
					value[k++] = s[i];
			}
			if (i < n)
				i++;
			while (i < n && s[i] != ';')
				i++;
		} else {
			size_t vs = i;
			while (i < n && !msg_tspecial_end(s[i]))
				i++;
			k = i - vs < sizeof value - 1 ? i - vs : sizeof value - 1;
			memcpy(value, s + vs, k);
			while (i < n && s[i] != ';')
				i++;
		}
		value[k] = '\0';
		fn(part, name, value, k);
	}
}

static void msg_content_param(struct msg_part *part, struct nl_span name, const char *value, size_t len)
{
	if (nl_span_ieq(name, "charset"))
		msg_copy(part->charset, sizeof part->charset, value, len);
	else if (nl_span_ieq(name, "boundary"))
		msg_copy(part->boundary, sizeof part->boundary, value, len);
	else if (nl_span_ieq(name, "format"))
		part->flowed = nl_ascii_casecmp(value, "flowed") == 0;
	else if (nl_span_ieq(name, "delsp"))
		part->delsp = nl_ascii_casecmp(value, "yes") == 0;
	else if (nl_span_ieq(name, "report-type"))
		msg_lower_copy(part->report_type, sizeof part->report_type, value, len);
}

static void msg_content_type(const struct msg_parser *p, struct msg_part *part, const char *deflt)
{
	const struct msg_field *f = msg_field(p, part, "content-type");
	snprintf(part->type, sizeof part->type, "%s", deflt);
	if (!f)
		return;
	struct nl_span v = f->value;
	size_t i = 0;
	while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == '\r' || v.ptr[i] == '\n'))
		i++;
	size_t ts = i;
	while (i < v.len && !msg_tspecial_end(v.ptr[i]) && v.ptr[i] != '(')
		i++;
	char type[64];
	msg_lower_copy(type, sizeof type, v.ptr + ts, i - ts);
	if (type[0] == '\0')
		return; /* RFC 2045 §5.2: a missing type is the default */
	if (!strchr(type, '/') || type[0] == '/' || type[strlen(type) - 1] == '/')
		snprintf(part->type, sizeof part->type,
		         "application/octet-stream"); /* MimeKit missing-subtype */
	else
		snprintf(part->type, sizeof part->type, "%s", type);
	msg_params(v, msg_content_param, part);
}

static void msg_encoding(const struct msg_parser *p, struct msg_part *part)
{
	const struct msg_field *f = msg_field(p, part, "content-transfer-encoding");
	part->cte = MSG_CTE_IDENTITY;
	if (f) {
		struct nl_span v = nl_span_trim(f->value);
		if (nl_span_ieq(v, "base64"))
			part->cte = MSG_CTE_BASE64;
		else if (nl_span_ieq(v, "quoted-printable"))
			part->cte = MSG_CTE_QP;
	}
	f = msg_field(p, part, "content-disposition");
	if (f) {
		struct nl_span v = nl_span_trim(f->value);
		part->attachment = v.len >= 10 && nl_ascii_ncasecmp(v.ptr, "attachment", 10) == 0;
	}
}

/* ---- The MIME tree ---- */

static bool msg_is(const struct msg_part *part, const char *type)
{
	return strcmp(part->type, type) == 0;
}

static bool msg_is_multipart(const struct msg_part *part)
{
	return strncmp(part->type, "multipart/", 10) == 0;
}

static bool msg_is_embedded(const struct msg_part *part)
{
	return msg_is(part, "message/rfc822") || msg_is(part, "message/global");
}

static enum nl_code msg_entity(struct msg_parser *p, size_t start, size_t end, int parent, int depth,
                               const char *deflt);

/* Is the line [i, eol) a delimiter for `b`?  *close is set for the closing one. */
static bool msg_delimiter(const char *d, size_t i, size_t eol, const char *b, size_t blen, bool *close)
{
	if (eol - i < 2 + blen || d[i] != '-' || d[i + 1] != '-' || memcmp(d + i + 2, b, blen) != 0)
		return false;
	size_t k = i + 2 + blen;
	*close = eol - k >= 2 && d[k] == '-' && d[k + 1] == '-';
	if (*close)
		k += 2;
	for (; k < eol; k++) /* transport padding (RFC 2046 §5.1.1) */
		if (d[k] != ' ' && d[k] != '\t')
			return false;
	return true;
}

/* Is the span only white space? */
static bool msg_blank(struct nl_span s)
{
	return nl_span_trim(s).len == 0;
}

static enum nl_code msg_multipart(struct msg_parser *p, int self, int depth)
{
	struct msg_part *part = &p->parts[self];
	const char *d = p->data;
	char b[sizeof part->boundary];
	snprintf(b, sizeof b, "%s", part->boundary);
	size_t blen = strlen(b);
	const char *deflt = msg_is(part, "multipart/digest") ? "message/rfc822" : "text/plain";
	size_t i = part->body.ptr - d, end = i + part->body.len;
	size_t part_start = 0;
	bool in_part = false;
	/* A delimiter line may be the very first line of the body (no preamble). */
	while (i < end) {
		size_t eol, next = msg_line(d, i, end, &eol);
		bool close;
		if (d[i] == '-' && msg_delimiter(d, i, eol, b, blen, &close)) {
			if (in_part) {
				/* the line break before the delimiter belongs to it */
				size_t pe = i;
				if (pe > part_start && d[pe - 1] == '\n')
					pe--;
				if (pe > part_start && d[pe - 1] == '\r')
					pe--;
				enum nl_code rc = msg_entity(p, part_start, pe, self, depth + 1, deflt);
				if (rc != NL_OK)
					return rc;
			}
			if (close)
				return NL_OK; /* the epilogue is not ours */
			in_part = true;
			part_start = next;
		}
		i = next;
	}
	if (in_part) /* no closing delimiter: the part runs to the end */
		return msg_entity(p, part_start, end, self, depth + 1, deflt);
	/* No delimiter at all (a boundary that never comes or does not match the parts, sisimai
	 * rfc3464-04, rhost-google-02): the body is read as text, as mutt and Python's email do. */
	part = &p->parts[self];
	part->as_text = !msg_blank(part->body);
	return NL_OK;
}

static enum nl_code msg_entity(struct msg_parser *p, size_t start, size_t end, int parent, int depth,
                               const char *deflt)
{
	if (depth > NL_MESSAGE_MAX_DEPTH)
		return nl_fail(p->err, NL_ERR_LIMIT, "MIME parts nested deeper than %d",
		               NL_MESSAGE_MAX_DEPTH);
	if (parent >= 0 && p->n_parts > NL_MESSAGE_MAX_PARTS)
		return nl_fail(p->err, NL_ERR_LIMIT, "more than %d MIME parts", NL_MESSAGE_MAX_PARTS);
	if (p->n_parts == p->cap_parts) {
		p->cap_parts = p->cap_parts ? p->cap_parts * 2 : 8;
		p->parts = nl_xrealloc(p->parts, p->cap_parts * sizeof *p->parts);
	}
	int self = (int)p->n_parts++;
	struct msg_part *part = &p->parts[self];
	memset(part, 0, sizeof *part);
	part->parent = parent;
	part->first_child = part->last_child = part->next_sibling = -1;
	part->header_start = start;
	if (parent >= 0) {
		struct msg_part *par = &p->parts[parent];
		if (par->last_child >= 0)
			p->parts[par->last_child].next_sibling = self;
		else
			par->first_child = self;
		par->last_child = self;
	}
	size_t body = end;
	enum nl_code rc = msg_headers(p, start, end, parent < 0, &body, part);
	if (rc != NL_OK)
		return rc;
	part->body = (struct nl_span){p->data + body, end - body};
	msg_content_type(p, part, deflt);
	msg_encoding(p, part);
	if (msg_is_multipart(part) && part->boundary[0])
		return msg_multipart(p, self, depth);
	if (msg_is_multipart(part)) /* no boundary parameter: the body is text */
		part->as_text = !msg_blank(part->body);
	if (msg_is_embedded(part) && part->cte == MSG_CTE_IDENTITY)
		return msg_entity(p, body, end, self, depth + 1, "text/plain");
	return NL_OK;
}

/* ---- Decoding ---- */

/* Quoted-printable (RFC 2045 §6.7), leniently: "=ZZ" and a lone "=" stay as they are. */
static void msg_qp_decode(struct nl_buf *out, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=')
			continue;
		nl_buf_append(out, s + run, i - run);
		size_t k = i + 1;
		while (k < n && (s[k] == ' ' || s[k] == '\t')) /* "=  \n" is a soft break too */
			k++;
		if (k < n && (s[k] == '\n' || s[k] == '\r')) {
			if (s[k] == '\r' && k + 1 < n && s[k + 1] == '\n')
				k++;
			i = k;
		} else if (k == n) {
			i = n - 1; /* "=" at the end: a soft break */
		} else if (i + 2 < n && nl_hex_value((unsigned char)s[i + 1]) >= 0 &&
		           nl_hex_value((unsigned char)s[i + 2]) >= 0) {
			nl_buf_putc(out, (char)(nl_hex_value((unsigned char)s[i + 1]) * 16 +
			                        nl_hex_value((unsigned char)s[i + 2])));
			i += 2;
		} else {
			nl_buf_putc(out, '=');
		}
		run = i + 1;
	}
	if (run < n)
		nl_buf_append(out, s + run, n - run);
}

static void msg_decode_bytes(const struct msg_part *part, struct nl_buf *out)
{
	switch (part->cte) {
	case MSG_CTE_BASE64:
		nl_base64_decode(out, part->body.ptr, part->body.len);
		break;
	case MSG_CTE_QP:
		msg_qp_decode(out, part->body.ptr, part->body.len);
		break;
	case MSG_CTE_IDENTITY:
		nl_buf_append(out, part->body.ptr, part->body.len);
		break;
	}
}

/* CRLF and lone CR become LF, in place; returns whether other control characters remain. */
static bool msg_lf(struct nl_buf *b)
{
	size_t k = 0;
	bool controls = false;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->data[i];
		if ((unsigned char)c < 0x20 || c == 0x7F) {
			if (c == '\r') {
				if (i + 1 < b->len && b->data[i + 1] == '\n')
					continue;
				c = '\n';
			} else if (c != '\n' && c != '\t') {
				controls = true;
			}
		}
		b->data[k++] = c;
	}
	b->len = k;
	if (b->data)
		b->data[k] = '\0';
	return controls;
}

/* Control characters other than TAB and LF (ESC of an undecodable ISO-2022 text, BEL, FF, what
 * garbage base64 decodes to) become U+FFFD: the text is read by people and by the answer reader. */
static void msg_controls(struct nl_buf *b)
{
	struct nl_buf out = NL_BUF_INIT;
	size_t run = 0;
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
			nl_buf_append(&out, b->data + run, i - run);
			nl_buf_append(&out, "\xEF\xBF\xBD", 3);
			run = i + 1;
		}
	}
	nl_buf_append(&out, b->data + run, b->len - run);
	nl_buf_free(b);
	*b = out;
}

/* The part's content as UTF-8 with LF line ends. */
static char *msg_part_text(const struct msg_part *part)
{
	struct nl_buf raw = NL_BUF_INIT, out = NL_BUF_INIT;
	const char *cs = part->charset[0] ? part->charset : NULL;
	if (part->cte == MSG_CTE_IDENTITY) { /* no copy: straight from the message */
		nl_charset_append_utf8(&out, cs, part->body.ptr, part->body.len);
	} else {
		msg_decode_bytes(part, &raw);
		nl_charset_append_utf8(&out, cs, raw.data ? raw.data : "", raw.len);
		nl_buf_free(&raw);
	}
	if (msg_lf(&out))
		msg_controls(&out);
	return nl_buf_detach(&out);
}

/* RFC 3676 §4: joins flowed lines (those ending in a space, except the "-- " signature separator)
 * with the next line of the same quote depth, removing space-stuffing, and with delsp=yes the
 * space before the soft break.  Quote depth is kept as "> " per level. */
static char *msg_unflow(const char *s, size_t n, bool delsp)
{
	struct nl_buf out = NL_BUF_INIT;
	size_t i = 0;
	bool joining = false; /* the previous line was flowed: this one continues it */
	int join_depth = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t eol = nl ? (size_t)(nl - s) : n;
		size_t k = i;
		int depth = 0;
		while (k < eol && s[k] == '>') {
			depth++;
			k++;
		}
		if (k < eol && s[k] == ' ') /* space-stuffing (§4.4) */
			k++;
		size_t len = eol - k;
		bool sig = len == 3 && memcmp(s + k, "-- ", 3) == 0;
		bool flowed = len > 0 && s[eol - 1] == ' ' && !sig;
		if (joining && depth != join_depth) /* §4.5: a quote depth change ends the paragraph */
			nl_buf_putc(&out, '\n');
		if (!joining || depth != join_depth) {
			for (int d = 0; d < depth; d++)
				nl_buf_puts(&out, "> ");
		}
		nl_buf_append(&out, s + k, flowed && delsp ? len - 1 : len);
		if (flowed) {
			joining = true;
			join_depth = depth;
		} else {
			joining = false;
			if (nl)
				nl_buf_putc(&out, '\n');
		}
		i = nl ? eol + 1 : n;
	}
	if (joining)
		nl_buf_putc(&out, '\n');
	return nl_buf_detach(&out);
}

/* ---- Choosing the body ---- */

/* The part that is the body: in multipart/alternative the text/plain one if any, else the HTML;
 * elsewhere the first displayable part in order (MimeKit's rule).  -1 if there is none. */
static int msg_choose(const struct msg_parser *p, int idx, int depth)
{
	const struct msg_part *part = &p->parts[idx];
	if (depth > NL_MESSAGE_MAX_DEPTH + 1)
		return -1;
	if (part->as_text)
		return part->attachment ? -1 : idx;
	if (!msg_is_multipart(part)) {
		if (part->attachment)
			return -1;
		return msg_is(part, "text/plain") || msg_is(part, "text/html") ? idx : -1;
	}
	if (msg_is(part, "multipart/alternative")) {
		int html = -1;
		for (int c = part->first_child; c >= 0; c = p->parts[c].next_sibling) {
			int r = msg_choose(p, c, depth + 1);
			if (r >= 0 && msg_is(&p->parts[r], "text/plain"))
				return r;
			if (r >= 0 && html < 0)
				html = r;
		}
		return html;
	}
	for (int c = part->first_child; c >= 0; c = p->parts[c].next_sibling) {
		int r = msg_choose(p, c, depth + 1);
		if (r >= 0)
			return r;
	}
	return -1;
}

/* ---- Addresses (libetpan's RFC 5322 parser, with a fallback for what it refuses) ---- */

static char *msg_addr_clean(const char *a, size_t n)
{
	struct nl_span s = nl_span_trim((struct nl_span){a, n});
	if (s.len && s.ptr[0] == '<') {
		s.ptr++;
		s.len--;
	}
	if (s.len && s.ptr[s.len - 1] == '>')
		s.len--;
	s = nl_span_trim(s);
	if (!s.len || !memchr(s.ptr, '@', s.len))
		return NULL;
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.ptr[i] <= ' ' || s.ptr[i] == '<' || s.ptr[i] == '>' || s.ptr[i] == ',')
			return NULL;
	return nl_ascii_lower(nl_xstrndup(s.ptr, s.len));
}

/* Without libetpan's help: the first "<…@…>", else the first word with an '@'. */
static char *msg_addr_fallback(const char *v, char **name)
{
	const char *lt = strchr(v, '<');
	if (lt) {
		const char *gt = strchr(lt, '>');
		char *a = gt ? msg_addr_clean(lt + 1, (size_t)(gt - lt - 1)) : NULL;
		if (a) {
			if (name && lt > v)
				*name = nl_xstrndup(v, (size_t)(lt - v));
			return a;
		}
	}
	for (const char *w = v; *w;) {
		while (*w == ' ' || *w == '\t' || *w == ',')
			w++;
		const char *e = w;
		while (*e && *e != ' ' && *e != '\t' && *e != ',')
			e++;
		char *a = e > w ? msg_addr_clean(w, (size_t)(e - w)) : NULL;
		if (a)
			return a;
		w = e;
	}
	return NULL;
}

static void msg_add_recipient(struct nl_message *m, char *addr)
{
	if (!addr)
		return;
	size_t n = m->n_recipients;
	/* grow by doubling (capacity is the next power of two), so thousands of addresses cost linear time */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0))
		m->recipients = nl_xrealloc(m->recipients, (n ? 2 * n : 4) * sizeof *m->recipients);
	m->recipients[m->n_recipients++] = addr;
}

static void msg_add_mailboxes(struct nl_message *m, struct mailimf_mailbox_list *l)
{
	if (!l || !l->mb_list)
		return;
	for (clistiter *it = clist_begin(l->mb_list); it; it = clist_next(it)) {
		struct mailimf_mailbox *mb = clist_content(it);
		if (mb && mb->mb_addr_spec)
			msg_add_recipient(m, msg_addr_clean(mb->mb_addr_spec, strlen(mb->mb_addr_spec)));
	}
}

static void msg_recipients(struct nl_message *m, const char *v)
{
	size_t idx = 0;
	struct mailimf_address_list *al = NULL;
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) == MAILIMF_NO_ERROR && al) {
		size_t before = m->n_recipients;
		for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
			struct mailimf_address *a = clist_content(it);
			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX && a->ad_data.ad_mailbox) {
				const char *spec = a->ad_data.ad_mailbox->mb_addr_spec;
				msg_add_recipient(m, spec ? msg_addr_clean(spec, strlen(spec)) : NULL);
			} else if (a->ad_type == MAILIMF_ADDRESS_GROUP && a->ad_data.ad_group) {
				msg_add_mailboxes(m, a->ad_data.ad_group->grp_mb_list);
			}
		}
		mailimf_address_list_free(al);
		if (m->n_recipients > before)
			return;
	}
	msg_add_recipient(m, msg_addr_fallback(v, NULL));
}

static enum nl_code msg_decode_header(struct msg_parser *p, const char *name, const char *v, char **out)
{
	size_t words = 0;
	*out = nl_header_decode_words(v, strlen(v), &words);
	if (words > NL_MESSAGE_MAX_ENCODED_WORDS)
		return nl_fail(p->err, NL_ERR_LIMIT, "%s has more than %d encoded-words", name,
		               NL_MESSAGE_MAX_ENCODED_WORDS);
	return NL_OK;
}

static enum nl_code msg_from(struct msg_parser *p, struct nl_message *m, const char *v)
{
	size_t idx = 0;
	struct mailimf_mailbox_list *ml = NULL;
	char *name = NULL;
	if (mailimf_mailbox_list_parse(v, strlen(v), &idx, &ml) == MAILIMF_NO_ERROR && ml && ml->mb_list &&
	    clist_begin(ml->mb_list)) {
		struct mailimf_mailbox *mb = clist_content(clist_begin(ml->mb_list));
		if (mb->mb_addr_spec)
			m->from_address = msg_addr_clean(mb->mb_addr_spec, strlen(mb->mb_addr_spec));
		if (mb->mb_display_name)
			name = nl_xstrdup(mb->mb_display_name);
	}
	if (ml)
		mailimf_mailbox_list_free(ml);
	if (!m->from_address)
		m->from_address = msg_addr_fallback(v, name ? NULL : &name);
	enum nl_code rc = NL_OK;
	if (name) {
		struct nl_span t = nl_span_trim(nl_span_cstr(name));
		if (t.len >= 2 && t.ptr[0] == '"' && t.ptr[t.len - 1] == '"') {
			t.ptr++;
			t.len -= 2;
		}
		if (t.len) {
			char *raw = nl_xstrndup(t.ptr, t.len);
			rc = msg_decode_header(p, "From", raw, &m->from_name);
			free(raw);
		}
		free(name);
	}
	return rc;
}

/* ---- The message ---- */

/* RFC 5322 §3.3 date-time to UTC seconds (libetpan's parser); 0 when it cannot be read or is
 * impossible (CPython msg_47 has 27:39:33). */
static time_t msg_date(const char *v)
{
	size_t idx = 0;
	struct mailimf_date_time *dt = NULL;
	if (mailimf_date_time_parse(v, strlen(v), &idx, &dt) != MAILIMF_NO_ERROR || !dt)
		return 0;
	time_t t = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (dt->dt_year >= 1970 && dt->dt_year < 10000 && dt->dt_month >= 1 && dt->dt_month <= 12 &&
	    dt->dt_day >= 1 && dt->dt_day <= mdays[dt->dt_month - 1] && dt->dt_hour >= 0 &&
	    dt->dt_hour < 24 && dt->dt_min >= 0 && dt->dt_min < 60 && dt->dt_sec >= 0 && dt->dt_sec <= 60) {
		char iso[40];
		snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", dt->dt_year, dt->dt_month,
		         dt->dt_day, dt->dt_hour, dt->dt_min, dt->dt_sec > 59 ? 59 : dt->dt_sec);
		int z = dt->dt_zone; /* +HHMM as a number; RFC 5322 §3.3 allows four digits only */
		if (z < -9959 || z > 9959 || !nl_parse_iso8601(iso, &t))
			t = 0;
		else
			t -= (time_t)(z / 100) * 3600 + (time_t)(z % 100) * 60;
	}
	mailimf_date_time_free(dt);
	return t;
}

static char *msg_message_id(const char *v)
{
	const char *lt = strchr(v, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	struct nl_span s = lt && gt ? (struct nl_span){lt + 1, (size_t)(gt - lt - 1)} : nl_span_cstr(v);
	s = nl_span_trim(s);
	if (!s.len)
		return NULL;
	if (s.len > 998)
		s.len = 998;
	char *id = nl_xstrndup(s.ptr, s.len);
	for (char *c = id; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			*c = ' ';
	return id;
}

struct msg_rcpt {
	const char *addr;
	size_t pos;
};

static int msg_rcpt_cmp(const void *a, const void *b)
{
	const struct msg_rcpt *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Drops repeated recipients, keeping the first of each in order; O(n log n) so that a header with
 * thousands of addresses costs what reading it costs. */
static void msg_dedupe_recipients(struct nl_message *m)
{
	size_t n = m->n_recipients;
	if (n < 2)
		return;
	struct msg_rcpt *v = nl_xmalloc(n * sizeof *v);
	bool *drop = nl_xcalloc(n, sizeof *drop);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct msg_rcpt){m->recipients[i], i};
	qsort(v, n, sizeof *v, msg_rcpt_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i].addr, v[i - 1].addr) == 0)
			drop[v[i].pos] = true; /* equals are ordered by position: the first stays */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (drop[i])
			free(m->recipients[i]);
		else
			m->recipients[k++] = m->recipients[i];
	}
	m->n_recipients = k;
	free(v);
	free(drop);
}

static enum nl_code msg_top_fields(struct msg_parser *p, struct nl_message *m)
{
	const struct msg_part *root = &p->parts[0];
	enum nl_code rc = NL_OK;
	bool from_seen = false;
	for (size_t i = 0; i < root->n_fields && rc == NL_OK; i++) {
		const struct msg_field *f = &p->fields[root->first_field + i];
		struct nl_span n = f->name;
		char **slot = NULL;
		if (nl_span_ieq(n, "message-id") && !m->message_id) {
			char *v = msg_unfold(f->value);
			m->message_id = msg_message_id(v);
			free(v);
		} else if (nl_span_ieq(n, "in-reply-to") && !m->in_reply_to) {
			slot = &m->in_reply_to;
		} else if (nl_span_ieq(n, "references") && !m->references) {
			slot = &m->references;
		} else if (nl_span_ieq(n, "date") && !m->date) {
			slot = &m->date;
			m->date = msg_unfold(f->value);
			m->date_time = msg_date(m->date);
			slot = NULL;
		} else if (nl_span_ieq(n, "auto-submitted") && !m->auto_submitted) {
			slot = &m->auto_submitted;
		} else if (nl_span_ieq(n, "precedence") && !m->precedence) {
			slot = &m->precedence;
		} else if (nl_span_ieq(n, "x-autoreply") || nl_span_ieq(n, "x-autorespond")) {
			m->x_autoreply = true;
		} else if (nl_span_ieq(n, "return-path") && !m->return_path) {
			char *v = msg_unfold(f->value);
			char *r = v;
			while (*r == ' ')
				r++;
			bool null = r[0] == '<' && (r[1] == '>' || (r[1] == ' ' && r[2] == '>'));
			m->return_path = null ? nl_xstrdup("") : nl_xstrdup(v);
			free(v);
		} else if (nl_span_ieq(n, "subject") && !m->subject) {
			char *v = msg_unfold(f->value);
			rc = msg_decode_header(p, "Subject", v, &m->subject);
			free(v);
		} else if (nl_span_ieq(n, "from") && !from_seen) {
			from_seen = true; /* the first From field only, even when it has no address */
			char *v = msg_unfold(f->value);
			rc = msg_from(p, m, v);
			free(v);
		}
		if (slot) {
			*slot = msg_unfold(f->value);
			if (slot == &m->auto_submitted || slot == &m->precedence)
				nl_ascii_lower(*slot);
		}
	}
	/* Recipients in the documented order: To, Cc, Delivered-To, X-Original-To. */
	static const char *const rcpt[] = {"to", "cc", "delivered-to", "x-original-to"};
	for (size_t r = 0; r < 4 && rc == NL_OK; r++)
		for (size_t i = 0; i < root->n_fields; i++) {
			const struct msg_field *f = &p->fields[root->first_field + i];
			if (!nl_span_ieq(f->name, rcpt[r]))
				continue;
			char *v = msg_unfold(f->value);
			msg_recipients(m, v);
			free(v);
		}
	msg_dedupe_recipients(m);
	return rc;
}

/* A gateway may base64-encode a delivery-status group as if it were a MIME entity, with its own
 * Content-Transfer-Encoding line in the group (MimeKit bounce.txt): that group is decoded in place. */
static char *msg_fix_dsn(char *t)
{
	if (!strstr(t, "ransfer-") && !strstr(t, "RANSFER-"))
		return t;
	struct nl_buf out = NL_BUF_INIT;
	const char *s = t;
	bool b64 = false;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		struct nl_span line = {s, n};
		if (n > 26 && nl_ascii_ncasecmp(s, "content-transfer-encoding:", 26) == 0) {
			b64 = nl_span_ieq(nl_span_trim((struct nl_span){s + 26, n - 26}), "base64");
			if (!b64)
				nl_buf_append_span(&out, line), nl_buf_putc(&out, '\n');
		} else if (b64 && n > 15 && nl_ascii_ncasecmp(s, "content-length:", 15) == 0) {
			/* dropped with the encoding line */
		} else if (b64 && n == 0) {
			/* the blank line before the encoded group */
		} else if (b64) {
			const char *e = s;
			while (*e && !(e[0] == '\n' && (e[1] == '\n' || e[1] == '\0')))
				e++;
			struct nl_buf dec = NL_BUF_INIT;
			nl_base64_decode(&dec, s, (size_t)(e - s));
			nl_buf_putc(&out, '\n');
			nl_charset_append_utf8(&out, NULL, dec.data ? dec.data : "", dec.len);
			nl_buf_free(&dec);
			b64 = false;
			s = e;
			if (*s)
				s++;
			continue;
		} else {
			nl_buf_append_span(&out, line);
			nl_buf_putc(&out, '\n');
		}
		s = nl ? nl + 1 : s + n;
	}
	free(t);
	msg_lf(&out);
	return nl_buf_detach(&out);
}

/* Report parts (RFC 6522): kept as text for reply.c. */
static void msg_reports(struct msg_parser *p, struct nl_message *m)
{
	for (size_t i = 1; i < p->n_parts; i++) {
		const struct msg_part *part = &p->parts[i];
		if (!m->delivery_status && (msg_is(part, "message/delivery-status") ||
		                            msg_is(part, "message/global-delivery-status"))) {
			m->delivery_status = msg_fix_dsn(msg_part_text(part));
		} else if (!m->feedback_report && msg_is(part, "message/feedback-report")) {
			m->feedback_report = msg_part_text(part);
		} else if (!m->returned_headers &&
		           (msg_is(part, "text/rfc822-headers") || msg_is(part, "message/global-headers"))) {
			m->returned_headers = msg_part_text(part);
		} else if (!m->returned_headers && msg_is_embedded(part)) {
			if (part->first_child >= 0) {
				const struct msg_part *inner = &p->parts[part->first_child];
				size_t hs = inner->header_start, he = (size_t)(inner->body.ptr - p->data);
				struct nl_buf out = NL_BUF_INIT;
				nl_charset_append_utf8(&out, NULL, p->data + hs, he - hs);
				msg_lf(&out);
				m->returned_headers = nl_buf_detach(&out);
			} else { /* base64-encoded message/rfc822: decode and keep its header block */
				char *t = msg_part_text(part);
				char *blank = strstr(t, "\n\n");
				if (blank)
					blank[1] = '\0';
				m->returned_headers = t;
			}
		}
	}
	if (msg_is(&p->parts[0], "multipart/report") && p->parts[0].report_type[0])
		m->report_type = nl_xstrdup(p->parts[0].report_type);
}

static enum nl_code msg_body(struct msg_parser *p, struct nl_message *m)
{
	int b = msg_choose(p, 0, 0);
	if (b < 0) {
		m->text = nl_xstrdup("");
		return NL_OK;
	}
	const struct msg_part *part = &p->parts[b];
	char *t = msg_part_text(part);
	if (msg_is(part, "text/html")) {
		struct nl_buf out = NL_BUF_INIT;
		enum nl_code rc = nl_html_render(t, strlen(t), &out, p->err);
		free(t);
		m->text = nl_buf_detach(&out);
		m->text_from_html = true;
		return rc;
	}
	if (part->flowed) {
		char *u = msg_unflow(t, strlen(t), part->delsp);
		free(t);
		t = u;
	}
	m->text = t;
	size_t n = strlen(t);
	if (n && t[n - 1] != '\n') { /* every line ends with LF */
		m->text = nl_xrealloc(t, n + 2);
		m->text[n] = '\n';
		m->text[n + 1] = '\0';
	}
	return NL_OK;
}

enum nl_code nl_message_parse(const char *data, size_t len, struct nl_message **out, struct nl_error *err)
{
	*out = NULL;
	if (len > NL_MESSAGE_MAX_SIZE)
		return nl_fail(err, NL_ERR_LIMIT, "message larger than %u bytes", NL_MESSAGE_MAX_SIZE);
	char *copy = NULL;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark (MimeKit) */
		data += 3;
		len -= 3;
	}
	/* CR-only line ends (old Mac mail): read as LF. */
	if (!memchr(data, '\n', len) && memchr(data, '\r', len)) {
		copy = nl_xmalloc(len + 1);
		for (size_t i = 0; i < len; i++)
			copy[i] = data[i] == '\r' ? '\n' : data[i];
		data = copy;
	}
	struct msg_parser p = {.data = data, .len = len, .err = err};
	struct nl_message *m = nl_xcalloc(1, sizeof *m);
	enum nl_code rc = msg_entity(&p, 0, len, -1, 0, "text/plain");
	if (rc == NL_OK && p.n_parts == 0)
		rc = nl_fail(err, NL_ERR_MESSAGE, "empty message");
	if (rc == NL_OK)
		rc = msg_top_fields(&p, m);
	if (rc == NL_OK) {
		m->content_type = nl_xstrdup(p.parts[0].type);
		msg_reports(&p, m);
		rc = msg_body(&p, m);
	}
	if (rc == NL_OK && !m->subject)
		m->subject = nl_xstrdup("");
	free(p.fields);
	free(p.parts);
	free(copy);
	if (rc != NL_OK) {
		nl_message_free(m);
		return rc;
	}
	*out = m;
	return NL_OK;
}

void nl_message_free(struct nl_message *msg)
{
	if (!msg)
		return;
	free(msg->message_id);
	free(msg->in_reply_to);
	free(msg->references);
	free(msg->from_address);
	free(msg->from_name);
	for (size_t i = 0; i < msg->n_recipients; i++)
		free(msg->recipients[i]);
	free(msg->recipients);
	free(msg->subject);
	free(msg->date);
	free(msg->return_path);
	free(msg->auto_submitted);
	free(msg->precedence);
	free(msg->content_type);
	free(msg->report_type);
	free(msg->text);
	free(msg->delivery_status);
	free(msg->feedback_report);
	free(msg->returned_headers);
	free(msg);
}
