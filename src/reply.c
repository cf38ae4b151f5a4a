/* reply.c - what an inbound message is, and which of its lines a person wrote.
 *
 * Two jobs (doc/DESIGN.md §4, issue 4):
 *  - classification: bounce (RFC 3464 and non-standard, see dsn.c), complaint (RFC 5965 ARF),
 *    read receipt (RFC 8098 MDN, ignored), auto-reply (RFC 3834 Auto-Submitted, X-Autoreply,
 *    Precedence, vacation subjects), unsubscribe request (a command, or a request in prose:
 *    unsubscribe.c), or a person's reply; plus the candidate
 *    tokens (plus-address, our Message-ID in In-Reply-To/References, the mailto answer subject);
 *  - quote detection: which lines of a person's reply are the quoted original: ">" quoting,
 *    "On … wrote:" headers (also wrapped over up to four lines), Outlook From:/Sent:/To:/Subject:
 *    blocks, "-----Original Message-----" and underscore separators, RFC 3676 "-- " signatures,
 *    "Sent from my iPhone" lines and "Regards,"-style sign-offs.  The words clients write for these
 *    are data tables (reply_wrote, reply_fields, reply_mobile_prefix, …) covering the twelve
 *    languages of issue 12 (en fr de es pt it nl pl ru uk tr ja) and a few more, matched ignoring
 *    case in Latin, Greek and Cyrillic (reply_fold).
 *
 * Everything is a single pass over the lines with a bounded look-around (at most a few lines, and only
 * on lines shorter than LINE_CHECK_MAX), so time is linear in the input: no regular expressions.
 *
 * Policy (also listed in tests/reply.cmake): once an unquoted "On … wrote:" header or header block
 * is followed by unquoted text (the original pasted below without ">"), everything after it is the
 * original.  When it is followed by ">" lines, the person may answer between them (interleaved
 * replies) and unquoted lines after a ">" block are theirs again.  Signatures hide the lines after
 * them up to the next ">" line.
 */
#include "reply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsn.h"
#include "unsubscribe.h"
#include "util.h"

/* Lines longer than this are never quote headers, separators or signatures (keeps checks O(1)). */
#define LINE_CHECK_MAX 600
/* How many lines a wrapped "On … wrote:" header may span. */
#define HEADER_SPAN 4

enum reply_role {
	ROLE_OWN = 0,
	ROLE_QUOTED, /* ">" quoted */
	ROLE_HEADER, /* a quote header, separator or header block */
	ROLE_SIG,    /* signature, sign-off, mobile footer, list footer */
	ROLE_HIDDEN, /* the unprefixed original below a header */
};

/* One per line of the body, so kept small (32 bytes): a 25 MB body of empty lines is 25 million of
 * them.  A line is shorter than NL_MESSAGE_MAX_SIZE, so 32-bit lengths hold it. */
struct reply_ln {
	const char *raw;  /* the line without its line end */
	const char *text; /* after the quote markers */
	uint32_t rawlen;
	uint32_t len;
	uint32_t depth; /* number of '>' markers */
	bool blank;     /* only white space (after the markers) */
	uint8_t role;   /* enum reply_role */
};
_Static_assert(sizeof(struct reply_ln) <= 32, "one struct reply_ln per body line: keep it small");

/* ---- small text helpers ---- */

static bool reply_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct nl_span reply_trim(const char *p, size_t n)
{
	while (n > 0 && reply_is_space((unsigned char)p[0])) {
		p++;
		n--;
	}
	while (n > 0 && reply_is_space((unsigned char)p[n - 1]))
		n--;
	/* U+00A0 (C2 A0) is common at the ends of HTML-converted lines. */
	while (n >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
		p += 2;
		n -= 2;
		while (n > 0 && reply_is_space((unsigned char)p[0])) {
			p++;
			n--;
		}
	}
	while (n >= 2 && (unsigned char)p[n - 2] == 0xC2 && (unsigned char)p[n - 1] == 0xA0) {
		n -= 2;
		while (n > 0 && reply_is_space((unsigned char)p[n - 1]))
			n--;
	}
	return (struct nl_span){p, n};
}

static char reply_lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool reply_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool reply_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

/* Case-insensitive (ASCII) prefix test. */
static bool reply_starts(struct nl_span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && nl_ascii_ncasecmp(s.ptr, prefix, n) == 0;
}

static bool reply_contains_char(struct nl_span s, char c)
{
	return s.len > 0 && memchr(s.ptr, c, s.len) != NULL;
}

static bool reply_has_digit(struct nl_span s, size_t within)
{
	size_t n = s.len < within ? s.len : within;
	for (size_t i = 0; i < n; i++)
		if (reply_is_digit(s.ptr[i]))
			return true;
	return false;
}

static size_t reply_count_words(struct nl_span s)
{
	size_t words = 0;
	bool in = false;
	for (size_t i = 0; i < s.len; i++) {
		bool sp = reply_is_space((unsigned char)s.ptr[i]);
		if (!sp && !in)
			words++;
		in = !sp;
	}
	return words;
}

/* ---- case-insensitive matching beyond ASCII ---- */

/* The words matched against the tables below (quote-header verbs, header field names, mobile
 * footers, sign-offs) are in Latin, Greek and Cyrillic scripts, or in Japanese and Chinese, which
 * have no case.  So lower-casing ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic is enough
 * ("От:" is "от:", "WYSŁANO" is "wysłano"); Turkish İ and ı both become i, so "yazdı" matches
 * "YAZDI".  Every character kept is 1 or 2 bytes long, so folded text is never longer. */
#define REPLY_FOLD_MAX 64 /* longest table entry, in bytes */

static uint32_t reply_lower_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 0x20;
	if (c == 0x130 || c == 0x131)
		return 'i';
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c | 1; /* pairs: upper even, lower odd */
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c; /* pairs: upper odd, lower even */
	if (c == 0x178)
		return 0xFF;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF))
		return c | 1; /* Ѡ…, Ґ… */
	return c;
}

/* Writes s[0..n) lower-cased (above) to dst, which has room for n bytes and may be s itself;
 * returns the length written (at most n).  Other bytes, invalid ones included, are copied. */
static size_t reply_fold(char *dst, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char b = (unsigned char)s[i];
		if (b >= 0xC2 && b <= 0xDF && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
			uint32_t c =
			    reply_lower_cp(((uint32_t)(b & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F));
			if (c < 0x80) {
				dst[o++] = (char)c;
			} else {
				dst[o++] = (char)(0xC0 | (c >> 6));
				dst[o++] = (char)(0x80 | (c & 0x3F));
			}
			i += 2;
		} else {
			dst[o++] = (char)(b < 0x80 ? reply_lower_cp(b) : b);
			i++;
		}
	}
	return o;
}

/* Table entries folded once: they are string literals, so the address is the key.  Folding every
 * entry of a table for every line read was the largest part of splitting a reply. */
#define REPLY_FOLDED_SLOTS 4096 /* a power of two, well above the entries of all tables */
static struct reply_folded {
	const char *entry;
	char *folded;
	size_t len;
} reply_folded_slots[REPLY_FOLDED_SLOTS];

/* A table entry folded (REPLY_FOLD_MAX bytes at most; longer entries are cut), NUL-terminated;
 * its length in *len.  `spare` (REPLY_FOLD_MAX + 1 bytes) holds it when the cache is full. */
static const char *reply_fold_entry(const char *entry, size_t *len, char *spare)
{
	size_t h = ((uintptr_t)entry >> 3) & (REPLY_FOLDED_SLOTS - 1);
	for (size_t probe = 0; probe < 64; probe++, h = (h + 1) & (REPLY_FOLDED_SLOTS - 1)) {
		struct reply_folded *f = &reply_folded_slots[h];
		if (f->entry == entry) {
			*len = f->len;
			return f->folded;
		}
		if (!f->entry) {
			size_t n = strlen(entry);
			f->folded = nl_xmalloc(REPLY_FOLD_MAX + 1);
			f->len = reply_fold(f->folded, entry, n < REPLY_FOLD_MAX ? n : REPLY_FOLD_MAX);
			f->folded[f->len] = 0;
			f->entry = entry;
			*len = f->len;
			return f->folded;
		}
	}
	size_t n = strlen(entry);
	*len = reply_fold(spare, entry, n < REPLY_FOLD_MAX ? n : REPLY_FOLD_MAX);
	spare[*len] = 0;
	return spare;
}

