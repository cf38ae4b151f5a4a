/* text.c - Unicode text for reading replies (text.h): folding, words, sentences, stems.
 *
 * Folding is per character with utf8proc: compatibility decomposition (NFKD: "①" is "1", "ﬁ" is
 * "fi", full-width "４" is "4"), full case folding (Unicode's CaseFolding.txt: "ß" is "ss"),
 * marks stripped (accent-insensitive: "carrière", "CARRIÈRE" and "carrie\u0300re" are one word),
 * default-ignorable characters dropped (zero-width joiners, soft hyphens, variation selectors) and
 * typographic punctuation lumped to ASCII.  The result is not meant to be shown, only compared:
 * both sides of every comparison are folded the same way, so no recomposition is needed.
 * Stems come from Snowball (libstemmer), one stemmer per language, made on first use.
 */
#include "text.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "util.h"

#define TEXT_FOLD_CP_MAX 32 /* code points one character folds to, at most (utf8proc: 18) */

size_t nl_text_char(const char *s, size_t len, int32_t *cp, enum nl_char_class *cls)
{
	unsigned u = 0;
	size_t n = nl_utf8_decode(s, len, &u);
	if (n == 0) {
		n = 1;
		u = 0xFFFD;
	}
	*cp = (int32_t)u;
	if ((u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF) || (u >= 0x20000 && u <= 0x2FFFF) ||
	    (u >= 0xF900 && u <= 0xFAFF) || (u >= 0x3040 && u <= 0x30FF) || (u >= 0x31F0 && u <= 0x31FF) ||
	    (u >= 0xFF66 && u <= 0xFF9F) || (u >= 0xAC00 && u <= 0xD7AF) || (u >= 0x1100 && u <= 0x11FF) ||
	    u == 0x3005) {
		*cls = NL_CHAR_IDEO;
		return n;
	}
	switch (utf8proc_category((utf8proc_int32_t)u)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		*cls = NL_CHAR_LETTER;
		break;
	case UTF8PROC_CATEGORY_ND:
		*cls = NL_CHAR_DIGIT;
		break;
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		*cls = NL_CHAR_PUNCT;
		break;
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_CC:
		*cls = NL_CHAR_SPACE;
		break;
	default:
		*cls = NL_CHAR_SYMBOL;
		break;
	}
	return n;
}

/* Dashes that separate ("career—definitely") become a spaced hyphen, so they never join words as
 * the hyphen in "e-mail" does. */
static bool text_is_separating_dash(int32_t cp)
{
	return cp == 0x2013 || cp == 0x2014 || cp == 0x2015 || cp == 0x2212 || cp == 0xFE58 || cp == 0xFE63;
}

/* Typographic quotes and apostrophes as their ASCII forms (utf8proc's lumping leaves the double
 * ones), or 0. */
static int text_quote_mark(int32_t cp)
{
	switch (cp) {
	case 0x2018:
	case 0x2019:
	case 0x201A:
	case 0x201B:
	case 0x2032:
	case 0x02BC:
	case 0x00B4:
	case 0x0060:
		return '\'';
	case 0x201C:
	case 0x201D:
	case 0x201E:
	case 0x201F:
	case 0x00AB:
	case 0x00BB:
	case 0x2033:
	case 0x300C:
	case 0x300D:
	case 0x300E:
	case 0x300F:
		return '"';
	default:
		return 0;
	}
}

char *nl_text_fold(const char *s, size_t len, size_t *out_len)
{
	struct nl_buf b;
	nl_buf_init(&b, 0);
	utf8proc_int32_t dst[TEXT_FOLD_CP_MAX];
	size_t i = 0;
	while (i < len) {
		int32_t cp;
		enum nl_char_class cls;
		i += nl_text_char(s + i, len - i, &cp, &cls);
		if (text_quote_mark(cp)) {
			nl_buf_putc(&b, (char)text_quote_mark(cp));
			continue;
		}
		if (text_is_separating_dash(cp)) {
			nl_buf_puts(&b, " - ");
			continue;
		}
		if (cls == NL_CHAR_SPACE) {
			nl_buf_putc(&b, cp == '\n' ? '\n' : ' ');
			continue;
		}
		int last_boundclass = 0;
		utf8proc_ssize_t n =
		    utf8proc_decompose_char(cp, dst, TEXT_FOLD_CP_MAX,
		                            UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
		                                UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_LUMP,
		                            &last_boundclass);
		if (n < 0 || n > TEXT_FOLD_CP_MAX) { /* cannot happen for a valid code point */
			dst[0] = 0xFFFD;
			n = 1;
		}
		for (utf8proc_ssize_t k = 0; k < n; k++) {
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t el = utf8proc_encode_char(dst[k], enc);
			nl_buf_append(&b, enc, (size_t)el);
		}
	}
	if (out_len)
		*out_len = b.len;
	char *out = nl_buf_detach(&b);
	return out ? out : nl_xstrdup("");
}

