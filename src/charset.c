/* charset.c - text in any charset a mail client sends, turned into UTF-8; RFC 2047 header words.
 *
 * Only ever converts *to* UTF-8, and only from an allow-list of source charsets (doc/RELIABILITY.md §4.6:
 * glibc's ISO-2022-CN-EXT and ISO-2022-JP-3 converters have had memory-safety bugs, so labels outside
 * the list never reach iconv).  Following the WHATWG Encoding Standard, "iso-8859-1" and "us-ascii"
 * are read as Windows-1252 (Outlook labels cp1252 text as latin-1), "gb2312"/"gbk" as GB18030,
 * "shift_jis" as CP932 and "euc-kr" as CP949.  Windows-1252 and UTF-8 are decoded here without iconv
 * (they are most of the mail).  An invalid byte becomes U+FFFD and decoding goes on with the next
 * byte; NUL becomes U+FFFD too, so the result is a C string.  An unknown label falls back to UTF-8
 * when the bytes are valid UTF-8 and to Windows-1252 otherwise: a message never fails on its charset.
 *
 * RFC 2047 encoded-words: adjacent words (only whitespace between them, §6.2) of one charset are
 * joined as bytes before converting, so a character split across two words survives (the mblaze
 * case `=?UTF-8?Q?z=E2=80?= =?UTF-8?Q?=99z?=` → "z’z").  A malformed word is kept as raw text and
 * scanning resumes just past its "=?"; each component scan stops at the next '?', so a run of
 * `=?x?b?` costs linear time (cf. golang/go#79217).  Control characters in decoded header text are
 * replaced by spaces (Mailsploit): the result is for display and matching, never re-parsed.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "util.h"

enum charset_kind { CHARSET_UNKNOWN, CHARSET_UTF8, CHARSET_CP1252, CHARSET_ICONV };

static const struct {
	const char *label; /* lower case, without '-', '_', ' ', '.' */
	enum charset_kind kind;
	const char *iconv_name;
} charset_table[] = {
    {"utf8", CHARSET_UTF8, NULL},
    {"unicode11utf8", CHARSET_UTF8, NULL},
    {"xunicode20utf8", CHARSET_UTF8, NULL},
    {"usascii", CHARSET_CP1252, NULL},
    {"ascii", CHARSET_CP1252, NULL},
    {"ansix3.41968", CHARSET_CP1252, NULL},
    {"iso88591", CHARSET_CP1252, NULL},
    {"latin1", CHARSET_CP1252, NULL},
    {"l1", CHARSET_CP1252, NULL},
    {"cp819", CHARSET_CP1252, NULL},
    {"ibm819", CHARSET_CP1252, NULL},
    {"isoir100", CHARSET_CP1252, NULL},
    {"windows1252", CHARSET_CP1252, NULL},
    {"cp1252", CHARSET_CP1252, NULL},
    {"xcp1252", CHARSET_CP1252, NULL},
    {"iso88592", CHARSET_ICONV, "ISO-8859-2"},
    {"latin2", CHARSET_ICONV, "ISO-8859-2"},
    {"iso88593", CHARSET_ICONV, "ISO-8859-3"},
    {"iso88594", CHARSET_ICONV, "ISO-8859-4"},
    {"iso88595", CHARSET_ICONV, "ISO-8859-5"},
    {"iso88596", CHARSET_ICONV, "ISO-8859-6"},
    {"iso88597", CHARSET_ICONV, "ISO-8859-7"},
    {"iso88598", CHARSET_ICONV, "ISO-8859-8"},
    {"iso88598i", CHARSET_ICONV, "ISO-8859-8"},
    {"iso88599", CHARSET_ICONV, "ISO-8859-9"},
    {"iso885910", CHARSET_ICONV, "ISO-8859-10"},
    {"iso885913", CHARSET_ICONV, "ISO-8859-13"},
    {"iso885914", CHARSET_ICONV, "ISO-8859-14"},
    {"iso885915", CHARSET_ICONV, "ISO-8859-15"},
    {"latin9", CHARSET_ICONV, "ISO-8859-15"},
    {"iso885916", CHARSET_ICONV, "ISO-8859-16"},
    {"windows1250", CHARSET_ICONV, "CP1250"},
    {"cp1250", CHARSET_ICONV, "CP1250"},
    {"windows1251", CHARSET_ICONV, "CP1251"},
    {"cp1251", CHARSET_ICONV, "CP1251"},
    {"windows1253", CHARSET_ICONV, "CP1253"},
    {"cp1253", CHARSET_ICONV, "CP1253"},
    {"windows1254", CHARSET_ICONV, "CP1254"},
    {"cp1254", CHARSET_ICONV, "CP1254"},
    {"windows1255", CHARSET_ICONV, "CP1255"},
    {"cp1255", CHARSET_ICONV, "CP1255"},
    {"windows1256", CHARSET_ICONV, "CP1256"},
    {"cp1256", CHARSET_ICONV, "CP1256"},
    {"windows1257", CHARSET_ICONV, "CP1257"},
    {"cp1257", CHARSET_ICONV, "CP1257"},
    {"windows1258", CHARSET_ICONV, "CP1258"},
    {"cp1258", CHARSET_ICONV, "CP1258"},
    {"koi8r", CHARSET_ICONV, "KOI8-R"},
    {"koi8", CHARSET_ICONV, "KOI8-R"},
    {"koi8u", CHARSET_ICONV, "KOI8-U"},
    {"iso2022jp", CHARSET_ICONV, "ISO-2022-JP-2"},
    {"csiso2022jp", CHARSET_ICONV, "ISO-2022-JP-2"},
    {"iso2022jp2", CHARSET_ICONV, "ISO-2022-JP-2"},
    {"shiftjis", CHARSET_ICONV, "CP932"},
    {"sjis", CHARSET_ICONV, "CP932"},
    {"xsjis", CHARSET_ICONV, "CP932"},
    {"mskanji", CHARSET_ICONV, "CP932"},
    {"windows31j", CHARSET_ICONV, "CP932"},
    {"cp932", CHARSET_ICONV, "CP932"},
    {"csshiftjis", CHARSET_ICONV, "CP932"},
    {"eucjp", CHARSET_ICONV, "EUC-JP"},
    {"xeucjp", CHARSET_ICONV, "EUC-JP"},
    {"gb2312", CHARSET_ICONV, "GB18030"},
    {"csgb2312", CHARSET_ICONV, "GB18030"},
    {"euccn", CHARSET_ICONV, "GB18030"},
    {"gbk", CHARSET_ICONV, "GB18030"},
    {"xgbk", CHARSET_ICONV, "GB18030"},
    {"cp936", CHARSET_ICONV, "GB18030"},
    {"gb18030", CHARSET_ICONV, "GB18030"},
    {"big5", CHARSET_ICONV, "BIG5-HKSCS"},
    {"big5hkscs", CHARSET_ICONV, "BIG5-HKSCS"},
    {"xxbig5", CHARSET_ICONV, "BIG5-HKSCS"},
    {"cp950", CHARSET_ICONV, "BIG5-HKSCS"},
    {"euckr", CHARSET_ICONV, "CP949"},
    {"ksc56011987", CHARSET_ICONV, "CP949"},
    {"cp949", CHARSET_ICONV, "CP949"},
    {"windows874", CHARSET_ICONV, "CP874"},
    {"tis620", CHARSET_ICONV, "CP874"},
    {"iso885911", CHARSET_ICONV, "CP874"},
};