/* True if the span equals one of the NULL-terminated list, ignoring case (reply_fold). */
static bool reply_in_list(struct nl_span s, const char *const *list)
{
	char a[2 * REPLY_FOLD_MAX], spare[REPLY_FOLD_MAX + 1];
	if (s.len > sizeof a)
		return false; /* folding at most halves a length: longer than any entry */
	size_t an = reply_fold(a, s.ptr, s.len), bn;
	for (size_t i = 0; list[i]; i++) {
		const char *b = reply_fold_entry(list[i], &bn, spare);
		if (an == bn && memcmp(a, b, an) == 0)
			return true;
	}
	return false;
}

/* ---- splitting ---- */

/* Counts the quote markers: '>' with optional spaces between them ("> > x", ">>x"), after at most
 * three leading spaces.  Stops at the first other character, so it is linear in the line. */
static void reply_unquote(struct reply_ln *ln)
{
	const char *p = ln->raw, *end = ln->raw + ln->rawlen;
	unsigned depth = 0;
	size_t lead = 0;
	while (p < end && *p == ' ' && lead < 3) {
		p++;
		lead++;
	}
	if (p < end && *p == '>') {
		while (p < end) {
			if (*p == '>') {
				depth++;
				p++;
			} else if (*p == ' ' && p + 1 < end && p[1] == '>') {
				p++;
			} else {
				break;
			}
		}
		if (p < end && *p == ' ')
			p++;
	}
	if (depth == 0)
		p = ln->raw;
	ln->depth = depth;
	ln->text = p;
	ln->len = (size_t)(end - p);
	ln->blank = reply_trim(ln->text, ln->len).len == 0;
}

static struct reply_ln *reply_split_lines(const char *body, size_t len, size_t *n_out)
{
	size_t cap = 64, n = 0;
	struct reply_ln *v = nl_xmalloc(cap * sizeof *v);
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && body[i] != '\n')
			i++;
		size_t end = i;
		if (end > start && body[end - 1] == '\r')
			end--;
		if (i < len)
			i++; /* the '\n' */
		if (n == cap) {
			cap *= 2;
			v = nl_xrealloc(v, cap * sizeof *v);
		}
		v[n] = (struct reply_ln){.raw = body + start, .rawlen = end - start};
		reply_unquote(&v[n]);
		n++;
	}
	*n_out = n;
	return v;
}

static struct nl_span reply_ln_span(const struct reply_ln *ln)
{
	return reply_trim(ln->text, ln->len);
}

/* ---- quote headers ("On … wrote:") ---- */

/* Words a quote header ends with (before an optional ':'), in any case (reply_fold), by language:
 * "On … wrote:", fr "Le … a écrit :", de "Am … schrieb …:", es "El … escribió:", pt "Em …
 * escreveu:", it "Il … ha scritto:", nl "Op … schreef …:" / "… het volgende geschreven:", pl "W
 * dniu … pisze:" / "… napisał(a):", ru "… написал(а):" / "пишет:", uk "… пише:" / "написав(ла):",
 * tr "… tarihinde … şunu yazdı:", ja "…のメッセージ:" / "…に … は書きました:", and a few more.  A
 * verb must follow a space or punctuation, except one in Japanese or Chinese (a 3-byte first
 * character), which may be glued to the name ("Career Coachのメッセージ:"). */
static const char *const reply_wrote[] = {
    /* en */ "wrote",
    "writes",
    "said",
    "wrote on",
    /* fr */ "a écrit",
    "a ecrit",
    /* de */ "schrieb",
    "geschrieben",
    /* es */ "escribió",
    "escribio",
    "ha escrito",
    /* pt */ "escreveu",
    /* it */ "ha scritto",
    "scrisse",
    /* nl */ "schreef",
    "geschreven",
    /* pl */ "napisał",
    "napisała",
    "napisał(a)",
    "napisał(-a)",
    "napisal",
    "napisala",
    "pisze",
    /* ru */ "написал",
    "написала",
    "написал(а)",
    "написал(-а)",
    "пишет",
    /* uk */ "пише",
    "написав",
    "написав(ла)",
    "написав(-ла)",
    /* tr ("şunu yazdı", "şunları yazdı") */ "yazdı",
    /* ja */ "のメッセージ",
    "のメール",
    "書きました",
    /* others */ "skrev",
    "skriver",
    "kirjoitti",
    "írta",
    "irta",
    "a scris",
    "έγραψε",
    "napsal",
    "napísal",
    "写道",
    "寫道",
    NULL,
};

/* Verbs written before the name, the header then ending with the name and a colon: de "Am … um
 * 09:00 schrieb Career Notes:", nl "Op … schreef Career Notes:", sv/da/no "Den … skrev …:". */
static const char *const reply_wrote_before_name[] = {"schrieb", "schreef", "skrev", NULL};

/* Words a wrapped header's first line may start with ("Wiadomość napisana przez …" is Apple Mail in
 * Polish). */
static const char *const reply_lead[] = {
    "on",   "le",        "am",  "el", "il",      "in",      "op",    "em", "w",
    "dnia", "wiadomość", "den", "da", "quoting", "citando", "zitat", NULL,
};

static bool reply_ends_with_wrote(struct nl_span t)
{
	/* only the tail is folded: the verbs are short */
	char a[2 * REPLY_FOLD_MAX + 4], spare[REPLY_FOLD_MAX + 1];
	size_t start = t.len > 2 * REPLY_FOLD_MAX ? t.len - 2 * REPLY_FOLD_MAX : 0;
	/* from a whole character: at most three continuation bytes back (a run of stray ones stays
	 * cut, within the buffer's four spare bytes) */
	for (int k = 0; k < 3 && start > 0 && ((unsigned char)t.ptr[start] & 0xC0) == 0x80; k++)
		start--;
	size_t an = reply_fold(a, t.ptr + start, t.len - start);
	for (size_t i = 0; reply_wrote[i]; i++) {
		size_t n;
		const char *b = reply_fold_entry(reply_wrote[i], &n, spare);
		if (n == 0 || an < n || memcmp(a + an - n, b, n) != 0)
			continue;
		if ((unsigned char)b[0] >= 0xE0)
			return true; /* Japanese, Chinese */
		/* the verb must be a whole word */
		char prev = an > n ? a[an - n - 1] : start > 0 ? t.ptr[start - 1] : ' ';
		if (!reply_is_alpha(prev))
			return true;
	}
	return false;
}

/* How a line may start a quote header, weakest first: a digit near the start; a date at the start,
 * after at most a weekday (a digit first, then a year or a time within 40 bytes: "2017-11-24 16:32
 * …", "пн, 30.11.2026 в 09:00, …", "2026年11月30日(月) 9:00 …"); a lead word ("On", "Le", "Am", …).
 * A wrapped header's last line has a digit only by chance ("replies+4x…@example.test> пише:"). */
enum reply_start { START_NONE = 0, START_DIGIT, START_DATE, START_LEAD };

static bool reply_dated(struct nl_span s)
{
	size_t i = 0;
	while (i < s.len && i < 16 && reply_is_alpha(s.ptr[i]))
		i++; /* "пн", "Pzt", "lun" */
	if (i > 0)
		while (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == ',' || s.ptr[i] == ' '))
			i++;
	if (i >= s.len || !reply_is_digit(s.ptr[i]))
		return false;
	size_t end = s.len < i + 40 ? s.len : i + 40, run = 0;
	for (size_t k = i; k < end; k++) {
		run = reply_is_digit(s.ptr[k]) ? run + 1 : 0;
		if (run == 4)
			return true; /* a year */
		if (s.ptr[k] == ':' && k > i && reply_is_digit(s.ptr[k - 1]) && k + 2 < s.len &&
		    reply_is_digit(s.ptr[k + 1]) && reply_is_digit(s.ptr[k + 2]))
			return true; /* a time */
	}
	return false;
}

static enum reply_start reply_header_start(struct nl_span s)
{
	size_t w = 0;
	while (w < s.len && w < 2 * REPLY_FOLD_MAX && reply_is_alpha(s.ptr[w]))
		w++;
	if (w > 0 && w < s.len && (s.ptr[w] == ' ' || s.ptr[w] == ',')) {
		struct nl_span word = {s.ptr, w};
		if (reply_in_list(word, reply_lead))
			return START_LEAD;
	}
	if (reply_dated(s))
		return START_DATE;
	if (reply_has_digit(s, 40))
		return START_DIGIT;
	return START_NONE;
}

