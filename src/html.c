/* html.c - HTML mail bodies turned into plain text lines, with the quoted original marked.
 *
 * A small, non-executing tokenizer in one linear pass (RELIABILITY.md §4.9): nothing is fetched,
 * <script>, <style>, <head>, <title>, comments and display:none blocks are dropped, entities are
 * decoded (numeric ones that would give NUL, a surrogate or more than U+10FFFF become U+FFFD), and
 * the line structure is kept: block elements end a line, <br> always does, so that "Hi.<br><br>
 * Thanks" keeps its blank line.  Whitespace collapses as a browser would, except inside <pre>.
 *
 * The quoted original is marked the way plain-text clients mark it, with "> " per level, so that
 * reply.c treats every client alike:
 *   - quote containers: <blockquote>, class gmail_quote / yahoo_quoted / moz-cite-prefix /
 *     protonmail_quote, and so on (each nesting adds a level);
 *   - everything from Outlook's reply header onwards: id divRplyFwdMsg / OLK_SRC_BODY_SECTION /
 *     mail-editor-reference-message-container, or an <hr> or a border-top <div> when the text that
 *     follows it starts like a header block ("From:", "Date:", "De :", "Von:", "От:", …);
 *   - the attribution line right before a top-level quote container when it ends with ':'
 *     ("On … wrote:", mail.ru's "… от Alexander L <…>:").
 * Elements nest at most NL_MESSAGE_MAX_HTML_DEPTH deep; inline elements are not tracked, and <p>,
 * <li>, <td>, <tr> close their open predecessor as HTML's optional end tags do, so ordinary sloppy
 * HTML stays far from the bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "util.h"

struct html_elem {
	char name[12];
	bool quote, skip, pre;
};

struct html_line {
	size_t start, len;
	int depth;
};

struct html {
	struct nl_buf text; /* all line texts, back to back */
	struct html_line *lines;
	size_t n_lines, cap_lines;
	size_t cur_start; /* where the open line's text starts in `text` */
	int cur_depth;    /* quote depth of the open line; -1 until it has content */
	bool space;       /* whitespace seen since the last character */
	bool nbsp_only;   /* the open line holds only &nbsp; so far */
	struct html_elem stack[NL_MESSAGE_MAX_HTML_DEPTH];
	size_t depth;
	int quote, skip, pre; /* how many open elements have each flag */
	size_t rest_quoted;   /* first line of the quoted remainder; SIZE_MAX = none */
	size_t pending_split; /* an <hr>/border-top seen: the line where the remainder would start */
	bool limit;
};

static void html_push_line(struct html *h, size_t start, size_t len, int depth)
{
	if (h->n_lines == h->cap_lines) {
		h->cap_lines = h->cap_lines ? h->cap_lines * 2 : 64;
		h->lines = nl_xrealloc(h->lines, h->cap_lines * sizeof *h->lines);
	}
	h->lines[h->n_lines++] = (struct html_line){start, len, depth};
}

static bool html_starts_header_block(const char *s, size_t n)
{
	static const char *const heads[] = {"from:",
	                                    "date:",
	                                    "sent:",
	                                    "de :",
	                                    "de:",
	                                    "von:",
	                                    "van:",
	                                    "da:",
	                                    "od:",
	                                    "fra:",
	                                    "från:",
	                                    "envoyé",
	                                    "gesendet:",
	                                    "enviado",
	                                    "\xd0\xbe\xd1\x82:",
	                                    "\xd0\x9e\xd1\x82:",
	                                    "subject:",
	                                    "to:"};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		size_t k = strlen(heads[i]);
		if (n >= k && nl_ascii_ncasecmp(s, heads[i], k) == 0)
			return true;
	}
	return false;
}

/* Ends the open line.  `hard` (a <br>) makes a line even when it is empty. */
static void html_end_line(struct html *h, bool hard)
{
	size_t len = h->text.len - h->cur_start;
	if (h->cur_depth < 0 && h->nbsp_only)
		hard = true; /* Outlook's <p>&nbsp;</p> is a blank line */
	if (h->cur_depth < 0 && !hard)
		return;
	size_t idx = h->n_lines;
	html_push_line(h, h->cur_start, len, h->cur_depth < 0 ? h->quote : h->cur_depth);
	if (h->pending_split != SIZE_MAX && len) {
		if (html_starts_header_block(h->text.data + h->cur_start, len) && h->rest_quoted == SIZE_MAX)
			h->rest_quoted = h->pending_split;
		h->pending_split = SIZE_MAX;
	}
	(void)idx;
	h->cur_start = h->text.len;
	h->cur_depth = -1;
	h->space = false;
	h->nbsp_only = false;
}

