/* textrender.c - Markdown to plain text that reads well in a terminal and in a text/plain part.
 *
 * Walks the cmark tree that article.c also renders to HTML, so both parts say the same thing:
 * paragraphs wrapped at a width counted in display columns (UTF-8, East Asian wide characters two),
 * headings underlined ('=' for level 1, '-' below), lists indented ("  - ", "  1. ") with
 * continuation lines aligned under the text, links as "text <url>", images as their alt text,
 * block quotes marked "| " (never ">", so they cannot pass for quoted mail, RFC 3676 §4.5),
 * code blocks indented four spaces and never wrapped, a thematic break as a line of '-'.
 * Words longer than a line (URLs) are never broken; between wide characters (CJK) a line may break
 * without a space (UAX #14, simplified).  Raw HTML is dropped, as the safe HTML renderer drops it.
 */
#include "textrender.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "util.h"

#define TEXTRENDER_MIN_AVAIL 20 /* columns always left for text, however deep the nesting */
#define TEXTRENDER_MAX_DEPTH 32 /* deeper containers are flattened into one paragraph */

struct textrender {
	struct nl_buf out;
	struct nl_buf inl;     /* scratch: the inline text of one paragraph or heading */
	struct nl_buf pending; /* the prefix of a blank separator line not yet written */
	bool has_pending;
	size_t width;
};

/* Ends the current output line, dropping trailing spaces (an empty quote line is "|"). */
static void textrender_newline(struct textrender *r)
{
	while (r->out.len && r->out.data[r->out.len - 1] == ' ')
		r->out.len--;
	nl_buf_putc(&r->out, '\n');
}

/* Starts an output line with `prefix`, first writing any pending blank separator. */
static void textrender_begin(struct textrender *r, const char *prefix)
{
	if (r->has_pending) {
		nl_buf_append(&r->out, r->pending.data, r->pending.len);
		textrender_newline(r);
		r->has_pending = false;
	}
	nl_buf_puts(&r->out, prefix);
}

static void textrender_separate(struct textrender *r, const char *prefix)
{
	nl_buf_reset(&r->pending);
	nl_buf_puts(&r->pending, prefix);
	r->has_pending = true;
}

static size_t textrender_avail(const struct textrender *r, const char *prefix)
{
	size_t used = nl_utf8_width(prefix, strlen(prefix));
	size_t avail = used < r->width ? r->width - used : 0;
	return avail < TEXTRENDER_MIN_AVAIL ? TEXTRENDER_MIN_AVAIL : avail;
}

/* Decodes the UTF-8 character at s[0..n) into *cp; returns its length (1 for an invalid byte). */
static size_t textrender_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = u[0] < 0x80             ? 1
	             : (u[0] & 0xE0) == 0xC0 ? 2
	             : (u[0] & 0xF0) == 0xE0 ? 3
	             : (u[0] & 0xF8) == 0xF0 ? 4
	                                     : 1;
	if (len > n)
		len = 1;
	for (size_t i = 1; i < len; i++)
		if ((u[i] & 0xC0) != 0x80)
			len = 1;
	if (len == 1) {
		*cp = u[0];
		return 1;
	}
	unsigned v = u[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (u[i] & 0x3F);
	*cp = v;
	return len;
}

/* Characters a line must not start with (closing punctuation), ASCII and CJK. */
static bool textrender_no_break_before(unsigned cp)
{
	static const unsigned closing[] = {'.',    ',',    ';',    ':',    '!',    '?',    ')',    ']',
	                                   '}',    '"',    '\'',   0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF01,
	                                   0xFF1F, 0xFF09, 0x300D, 0x300F, 0x3011, 0x3015, 0x3009, 0x300B,
	                                   0xFF1A, 0xFF1B, 0x30FC, 0x2019, 0x201D};
	for (size_t i = 0; i < sizeof closing / sizeof closing[0]; i++)
		if (cp == closing[i])
			return true;
	return false;
}

/* Characters a line must not end with (opening punctuation). */
static bool textrender_no_break_after(unsigned cp)
{
	static const unsigned opening[] = {'(',    '[',    '{',    0xFF08, 0x300C, 0x300E,
	                                   0x3010, 0x3014, 0x3008, 0x300A, 0x2018, 0x201C};
	for (size_t i = 0; i < sizeof opening / sizeof opening[0]; i++)
		if (cp == opening[i])
			return true;
	return false;
}

/* The end of the unbreakable unit that starts at s[i]: up to a space, or to a break opportunity
 * next to a wide character. */
static size_t textrender_unit_end(const char *s, size_t len, size_t i)
{
	unsigned prev = 0;
	size_t prev_w = 0;
	bool first = true;
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
			break;
		unsigned cp;
		size_t n = textrender_decode(s + i, len - i, &cp);
		size_t w = nl_utf8_width(s + i, n);
		if (!first && w > 0 && (prev_w == 2 || w == 2) && !textrender_no_break_before(cp) &&
		    !textrender_no_break_after(prev))
			break;
		first = false;
		prev = cp;
		if (w > 0)
			prev_w = w;
		i += n;
	}
	return i;
}