/* Windows-1252 0x80–0x9F; the five unassigned bytes map to the C1 control of the same value, as in
 * the WHATWG index. */
static const uint16_t charset_cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void charset_put_cp(struct nl_buf *out, uint32_t cp)
{
	char s[4];
	nl_buf_append(out, s, nl_utf8_encode(cp, s));
}

#define CHARSET_REPLACEMENT "\xEF\xBF\xBD"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, surrogates or > U+10FFFF),
 * or 0 if the byte there does not start one. */
static size_t charset_utf8_seq(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (left < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* True if data is valid UTF-8 without NUL (a fast path over ASCII runs). */
static bool charset_valid_utf8(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;
	while (i < len) {
		if (s[i] >= 0x01 && s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = s[i] ? charset_utf8_seq(s + i, len - i) : 0;
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* Copies UTF-8, replacing each invalid byte and NUL by U+FFFD. */
static void charset_utf8_clean(struct nl_buf *out, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, run = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		size_t n = c ? charset_utf8_seq(s + i, len - i) : 0;
		if (n) {
			i += n;
			continue;
		}
		nl_buf_append(out, s + run, i - run);
		nl_buf_append(out, CHARSET_REPLACEMENT, 3);
		i++;
		run = i;
	}
	nl_buf_append(out, s + run, i - run);
}

static void charset_cp1252(struct nl_buf *out, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c >= 0x01 && c < 0x80)
			continue;
		nl_buf_append(out, s + run, i - run);
		run = i + 1;
		if (c == 0)
			nl_buf_append(out, CHARSET_REPLACEMENT, 3);
		else
			charset_put_cp(out, c >= 0xA0 ? c : charset_cp1252_high[c - 0x80]);
	}
	nl_buf_append(out, s + run, len - run);
}

static void charset_iconv(struct nl_buf *out, const char *name, const char *data, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) { /* the converter is not installed: do what we can */
		charset_cp1252(out, data, len);
		return;
	}
	char chunk[4096];
	char *in = NL_UNCONST(data); /* iconv's prototype takes char **; it only reads */
	size_t inleft = len;
	struct nl_buf tmp = NL_BUF_INIT;
	for (;;) {
		char *o = chunk;
		size_t oleft = sizeof chunk;
		if (!inleft) { /* end of input: return to the initial shift state (ISO-2022-JP) */
			size_t r = iconv(cd, NULL, NULL, &o, &oleft);
			nl_buf_append(&tmp, chunk, sizeof chunk - oleft);
			if (r == (size_t)-1 && errno == E2BIG)
				continue;
			break;
		}
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		nl_buf_append(&tmp, chunk, sizeof chunk - oleft);
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if (e != EILSEQ && e != EINVAL)
			break;
		/* EILSEQ: an invalid byte; EINVAL: a sequence cut off at the end.  One byte becomes
		 * U+FFFD and decoding resumes after it, from the initial state. */
		nl_buf_append(&tmp, CHARSET_REPLACEMENT, 3);
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	/* glibc's output is valid UTF-8, but a NUL may come through */
	charset_utf8_clean(out, tmp.data ? tmp.data : "", tmp.len);
	nl_buf_free(&tmp);
}

static enum charset_kind charset_lookup(const char *charset, const char **iconv_name)
{
	char key[40];
	size_t k = 0;
	*iconv_name = NULL;
	if (!charset)
		return CHARSET_UNKNOWN;
	for (const char *p = charset; *p && *p != '*'; p++) { /* "utf-8*en": RFC 2231 language */
		char c = *p;
		if (c == '-' || c == '_' || c == ' ' || c == '"' || c == '\'' || c == '\t' || c == ':')
			continue;
		if (k + 1 >= sizeof key)
			return CHARSET_UNKNOWN;
		key[k++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	key[k] = '\0';
	for (size_t i = 0; i < sizeof charset_table / sizeof charset_table[0]; i++)
		if (strcmp(charset_table[i].label, key) == 0) {
			*iconv_name = charset_table[i].iconv_name;
			return charset_table[i].kind;
		}
	return CHARSET_UNKNOWN;
}

/* No label, "us-ascii" or an unknown one: nothing is promised about 8-bit bytes. */
static bool charset_is_vague(const char *charset, enum charset_kind kind)
{
	return !charset || kind == CHARSET_UNKNOWN || nl_ascii_casecmp(charset, "us-ascii") == 0 ||
	       nl_ascii_casecmp(charset, "ascii") == 0;
}

void nl_charset_append_utf8(struct nl_buf *out, const char *charset, const char *data, size_t len)
{
	const char *name;
	enum charset_kind kind = charset_lookup(charset, &name);
	/* A UTF-8 byte order mark says more than any label. */
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
		kind = CHARSET_UTF8;
	}
	/* No label, "us-ascii" or an unknown one: 8-bit text that is valid UTF-8 is UTF-8 (what
	 * unlabelled mail almost always is); anything else is read as Windows-1252. */
	if (kind != CHARSET_UTF8 && charset_is_vague(charset, kind))
		kind = charset_valid_utf8(data, len) ? CHARSET_UTF8 : CHARSET_CP1252;
	switch (kind) {
	case CHARSET_UTF8:
		charset_utf8_clean(out, data, len);
		break;
	case CHARSET_ICONV:
		charset_iconv(out, name, data, len);
		break;
	case CHARSET_CP1252:
	case CHARSET_UNKNOWN:
		charset_cp1252(out, data, len);
		break;
	}
}

char *nl_charset_to_utf8(const char *charset, const char *data, size_t len)
{
	struct nl_buf out = NL_BUF_INIT;
	nl_charset_append_utf8(&out, charset, data, len);
	return nl_buf_detach(&out);
}

bool nl_charset_known(const char *charset)
{
	const char *name;
	return charset_lookup(charset, &name) != CHARSET_UNKNOWN;
}

/* ---- RFC 2047 ---- */

static int charset_b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

void nl_base64_decode(struct nl_buf *out, const char *data, size_t len)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '=') {
			/* padding; anything after it in this quantum is ignored, but a later quantum
			 * (concatenated base64) starts afresh */
			acc = 0;
			bits = 0;
			continue;
		}
		int v = charset_b64(c);
		if (v < 0)
			continue; /* whitespace and garbage */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			nl_buf_putc(out, (char)((acc >> bits) & 0xFF));
		}
	}
}

