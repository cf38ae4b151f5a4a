/* mime.c - writing messages: quoted-printable (RFC 2045 §6.7), encoded-words (RFC 2047), header
 * folding (RFC 5322 §2.2.3), mailboxes (RFC 5322 §3.4), percent-encoding (RFC 3986 §2.1, RFC 6068)
 * and the multipart/alternative body (RFC 2046 §5.1.4).
 *
 * This is the per-subscriber hot path: everything appends to the caller's buffer, the encoders go
 * through a small stack chunk, and nothing allocates except for the rare header value that must be
 * cleaned of control characters first.
 */
#include "mime.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char mime_hex[] = "0123456789ABCDEF";

/* ---- quoted-printable ---- */

enum { QP_LIT = 0, QP_ENC, QP_WSP, QP_LF, QP_CR };

/* RFC 2045 §6.7 rule 2: printable ASCII 33-126 except "=" may stand for itself. */
static unsigned char mime_qp_class(unsigned char c)
{
	if (c == '\n')
		return QP_LF;
	if (c == '\r')
		return QP_CR;
	if (c == ' ' || c == '\t')
		return QP_WSP;
	if (c >= 33 && c <= 126 && c != '=')
		return QP_LIT;
	return QP_ENC;
}

static unsigned char mime_qp_table[256];
static bool mime_qp_ready;

static void mime_qp_init(void)
{
	if (mime_qp_ready)
		return;
	for (int c = 0; c < 256; c++)
		mime_qp_table[c] = mime_qp_class((unsigned char)c);
	mime_qp_ready = true;
}

/* Length of the UTF-8 sequence starting at p (1 for an ASCII or invalid byte). */
static size_t mime_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = *p;
	size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? (c <= 0xEF ? 3 : 1) : c >= 0xC2 ? 2 : 1;
	if (n == 1 || (size_t)(end - p) < n)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

#define QP_CHUNK 4096
#define QP_LINE 75 /* characters before a soft break's "=", which makes 76 (§6.7 rule 5) */

/* The encoder.  A byte equal to `hole` (-1: none) is copied through as is and counts as
 * `hole_width` literal columns: the composer fills each hole with a token of that many letters and
 * digits afterwards, so the output is what encoding the token itself would give. */
static void mime_qp(struct nl_buf *out, const char *s, size_t len, int hole, size_t hole_width)
{
	char chunk[QP_CHUNK + 32];
	size_t n = 0, col = 0;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	mime_qp_init();
	while (p < end) {
		if (n > QP_CHUNK) {
			nl_buf_append(out, chunk, n);
			n = 0;
		}
		unsigned char c = *p;
		unsigned char cls = mime_qp_table[c];
		if (cls <= QP_WSP && col > 0 && col < QP_LINE) {
			/* the common case: a run of literal characters and of spaces that are not at a line's
			 * end, copied up to the line's room */
			size_t max = (size_t)(end - p), k = 0;
			if (max > QP_LINE - col)
				max = QP_LINE - col;
			if (max > QP_CHUNK + 32 - n)
				max = QP_CHUNK + 32 - n;
			for (; k < max; k++) {
				unsigned char t = mime_qp_table[p[k]];
				if (t == QP_LIT)
					continue;
				if (t != QP_WSP || p + k + 1 >= end || mime_qp_table[p[k + 1]] >= QP_LF)
					break;
			}
			if (k > 0) {
				memcpy(chunk + n, p, k);
				n += k;
				col += k;
				p += k;
				continue;
			}
		}
		if (cls == QP_LF) {
			memcpy(chunk + n, "\r\n", 2);
			n += 2;
			col = 0;
			p++;
			continue;
		}
		if (cls == QP_CR && p + 1 < end && p[1] == '\n') {
			p++; /* CRLF: the LF writes the break */
			continue;
		}
		/* one unit: a character to write literally or encoded; k bytes of input */
		size_t k = 1, width;
		bool enc;
		if ((int)c == hole) {
			enc = false;
			width = hole_width;
		} else {
			if (cls == QP_LIT) { /* at the start of a line */
				enc = c == '.' || (c == 'F' && end - p >= 5 && memcmp(p, "From ", 5) == 0);
			} else if (cls == QP_WSP) { /* rule 3: not at the end of a line */
				const unsigned char *q = p + 1;
				enc = q == end || *q == '\n' || (*q == '\r' && q + 1 < end && q[1] == '\n');
			} else {
				enc = true;
				if (c >= 0x80)
					k = mime_utf8_len(p, end);
			}
			width = enc ? 3 * k : 1;
		}
		if (col + width > QP_LINE && col > 0) {
			memcpy(chunk + n, "=\r\n", 3);
			n += 3;
			col = 0;
			continue; /* again at the start of a line: "." and "From " are judged anew */
		}
		if (enc) {
			for (size_t i = 0; i < k; i++) {
				chunk[n++] = '=';
				chunk[n++] = mime_hex[p[i] >> 4];
				chunk[n++] = mime_hex[p[i] & 15];
			}
		} else {
			chunk[n++] = (char)c;
		}
		col += width;
		p += k;
	}
	nl_buf_append(out, chunk, n);
}

