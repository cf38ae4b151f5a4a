/* template.c - `{{var}}` substitution, parsed once into segments, rendered per subscriber.
 *
 * Parsing resolves every name to an index, checks every tag and copies the literal text into one
 * block, so rendering is a loop of memcpy calls plus HTML-escaping of the short {{var}} values.
 * Escaping follows the HTML Living Standard's advice for text and quoted attribute values: the
 * five characters & < > " ' are replaced by references; every other byte, UTF-8 included, is copied.
 */
#include "template.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html_context.h"
#include "util.h"

#define TEMPLATE_MAX_FILE (1u << 20)
#define TEMPLATE_MAX_NAME_SHOWN 60

enum template_seg_kind {
	TEMPLATE_LITERAL = 0,
	TEMPLATE_VAR = 1, /* escaped as the mode says */
	TEMPLATE_RAW = 2,
	TEMPLATE_URL = 3, /* HTML: a {{var}} at the start of a URL attribute's value (template_url_ok) */
};

struct template_seg {
	enum template_seg_kind kind;
	size_t var; /* TEMPLATE_VAR, TEMPLATE_RAW: index into the values */
	size_t off; /* TEMPLATE_LITERAL: into tpl->text */
	size_t len;
};

struct nl_template {
	char *name;
	enum nl_template_mode mode;
	char *text; /* all literal bytes, back to back */
	size_t text_len;
	struct template_seg *segs;
	size_t n_segs, cap_segs;
	bool *uses; /* n_vars flags */
	size_t n_vars;
};

static void template_push(struct nl_template *t, struct template_seg seg)
{
	if (seg.kind == TEMPLATE_LITERAL) {
		if (seg.len == 0)
			return;
		/* Literals separated only by a comment are merged into one copy. */
		struct template_seg *last = t->n_segs ? &t->segs[t->n_segs - 1] : NULL;
		if (last && last->kind == TEMPLATE_LITERAL && last->off + last->len == seg.off) {
			last->len += seg.len;
			return;
		}
	}
	if (t->n_segs == t->cap_segs) {
		t->cap_segs = t->cap_segs ? t->cap_segs * 2 : 16;
		t->segs = nl_xrealloc(t->segs, t->cap_segs * sizeof *t->segs);
	}
	t->segs[t->n_segs++] = seg;
}

/* Appends data[from, to) to the literal block and records a literal segment. */
static void template_literal(struct nl_template *t, const char *data, size_t from, size_t to)
{
	if (to <= from)
		return;
	memcpy(t->text + t->text_len, data + from, to - from);
	template_push(t, (struct template_seg){TEMPLATE_LITERAL, 0, t->text_len, to - from});
	t->text_len += to - from;
}

static size_t template_count_lines(const char *data, size_t from, size_t to)
{
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		n += data[i] == '\n';
	return n;
}

/* The shown part of an unclosed tag: up to the end of its line, capped. */
static int template_shown_len(const char *s, size_t avail)
{
	size_t n = 0;
	while (n < avail && n < TEMPLATE_MAX_NAME_SHOWN && s[n] != '\n' && s[n] != '\r')
		n++;
	return (int)n;
}

/* A value that may begin a link: http:, https: or mailto: (ASCII case aside, leading spaces
 * allowed).  Anything else (javascript:, data:, a bare word) is left out of the attribute. */
static bool template_url_ok(struct nl_span v)
{
	static const char *const schemes[] = {"http://", "https://", "mailto:"};
	size_t i = 0;
	while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t'))
		i++;
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(schemes[k]);
		if (v.len - i > n && nl_ascii_ncasecmp(v.ptr + i, schemes[k], n) == 0)
			return true;
	}
	return false;
}