static void html_char(struct html *h, const char *s, size_t n)
{
	if (h->skip)
		return;
	if (h->cur_depth < 0) {
		h->cur_depth = h->quote;
		h->space = false;
	} else if (h->space) {
		nl_buf_putc(&h->text, ' ');
	}
	h->space = false;
	h->nbsp_only = false;
	nl_buf_append(&h->text, s, n);
}

static void html_space(struct html *h)
{
	if (!h->skip)
		h->space = true;
}

static void html_put_cp(struct html *h, uint32_t cp)
{
	if (cp == 0xA0) { /* &nbsp; is a space here; answers are read from words */
		if (h->cur_depth < 0)
			h->nbsp_only = true;
		html_space(h);
		return;
	}
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || (cp < 0x20 && cp != '\t'))
		cp = 0xFFFD;
	char s[4];
	html_char(h, s, nl_utf8_encode(cp, s));
}

static const struct {
	const char *name;
	uint32_t cp;
} html_entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018},
    {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"sbquo", 0x201A},  {"bdquo", 0x201E},
    {"laquo", 0xAB},   {"raquo", 0xBB},   {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122},
    {"euro", 0x20AC},  {"pound", 0xA3},   {"yen", 0xA5},     {"cent", 0xA2},     {"sect", 0xA7},
    {"deg", 0xB0},     {"middot", 0xB7},  {"bull", 0x2022},  {"times", 0xD7},    {"divide", 0xF7},
    {"shy", 0xAD},     {"zwnj", 0x200C},  {"zwj", 0x200D},   {"iexcl", 0xA1},    {"iquest", 0xBF},
    {"eacute", 0xE9},  {"egrave", 0xE8},  {"ecirc", 0xEA},   {"euml", 0xEB},     {"aacute", 0xE1},
    {"agrave", 0xE0},  {"acirc", 0xE2},   {"auml", 0xE4},    {"aring", 0xE5},    {"ccedil", 0xE7},
    {"iacute", 0xED},  {"icirc", 0xEE},   {"iuml", 0xEF},    {"ntilde", 0xF1},   {"oacute", 0xF3},
    {"ocirc", 0xF4},   {"ouml", 0xF6},    {"oslash", 0xF8},  {"uacute", 0xFA},   {"ucirc", 0xFB},
    {"uuml", 0xFC},    {"szlig", 0xDF},   {"Eacute", 0xC9},  {"Auml", 0xC4},     {"Ouml", 0xD6},
    {"Uuml", 0xDC},    {"Agrave", 0xC0},  {"Ccedil", 0xC7},  {"thinsp", 0x2009}, {"ensp", 0x2002},
    {"emsp", 0x2003},
};