void nl_mime_qp_encode(struct nl_buf *out, const char *s, size_t len)
{
	mime_qp(out, s, len, -1, 0);
}

/* ---- the line cache ----
 *
 * Quoted-printable is encoded line by line: every hard break puts the encoder back at column 0, so
 * one input line (with its LF, or the last one without) always encodes to the same output.  Most
 * lines of a newsletter are the same for every subscriber, so their encodings are kept: a line seen
 * twice (the `seen` filter of hashes) is stored with its encoding, up to a fixed number of bytes, and
 * then copied rather than encoded.  Memory is bounded whatever the list's length. */

#define QPC_SEEN 65536  /* direct-mapped filter of line hashes seen once */
#define QPC_SLOTS 16384 /* cached lines at most (the table stays at most half full) */
#define QPC_MIN_LINE 32 /* shorter lines are encoded directly */

struct mime_qpc_entry {
	uint64_t hash;                           /* 0 = empty */
	size_t in_off, in_len, out_off, out_len; /* into the arena */
};

struct nl_mime_qp_cache {
	int hole;
	size_t hole_width, max_bytes, used_slots;
	uint64_t *seen;
	struct mime_qpc_entry *slots;
	struct nl_buf arena;
	struct nl_buf line; /* scratch for one encoded line */
};

struct nl_mime_qp_cache *nl_mime_qp_cache_new(size_t max_bytes, int hole, size_t hole_width)
{
	struct nl_mime_qp_cache *c = nl_xcalloc(1, sizeof *c);
	c->hole = hole;
	c->hole_width = hole_width;
	c->max_bytes = max_bytes;
	c->seen = nl_xcalloc(QPC_SEEN, sizeof *c->seen);
	c->slots = nl_xcalloc(QPC_SLOTS, sizeof *c->slots);
	nl_buf_init(&c->arena, 0);
	nl_buf_init(&c->line, 0);
	return c;
}

void nl_mime_qp_cache_free(struct nl_mime_qp_cache *c)
{
	if (!c)
		return;
	free(c->seen);
	free(c->slots);
	nl_buf_free(&c->arena);
	nl_buf_free(&c->line);
	free(c);
}

/* A 64-bit hash of a line, eight bytes at a time (multiply-xorshift; not for adversaries: a
 * collision costs one memcmp, never a wrong result). */
static uint64_t mime_line_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 32;
	return h ? h : 1;
}

static void mime_qpc_line(struct nl_mime_qp_cache *c, struct nl_buf *out, const char *s, size_t n)
{
	if (n < QPC_MIN_LINE) {
		mime_qp(out, s, n, c->hole, c->hole_width);
		return;
	}
	uint64_t h = mime_line_hash((const unsigned char *)s, n);
	size_t i = (size_t)h & (QPC_SLOTS - 1);
	for (;;) {
		struct mime_qpc_entry *e = &c->slots[i];
		if (!e->hash)
			break;
		if (e->hash == h && e->in_len == n && memcmp(c->arena.data + e->in_off, s, n) == 0) {
			nl_buf_append(out, c->arena.data + e->out_off, e->out_len);
			return;
		}
		i = (i + 1) & (QPC_SLOTS - 1);
	}
	/* not cached: encode; keep it if it was seen before and there is room */
	size_t f = (size_t)(h >> 20) & (QPC_SEEN - 1);
	bool again = c->seen[f] == h;
	c->seen[f] = h;
	if (!again || c->used_slots * 2 >= QPC_SLOTS) {
		mime_qp(out, s, n, c->hole, c->hole_width);
		return;
	}
	nl_buf_reset(&c->line);
	mime_qp(&c->line, s, n, c->hole, c->hole_width);
	nl_buf_append(out, c->line.data, c->line.len);
	if (c->arena.len + n + c->line.len > c->max_bytes)
		return;
	struct mime_qpc_entry *e = &c->slots[i];
	e->hash = h;
	e->in_off = c->arena.len;
	e->in_len = n;
	nl_buf_append(&c->arena, s, n);
	e->out_off = c->arena.len;
	e->out_len = c->line.len;
	nl_buf_append(&c->arena, c->line.data, c->line.len);
	c->used_slots++;
}