/* Writes s[0..len) wrapped: the first line after `first`, the others after `rest`; '\n' in the
 * text is a hard break.  Returns the width of the widest line, prefixes not counted. */
static size_t textrender_wrap(struct textrender *r, const char *s, size_t len, const char *first,
                              const char *rest)
{
	const char *prefix = first;
	size_t avail = textrender_avail(r, prefix), col = 0, widest = 0;
	bool space = false;
	textrender_begin(r, prefix);
	for (size_t i = 0; i < len;) {
		if (s[i] == '\n' || s[i] == ' ' || s[i] == '\t') {
			if (s[i] == '\n') {
				widest = col > widest ? col : widest;
				textrender_newline(r);
				prefix = rest;
				avail = textrender_avail(r, prefix);
				textrender_begin(r, prefix);
				col = 0;
				space = false;
			} else {
				space = true;
			}
			i++;
			continue;
		}
		size_t end = textrender_unit_end(s, len, i);
		size_t w = nl_utf8_width(s + i, end - i);
		if (col > 0 && col + (space ? 1 : 0) + w > avail) {
			widest = col > widest ? col : widest;
			textrender_newline(r);
			prefix = rest;
			avail = textrender_avail(r, prefix);
			textrender_begin(r, prefix);
			col = 0;
		} else if (space && col > 0) {
			nl_buf_putc(&r->out, ' ');
			col++;
		}
		nl_buf_append(&r->out, s + i, end - i);
		col += w;
		space = false;
		i = end;
	}
	widest = col > widest ? col : widest;
	textrender_newline(r);
	return widest;
}

/* Appends `lit` with line breaks and tabs turned into spaces. */
static void textrender_flat(struct nl_buf *b, const char *lit)
{
	for (; lit && *lit; lit++)
		nl_buf_putc(b, *lit == '\n' || *lit == '\t' || *lit == '\r' ? ' ' : *lit);
}