/* Ends with ':' or the full-width '：' (U+FF1A, Chinese and Japanese clients). */
static bool reply_ends_colon(struct nl_span t)
{
	return (t.len > 0 && t.ptr[t.len - 1] == ':') ||
	       (t.len >= 3 && memcmp(t.ptr + t.len - 3, "\xEF\xBC\x9A", 3) == 0);
}

/* Does the folded text t have the table entry w as a whole word? */
static bool reply_has_word(struct nl_span t, const char *w)
{
	char spare[REPLY_FOLD_MAX + 1];
	size_t n;
	const char *b = reply_fold_entry(w, &n, spare);
	for (size_t i = 0; n > 0 && i + n <= t.len; i++)
		if (memcmp(t.ptr + i, b, n) == 0 && (i == 0 || !reply_is_alpha(t.ptr[i - 1])) &&
		    (i + n == t.len || !reply_is_alpha(t.ptr[i + n])))
			return true;
	return false;
}

/* Does the joined text of lines [s, e] (all unquoted, non-blank) read as a quote header?  lead:
 * line s starts with a lead word. */
static bool reply_header_text(const struct reply_ln *v, size_t s, size_t e, bool lead)
{
	char buf[HEADER_SPAN * LINE_CHECK_MAX + HEADER_SPAN];
	size_t n = 0;
	for (size_t i = s; i <= e; i++) {
		struct nl_span t = reply_ln_span(&v[i]);
		if (t.len > LINE_CHECK_MAX)
			return false;
		if (n > 0)
			buf[n++] = ' ';
		memcpy(buf + n, t.ptr, t.len);
		n += t.len;
	}
	struct nl_span t = {buf, n};
	if (n > 2 * LINE_CHECK_MAX)
		return false;
	bool colon = reply_ends_colon(t);
	if (colon) {
		t.len -= t.ptr[t.len - 1] == ':' ? 1 : 3;
		/* "a écrit :" has a space before the colon; "…<addr>\n>:" a bracket */
		t = reply_trim(t.ptr, t.len);
	}
	bool at = reply_contains_char(t, '@');
	bool digit = reply_has_digit(t, t.len);
	if (reply_ends_with_wrote(t))
		return digit || at;
	/* Gmail in some languages has no verb: "ср, 30 апр. 2025 г. в 15:19, John <j@x.com>:" */
	if (colon && at && digit)
		return true;
	/* "Am 30.11.2026 um 09:00 schrieb Career Notes:": the verb before the name, after a lead word */
	if (!colon || !digit || !lead)
		return false;
	t.len = reply_fold(buf, t.ptr, t.len);
	for (size_t i = 0; reply_wrote_before_name[i]; i++)
		if (reply_has_word(t, reply_wrote_before_name[i]))
			return true;
	return false;
}

/* If line e ends a quote header, returns its first line in *start.  Of the possible first lines
 * (up to HEADER_SPAN lines up, none of them ending a sentence), the farthest with a lead word wins,
 * else the nearest starting with a date, else the nearest with a digit; so an answer line just
 * above a header is never swallowed, and a header wrapped before its address is seen whole. */
static bool reply_find_header(const struct reply_ln *v, size_t e, size_t *start)
{
	struct nl_span last = reply_ln_span(&v[e]);
	if (last.len == 0 || last.len > LINE_CHECK_MAX)
		return false;
	if (!reply_ends_colon(last) && !reply_ends_with_wrote(last))
		return false;
	size_t digit = SIZE_MAX, date = SIZE_MAX, lead = SIZE_MAX;
	for (size_t k = 0; k < HEADER_SPAN && k <= e; k++) {
		size_t s = e - k;
		if (v[s].blank || v[s].depth != v[e].depth || v[s].role != ROLE_OWN)
			break;
		struct nl_span t = reply_ln_span(&v[s]);
		if (k > 0 && (t.len > 200 || t.ptr[t.len - 1] == '.' || t.ptr[t.len - 1] == '!' ||
		              t.ptr[t.len - 1] == '?'))
			break;
		enum reply_start st = reply_header_start(t);
		if (st == START_NONE || !reply_header_text(v, s, e, st == START_LEAD))
			continue;
		if (st == START_LEAD)
			lead = s;
		else if (st == START_DATE && date == SIZE_MAX)
			date = s;
		else if (st == START_DIGIT && digit == SIZE_MAX)
			digit = s;
	}
	size_t best = lead != SIZE_MAX ? lead : date != SIZE_MAX ? date : digit;
	if (best == SIZE_MAX)
		return false;
	*start = best;
	return true;
}

/* ---- header blocks (Outlook "From:/Sent:/To:/Subject:") ---- */

enum reply_field {
	FIELD_NONE = 0,
	FIELD_FROM = 1,
	FIELD_DATE = 2,
	FIELD_TO = 4,
	FIELD_SUBJECT = 8,
	FIELD_CC = 16
};

/* The field names mail clients write in a header block, in any case (reply_fold), by language. */
static const struct reply_field_name {
	const char *name;
	enum reply_field field;
} reply_fields[] = {
    /* en */
    {"from", FIELD_FROM},
    {"sent", FIELD_DATE},
    {"sent at", FIELD_DATE},
    {"date", FIELD_DATE},
    {"to", FIELD_TO},
    {"subject", FIELD_SUBJECT},
    {"cc", FIELD_CC},
    {"bcc", FIELD_CC},
    /* fr "De :/Envoyé :/À :/Objet :" */
    {"de", FIELD_FROM},
    {"envoyé", FIELD_DATE},
    {"envoyé le", FIELD_DATE},
    {"envoye le", FIELD_DATE},
    {"message du", FIELD_DATE},
    {"à", FIELD_TO},
    {"destinataire", FIELD_TO},
    {"objet", FIELD_SUBJECT},
    {"sujet", FIELD_SUBJECT},
    {"copie", FIELD_CC},
    {"copie à", FIELD_CC},
    /* de "Von:/Gesendet:/An:/Betreff:" */
    {"von", FIELD_FROM},
    {"gesendet", FIELD_DATE},
    {"datum", FIELD_DATE},
    {"an", FIELD_TO},
    {"betreff", FIELD_SUBJECT},
    {"kopie", FIELD_CC},
    /* es "De:/Enviado:/Para:/Asunto:" */
    {"enviado", FIELD_DATE},
    {"enviado el", FIELD_DATE},
    {"fecha", FIELD_DATE},
    {"para", FIELD_TO},
    {"asunto", FIELD_SUBJECT},
    {"copia", FIELD_CC},
    {"remitente", FIELD_FROM},
    /* pt "De:/Enviada em:/Para:/Assunto:" */
    {"enviada", FIELD_DATE},
    {"enviada em", FIELD_DATE},
    {"enviado em", FIELD_DATE},
    {"data", FIELD_DATE},
    {"assunto", FIELD_SUBJECT},
    /* it "Da:/Inviato:/A:/Oggetto:" */
    {"da", FIELD_FROM},
    {"mittente", FIELD_FROM},
    {"inviato", FIELD_DATE},
    {"a", FIELD_TO},
    {"per", FIELD_TO},
    {"oggetto", FIELD_SUBJECT},
    /* nl "Van:/Verzonden:/Aan:/Onderwerp:" */
    {"van", FIELD_FROM},
    {"verzonden", FIELD_DATE},
    {"aan", FIELD_TO},
    {"onderwerp", FIELD_SUBJECT},
    /* pl "Od:/Wysłano:/Do:/Temat:" */
    {"od", FIELD_FROM},
    {"wysłano", FIELD_DATE},
    {"wysłane", FIELD_DATE},
    {"do", FIELD_TO},
    {"temat", FIELD_SUBJECT},
    {"dw", FIELD_CC},
    {"kopia", FIELD_CC},
    /* ru "От:/Отправлено:/Кому:/Тема:" */
    {"от", FIELD_FROM},
    {"отправлено", FIELD_DATE},
    {"дата", FIELD_DATE},
    {"кому", FIELD_TO},
    {"тема", FIELD_SUBJECT},
    {"копия", FIELD_CC},
    /* uk "Від:/Надіслано:/Кому:/Тема:" */
    {"від", FIELD_FROM},
    {"надіслано", FIELD_DATE},
    {"відправлено", FIELD_DATE},
    {"копія", FIELD_CC},
    /* tr "Kimden:/Gönderildi:/Kime:/Konu:" */
    {"kimden", FIELD_FROM},
    {"gönderen", FIELD_FROM},
    {"gönderildi", FIELD_DATE},
    {"gönderilme tarihi", FIELD_DATE},
    {"tarih", FIELD_DATE},
    {"kime", FIELD_TO},
    {"konu", FIELD_SUBJECT},
    {"bilgi", FIELD_CC},
    /* ja "差出人:/送信日時:/宛先:/件名:" */
    {"差出人", FIELD_FROM},
    {"送信者", FIELD_FROM},
    {"送信日時", FIELD_DATE},
    {"日付", FIELD_DATE},
    {"宛先", FIELD_TO},
    {"件名", FIELD_SUBJECT},
    /* da, no, sv, fi, hu */
    {"fra", FIELD_FROM},
    {"från", FIELD_FROM},
    {"lähettäjä", FIELD_FROM},
    {"feladó", FIELD_FROM},
    {"dato", FIELD_DATE},
    {"sendt", FIELD_DATE},
    {"skickat", FIELD_DATE},
    {"lähetetty", FIELD_DATE},
    {"päivämäärä", FIELD_DATE},
    {"küldve", FIELD_DATE},
    {"dátum", FIELD_DATE},
    {"til", FIELD_TO},
    {"till", FIELD_TO},
    {"vastaanottaja", FIELD_TO},
    {"címzett", FIELD_TO},
    {"emne", FIELD_SUBJECT},
    {"ämne", FIELD_SUBJECT},
    {"aihe", FIELD_SUBJECT},
    {"tárgy", FIELD_SUBJECT},
    {"tema", FIELD_SUBJECT},
    {"kopi", FIELD_CC},
};