/* Decodes the entity at s[0] == '&'; returns the bytes consumed (1 if it is no entity). */
static size_t html_entity(struct html *h, const char *s, size_t n)
{
	size_t i = 1;
	if (i < n && s[i] == '#') {
		i++;
		bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
		if (hex)
			i++;
		uint32_t cp = 0;
		size_t digits = 0;
		for (; i < n; i++, digits++) {
			int d;
			char c = s[i];
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			if (cp <= 0x10FFFF)
				cp = cp * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (!digits) {
			html_char(h, "&", 1);
			return 1;
		}
		if (i < n && s[i] == ';')
			i++;
		/* Windows-1252 numeric references (&#150;) as browsers read them */
		if (cp >= 0x80 && cp <= 0x9F) {
			static const uint16_t c1[32] = {
			    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021,
			    0x2C6,  0x2030, 0x160,  0x2039, 0x152,  0x8D,   0x17D,  0x8F,
			    0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
			    0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};
			cp = c1[cp - 0x80];
		}
		html_put_cp(h, cp);
		return i;
	}
	size_t j = i;
	while (j < n && j - i < 10 &&
	       ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9')))
		j++;
	for (size_t e = 0; e < sizeof html_entities / sizeof html_entities[0]; e++) {
		size_t k = strlen(html_entities[e].name);
		if (k == j - i && memcmp(s + i, html_entities[e].name, k) == 0) {
			html_put_cp(h, html_entities[e].cp);
			return j < n && s[j] == ';' ? j + 1 : j;
		}
	}
	html_char(h, "&", 1);
	return 1;
}

static bool html_name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const html_blocks[] = {
    "address",  "article",  "aside", "blockquote", "body",     "caption",    "center",  "dd",      "details",
    "dialog",   "div",      "dl",    "dt",         "fieldset", "figcaption", "figure",  "footer",  "form",
    "h1",       "h2",       "h3",    "h4",         "h5",       "h6",         "header",  "hr",      "html",
    "li",       "main",     "nav",   "ol",         "p",        "pre",        "section", "summary", "table",
    "tbody",    "tfoot",    "thead", "tr",         "ul",       "head",       "title",   "script",  "style",
    "template", "noscript", "xml",   "select",     "option",   "textarea",   NULL,
};
static const char *const html_voids[] = {"br",   "hr",   "img",   "meta",  "link",   "input", "wbr", "col",
                                         "area", "base", "embed", "param", "source", "track", NULL};
static const char *const html_raw[] = {"script", "style", "title", "textarea", "xml", NULL};

/* Attribute values of interest on a start tag. */
struct html_attrs {
	struct nl_span cls, id, style, type;
};

static bool html_contains(struct nl_span s, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= s.len; i++)
		if (nl_ascii_ncasecmp(s.ptr + i, needle, k) == 0)
			return true;
	return false;
}

/* "display:none" with any spacing. */
static bool html_hidden(struct nl_span style)
{
	char buf[256];
	size_t k = 0;
	for (size_t i = 0; i < style.len && k + 1 < sizeof buf; i++)
		if (style.ptr[i] != ' ' && style.ptr[i] != '\t' && style.ptr[i] != '\n' &&
		    style.ptr[i] != '\r')
			buf[k++] = style.ptr[i];
	struct nl_span s = {buf, k};
	return html_contains(s, "display:none") || html_contains(s, "mso-hide:all");
}

static void html_pop_to(struct html *h, size_t depth)
{
	while (h->depth > depth) {
		struct html_elem *e = &h->stack[--h->depth];
		h->quote -= e->quote;
		h->skip -= e->skip;
		h->pre -= e->pre;
	}
}

static bool html_top_is(struct html *h, const char *name)
{
	return h->depth && strcmp(h->stack[h->depth - 1].name, name) == 0;
}

/* The attribution line before a quote container ("On … wrote:") belongs to the quote. */
static void html_mark_attribution(struct html *h)
{
	for (size_t i = h->n_lines; i-- > 0;) {
		struct html_line *l = &h->lines[i];
		const char *t = nl_buf_cstr(&h->text) + l->start;
		size_t n = l->len;
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		if (l->depth == 0 && t[n - 1] == ':' && n <= 300)
			l->depth = 1;
		return;
	}
}

static void html_start_tag(struct html *h, const char *name, const struct html_attrs *a, bool self_closing)
{
	bool block = html_name_in(name, html_blocks) || !strcmp(name, "hr");
	bool is_void = html_name_in(name, html_voids);
	if (!strcmp(name, "br")) {
		html_end_line(h, true);
		return;
	}
	if (!strcmp(name, "td") || !strcmp(name, "th")) {
		html_space(h);
	}
	bool quote = !strcmp(name, "blockquote") || html_contains(a->cls, "gmail_quote") ||
	             html_contains(a->cls, "yahoo_quoted") || html_contains(a->cls, "moz-cite-prefix") ||
	             html_contains(a->cls, "protonmail_quote") || html_contains(a->cls, "zmail_extra") ||
	             html_contains(a->id, "yahoo_quoted");
	bool rest = html_contains(a->id, "divRplyFwdMsg") || html_contains(a->id, "OLK_SRC_BODY_SECTION") ||
	            html_contains(a->id, "mail-editor-reference-message-container") ||
	            html_contains(a->cls, "OutlookMessageHeader");
	bool hidden = html_hidden(a->style);
	bool skip = hidden || !strcmp(name, "head") || !strcmp(name, "script") || !strcmp(name, "style") ||
	            !strcmp(name, "title") || !strcmp(name, "template") || !strcmp(name, "xml") ||
	            !strcmp(name, "textarea") || !strcmp(name, "select");
	bool pre = !strcmp(name, "pre");
	if (block || quote || rest)
		html_end_line(h, false);
	if (rest && h->rest_quoted == SIZE_MAX && !h->skip)
		h->rest_quoted = h->n_lines;
	if (!h->skip &&
	    (!strcmp(name, "hr") || (!strcmp(name, "div") && html_contains(a->style, "border-top") &&
	                             !html_contains(a->style, "border-top:none"))))
		h->pending_split = h->n_lines;
	if (quote && h->quote == 0 && !h->skip)
		html_mark_attribution(h);
	if (is_void || self_closing)
		return;
	if (!block && !quote && !skip && !pre && !rest)
		return; /* inline elements do not change the text's structure */
	/* optional end tags (HTML §13.1.2.4) */
	if (!strcmp(name, "li") || !strcmp(name, "dt") || !strcmp(name, "dd") || !strcmp(name, "option")) {
		for (size_t i = h->depth; i-- > 0;)
			if (!strcmp(h->stack[i].name, name)) {
				if (i + 2 >= h->depth)
					html_pop_to(h, i);
				break;
			}
	} else if (!strcmp(name, "td") || !strcmp(name, "th")) {
		if (html_top_is(h, "td") || html_top_is(h, "th"))
			html_pop_to(h, h->depth - 1);
	} else if (!strcmp(name, "tr")) {
		if (html_top_is(h, "td") || html_top_is(h, "th"))
			html_pop_to(h, h->depth - 1);
		if (html_top_is(h, "tr"))
			html_pop_to(h, h->depth - 1);
	}
	if (block && html_top_is(h, "p"))
		html_pop_to(h, h->depth - 1);
	if (h->depth >= NL_MESSAGE_MAX_HTML_DEPTH) {
		h->limit = true;
		return;
	}
	struct html_elem *e = &h->stack[h->depth++];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->quote = quote;
	e->skip = skip;
	e->pre = pre;
	h->quote += quote;
	h->skip += skip;
	h->pre += pre;
}

static void html_end_tag(struct html *h, const char *name)
{
	if (!strcmp(name, "br")) { /* </br> is read as <br> by browsers */
		html_end_line(h, true);
		return;
	}
	bool block = html_name_in(name, html_blocks);
	for (size_t i = h->depth; i-- > 0;) {
		if (!strcmp(h->stack[i].name, name)) {
			bool q = false;
			for (size_t k = i; k < h->depth; k++)
				q |= h->stack[k].quote;
			if (block || q)
				html_end_line(h, false);
			html_pop_to(h, i);
			return;
		}
	}
	if (block)
		html_end_line(h, false);
}

static bool html_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool html_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Parses a tag at s[0] == '<' (the name starts at s[1] or s[2] for end tags).  Returns the bytes
 * consumed; fills the lower-cased name and, for start tags, the attributes. */
static size_t html_tag(const char *s, size_t n, bool end, char name[12], struct html_attrs *a,
                       bool *self_closing)
{
	size_t i = end ? 2 : 1, k = 0;
	while (i < n && !html_is_space(s[i]) && s[i] != '>' && s[i] != '/') {
		if (k + 1 < 12)
			name[k++] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
		i++;
	}
	name[k] = '\0';
	memset(a, 0, sizeof *a);
	*self_closing = false;
	while (i < n && s[i] != '>') {
		if (html_is_space(s[i]) || s[i] == '/') {
			*self_closing = s[i] == '/';
			i++;
			continue;
		}
		size_t ns = i;
		while (i < n && !html_is_space(s[i]) && s[i] != '>' && s[i] != '=' && s[i] != '/')
			i++;
		struct nl_span an = {s + ns, i - ns};
		while (i < n && html_is_space(s[i]))
			i++;
		struct nl_span val = {"", 0};
		if (i < n && s[i] == '=') {
			i++;
			while (i < n && html_is_space(s[i]))
				i++;
			if (i < n && (s[i] == '"' || s[i] == '\'')) {
				char q = s[i++];
				size_t vs = i;
				while (i < n && s[i] != q)
					i++;
				val = (struct nl_span){s + vs, i - vs};
				if (i < n)
					i++;
			} else {
				size_t vs = i;
				while (i < n && !html_is_space(s[i]) && s[i] != '>')
					i++;
				val = (struct nl_span){s + vs, i - vs};
			}
		}
		if (an.len == 0) {
			i++;
			continue;
		}
		if (nl_span_ieq(an, "class"))
			a->cls = val;
		else if (nl_span_ieq(an, "id"))
			a->id = val;
		else if (nl_span_ieq(an, "style"))
			a->style = val;
		else if (nl_span_ieq(an, "type"))
			a->type = val;
	}
	return i < n ? i + 1 : n;
}

/* Skips raw text up to the matching end tag ("</script"); returns the index after it. */
static size_t html_skip_raw(const char *s, size_t n, size_t i, const char *name)
{
	size_t k = strlen(name);
	for (; i + 2 + k <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' && nl_ascii_ncasecmp(s + i + 2, name, k) == 0)
			return i;
	return n;
}

enum nl_code nl_html_render(const char *s, size_t n, struct nl_buf *out, struct nl_error *err)
{
	struct html h = {.cur_depth = -1, .rest_quoted = SIZE_MAX, .pending_split = SIZE_MAX};
	size_t i = 0;
	while (i < n && !h.limit) {
		char c = s[i];
		if (c == '<') {
			if (i + 3 < n && s[i + 1] == '!' && s[i + 2] == '-' && s[i + 3] == '-') {
				size_t j = i + 4;
				while (j + 2 < n && !(s[j] == '-' && s[j + 1] == '-' && s[j + 2] == '>'))
					j++;
				i = j + 2 < n ? j + 3 : n;
				continue;
			}
			if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
				const char *gt = memchr(s + i, '>', n - i);
				i = gt ? (size_t)(gt - s) + 1 : n;
				continue;
			}
			bool end = i + 1 < n && s[i + 1] == '/';
			if (i + 1 + end < n && html_is_alpha(s[i + 1 + end])) {
				char name[12];
				struct html_attrs a;
				bool self_closing;
				i += html_tag(s + i, n - i, end, name, &a, &self_closing);
				if (end) {
					html_end_tag(&h, name);
				} else {
					html_start_tag(&h, name, &a, self_closing);
					if (html_name_in(name, html_raw) && !self_closing) {
						i = html_skip_raw(s, n, i, name);
						/* the end tag is handled by the next turn */
					}
				}
				continue;
			}
			html_char(&h, "<", 1);
			i++;
		} else if (c == '&') {
			i += html_entity(&h, s + i, n - i);
		} else if (html_is_space(c)) {
			if (h.pre && !h.skip) {
				if (c == '\n')
					html_end_line(&h, true);
				else if (c != '\r')
					html_char(&h, " ", 1);
			} else {
				html_space(&h);
			}
			i++;
		} else {
			size_t j = i + 1;
			while (j < n && s[j] != '<' && s[j] != '&' && !html_is_space(s[j]))
				j++;
			html_char(&h, s + i, j - i);
			i = j;
		}
	}
	html_end_line(&h, false);
	/* Outlook without a rule: a "From:" line followed by "Sent:"/"Date:" starts the original. */
	for (size_t l = 0; l + 1 < h.n_lines && h.rest_quoted == SIZE_MAX; l++) {
		const char *t = nl_buf_cstr(&h.text);
		struct html_line *a = &h.lines[l], *b = &h.lines[l + 1];
		if (a->depth == 0 && a->len >= 5 && nl_ascii_ncasecmp(t + a->start, "from:", 5) == 0 &&
		    html_starts_header_block(t + b->start, b->len))
			h.rest_quoted = l;
	}
	/* Leading and trailing blank lines go; quoted lines get their prefix. */
	size_t first = 0, last = h.n_lines;
	while (first < last && h.lines[first].len == 0)
		first++;
	while (last > first && h.lines[last - 1].len == 0)
		last--;
	for (size_t l = first; l < last; l++) {
		int depth = h.lines[l].depth + (h.rest_quoted != SIZE_MAX && l >= h.rest_quoted);
		for (int d = 0; d < depth; d++)
			nl_buf_puts(out, h.lines[l].len || d + 1 < depth ? "> " : ">");
		const char *t = nl_buf_cstr(&h.text) + h.lines[l].start;
		size_t len = h.lines[l].len;
		while (len && t[len - 1] == ' ')
			len--;
		nl_buf_append(out, t, len);
		nl_buf_putc(out, '\n');
	}
	enum nl_code rc = NL_OK;
	if (h.limit)
		rc = nl_fail(err, NL_ERR_LIMIT, "HTML elements nested deeper than %d",
		             NL_MESSAGE_MAX_HTML_DEPTH);
	nl_buf_free(&h.text);
	free(h.lines);
	return rc;
}

char *nl_html_to_text(const char *html, size_t len)
{
	struct nl_buf out = NL_BUF_INIT;
	nl_html_render(html, len, &out, NULL);
	return nl_buf_detach(&out);
}