/* Decodes one encoded-word's text into out. */
static void charset_word_decode(struct nl_buf *out, char enc, const char *t, size_t n)
{
	if (enc == 'b' || enc == 'B') {
		nl_base64_decode(out, t, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '_') {
			nl_buf_putc(out, ' ');
		} else if (c == '=' && i + 2 < n && nl_hex_value((unsigned char)t[i + 1]) >= 0 &&
		           nl_hex_value((unsigned char)t[i + 2]) >= 0) {
			nl_buf_putc(out, (char)(nl_hex_value((unsigned char)t[i + 1]) * 16 +
			                        nl_hex_value((unsigned char)t[i + 2])));
			i += 2;
		} else {
			nl_buf_putc(out, (char)c);
		}
	}
}

/* Parses "=?charset?E?text?=" at s[0..len); on success fills the parts and the total length. */
static bool charset_word_parse(const char *s, size_t len, struct nl_span *cs, char *enc, struct nl_span *text,
                               size_t *total)
{
	if (len < 8 || s[0] != '=' || s[1] != '?')
		return false;
	size_t i = 2;
	while (i < len && s[i] != '?' && s[i] != ' ' && s[i] != '\t' && i - 2 < 64)
		i++;
	if (i >= len || s[i] != '?' || i == 2)
		return false;
	*cs = (struct nl_span){s + 2, i - 2};
	if (i + 2 >= len || s[i + 2] != '?')
		return false;
	*enc = s[i + 1];
	if (*enc != 'b' && *enc != 'B' && *enc != 'q' && *enc != 'Q')
		return false;
	size_t t = i + 3, j = t;
	while (j < len && s[j] != '?' && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n')
		j++;
	if (j + 1 >= len || s[j] != '?' || s[j + 1] != '=')
		return false;
	*text = (struct nl_span){s + t, j - t};
	*total = j + 2;
	return true;
}

/* Appends decoded header text, replacing control characters (CR, LF, NUL, …) by spaces. */
static void charset_header_text(struct nl_buf *out, const char *charset, const char *data, size_t len)
{
	size_t start = out->len;
	nl_charset_append_utf8(out, charset, data, len);
	for (size_t i = start; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];
		if (c < 0x20 || c == 0x7F)
			out->data[i] = ' ';
	}
}