/* If the line starts with a header field name and a colon ("From:", "*Sent:*", "   De : ",
 * "件名："), returns its class. */
static enum reply_field reply_field_of(struct nl_span s)
{
	if (s.len == 0 || s.len > LINE_CHECK_MAX)
		return FIELD_NONE;
	const char *p = s.ptr, *end = s.ptr + s.len;
	while (p < end && *p == '*')
		p++;
	const char *name = p;
	const char *colon = NULL;
	for (const char *q = p; q < end && q - p < 40; q++) {
		if (*q == ':' || (end - q >= 3 && memcmp(q, "\xEF\xBC\x9A", 3) == 0)) {
			colon = q;
			break;
		}
	}
	if (!colon)
		return FIELD_NONE;
	struct nl_span f = reply_trim(name, (size_t)(colon - name));
	while (f.len > 0 && f.ptr[f.len - 1] == '*')
		f.len--;
	f = reply_trim(f.ptr, f.len);
	if (f.len == 0)
		return FIELD_NONE;
	char a[40], spare[REPLY_FOLD_MAX + 1];
	size_t an = reply_fold(a, f.ptr, f.len), bn; /* f.len < 40 */
	for (size_t i = 0; i < sizeof reply_fields / sizeof reply_fields[0]; i++) {
		const char *b = reply_fold_entry(reply_fields[i].name, &bn, spare);
		if (an == bn && memcmp(a, b, an) == 0)
			return reply_fields[i].field;
	}
	return FIELD_NONE;
}

/* If a header block starts at line i (same quote depth), returns its last line in *last. */
static bool reply_find_block(const struct reply_ln *v, size_t n, size_t i, size_t *last)
{
	unsigned depth = v[i].depth;
	if (reply_field_of(reply_ln_span(&v[i])) == FIELD_NONE)
		return false;
	unsigned classes = 0;
	size_t fields = 0, cont = 0, end = i;
	for (size_t j = i; j < n && j < i + 12; j++) {
		if (v[j].depth != depth || v[j].blank)
			break;
		enum reply_field f = reply_field_of(reply_ln_span(&v[j]));
		if (f == FIELD_NONE) {
			if (++cont > 2)
				break;
			continue;
		}
		classes |= f;
		fields++;
		end = j;
	}
	if (!(classes & FIELD_FROM))
		return false;
	unsigned others = 0;
	for (unsigned b = FIELD_DATE; b <= FIELD_SUBJECT; b <<= 1)
		if (classes & b)
			others++;
	if (others < 2 || fields < 3)
		return false;
	*last = end;
	return true;
}

/* ---- separators and signatures ---- */

static bool reply_all_of(struct nl_span s, char c, size_t min)
{
	if (s.len < min)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] != c)
			return false;
	return true;
}

/* "-----Original Message-----", "---------- Forwarded message ---------", "---- On … wrote ----". */
static bool reply_dashed_title(struct nl_span s)
{
	if (s.len < 6 || s.len > 120 || s.ptr[0] != '-' || s.ptr[1] != '-' || s.ptr[s.len - 1] != '-' ||
	    s.ptr[s.len - 2] != '-')
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (reply_is_alpha(s.ptr[i]))
			return true;
	return false;
}

/* A rule that may stand above a header block: "-----", "_____", "=====", "*****". */
static bool reply_rule(struct nl_span s)
{
	return reply_all_of(s, '-', 3) || reply_all_of(s, '_', 3) || reply_all_of(s, '=', 3) ||
	       reply_all_of(s, '*', 3) || reply_dashed_title(s);
}

static const char *const reply_mobile_prefix[] = {
    "sent from my ",
    "sent from yahoo",
    "sent from outlook",
    "sent from mail for",
    "sent from typeapp",
    "sent from protonmail",
    "sent from proton mail",
    "sent from gmail",
    "sent from aol",
    "sent from samsung",
    "sent from the all new aol",
    "sent from bluemail",
    "sent with ",
    "sent via ",
    "get outlook for ",
    "envoyé de mon ",
    "envoyé depuis mon ",
    "envoyé à partir de ",
    "envoye de mon ",
    "von meinem ",
    "gesendet von ",
    "gesendet mit ",
    "enviado desde mi ",
    "enviado do meu ",
    "enviado a partir do meu ",
    "enviado desde ",
    "inviato da ",
    "inviato dal mio ",
    "verzonden met ",
    "verstuurd vanaf mijn ",
    "verzonden vanaf mijn ",
    "wysłane z ",
    "wysłano z ",
    "отправлено с ",
    "отправлено из ",
    "надіслано з ",
    "відправлено з ",
    "skickat från min ",
    "sendt fra min ",
    "lähetetty ",
    "sent from an ",
    NULL,
};

/* Footers that name the device first: tr "iPhone'umdan gönderildi", "Galaxy'imden gönderildi",
 * ja "iPhoneから送信", "Galaxyから送信", "Android端末から送信".  A line ending with one of these and
 * naming a device or app in the words before it. */
static const char *const reply_mobile_suffix[] = {
    " gönderildi", "から送信", "から送信しました", "より送信", " gesendet", NULL,
};
static const char *const reply_mobile_device[] = {
    "iphone",  "ipad",  "galaxy", "samsung", "android", "pixel", "huawei", "xiaomi",
    "outlook", "yahoo", "mobil",  "cihaz",   "携帯",    "端末",  NULL,
};

/* Does the folded text (n bytes) start with (or, at_end, end with) the table entry w, folded? */
static bool reply_fold_affix(const char *folded, size_t n, const char *w, bool at_end)
{
	char spare[REPLY_FOLD_MAX + 1];
	size_t bn;
	const char *b = reply_fold_entry(w, &bn, spare);
	return bn > 0 && bn <= n && memcmp(at_end ? folded + n - bn : folded, b, bn) == 0;
}

static bool reply_mobile_words(struct nl_span s)
{
	char a[101];
	size_t n = reply_fold(a, s.ptr, s.len); /* s.len <= 100 */
	a[n] = 0;
	for (size_t i = 0; reply_mobile_prefix[i]; i++)
		if (reply_fold_affix(a, n, reply_mobile_prefix[i], false))
			return true;
	for (size_t i = 0; reply_mobile_suffix[i]; i++) {
		if (!reply_fold_affix(a, n, reply_mobile_suffix[i], true))
			continue;
		char spare[REPLY_FOLD_MAX + 1];
		size_t sn;
		(void)reply_fold_entry(reply_mobile_suffix[i], &sn, spare);
		struct nl_span head = {a, n - sn};
		if (reply_count_words(head) > 4)
			return false;
		for (size_t k = 0; reply_mobile_device[k]; k++) {
			size_t dn;
			if (strstr(a, reply_fold_entry(reply_mobile_device[k], &dn, spare)))
				return true;
		}
		return false;
	}
	return false;
}

