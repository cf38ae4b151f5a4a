/* html_context.c - where a place in an HTML template sits (html_context.h). */
#include "html_context.h"

#include <string.h>

enum {
	S_TEXT,
	S_COMMENT, /* <!-- ... --> */
	S_BOGUS,   /* <!DOCTYPE ...>, <?...>: up to the next '>' */
	S_RAW,     /* inside script or style: up to its end tag */
	S_TAG_NAME,
	S_BEFORE_ATTR, /* also after a quoted value */
	S_ATTR_NAME,
	S_AFTER_ATTR_NAME,
	S_BEFORE_VALUE,
	S_VALUE_DOUBLE,
	S_VALUE_SINGLE,
	S_VALUE_UNQUOTED,
};

/* Attributes whose value a browser or a mail client follows or loads as a URL. */
static const char *const url_attributes[] = {
    "action", "archive",    "background", "cite",   "classid",  "codebase",   "data",
    "dynsrc", "formaction", "href",       "icon",   "longdesc", "lowsrc",     "manifest",
    "ping",   "poster",     "src",        "srcset", "usemap",   "xlink:href",
};

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Appends `ch`, lowercased, to a name kept only while it fits (a longer name is none we look for). */
static void name_push(char *name, size_t *len, size_t cap, char ch)
{
	if (*len < cap - 1) {
		name[*len] = lower(ch);
		name[++*len] = '\0';
	} else {
		*len = cap; /* too long: never matches */
		name[0] = '\0';
	}
}

static void start_attribute(struct html_context *c, char first)
{
	c->attr_len = 0;
	c->attr[0] = '\0';
	name_push(c->attr, &c->attr_len, sizeof c->attr, first);
	c->state = S_ATTR_NAME;
}

static void end_tag(struct html_context *c)
{
	bool raw = !c->end_tag && (strcmp(c->tag, "script") == 0 || strcmp(c->tag, "style") == 0);
	if (raw) {
		memcpy(c->raw_end, c->tag, sizeof c->raw_end);
		c->state = S_RAW;
	} else {
		c->state = S_TEXT;
	}
}

/* data[i] is '<' in text: what it opens, given what follows (up to `len`). */
static size_t open_markup(struct html_context *c, const char *data, size_t i, size_t len)
{
	char next = i + 1 < len ? data[i + 1] : '\0';
	bool end = next == '/';
	char first = end ? (i + 2 < len ? data[i + 2] : '\0') : next;
	if (is_alpha(first)) {
		c->end_tag = end;
		c->tag_len = 0;
		c->tag[0] = '\0';
		c->state = S_TAG_NAME;
		return i + (end ? 2 : 1); /* the name's first letter is read as part of it */
	}
	if (next == '!' && i + 3 < len && data[i + 2] == '-' && data[i + 3] == '-') {
		c->state = S_COMMENT;
		return i + 4;
	}
	if (next == '!' || next == '?' || end)
		c->state = S_BOGUS;
	return i + 1;
}

/* In raw text at '<': true when data[i..] is the end tag of the raw text. */
static bool closes_raw(const struct html_context *c, const char *data, size_t i, size_t len)
{
	size_t n = strlen(c->raw_end);
	if (i + 2 + n > len || data[i + 1] != '/')
		return false;
	for (size_t k = 0; k < n; k++)
		if (lower(data[i + 2 + k]) != c->raw_end[k])
			return false;
	char after = i + 2 + n < len ? data[i + 2 + n] : '\0';
	return is_space(after) || after == '/' || after == '>';
}

void html_context_init(struct html_context *c)
{
	memset(c, 0, sizeof *c);
	c->state = S_TEXT;
}

void html_context_feed(struct html_context *c, const char *data, size_t from, size_t to, size_t len)
{
	size_t i = from;
	while (i < to) {
		char ch = data[i];
		switch (c->state) {
		case S_TEXT:
			if (ch == '<') {
				i = open_markup(c, data, i, len);
				continue;
			}
			break;
		case S_COMMENT:
			if (ch == '>' && i >= 2 && data[i - 1] == '-' && data[i - 2] == '-')
				c->state = S_TEXT;
			break;
		case S_BOGUS:
			if (ch == '>')
				c->state = S_TEXT;
			break;
		case S_RAW:
			if (ch == '<' && closes_raw(c, data, i, len)) {
				c->end_tag = true;
				c->tag_len = 0;
				c->tag[0] = '\0';
				c->state = S_TAG_NAME;
				i += 2;
				continue;
			}
			break;
		case S_TAG_NAME:
			if (is_space(ch) || ch == '/')
				c->state = S_BEFORE_ATTR;
			else if (ch == '>')
				end_tag(c);
			else
				name_push(c->tag, &c->tag_len, sizeof c->tag, ch);
			break;
		case S_BEFORE_ATTR:
			if (ch == '>')
				end_tag(c);
			else if (!is_space(ch) && ch != '/')
				start_attribute(c, ch);
			break;
		case S_ATTR_NAME:
			if (is_space(ch))
				c->state = S_AFTER_ATTR_NAME;
			else if (ch == '/')
				c->state = S_BEFORE_ATTR;
			else if (ch == '=')
				c->state = S_BEFORE_VALUE;
			else if (ch == '>')
				end_tag(c);
			else
				name_push(c->attr, &c->attr_len, sizeof c->attr, ch);
			break;
		case S_AFTER_ATTR_NAME:
			if (ch == '/')
				c->state = S_BEFORE_ATTR;
			else if (ch == '=')
				c->state = S_BEFORE_VALUE;
			else if (ch == '>')
				end_tag(c);
			else if (!is_space(ch))
				start_attribute(c, ch);
			break;
		case S_BEFORE_VALUE:
			c->value_started = false;
			if (ch == '"')
				c->state = S_VALUE_DOUBLE;
			else if (ch == '\'')
				c->state = S_VALUE_SINGLE;
			else if (ch == '>')
				end_tag(c);
			else if (!is_space(ch))
				c->state = S_VALUE_UNQUOTED;
			break;
		case S_VALUE_DOUBLE:
		case S_VALUE_SINGLE:
			if (ch == (c->state == S_VALUE_DOUBLE ? '"' : '\''))
				c->state = S_BEFORE_ATTR;
			else if (!is_space(ch)) /* browsers strip a URL's leading spaces */
				c->value_started = true;
			break;
		case S_VALUE_UNQUOTED:
			if (is_space(ch))
				c->state = S_BEFORE_ATTR;
			else if (ch == '>')
				end_tag(c);
			break;
		}
		i++;
	}
}

enum html_place html_context_place(const struct html_context *c)
{
	switch (c->state) {
	case S_TEXT:
	case S_COMMENT:
	case S_BOGUS:
	case S_RAW:
		return HTML_IN_TEXT;
	case S_VALUE_DOUBLE:
	case S_VALUE_SINGLE:
		if (!c->value_started)
			for (size_t k = 0; k < sizeof url_attributes / sizeof *url_attributes; k++)
				if (strcmp(c->attr, url_attributes[k]) == 0)
					return HTML_AT_URL_START;
		return HTML_IN_VALUE;
	default:
		return HTML_IN_TAG;
	}
}

void html_context_slot(struct html_context *c, bool raw)
{
	if (c->state == S_BEFORE_VALUE) {
		c->state = S_VALUE_UNQUOTED;
	} else if (raw && (c->state == S_VALUE_DOUBLE || c->state == S_VALUE_SINGLE)) {
		c->value_started = true;
	}
	/* an escaped slot leaves value_started alone: it may be empty, so the next one may still
	 * start the URL */
}