/* An apostrophe inside a word keeps it whole for English contractions ("don't", "i'd", "we're");
 * after an elided article or pronoun ("l'appel", "j'aimerais", "dell'anno") it ends the first
 * word, so the second is seen on its own. */
static bool text_apostrophe_joins(const char *s, size_t len, size_t at)
{
	size_t n = 0;
	for (size_t k = at + 1; k < len && n < 3; k++) {
		int32_t cp;
		enum nl_char_class cls;
		size_t cl = nl_text_char(s + k, len - k, &cp, &cls);
		if (cls != NL_CHAR_LETTER)
			break;
		n++;
		k += cl - 1;
	}
	return n >= 1 && n <= 2;
}

static void text_push(struct nl_text_words *out, size_t *cap, size_t off, size_t len, enum nl_char_class cls)
{
	if (out->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		out->w = nl_xrealloc(out->w, *cap * sizeof *out->w);
	}
	out->w[out->n++] = (struct nl_text_word){off, len, cls};
}

void nl_text_words(const char *s, size_t len, size_t max, struct nl_text_words *out)
{
	memset(out, 0, sizeof *out);
	out->folded = nl_text_fold(s, len, &out->folded_len);
	const char *f = out->folded;
	size_t flen = out->folded_len, cap = 0, i = 0;
	while (i < flen && (!max || out->n < max)) {
		int32_t cp;
		enum nl_char_class cls;
		size_t cl = nl_text_char(f + i, flen - i, &cp, &cls);
		if (cls == NL_CHAR_IDEO) {
			text_push(out, &cap, i, cl, NL_CHAR_IDEO);
			i += cl;
			continue;
		}
		if (cp == '/') {
			text_push(out, &cap, i, 1, NL_CHAR_PUNCT);
			i++;
			continue;
		}
		/* a pictograph is a word ("👍"); skin tones only change how the one before looks */
		if (cls == NL_CHAR_SYMBOL && cp >= 0x80) {
			if (!(cp >= 0x1F3FB && cp <= 0x1F3FF))
				text_push(out, &cap, i, cl, NL_CHAR_SYMBOL);
			i += cl;
			continue;
		}
		if (cls != NL_CHAR_LETTER && cls != NL_CHAR_DIGIT) {
			i += cl;
			continue;
		}
		size_t start = i;
		bool letters = false;
		while (i < flen) {
			cl = nl_text_char(f + i, flen - i, &cp, &cls);
			if (cls == NL_CHAR_LETTER || cls == NL_CHAR_DIGIT) {
				letters |= cls == NL_CHAR_LETTER;
				i += cl;
				continue;
			}
			/* an apostrophe or hyphen between two letters or digits */
			if ((cp == '\'' || cp == '-') && i + 1 < flen) {
				int32_t ncp;
				enum nl_char_class ncls;
				nl_text_char(f + i + 1, flen - i - 1, &ncp, &ncls);
				if (ncls == NL_CHAR_LETTER || ncls == NL_CHAR_DIGIT) {
					if (cp == '\'' && !text_apostrophe_joins(f, flen, i)) {
						i++; /* "l'" is a word: keep the apostrophe with it */
						break;
					}
					i++;
					continue;
				}
			}
			break;
		}
		text_push(out, &cap, start, i - start, letters ? NL_CHAR_LETTER : NL_CHAR_DIGIT);
	}
}

void nl_text_words_free(struct nl_text_words *words)
{
	if (!words)
		return;
	free(words->folded);
	free(words->w);
	memset(words, 0, sizeof *words);
}

/* True when the byte at s[i] ends a sentence: terminal punctuation followed by space, a closing
 * quote or bracket, or the end; a full stop between digits ("4.5") or after a single capital
 * ("J. Smith") does not. */
static size_t text_terminal(const char *s, size_t len, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	size_t tl = 0;
	if (c == '.' || c == '!' || c == '?' || c == ';')
		tl = 1;
	else if (i + 2 < len + 0 && (unsigned char)s[i] == 0xE3 && (unsigned char)s[i + 1] == 0x80 &&
	         (unsigned char)s[i + 2] == 0x82) /* 。 */
		return 3;
	else if (i + 2 < len + 0 && (unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
	         ((unsigned char)s[i + 2] == 0x81 || (unsigned char)s[i + 2] == 0x9F)) /* ！ ？ */
		return 3;
	if (!tl)
		return 0;
	if (c == '.' && i > 0 && i + 1 < len && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] >= '0' &&
	    s[i + 1] <= '9')
		return 0;
	size_t j = i + 1;
	while (j < len &&
	       (s[j] == '.' || s[j] == '!' || s[j] == '?' || s[j] == '"' || s[j] == ')' || s[j] == '\''))
		j++;
	if (j < len && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' && s[j] != '\r' &&
	    (unsigned char)s[j] < 0x80)
		return 0;
	return j - i;
}