/* "Sent from my iPhone", "Get Outlook for iOS<https://…>", "Von meinem iPhone gesendet",
 * "Отправлено с iPhone", "iPhoneから送信": a short line with no sentence punctuation inside. */
static bool reply_mobile_sig(struct nl_span s)
{
	if (s.len < 8 || s.len > 100)
		return false;
	if (!reply_mobile_words(s))
		return false;
	/* drop a trailing "<url>" or "(url)" */
	struct nl_span t = s;
	for (size_t i = 0; i < t.len; i++) {
		if (t.ptr[i] == '<' || t.ptr[i] == '(') {
			t.len = i;
			break;
		}
	}
	t = reply_trim(t.ptr, t.len);
	while (t.len > 0 && (t.ptr[t.len - 1] == '.' || t.ptr[t.len - 1] == '!'))
		t.len--;
	for (size_t i = 0; i < t.len; i++)
		if (t.ptr[i] == ',' || t.ptr[i] == '.' || t.ptr[i] == ';' || t.ptr[i] == '!' ||
		    t.ptr[i] == '?')
			return false;
	return reply_count_words(t) <= 8;
}

static const char *const reply_signoffs[] = {
    "regards",
    "best regards",
    "kind regards",
    "warm regards",
    "warmest regards",
    "many regards",
    "with regards",
    "with kind regards",
    "with best regards",
    "best wishes",
    "cheers",
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "mit freundlichen grüßen",
    "mit freundlichen grüssen",
    "viele grüße",
    "beste grüße",
    "liebe grüße",
    "freundliche grüße",
    "saludos",
    "un saludo",
    "saludos cordiales",
    "cordiali saluti",
    "distinti saluti",
    "met vriendelijke groet",
    "met vriendelijke groeten",
    "vriendelijke groet",
    "atenciosamente",
    "cumprimentos",
    "pozdrawiam",
    "z poważaniem",
    "с уважением",
    "med venlig hilsen",
    "venlig hilsen",
    "med vänliga hälsningar",
    "ystävällisin terveisin",
    NULL,
};

static bool reply_signoff(struct nl_span s)
{
	if (s.len > 40)
		return false;
	while (s.len > 0 && (s.ptr[s.len - 1] == ',' || s.ptr[s.len - 1] == '!' || s.ptr[s.len - 1] == '.'))
		s.len--;
	s = reply_trim(s.ptr, s.len);
	return reply_in_list(s, reply_signoffs);
}

/* "-Abhishek Kona": a dash glued to a name, as a sign-off. */
static bool reply_dash_name(struct nl_span s)
{
	return s.len >= 2 && s.len <= 40 && s.ptr[0] == '-' && reply_is_alpha(s.ptr[1]) &&
	       reply_count_words(s) <= 4;
}

/* Lines that are cut short quotes: a long quoted line wrapped by a client that did not re-prefix
 * the continuation ("> …Nullam pharetra d" / "ignissim odio?" / "> "). */
static bool reply_broken_wrap(const struct reply_ln *v, size_t n, size_t i)
{
	return i > 0 && i + 1 < n && v[i - 1].depth > 0 && v[i + 1].depth > 0 && !v[i - 1].blank &&
	       v[i - 1].rawlen >= 72 && v[i].rawlen < 80;
}

/* ---- the pass ---- */

static size_t reply_next_nonblank(const struct reply_ln *v, size_t n, size_t i)
{
	while (i < n && v[i].blank)
		i++;
	return i;
}

/* Marks [from, n) hidden, except that ">" quoted lines stay quoted. */
static void reply_hide_rest(struct reply_ln *v, size_t n, size_t from)
{
	for (size_t i = from; i < n; i++)
		v[i].role = v[i].depth > 0 ? ROLE_QUOTED : ROLE_HIDDEN;
}

/* Marks lines from `from` as a signature up to the next ">" line; returns where it stopped. */
static size_t reply_hide_sig(struct reply_ln *v, size_t n, size_t from)
{
	size_t i = from;
	for (; i < n && v[i].depth == 0; i++)
		v[i].role = ROLE_SIG;
	return i;
}

/* After a header ending at `last`: if ">" lines follow, only the header is the original's; otherwise
 * the unprefixed original follows and everything from `first` on is hidden.  Returns the next line
 * to look at. */
static size_t reply_after_header(struct reply_ln *v, size_t n, size_t first, size_t last)
{
	size_t nx = reply_next_nonblank(v, n, last + 1);
	if (nx < n && v[nx].depth > 0) {
		for (size_t i = first; i <= last; i++)
			v[i].role = ROLE_HEADER;
		return last + 1;
	}
	reply_hide_rest(v, n, first);
	for (size_t i = first; i <= last; i++)
		v[i].role = ROLE_HEADER;
	return n;
}

/* Walks back from a header block over blank lines and rules ("-----", "____", "-----Original
 * Message-----") that belong to it. */
static size_t reply_block_top(const struct reply_ln *v, size_t b)
{
	size_t top = b;
	size_t i = b;
	while (i > 0) {
		const struct reply_ln *p = &v[i - 1];
		if (p->depth != v[b].depth || p->role != ROLE_OWN)
			break;
		if (p->blank) {
			i--;
			continue;
		}
		if (reply_rule(reply_ln_span(p))) {
			i--;
			top = i;
			continue;
		}
		break;
	}
	return top;
}

/* The lines of the own text just before `end` (exclusive) back to the previous non-own line:
 * used to decide whether a sign-off or "-Name" closes the person's text. */
static bool reply_own_tail_short(const struct reply_ln *v, size_t n, size_t from, size_t max_lines)
{
	size_t count = 0;
	for (size_t i = from + 1; i < n; i++) {
		if (v[i].role != ROLE_OWN)
			return true;
		if (v[i].blank)
			continue;
		if (++count > max_lines || v[i].len > 80)
			return false;
	}
	return true;
}

static void reply_classify(struct reply_ln *v, size_t n)
{
	/* Pass 1: quote markers and broken wraps. */
	for (size_t i = 0; i < n; i++)
		v[i].role = v[i].depth > 0 ? ROLE_QUOTED : ROLE_OWN;
	for (size_t i = 0; i < n; i++) {
		if (v[i].depth == 0 && !v[i].blank && reply_broken_wrap(v, n, i))
			v[i].role = ROLE_QUOTED;
		/* a wrapped Gmail header whose last line ">:" looks like a quote marker */
		if (v[i].depth == 1 && i > 0 && v[i - 1].depth == 0 && !v[i - 1].blank &&
		    nl_span_eq(reply_trim(v[i].raw, v[i].rawlen), ">:")) {
			v[i].depth = 0;
			v[i].text = v[i].raw;
			v[i].len = v[i].rawlen;
			v[i].role = ROLE_OWN;
		}
	}

	/* Pass 2: headers, blocks, separators and signatures at the top level. */
	size_t i = 0;
	while (i < n) {
		struct reply_ln *ln = &v[i];
		if (ln->depth > 0 || ln->blank || ln->role != ROLE_OWN) {
			i++;
			continue;
		}
		struct nl_span s = reply_ln_span(ln);
		size_t first, last;
		if (reply_find_block(v, n, i, &last)) {
			i = reply_after_header(v, n, reply_block_top(v, i), last);
			continue;
		}
		if (reply_find_header(v, i, &first)) {
			i = reply_after_header(v, n, first, i);
			continue;
		}
		if (reply_dashed_title(s)) {
			i = reply_after_header(v, n, i, i);
			continue;
		}
		if (nl_span_eq(s, "--") || reply_all_of(s, '_', 2) || reply_mobile_sig(s)) {
			/* "-- " (RFC 3676 §4.3; also without the space), a list footer rule, a mobile footer
			 */
			i = reply_hide_sig(v, n, i);
			continue;
		}
		i++;
	}

	/* Pass 3: sign-offs that close the person's text ("Regards,\nJohn", "-Abhishek"). */
	for (i = 0; i < n; i++) {
		if (v[i].role != ROLE_OWN || v[i].blank)
			continue;
		struct nl_span s = reply_ln_span(&v[i]);
		bool dash = reply_dash_name(s);
		if (!dash && !reply_signoff(s))
			continue;
		if (!reply_own_tail_short(v, n, i, dash ? 0 : 4))
			continue;
		for (size_t j = i; j < n && v[j].role == ROLE_OWN; j++)
			v[j].role = ROLE_SIG;
	}
}