void nl_mime_qp_encode_cached(struct nl_mime_qp_cache *c, struct nl_buf *out, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		mime_qpc_line(c, out, p, n);
		p += n;
	}
}

bool nl_mime_qp_decode(struct nl_buf *out, const char *s, size_t len)
{
	bool ok = true;
	size_t i = 0;
	while (i < len) {
		/* one line: [i, eol) and its break */
		size_t eol = i;
		while (eol < len && s[eol] != '\n')
			eol++;
		size_t brk = eol < len ? 1 : 0, text_end = eol;
		if (text_end > i && s[text_end - 1] == '\r') {
			text_end--;
			brk = brk ? 2 : 1;
		}
		if (text_end - i > 76)
			ok = false;
		while (text_end > i && (s[text_end - 1] == ' ' || s[text_end - 1] == '\t'))
			text_end--; /* rule 3: trailing whitespace was added in transport */
		bool soft = false;
		for (size_t j = i; j < text_end; j++) {
			if (s[j] != '=') {
				nl_buf_putc(out, s[j]);
				continue;
			}
			if (j + 1 == text_end) {
				soft = true;
				break;
			}
			int hi = j + 2 < text_end ? nl_hex_value((unsigned char)s[j + 1]) : -1;
			int lo = j + 2 < text_end ? nl_hex_value((unsigned char)s[j + 2]) : -1;
			if (hi < 0 || lo < 0) {
				ok = false;
				nl_buf_putc(out, '=');
				continue;
			}
			nl_buf_putc(out, (char)(hi << 4 | lo));
			j += 2;
		}
		if (!soft && brk)
			nl_buf_putc(out, '\n');
		i = eol + (eol < len ? 1 : 0);
	}
	return ok;
}

/* ---- header lines and folding ---- */

struct mime_line {
	struct nl_buf *out;
	size_t col;
};

static void mime_line_start(struct mime_line *h, struct nl_buf *out, const char *field)
{
	h->out = out;
	nl_buf_puts(out, field);
	nl_buf_putc(out, ':');
	h->col = strlen(field) + 1;
}

static void mime_fold(struct mime_line *h)
{
	nl_buf_append(h->out, "\r\n", 2);
	h->col = 0;
}

/* Appends `sep` (whitespace, at least one character) and the unbreakable token, folding before the
 * separator when the line would pass NL_MIME_FOLD (RFC 5322 §2.2.3: folding is a CRLF before WSP). */
static void mime_token(struct mime_line *h, const char *sep, size_t sep_len, const char *tok, size_t n)
{
	if (h->col > 0 && h->col + sep_len + n > NL_MIME_FOLD)
		mime_fold(h);
	nl_buf_append(h->out, sep, sep_len);
	nl_buf_append(h->out, tok, n);
	h->col += sep_len + n;
}

static void mime_line_end(struct mime_line *h)
{
	nl_buf_append(h->out, "\r\n", 2);
}

/* A copy of `value` with control characters (CR, LF, NUL, …) turned into spaces, or NULL when it has
 * none.  The callers reject such data long before; this keeps a header a header whatever happens. */