/* URLs cmark's safe mode leaves out of the HTML are left out of the text too. */
static bool textrender_dangerous_url(const char *url)
{
	static const char *const schemes[] = {"javascript:", "vbscript:", "file:", "data:"};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (nl_ascii_ncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			return true;
	return false;
}

/* Collects the inline text under `node` into r->inl (reset first).  Works on any subtree, so it
 * also flattens containers nested too deep; iterative, so deep inline nesting is harmless. */
static void textrender_inlines(struct textrender *r, cmark_node *node)
{
	nl_buf_reset(&r->inl);
	cmark_iter *it = cmark_iter_new(node);
	size_t link_start = 0;
	int in_image = 0;
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		bool enter = ev == CMARK_EVENT_ENTER;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_CODE_BLOCK:
			textrender_flat(&r->inl, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
			nl_buf_putc(&r->inl, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			nl_buf_putc(&r->inl, in_image ? ' ' : '\n');
			break;
		case CMARK_NODE_EMPH:
			if (!in_image)
				nl_buf_putc(&r->inl, '_');
			break;
		case CMARK_NODE_STRONG:
			if (!in_image)
				nl_buf_putc(&r->inl, '*');
			break;
		case CMARK_NODE_IMAGE:
			in_image += enter ? 1 : -1;
			break;
		case CMARK_NODE_LINK: {
			if (enter) {
				link_start = r->inl.len;
				break;
			}
			const char *url = cmark_node_get_url(n);
			if (in_image || !url || !*url || textrender_dangerous_url(url))
				break;
			const char *text = r->inl.data ? r->inl.data + link_start : "";
			size_t tlen = r->inl.len - link_start, ulen = strlen(url);
			bool same = tlen > 0 && ((tlen == ulen && memcmp(text, url, ulen) == 0) ||
			                         (ulen == tlen + 7 && strncmp(url, "mailto:", 7) == 0 &&
			                          memcmp(text, url + 7, tlen) == 0));
			if (tlen == 0 || same) {
				r->inl.len = link_start;
				nl_buf_putc(&r->inl, '<');
				nl_buf_puts(&r->inl, same ? url + (ulen - tlen) : url);
				nl_buf_putc(&r->inl, '>');
			} else {
				nl_buf_puts(&r->inl, " <");
				nl_buf_puts(&r->inl, url);
				nl_buf_putc(&r->inl, '>');
			}
			break;
		}
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
		case CMARK_NODE_ITEM:
		case CMARK_NODE_BLOCK_QUOTE:
			if (!enter && n != node)
				nl_buf_putc(&r->inl, ' ');
			break;
		default: /* raw HTML is dropped, as in the safe HTML output */
			break;
		}
	}
	cmark_iter_free(it);
}

static void textrender_block(struct textrender *r, cmark_node *n, const char *first, const char *rest,
                             int depth);

/* Renders the block children of `parent`: separated by a blank line unless `tight`; the first one
 * that writes anything starts with `first`, everything else with `rest`.  True if anything was
 * written. */
static bool textrender_children(struct textrender *r, cmark_node *parent, const char *first, const char *rest,
                                bool tight, int depth)
{
	bool wrote = false;
	for (cmark_node *n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
		size_t before = r->out.len;
		textrender_block(r, n, wrote ? rest : first, rest, depth);
		if (r->out.len == before)
			continue;
		wrote = true;
		if (!tight)
			textrender_separate(r, rest);
	}
	if (wrote && !tight)
		r->has_pending = false; /* the parent decides what follows */
	return wrote;
}

static void textrender_list(struct textrender *r, cmark_node *list, const char *first, const char *rest,
                            int depth)
{
	bool tight = cmark_node_get_list_tight(list);
	bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
	char delim = cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ? ')' : '.';
	long number = cmark_node_get_list_start(list);
	bool wrote = false;
	for (cmark_node *item = cmark_node_first_child(list); item; item = cmark_node_next(item), number++) {
		char marker[32];
		if (ordered)
			snprintf(marker, sizeof marker, "  %ld%c ", number, delim);
		else
			snprintf(marker, sizeof marker, "  - ");
		const char *p = wrote ? rest : first;
		char *item_first = nl_xasprintf("%s%s", p, marker);
		char *item_rest = nl_xasprintf("%s%*s", rest, (int)strlen(marker), "");
		if (wrote && !tight)
			textrender_separate(r, rest);
		if (!textrender_children(r, item, item_first, item_rest, tight, depth + 1)) {
			textrender_begin(r, item_first); /* an empty item still shows its marker */
			textrender_newline(r);
		}
		wrote = true;
		free(item_first);
		free(item_rest);
	}
}

static void textrender_code(struct textrender *r, const char *lit, const char *first, const char *rest)
{
	const char *prefix = first;
	size_t len = lit ? strlen(lit) : 0;
	if (len && lit[len - 1] == '\n')
		len--;
	for (size_t i = 0; i <= len;) {
		const char *nl = memchr(lit + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - lit) : len;
		textrender_begin(r, prefix);
		nl_buf_puts(&r->out, "    ");
		nl_buf_append(&r->out, lit + i, end - i);
		textrender_newline(r);
		prefix = rest;
		i = end + 1;
	}
}

static void textrender_block(struct textrender *r, cmark_node *n, const char *first, const char *rest,
                             int depth)
{
	if (depth > TEXTRENDER_MAX_DEPTH) {
		textrender_inlines(r, n);
		struct nl_span s = nl_span_trim((struct nl_span){nl_buf_cstr(&r->inl), r->inl.len});
		if (s.len)
			textrender_wrap(r, s.ptr, s.len, first, rest);
		return;
	}
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING: {
		textrender_inlines(r, n);
		struct nl_span s = nl_span_trim((struct nl_span){nl_buf_cstr(&r->inl), r->inl.len});
		if (!s.len)
			break;
		size_t widest = textrender_wrap(r, s.ptr, s.len, first, rest);
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING) {
			char line = cmark_node_get_heading_level(n) == 1 ? '=' : '-';
			textrender_begin(r, rest);
			for (size_t i = 0; i < widest; i++)
				nl_buf_putc(&r->out, line);
			textrender_newline(r);
		}
		break;
	}
	case CMARK_NODE_THEMATIC_BREAK: {
		textrender_begin(r, first);
		size_t avail = textrender_avail(r, first);
		for (size_t i = 0; i < avail; i++)
			nl_buf_putc(&r->out, '-');
		textrender_newline(r);
		break;
	}
	case CMARK_NODE_BLOCK_QUOTE: {
		char *qfirst = nl_xasprintf("%s| ", first), *qrest = nl_xasprintf("%s| ", rest);
		if (!textrender_children(r, n, qfirst, qrest, false, depth + 1)) {
			textrender_begin(r, qfirst);
			textrender_newline(r);
		}
		free(qfirst);
		free(qrest);
		break;
	}
	case CMARK_NODE_LIST:
		textrender_list(r, n, first, rest, depth);
		break;
	case CMARK_NODE_CODE_BLOCK:
		textrender_code(r, cmark_node_get_literal(n), first, rest);
		break;
	case CMARK_NODE_DOCUMENT:
	case CMARK_NODE_ITEM:
	case CMARK_NODE_CUSTOM_BLOCK:
		textrender_children(r, n, first, rest, false, depth + 1);
		break;
	default: /* HTML blocks are dropped */
		break;
	}
}

char *nl_textrender_document(cmark_node *doc, int width)
{
	struct textrender r = {.out = NL_BUF_INIT, .inl = NL_BUF_INIT, .pending = NL_BUF_INIT};
	r.width = width > 0 ? (size_t)width : 72;
	textrender_children(&r, doc, "", "", false, 0);
	nl_buf_free(&r.inl);
	nl_buf_free(&r.pending);
	return nl_buf_detach(&r.out);
}

char *nl_markdown_to_text(const char *markdown, size_t len, int width)
{
	cmark_node *doc = cmark_parse_document(markdown ? markdown : "", markdown ? len : 0,
	                                       CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8);
	char *text = nl_textrender_document(doc, width);
	cmark_node_free(doc);
	return text;
}