/* ---- the sender's own signature ---- */

#define SENDER_WORDS 8

struct reply_sender {
	char w[SENDER_WORDS][64];
	size_t n;
};

/* Words of the sender's name and address local part ("Sam Lee <sam.lee@x>" -> sam, lee). */
static void reply_sender_words(const char *sender, struct reply_sender *out)
{
	out->n = 0;
	if (!sender)
		return;
	const char *p = sender;
	while (*p && out->n < SENDER_WORDS) {
		while (*p && !(((*p | 32) >= 'a' && (*p | 32) <= 'z') || (unsigned char)*p >= 0x80))
			p++;
		const char *b = p;
		while (*p && (((*p | 32) >= 'a' && (*p | 32) <= 'z') || (unsigned char)*p >= 0x80))
			p++;
		size_t n = (size_t)(p - b);
		if (*p == '@') { /* the domain says nothing about the person */
			while (*p && *p != ' ' && *p != '>' && *p != ',')
				p++;
		}
		if (n >= 3 && n < 64) {
			memcpy(out->w[out->n], b, n);
			out->w[out->n][n] = 0;
			out->n++;
		}
	}
}

static bool reply_line_names_sender(struct nl_span s, const struct reply_sender *snd)
{
	if (s.len == 0 || s.len > 60 || reply_count_words(s) > 4)
		return false;
	for (size_t k = 0; k < snd->n; k++) {
		size_t wl = strlen(snd->w[k]);
		for (size_t i = 0; i + wl <= s.len; i++) {
			if (nl_ascii_ncasecmp(s.ptr + i, snd->w[k], wl) != 0)
				continue;
			bool left =
			    i == 0 || !reply_is_alpha(s.ptr[i - 1]) || (i >= 5 && s.ptr[i - 1] == '#');
			bool right = i + wl == s.len || !reply_is_alpha(s.ptr[i + wl]);
			if (left && right)
				return true;
		}
	}
	return false;
}

/* "2 4", "1: career", "3) yes": a line that may be an answer is never part of a signature. */
static bool reply_answer_like(struct nl_span s)
{
	size_t i = 0;
	while (i < s.len && (s.ptr[i] == '#' || s.ptr[i] == 'q' || s.ptr[i] == 'Q'))
		i++;
	size_t d = 0;
	while (i < s.len && reply_is_digit(s.ptr[i])) {
		i++;
		d++;
	}
	return d >= 1 && d <= 2 && i < s.len && strchr(" :.)-=\t", s.ptr[i]) != NULL;
}

/* Talon-style signature: in the last own block, the topmost short line naming the sender within the
 * last dozen lines starts the signature (with a sign-off line or a rule just above it). */
static void reply_sender_signature(struct reply_ln *v, size_t n, const char *sender)
{
	struct reply_sender snd;
	reply_sender_words(sender, &snd);
	if (snd.n == 0 || n == 0)
		return;
	size_t end = n;
	while (end > 0 && (v[end - 1].role != ROLE_OWN || v[end - 1].blank))
		end--;
	if (end == 0)
		return;
	/* the last own block: back to the previous non-own line */
	size_t top = end;
	while (top > 0 && v[top - 1].role == ROLE_OWN)
		top--;
	size_t start = SIZE_MAX, seen = 0;
	for (size_t i = end; i > top && seen < 12; i--) {
		const struct reply_ln *ln = &v[i - 1];
		if (ln->blank)
			continue;
		seen++;
		struct nl_span t = reply_ln_span(ln);
		if (t.len > 80 || reply_answer_like(t))
			break; /* the person's text: the signature can only be below it */
		if (reply_line_names_sender(t, &snd))
			start = i - 1;
	}
	if (start == SIZE_MAX)
		return;
	/* "Thank you,\nNoam": the sign-off goes with the name; "-----" above a block goes too */
	size_t j = start, nonblank = 0;
	while (j > top && nonblank < 3) {
		const struct reply_ln *ln = &v[j - 1];
		if (ln->blank) {
			j--;
			continue;
		}
		struct nl_span t = reply_ln_span(ln);
		nonblank++;
		if (reply_all_of(t, '-', 3) || reply_all_of(t, '_', 3) || reply_all_of(t, '=', 3)) {
			start = j - 1;
			break;
		}
		if (nonblank == 1 && t.len <= 30 && t.ptr[t.len - 1] == ',') {
			start = j - 1;
			break;
		}
		if (t.len > 30)
			break;
		j--;
	}
	/* something must be left above it */
	bool text_above = false;
	for (size_t i = 0; i < start && !text_above; i++)
		text_above = v[i].role == ROLE_OWN && !v[i].blank;
	if (!text_above)
		return;
	for (size_t i = start; i < end; i++)
		v[i].role = ROLE_SIG;
}

/* ---- public text entry points ---- */

static void reply_split_from(const char *body, size_t len, const char *sender, struct nl_reply_line **lines,
                             size_t *n_lines)
{
	size_t n = 0;
	struct reply_ln *v = reply_split_lines(body ? body : "", body ? len : 0, &n);
	reply_classify(v, n);
	reply_sender_signature(v, n, sender);
	struct nl_reply_line *out = nl_xcalloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		bool own = v[i].role == ROLE_OWN;
		out[i].text = own ? v[i].raw : v[i].text;
		out[i].len = own ? v[i].rawlen : v[i].len;
		out[i].quoted = !own;
		out[i].marked = v[i].depth > 0;
	}
	free(v);
	*lines = out;
	*n_lines = n;
}

void nl_reply_split(const char *body, size_t len, struct nl_reply_line **lines, size_t *n_lines)
{
	reply_split_from(body, len, NULL, lines, n_lines);
}

/* Joins the own lines: gaps of other lines between own text become one blank line. */
static char *reply_join_own(const struct nl_reply_line *lines, size_t n)
{
	struct nl_buf b = NL_BUF_INIT;
	bool gap = false;  /* non-own lines since the last own text */
	size_t blanks = 0; /* own blank lines since the last own text */
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		struct nl_span t = {lines[i].text, lines[i].len};
		/* right-trim */
		while (t.len > 0 && reply_is_space((unsigned char)t.ptr[t.len - 1]))
			t.len--;
		if (lines[i].quoted) {
			if (any)
				gap = true;
			continue;
		}
		if (nl_span_trim(t).len == 0) {
			if (any)
				blanks++;
			continue;
		}
		if (any) {
			if (gap) {
				nl_buf_puts(&b, "\n\n");
			} else {
				nl_buf_putc(&b, '\n');
				for (size_t k = 0; k < blanks; k++)
					nl_buf_putc(&b, '\n');
			}
		}
		nl_buf_append(&b, t.ptr, t.len);
		any = true;
		gap = false;
		blanks = 0;
	}
	return nl_buf_detach(&b);
}

char *nl_reply_strip_text(const char *body, size_t len)
{
	return nl_reply_strip_text_from(body, len, NULL);
}

char *nl_reply_strip_text_from(const char *body, size_t len, const char *sender)
{
	struct nl_reply_line *lines = NULL;
	size_t n = 0;
	reply_split_from(body, len, sender, &lines, &n);
	char *s = reply_join_own(lines, n);
	free(lines);
	return s;
}

/* ---- classification ---- */

const char *nl_reply_kind_name(enum nl_reply_kind kind)
{
	switch (kind) {
	case NL_REPLY_PERSON:
		return "person";
	case NL_REPLY_UNSUBSCRIBE:
		return "unsubscribe";
	case NL_REPLY_BOUNCE:
		return "bounce";
	case NL_REPLY_COMPLAINT:
		return "complaint";
	case NL_REPLY_AUTO:
		return "auto-reply";
	case NL_REPLY_IGNORED:
		return "ignored";
	}
	return "unknown";
}

void nl_reply_free(struct nl_reply *reply)
{
	if (!reply)
		return;
	free(reply->reason);
	for (size_t i = 0; i < reply->n_tokens; i++)
		free(reply->tokens[i].campaign);
	free(reply->tokens);
	for (size_t i = 0; i < reply->n_bounces; i++) {
		free(reply->bounces[i].recipient);
		free(reply->bounces[i].diagnostic);
	}
	free(reply->bounces);
	free(reply->feedback_type);
	free(reply->mailto_question);
	free(reply->mailto_value);
	free(reply->lines);
	free(reply->text);
	free(reply->new_text);
	free(reply);
}