static char *mime_clean(const char *value, size_t len)
{
	size_t i = 0;
	while (i < len && !(((unsigned char)value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7f))
		i++;
	if (i == len)
		return NULL;
	char *c = nl_xstrndup(value, len);
	for (; i < len; i++)
		if (((unsigned char)c[i] < 0x20 && c[i] != '\t') || c[i] == 0x7f)
			c[i] = ' ';
	return c;
}

/* ---- RFC 2047 encoded-words ---- */

#define EW_MAX 75      /* RFC 2047 §2: an encoded-word is at most 75 characters */
#define EW_OVERHEAD 12 /* "=?UTF-8?Q?" and "?=" */

/* §4.2 and §5(3): in Q, characters safe in a phrase as well as in unstructured text. */
static bool mime_q_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' ||
	       c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t mime_q_cost(unsigned char c)
{
	return mime_q_literal(c) || c == ' ' ? 1 : 3;
}

static size_t mime_b_len(size_t raw)
{
	return (raw + 2) / 3 * 4;
}

static void mime_base64(char *dst, const unsigned char *src, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)src[i] << 16 | (i + 1 < n ? (unsigned)src[i + 1] << 8 : 0) |
		             (i + 2 < n ? src[i + 2] : 0);
		dst[o++] = b64[v >> 18 & 63];
		dst[o++] = b64[v >> 12 & 63];
		dst[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		dst[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
}

static void mime_word_flush(struct mime_line *h, bool b, const unsigned char *raw, size_t rn)
{
	char word[EW_MAX + 8];
	size_t n = 0;
	memcpy(word, b ? "=?UTF-8?B?" : "=?UTF-8?Q?", 10);
	n = 10;
	if (b) {
		mime_base64(word + n, raw, rn);
		n += mime_b_len(rn);
	} else {
		for (size_t i = 0; i < rn; i++) {
			unsigned char c = raw[i];
			if (c == ' ') {
				word[n++] = '_';
			} else if (mime_q_literal(c)) {
				word[n++] = (char)c;
			} else {
				word[n++] = '=';
				word[n++] = mime_hex[c >> 4];
				word[n++] = mime_hex[c & 15];
			}
		}
	}
	word[n++] = '?';
	word[n++] = '=';
	mime_token(h, " ", 1, word, n);
}

/* Writes `s` as encoded-words separated by folding whitespace (which decoders drop, §6.2), each word
 * whole UTF-8 characters, B or Q as the whole value is shorter. */
static void mime_words(struct mime_line *h, const unsigned char *s, size_t len)
{
	size_t qlen = 0;
	for (size_t i = 0; i < len; i++)
		qlen += mime_q_cost(s[i]);
	bool b = mime_b_len(len) < qlen;
	const unsigned char *end = s + len;
	size_t i = 0;
	while (i < len) {
		/* a new word: fold first when fewer than a word's overhead and one character fit */
		size_t room = h->col + 1 < NL_MIME_FOLD ? NL_MIME_FOLD - h->col - 1 : 0;
		if (room < 2 * EW_OVERHEAD && h->col > 1) {
			mime_fold(h);
			room = NL_MIME_FOLD - 1;
		}
		size_t limit = (room < EW_MAX ? room : EW_MAX) - EW_OVERHEAD;
		unsigned char raw[EW_MAX];
		size_t rn = 0, cost = 0;
		while (i < len) {
			size_t k = mime_utf8_len(s + i, end);
			size_t add = 0;
			for (size_t j = 0; j < k; j++)
				add += mime_q_cost(s[i + j]);
			size_t next = b ? mime_b_len(rn + k) : cost + add;
			if (next > limit && rn > 0)
				break;
			memcpy(raw + rn, s + i, k);
			rn += k;
			cost += add;
			i += k;
		}
		mime_word_flush(h, b, raw, rn);
	}
}

size_t nl_mime_encode_words(struct nl_buf *out, const char *s, size_t len, size_t col)
{
	struct mime_line h = {out, col};
	mime_words(&h, (const unsigned char *)s, len);
	return h.col;
}

/* ---- headers ---- */

static bool mime_has_ew_start(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			return true;
	return false;
}

/* Plain for an unstructured header: printable ASCII words separated by spaces, nothing that could be
 * read as an encoded-word, no space at either end (unfolding would lose it), no word too long to fold. */
static bool mime_plain_text(const char *s, size_t len)
{
	if (len == 0)
		return true;
	if (s[0] == ' ' || s[len - 1] == ' ' || mime_has_ew_start(s, len))
		return false;
	size_t word = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e)
			return false;
		word = c == ' ' ? 0 : word + 1;
		if (word > NL_MIME_FOLD - 2)
			return false;
	}
	return true;
}

/* Writes printable ASCII as words, each with the whitespace run before it as the separator. */
static void mime_plain_words(struct mime_line *h, const char *s, size_t len)
{
	size_t i = 0;
	bool first = true;
	while (i < len) {
		size_t ws = i;
		while (i < len && s[i] == ' ')
			i++;
		size_t w = i;
		while (i < len && s[i] != ' ')
			i++;
		if (first || ws == w)
			mime_token(h, " ", 1, s + w, i - w); /* the space after the colon */
		else
			mime_token(h, s + ws, w - ws, s + w, i - w);
		first = false;
	}
}

void nl_mime_header_text(struct nl_buf *out, const char *field, const char *value, size_t len)
{
	char *clean = mime_clean(value, len);
	if (clean)
		value = clean;
	struct mime_line h;
	mime_line_start(&h, out, field);
	if (len == 0)
		nl_buf_putc(out, ' ');
	else if (mime_plain_text(value, len))
		mime_plain_words(&h, value, len);
	else
		mime_words(&h, (const unsigned char *)value, len);
	mime_line_end(&h);
	free(clean);
}

static bool mime_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* A phrase of atoms (RFC 5322 §3.2.3) separated by single spaces reads back as written. */
static bool mime_atom_phrase(const char *s, size_t len)
{
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || mime_has_ew_start(s, len))
		return false;
	size_t word = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			if (s[i - 1] == ' ')
				return false;
			word = 0;
		} else if (!mime_atext(c) || ++word > NL_MIME_FOLD - 2) {
			return false;
		}
	}
	return true;
}