char *nl_header_decode_words(const char *value, size_t len, size_t *words)
{
	struct nl_buf out = NL_BUF_INIT, pend = NL_BUF_INIT;
	char pend_cs[72] = "";
	size_t n_words = 0, i = 0, raw = 0; /* raw: start of undecoded text not yet written */
	bool prev_word = false;             /* the last thing seen was an encoded-word */
	while (i < len) {
		struct nl_span cs, text;
		char enc;
		size_t total;
		if (value[i] == '=' && i + 1 < len && value[i + 1] == '?' &&
		    charset_word_parse(value + i, len - i, &cs, &enc, &text, &total)) {
			/* text between the previous word and this one: dropped if only whitespace (§6.2) */
			bool only_ws = true;
			for (size_t k = raw; k < i; k++)
				if (value[k] != ' ' && value[k] != '\t' && value[k] != '\r' &&
				    value[k] != '\n')
					only_ws = false;
			char csz[72];
			snprintf(csz, sizeof csz, "%.*s", (int)cs.len, cs.ptr);
			char *star = strchr(csz, '*');
			if (star)
				*star = '\0';
			if (!(prev_word && only_ws) || nl_ascii_casecmp(csz, pend_cs) != 0) {
				if (pend.len) {
					charset_header_text(&out, pend_cs, pend.data, pend.len);
					nl_buf_reset(&pend);
				}
				if (!(prev_word && only_ws))
					charset_header_text(&out, NULL, value + raw, i - raw);
				snprintf(pend_cs, sizeof pend_cs, "%s", csz);
			}
			charset_word_decode(&pend, enc, text.ptr, text.len);
			n_words++;
			i += total;
			raw = i;
			prev_word = true;
			continue;
		}
		if (value[i] != ' ' && value[i] != '\t' && value[i] != '\r' && value[i] != '\n' &&
		    prev_word) {
			charset_header_text(&out, pend_cs, pend.data ? pend.data : "", pend.len);
			nl_buf_reset(&pend);
			prev_word = false;
		}
		i++;
	}
	if (pend.len || prev_word)
		charset_header_text(&out, pend_cs, pend.data ? pend.data : "", pend.len);
	if (raw < len)
		charset_header_text(&out, NULL, value + raw, len - raw);
	nl_buf_free(&pend);
	if (words)
		*words = n_words;
	return nl_buf_detach(&out);
}

char *nl_header_decode(const char *value, size_t len)
{
	return nl_header_decode_words(value, len, NULL);
}