#define REPLY_MAX_TOKENS 16

static void reply_add_token(struct nl_reply *r, const char *token, enum nl_token_source src,
                            const char *campaign, size_t campaign_len)
{
	for (size_t i = 0; i < r->n_tokens; i++) {
		if (strcmp(r->tokens[i].token, token) == 0) {
			/* keep the strongest source, found first, but learn the campaign */
			if (!r->tokens[i].campaign && campaign && campaign_len)
				r->tokens[i].campaign = nl_xstrndup(campaign, campaign_len);
			return;
		}
	}
	if (r->n_tokens >= REPLY_MAX_TOKENS)
		return;
	r->tokens = nl_xrealloc(r->tokens, (r->n_tokens + 1) * sizeof *r->tokens);
	struct nl_reply_token *t = &r->tokens[r->n_tokens++];
	memset(t, 0, sizeof *t);
	memcpy(t->token, token, NL_TOKEN_LEN);
	t->token[NL_TOKEN_LEN] = 0;
	t->source = src;
	t->campaign = campaign && campaign_len ? nl_xstrndup(campaign, campaign_len) : NULL;
}

/* Every "<…>" in a References/In-Reply-To style value that is one of our Message-IDs. */
static void reply_tokens_from_ids(struct nl_reply *r, const char *value, enum nl_token_source src)
{
	if (!value)
		return;
	const char *p = value;
	size_t seen = 0;
	while ((p = strchr(p, '<')) != NULL && seen++ < 200) {
		const char *e = strchr(p, '>');
		if (!e)
			break;
		size_t n = (size_t)(e - p + 1);
		if (n < 512) {
			char id[512];
			memcpy(id, p, n);
			id[n] = 0;
			char tok[NL_TOKEN_LEN + 1];
			if (nl_token_from_message_id(id, tok)) {
				/* "<TOKEN.CAMPAIGN@host>" */
				const char *c = id + 1 + NL_TOKEN_LEN + 1;
				const char *at = strchr(c, '@');
				size_t clen = at && id[1 + NL_TOKEN_LEN] == '.' ? (size_t)(at - c) : 0;
				reply_add_token(r, tok, src, c, clen);
			}
		}
		p = e + 1;
	}
	/* a bare id without brackets */
	char tok[NL_TOKEN_LEN + 1];
	if (!strchr(value, '<') && strlen(value) < 512 && nl_token_from_message_id(value, tok)) {
		const char *c = value + NL_TOKEN_LEN + 1;
		const char *at = strchr(c, '@');
		reply_add_token(r, tok, src, c, at && value[NL_TOKEN_LEN] == '.' ? (size_t)(at - c) : 0);
	}
}

/* Plus-addresses ("replies+TOKEN@…") anywhere in a block of text (returned headers of a bounce). */
static void reply_tokens_from_text(struct nl_reply *r, const char *text, size_t len, enum nl_token_source src)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '+')
			continue;
		size_t e = i + 1;
		while (e < len && e - i <= NL_TOKEN_LEN + 1 && text[e] != '@')
			e++;
		if (e >= len || text[e] != '@' || e - i - 1 != NL_TOKEN_LEN)
			continue;
		char addr[NL_TOKEN_LEN + 16] = "x+";
		memcpy(addr + 2, text + i + 1, NL_TOKEN_LEN);
		memcpy(addr + 2 + NL_TOKEN_LEN, "@x.test", 8);
		char tok[NL_TOKEN_LEN + 1];
		if (nl_token_from_plus_address(addr, tok))
			reply_add_token(r, tok, src, NULL, 0);
	}
	/* and our Message-IDs: "<TOKEN.campaign@host>" */
	for (size_t i = 0; i + NL_TOKEN_LEN + 2 < len; i++) {
		if (text[i] != '<' || text[i + 1 + NL_TOKEN_LEN] != '.')
			continue;
		const char *e = memchr(text + i, '>', len - i < 300 ? len - i : 300);
		if (!e)
			continue;
		char id[320];
		size_t n = (size_t)(e - (text + i) + 1);
		memcpy(id, text + i, n);
		id[n] = 0;
		reply_tokens_from_ids(r, id, src);
	}
}

/* "Re: SUBJECT [survey TOKEN QID=VALUE]" */
static void reply_mailto_subject(struct nl_reply *r, const char *subject)
{
	if (!subject)
		return;
	const char *p = subject;
	const char *hit = NULL;
	while ((p = strchr(p, '[')) != NULL) {
		if (nl_ascii_ncasecmp(p, "[survey ", 8) == 0)
			hit = p;
		p++;
	}
	if (!hit)
		return;
	const char *t = hit + 8;
	while (*t == ' ')
		t++;
	const char *te = t;
	while (*te && *te != ' ' && *te != ']')
		te++;
	if (!nl_token_shape(t, (size_t)(te - t)))
		return;
	char tok[NL_TOKEN_LEN + 1];
	for (size_t i = 0; i < NL_TOKEN_LEN; i++)
		tok[i] = reply_lower_ascii(t[i]);
	tok[NL_TOKEN_LEN] = 0;
	reply_add_token(r, tok, NL_TOKEN_SRC_MAILTO, NULL, 0);
	const char *q = te;
	while (*q == ' ')
		q++;
	const char *eq = strchr(q, '=');
	const char *close = strchr(q, ']');
	if (!eq || !close || eq > close || eq == q)
		return;
	struct nl_span qid = reply_trim(q, (size_t)(eq - q));
	struct nl_span val = reply_trim(eq + 1, (size_t)(close - eq - 1));
	if (qid.len == 0 || val.len == 0)
		return;
	r->mailto_question = nl_xstrndup(qid.ptr, qid.len);
	r->mailto_value = nl_xstrndup(val.ptr, val.len);
}

/* The subject without "Re:", "Fwd:", "AW:", "SV:" prefixes. */
static struct nl_span reply_subject_core(const char *subject)
{
	struct nl_span s = reply_trim(subject ? subject : "", subject ? strlen(subject) : 0);
	static const char *const pre[] = {"re:", "re :", "fwd:", "fw:",  "aw:",   "sv:",  "vs:", "wg:",
	                                  "tr:", "r:",   "rif:", "odp:", "antw:", "res:", NULL};
	for (int guard = 0; guard < 10; guard++) {
		bool cut = false;
		for (size_t i = 0; pre[i]; i++) {
			if (reply_starts(s, pre[i])) {
				s = reply_trim(s.ptr + strlen(pre[i]), s.len - strlen(pre[i]));
				cut = true;
			}
		}
		if (!cut)
			break;
	}
	return s;
}

/* "unsubscribe", "Please remove me", "STOP", "opt out": a short line that starts with a command. */
static bool reply_unsubscribe_words(struct nl_span s)
{
	s = reply_trim(s.ptr, s.len);
	if (s.len == 0 || s.len > 80 || reply_count_words(s) > 8)
		return false;
	static const char *const polite[] = {"please ", "pls ", "plz ", "kindly ", "hi, ", "hello, ", NULL};
	for (size_t i = 0; polite[i]; i++)
		if (reply_starts(s, polite[i]))
			s = reply_trim(s.ptr + strlen(polite[i]), s.len - strlen(polite[i]));
	/* "stop" only alone or as "stop sending/emailing": "Stop working weekends?" is a subject */
	static const char *const stops[] = {
	    "stop",        "stop sending", "stop emailing",         "stop mailing",     "stop it",
	    "stop please", "stop all",     "stop sending me these", "stop emailing me", NULL};
	struct nl_span bare = s;
	while (bare.len > 0 && (bare.ptr[bare.len - 1] == '.' || bare.ptr[bare.len - 1] == '!'))
		bare.len--;
	if (reply_in_list(reply_trim(bare.ptr, bare.len), stops))
		return true;
	static const char *const cmd[] = {"unsubscribe",
	                                  "remove me",
	                                  "opt out",
	                                  "opt-out",
	                                  "optout",
	                                  "désabonner",
	                                  "desabonner",
	                                  "se désabonner",
	                                  "désinscrire",
	                                  "abmelden",
	                                  "abbestellen",
	                                  "darse de baja",
	                                  "baja",
	                                  "cancelar suscripción",
	                                  "disiscrivi",
	                                  "cancella iscrizione",
	                                  "afmelden",
	                                  "uitschrijven",
	                                  "descadastrar",
	                                  "cancelar inscrição",
	                                  "wypisz",
	                                  "отписаться",
	                                  NULL};
	for (size_t i = 0; cmd[i]; i++) {
		size_t n = strlen(cmd[i]);
		if (reply_starts(s, cmd[i]) && (s.len == n || !reply_is_alpha(s.ptr[n])))
			return true;
	}
	return false;
}