/* Printable ASCII that a quoted-string can carry (§3.2.4) and that no decoder will mistake for an
 * encoded-word (some decode them even inside quotes). */
static bool mime_quotable(const char *s, size_t len)
{
	if (mime_has_ew_start(s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

void nl_mime_header_mailbox(struct nl_buf *out, const char *field, const char *display, const char *addr)
{
	size_t len = display ? strlen(display) : 0;
	char *clean = len ? mime_clean(display, len) : NULL;
	if (clean)
		display = clean;
	struct mime_line h;
	mime_line_start(&h, out, field);
	if (len == 0) {
		mime_token(&h, " ", 1, addr, strlen(addr));
		goto out;
	}
	size_t quoted = 2;
	for (size_t i = 0; i < len; i++)
		quoted += display[i] == '"' || display[i] == '\\' ? 2 : 1;
	if (mime_atom_phrase(display, len)) {
		mime_plain_words(&h, display, len);
	} else if (mime_quotable(display, len) && h.col + 1 + quoted <= NL_MIME_FOLD) {
		nl_buf_append(out, " \"", 2);
		for (size_t i = 0; i < len; i++) {
			if (display[i] == '"' || display[i] == '\\')
				nl_buf_putc(out, '\\');
			nl_buf_putc(out, display[i]);
		}
		nl_buf_putc(out, '"');
		h.col += 1 + quoted;
	} else {
		mime_words(&h, (const unsigned char *)display, len);
	}
	size_t alen = strlen(addr);
	char small[NL_MIME_FOLD * 4];
	if (alen + 2 < sizeof small) {
		small[0] = '<';
		memcpy(small + 1, addr, alen);
		small[alen + 1] = '>';
		mime_token(&h, " ", 1, small, alen + 2);
	} else {
		char *a = nl_xasprintf("<%s>", addr);
		mime_token(&h, " ", 1, a, alen + 2);
		free(a);
	}
out:
	mime_line_end(&h);
	free(clean);
}

void nl_mime_header_raw(struct nl_buf *out, const char *field, const char *value)
{
	size_t len = strlen(value);
	char *clean = mime_clean(value, len);
	if (clean)
		value = clean;
	struct mime_line h;
	mime_line_start(&h, out, field);
	size_t i = 0;
	bool first = true;
	while (i < len) {
		size_t ws = i;
		while (i < len && (value[i] == ' ' || value[i] == '\t'))
			i++;
		size_t w = i;
		while (i < len && value[i] != ' ' && value[i] != '\t')
			i++;
		if (w == i)
			break; /* trailing whitespace */
		if (first || ws == w)
			mime_token(&h, " ", 1, value + w, i - w);
		else
			mime_token(&h, value + ws, w - ws, value + w, i - w);
		first = false;
	}
	mime_line_end(&h);
	free(clean);
}

/* ---- URIs ---- */

void nl_mime_percent_encode(struct nl_buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			nl_buf_putc(out, (char)c);
		} else {
			char e[3] = {'%', mime_hex[c >> 4], mime_hex[c & 15]};
			nl_buf_append(out, e, 3);
		}
	}
}

/* ---- the body ---- */

void nl_mime_alternative_begin(struct nl_buf *out, const char *boundary)
{
	nl_buf_puts(out, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary=\"");
	nl_buf_puts(out, boundary);
	nl_buf_puts(out, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
}

void nl_mime_part_begin(struct nl_buf *out, const char *boundary, const char *type)
{
	nl_buf_puts(out, "\r\n--");
	nl_buf_puts(out, boundary);
	nl_buf_puts(out, "\r\nContent-Type: ");
	nl_buf_puts(out, type);
	nl_buf_puts(out, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
}

void nl_mime_alternative_end(struct nl_buf *out, const char *boundary)
{
	nl_buf_puts(out, "\r\n--");
	nl_buf_puts(out, boundary);
	nl_buf_puts(out, "--\r\n");
}

void nl_mime_alternative(struct nl_buf *out, const char *boundary, const char *text, size_t text_len,
                         const char *html, size_t html_len)
{
	nl_mime_alternative_begin(out, boundary);
	nl_mime_part_begin(out, boundary, "text/plain");
	nl_mime_qp_encode(out, text, text_len);
	nl_mime_part_begin(out, boundary, "text/html");
	nl_mime_qp_encode(out, html, html_len);
	nl_mime_alternative_end(out, boundary);
}