static bool template_lookup(struct nl_span name, const char *const *vars, size_t n_vars, size_t *out)
{
	for (size_t i = 0; i < n_vars; i++) {
		if (vars[i] && nl_span_eq(name, vars[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

enum nl_code nl_template_parse(const char *name, const char *data, size_t len, const char *const *vars,
                               size_t n_vars, enum nl_template_mode mode, struct nl_template **out,
                               struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	struct nl_template *t = nl_xcalloc(1, sizeof *t);
	t->name = nl_xstrdup(name ? name : "template");
	t->mode = mode;
	t->text = nl_xmalloc(len + 1);
	t->n_vars = n_vars;
	t->uses = nl_xcalloc(n_vars ? n_vars : 1, sizeof *t->uses);
	*out = NULL;

	size_t line = 1, lit = 0, i = 0;
	struct html_context html; /* where each slot sits (HTML mode); fed all but the tags */
	html_context_init(&html);
	size_t scanned = 0;
	while (i + 1 < len) {
		if (data[i] != '{' || data[i + 1] != '{') {
			line += data[i] == '\n';
			i++;
			continue;
		}
		size_t tag = i;
		template_literal(t, data, lit, tag);
		html_context_feed(&html, data, scanned, tag, len);
		if (i + 2 < len && data[i + 2] == '!') { /* {{! comment }} */
			/* Tags inside a comment nest, so a comment can show "{{name}}" as an example. */
			const char *end = NULL;
			size_t depth = 1;
			for (size_t j = i + 3; j + 1 < len; j++) {
				if (data[j] == '{' && data[j + 1] == '{') {
					depth++;
					j++;
				} else if (data[j] == '}' && data[j + 1] == '}' && --depth == 0) {
					end = data + j;
					break;
				} else if (data[j] == '}' && data[j + 1] == '}') {
					j++;
				}
			}
			if (!end) {
				rc = nl_fail(err, NL_ERR_TEMPLATE, "%s:%zu: unclosed comment {{!", t->name,
				             line);
				goto out;
			}
			size_t stop = (size_t)(end - data) + 2;
			line += template_count_lines(data, i, stop);
			i = lit = scanned = stop;
			continue;
		}
		bool triple = i + 2 < len && data[i + 2] == '{';
		size_t open = triple ? 3 : 2;
		size_t j = i + open;
		while (j < len && data[j] != '}' && data[j] != '{' && data[j] != '\n')
			j++;
		size_t close = triple ? 3 : 2;
		size_t have = 0;
		while (j + have < len && have < 4 && data[j + have] == '}')
			have++;
		if (have < 2) {
			rc = nl_fail(err, NL_ERR_TEMPLATE, "%s:%zu: unclosed tag %.*s", t->name, line,
			             template_shown_len(data + tag, len - tag), data + tag);
			goto out;
		}
		struct nl_span var = nl_span_trim((struct nl_span){data + i + open, j - i - open});
		if (have != close) {
			rc = nl_fail(err, NL_ERR_TEMPLATE, "%s:%zu: mismatched braces in %.*s", t->name, line,
			             template_shown_len(data + tag, j + have - tag), data + tag);
			goto out;
		}
		if (var.len == 0) {
			rc = nl_fail(err, NL_ERR_TEMPLATE, "%s:%zu: empty tag %.*s", t->name, line,
			             (int)(j + have - tag), data + tag);
			goto out;
		}
		size_t index;
		if (!template_lookup(var, vars, n_vars, &index)) {
			int shown =
			    var.len > TEMPLATE_MAX_NAME_SHOWN ? TEMPLATE_MAX_NAME_SHOWN : (int)var.len;
			rc = nl_fail(err, NL_ERR_TEMPLATE, "%s:%zu: unknown variable %s%.*s%s", t->name, line,
			             triple ? "{{{" : "{{", shown, var.ptr, triple ? "}}}" : "}}");
			goto out;
		}
		t->uses[index] = true;
		enum template_seg_kind kind = triple ? TEMPLATE_RAW : TEMPLATE_VAR;
		if (!triple && mode == NL_TEMPLATE_HTML) {
			enum html_place place = html_context_place(&html);
			if (place == HTML_IN_TAG) {
				/* escaping cannot keep a value there in its place: a space would start a new
				 * attribute (onclick=...) */
				int shown = var.len > TEMPLATE_MAX_NAME_SHOWN ? TEMPLATE_MAX_NAME_SHOWN
				                                              : (int)var.len;
				rc = nl_fail(err, NL_ERR_TEMPLATE,
				             "%s:%zu: {{%.*s}} is inside a tag but not in a quoted attribute "
				             "value; write it as NAME=\"{{%.*s}}\"",
				             t->name, line, shown, var.ptr, shown, var.ptr);
				goto out;
			}
			if (place == HTML_AT_URL_START)
				kind = TEMPLATE_URL;
		}
		if (mode == NL_TEMPLATE_HTML)
			html_context_slot(&html, triple);
		template_push(t, (struct template_seg){kind, index, 0, 0});
		i = lit = scanned = j + have;
	}
	template_literal(t, data, lit, len);
	*out = t;
	t = NULL;
out:
	nl_template_free(t);
	return rc;
}

enum nl_code nl_template_load(const char *path, const char *const *vars, size_t n_vars,
                              enum nl_template_mode mode, struct nl_template **out, struct nl_error *err)
{
	struct nl_buf b = NL_BUF_INIT;
	*out = NULL;
	enum nl_code rc = nl_read_file(path, TEMPLATE_MAX_FILE, &b, err);
	if (rc == NL_OK)
		rc = nl_template_parse(path, b.data ? b.data : "", b.len, vars, n_vars, mode, out, err);
	nl_buf_free(&b);
	return rc;
}

void nl_template_escape_html(struct nl_buf *out, struct nl_span s)
{
	size_t run = 0;
	for (size_t i = 0; i < s.len; i++) {
		const char *rep;
		switch (s.ptr[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		nl_buf_append(out, s.ptr + run, i - run);
		nl_buf_puts(out, rep);
		run = i + 1;
	}
	nl_buf_append(out, s.ptr + run, s.len - run);
}

void nl_template_escape(struct nl_buf *out, struct nl_span s, enum nl_template_mode mode)
{
	if (mode == NL_TEMPLATE_HTML)
		nl_template_escape_html(out, s);
	else
		nl_buf_append(out, s.ptr, s.len);
}

void nl_template_render(const struct nl_template *tpl, const struct nl_span *values, struct nl_buf *out)
{
	for (size_t i = 0; i < tpl->n_segs; i++) {
		const struct template_seg *seg = &tpl->segs[i];
		switch (seg->kind) {
		case TEMPLATE_LITERAL:
			nl_buf_append(out, tpl->text + seg->off, seg->len);
			break;
		case TEMPLATE_VAR:
			if (values[seg->var].len)
				nl_template_escape(out, values[seg->var], tpl->mode);
			break;
		case TEMPLATE_RAW:
			if (values[seg->var].len)
				nl_buf_append(out, values[seg->var].ptr, values[seg->var].len);
			break;
		case TEMPLATE_URL:
			if (template_url_ok(values[seg->var]))
				nl_template_escape_html(out, values[seg->var]);
			break;
		}
	}
}

bool nl_template_uses(const struct nl_template *tpl, size_t var)
{
	return tpl && var < tpl->n_vars && tpl->uses[var];
}

void nl_template_free(struct nl_template *tpl)
{
	if (!tpl)
		return;
	free(tpl->name);
	free(tpl->text);
	free(tpl->segs);
	free(tpl->uses);
	free(tpl);
}