static bool reply_value_is(const char *v, const char *word)
{
	if (!v)
		return false;
	struct nl_span s = reply_trim(v, strlen(v));
	size_t n = strlen(word);
	return s.len >= n && nl_ascii_ncasecmp(s.ptr, word, n) == 0 &&
	       (s.len == n || s.ptr[n] == ';' || s.ptr[n] == ' ' || s.ptr[n] == '(');
}

static const char *const reply_vacation_words[] = {
    "out of office",
    "out of the office",
    "out-of-office",
    "autoreply",
    "auto reply",
    "auto-reply",
    "automatic reply",
    "automatische antwort",
    "automatisch antwoord",
    "réponse automatique",
    "reponse automatique",
    "respuesta automática",
    "respuesta automatica",
    "risposta automatica",
    "resposta automática",
    "resposta automatica",
    "automatyczna odpowiedź",
    "автоответ",
    "автоматический ответ",
    "Автоответ",
    "Автоматический ответ",
    "vacation",
    "on vacation",
    "abwesenheit",
    "abwesenheitsnotiz",
    "abwesend",
    "nicht im büro",
    "absence",
    "absent du bureau",
    "fuera de la oficina",
    "fuori ufficio",
    "afwezig",
    "ausente",
    "autosvar",
    "frånvaro",
    "fravær",
    "poza biurem",
    "on leave",
    "away from the office",
    "away from my desk",
    "congés",
    "ferien",
    "urlaub",
    "vakantie",
    "vacaciones",
    "vacanze",
    "férias",
    "urlop",
    "отпуск",
    NULL,
};

static bool reply_vacation_subject(const char *subject)
{
	if (!subject)
		return false;
	/* lower-cased once (ASCII, as the words are compared), then each word looked for with strstr */
	char *low = nl_ascii_lower(nl_xstrdup(subject));
	size_t n = strlen(low);
	bool found = false;
	for (size_t i = 0; !found && reply_vacation_words[i]; i++) {
		size_t w = strlen(reply_vacation_words[i]);
		for (const char *at = strstr(low, reply_vacation_words[i]); at && !found;
		     at = strstr(at + 1, reply_vacation_words[i])) {
			size_t k = (size_t)(at - low);
			found = (k == 0 || !reply_is_alpha(low[k - 1])) &&
			        (k + w == n || !reply_is_alpha(low[k + w]));
		}
	}
	free(low);
	return found;
}

/* Why this is an auto-reply (RFC 3834), or NULL. */
static char *reply_auto_reason(const struct nl_message *msg)
{
	if (msg->auto_submitted && !reply_value_is(msg->auto_submitted, "no"))
		return nl_xasprintf("Auto-Submitted: %s", msg->auto_submitted);
	if (msg->x_autoreply)
		return nl_xstrdup("X-Autoreply/X-Autorespond present");
	if (msg->precedence &&
	    (reply_value_is(msg->precedence, "auto_reply") || reply_value_is(msg->precedence, "bulk") ||
	     reply_value_is(msg->precedence, "junk")))
		return nl_xasprintf("Precedence: %s", msg->precedence);
	if (reply_vacation_subject(msg->subject))
		return nl_xasprintf("vacation subject: %s", msg->subject);
	return NULL;
}

/* How much of a sentence a reason quotes. */
#define REPLY_REASON_SENTENCE_MAX 200

static bool reply_addr_eq(const char *a, const char *b)
{
	return a && b && nl_ascii_casecmp(a, b) == 0;
}

enum nl_code nl_reply_analyse(const struct nl_message *msg, const struct nl_reply_options *opt,
                              struct nl_reply **out, struct nl_error *err)
{
	if (!msg || !out)
		return nl_fail(err, NL_ERR_USAGE, "nl_reply_analyse: no message");
	struct nl_reply *r = nl_xcalloc(1, sizeof *r);
	r->kind = NL_REPLY_PERSON;

	/* tokens, strongest evidence first (doc/DESIGN.md §4) */
	for (size_t i = 0; i < msg->n_recipients; i++) {
		char tok[NL_TOKEN_LEN + 1];
		if (msg->recipients[i] && nl_token_from_plus_address(msg->recipients[i], tok))
			reply_add_token(r, tok, NL_TOKEN_SRC_PLUS_ADDRESS, NULL, 0);
	}
	reply_tokens_from_ids(r, msg->in_reply_to, NL_TOKEN_SRC_MESSAGE_ID);
	reply_tokens_from_ids(r, msg->references, NL_TOKEN_SRC_MESSAGE_ID);
	reply_mailto_subject(r, msg->subject);

	const char *text = msg->text ? msg->text : "";
	r->text = nl_xstrdup(text);

	/* reports first: bounces often carry Auto-Submitted too */
	if (nl_dsn_read_arf(msg, r) || nl_dsn_read(msg, r)) {
		if (msg->returned_headers)
			reply_tokens_from_text(r, msg->returned_headers, strlen(msg->returned_headers),
			                       NL_TOKEN_SRC_RETURNED);
		size_t tl = strlen(text);
		reply_tokens_from_text(r, text, tl < 1024 * 1024 ? tl : 1024 * 1024, NL_TOKEN_SRC_RETURNED);
		r->new_text = nl_xstrdup("");
		*out = r;
		return NL_OK;
	}
	if (msg->report_type && strcmp(msg->report_type, "disposition-notification") == 0) {
		r->kind = NL_REPLY_IGNORED;
		r->reason = nl_xstrdup("read receipt (RFC 8098 MDN)");
		r->new_text = nl_xstrdup("");
		*out = r;
		return NL_OK;
	}

	char *sender = nl_xasprintf("%s %s", msg->from_name ? msg->from_name : "",
	                            msg->from_address ? msg->from_address : "");
	reply_split_from(r->text, strlen(r->text), sender, &r->lines, &r->n_lines);
	free(sender);
	r->new_text = reply_join_own(r->lines, r->n_lines);

	char *why = reply_auto_reason(msg);
	if (why) {
		r->kind = NL_REPLY_AUTO;
		r->reason = why;
		*out = r;
		return NL_OK;
	}

	/* unsubscribe: mail to the List-Unsubscribe address, or the command in the subject or in the
	 * first lines of the new text */
	const char *unsub = opt ? opt->unsubscribe_address : NULL;
	for (size_t i = 0; unsub && *unsub && i < msg->n_recipients && !r->reason; i++)
		if (reply_addr_eq(msg->recipients[i], unsub))
			r->reason = nl_xasprintf("sent to the unsubscribe address %s", unsub);
	if (!r->reason && reply_unsubscribe_words(reply_subject_core(msg->subject)))
		r->reason = nl_xasprintf("subject: %s", msg->subject);
	if (!r->reason) {
		const char *p = r->new_text;
		for (int k = 0; k < 3 && *p && !r->reason; k++) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			struct nl_span ln = reply_trim(p, n);
			if (ln.len == 0)
				k--;
			else if (reply_unsubscribe_words(ln))
				r->reason = nl_xasprintf("asks to unsubscribe: %.*s", (int)ln.len, ln.ptr);
			p = e ? e + 1 : p + n;
		}
	}
	/* then a request in the person's own words, in prose (unsubscribe.c) */
	if (!r->reason) {
		char *sentence = NULL;
		if (nl_unsubscribe_request(r->new_text, strlen(r->new_text), &sentence))
			r->reason =
			    nl_xasprintf("unsubscribe request in words: %.*s",
			                 (int)nl_utf8_cut(sentence, strlen(sentence), REPLY_REASON_SENTENCE_MAX), sentence);
		for (char *c = r->reason; c && *c; c++)
			if (*c == '\n' || *c == '\r' || *c == '\t')
				*c = ' '; /* a wrapped sentence: the reason is one line */
		free(sentence);
	}
	if (r->reason) {
		r->kind = NL_REPLY_UNSUBSCRIBE;
		*out = r;
		return NL_OK;
	}
	r->reason = nl_xstrdup(r->n_tokens ? "reply" : "reply without a token");
	*out = r;
	return NL_OK;
}
