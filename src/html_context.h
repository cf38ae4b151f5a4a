/* html_context.h - where a place in an HTML template sits, for the template's {{var}} slots.
 *
 * A small forward scanner after the tokenizer states of the HTML Living Standard (§13.2.5): text,
 * comments, raw text (script, style), and inside a tag its name, attribute names and values,
 * quoted or not.  template.c feeds it the literal text between slots and asks, at each slot,
 * whether the slot starts the value of a URL attribute (href="{{website}}": only http, https and
 * mailto values may go there) or sits where no value is safe (in a tag but not in a quoted value:
 * a space in the value would start a new attribute).  Character references and the rarer states
 * (CDATA, <plaintext>) are not decoded: they never move a slot from one kind of place to another
 * in a way that matters here.
 */
#ifndef NL_HTML_CONTEXT_H
#define NL_HTML_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

enum html_place {
	HTML_IN_TEXT,      /* text, a comment, raw text: escaping the value is enough */
	HTML_IN_VALUE,     /* a quoted attribute value, not a URL one or not at its start */
	HTML_AT_URL_START, /* the start of a quoted URL attribute's value (href, src, ...) */
	HTML_IN_TAG,       /* a tag's name, an attribute name, an unquoted value, between them */
};

struct html_context {
	int state;     /* enum in html_context.c */
	char attr[16]; /* the current attribute's name, ASCII-lowercased ("" when longer) */
	size_t attr_len;
	char tag[8]; /* the current tag's name, lowercased ("" when longer than script) */
	size_t tag_len;
	bool end_tag;       /* the current tag is an end tag (</...>) */
	char raw_end[8];    /* in raw text: the tag name that ends it */
	bool value_started; /* the current value has a character of its own (not only slots) */
};

/* Starts at the beginning of a document, in text. */
void html_context_init(struct html_context *c);

/* Moves past data[from, to).  `len` bounds a look ahead ("<!--" at the end of a piece). */
void html_context_feed(struct html_context *c, const char *data, size_t from, size_t to, size_t len);

/* Where a slot at the current place sits. */
enum html_place html_context_place(const struct html_context *c);

/* Moves past a slot; `raw` when its value is not escaped (it may hold anything). */
void html_context_slot(struct html_context *c, bool raw);

#endif