#define TEXT_UNWRAPPED_LINE 60 /* a line shorter than this was not hard-wrapped: it ends a sentence */

bool nl_text_sentence(const char *s, size_t len, size_t *pos, size_t *start, size_t *slen)
{
	size_t i = *pos;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i >= len) {
		*pos = len;
		return false;
	}
	size_t b = i, line_start = i, end = len, next = len;
	while (i < len) {
		if (s[i] == '\n') {
			/* a blank line, or the end of a short (unwrapped) line, ends the sentence */
			size_t j = i + 1;
			while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
				j++;
			if (j >= len || s[j] == '\n' || i - line_start < TEXT_UNWRAPPED_LINE) {
				end = i;
				next = i + 1;
				break;
			}
			line_start = i + 1;
			i++;
			continue;
		}
		size_t t = text_terminal(s, len, i);
		if (t) {
			end = i + t;
			next = end;
			break;
		}
		i++;
	}
	while (end > b &&
	       (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r' || s[end - 1] == '\n'))
		end--;
	*start = b;
	*slen = end - b;
	*pos = next;
	return true;
}

/* ---- stems ---- */

static const struct {
	const char *code, *algorithm;
} text_stemmers[] = {
    {"en", "english"}, {"fr", "french"}, {"de", "german"},  {"es", "spanish"}, {"pt", "portuguese"},
    {"it", "italian"}, {"nl", "dutch"},  {"ru", "russian"}, {"tr", "turkish"},
};
#define TEXT_N_STEMMERS (sizeof text_stemmers / sizeof text_stemmers[0])

/* One stemmer per language for the process, made on first use (Snowball's stemmers are not
 * shareable between threads; only the collect side, which is single-threaded, stems). */
static struct sb_stemmer *text_stemmer_cache[TEXT_N_STEMMERS];
static bool text_stemmer_tried[TEXT_N_STEMMERS];

static struct sb_stemmer *text_stemmer(size_t k)
{
	if (!text_stemmer_tried[k]) {
		text_stemmer_tried[k] = true;
		text_stemmer_cache[k] = sb_stemmer_new(text_stemmers[k].algorithm, "UTF_8");
	}
	return text_stemmer_cache[k];
}

static size_t text_copy(const char *word, size_t len, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	if (len > cap - 1)
		len = cap - 1;
	memcpy(out, word, len);
	out[len] = 0;
	return len;
}

static size_t text_stem_with(size_t k, const char *word, size_t len, char *out, size_t cap)
{
	struct sb_stemmer *st = text_stemmer(k);
	if (!st || len > 256)
		return text_copy(word, len, out, cap);
	const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)word, (int)len);
	if (!r)
		return text_copy(word, len, out, cap);
	return text_copy((const char *)r, (size_t)sb_stemmer_length(st), out, cap);
}

size_t nl_text_stem(const char *lang, const char *word, size_t len, char *out, size_t cap)
{
	for (size_t k = 0; lang && k < TEXT_N_STEMMERS; k++)
		if (strcmp(lang, text_stemmers[k].code) == 0)
			return text_stem_with(k, word, len, out, cap);
	return text_copy(word, len, out, cap);
}

/* Length in characters of a UTF-8 span. */
static size_t text_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

#define TEXT_PREFIX_MIN 5 /* characters two words must share to count as one ("consult…") */
#define TEXT_COMMON_MIN 6 /* characters two words may both start with ("satisf-ied", "satisf-action") */

size_t nl_text_common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, chars = 0;
	while (i < alen && i < blen && a[i] == b[i]) {
		chars += ((unsigned char)a[i] & 0xC0) != 0x80;
		i++;
	}
	return chars;
}

bool nl_text_same_stem(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	size_t shorter = alen < blen ? alen : blen;
	if (text_chars(shorter == alen ? a : b, shorter) >= TEXT_PREFIX_MIN && memcmp(a, b, shorter) == 0)
		return true;
	if (nl_text_common_prefix(a, alen, b, blen) >= TEXT_COMMON_MIN)
		return true;
	char sa[128], sb[128];
	for (size_t k = 0; k < TEXT_N_STEMMERS; k++) {
		size_t la = text_stem_with(k, a, alen, sa, sizeof sa);
		size_t lb = text_stem_with(k, b, blen, sb, sizeof sb);
		if (la >= 3 && la == lb && memcmp(sa, sb, la) == 0)
			return true;
	}
	return false;
}
