/* template.h - `{{var}}` substitution for the email wrappers, HTML-escaping by default.
 *
 * A template is parsed once per campaign into a list of segments (literal bytes, or a slot for a
 * variable) with every variable name already resolved to an index into the caller's list of known
 * names.  Rendering for one subscriber is then a walk over the segments that appends to a reusable
 * nl_buf: no lookups, no allocation once the buffer has grown (the send hot path).
 *
 * Syntax:
 *   {{name}}      the value, HTML-escaped in an HTML template (& < > " '), as is in a text template;
 *                 where it starts a URL attribute's value (href="{{website}}", src, action, ...),
 *                 only an http:, https: or mailto: URL is written, anything else leaves it empty
 *   {{{name}}}    the value, never escaped (pre-rendered HTML: content, survey, unsubscribe)
 *   {{! note }}   a comment, dropped at parse time; it may span lines, and tags inside it nest
 *                 ("{{! write {{name}} for the name }}" is one comment)
 * Spaces around the name are ignored ("{{ name }}").  A lone "{" or "}" is literal text.
 * An unknown name, an unclosed tag, an empty tag or mismatched braces ("{{{name}}") is an error at
 * parse time naming the template and line: "templates/newsletter.html:12: unknown variable {{nmae}}".
 */
#ifndef NL_TEMPLATE_H
#define NL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

enum nl_template_mode {
	NL_TEMPLATE_HTML = 0, /* {{var}} is HTML-escaped */
	NL_TEMPLATE_TEXT = 1, /* {{var}} is copied as is (a text/plain part has nothing to escape) */
};

/* Opaque: the parsed segments.  Defined in template.c. */
struct nl_template;

/* Parses the template text `data` (`len` bytes, need not be NUL-terminated).
 *   name    used in error messages, usually the path ("templates/newsletter.html"); copied.
 *   vars    the known variable names, `n_vars` of them; index i of this array is index i of the
 *           values passed to nl_template_render.  When a name appears twice the first one wins.
 *           Not retained after the call.
 *   mode    how {{var}} is escaped.
 * On success *out is a new template (free with nl_template_free) that copies what it needs from
 * `data`.  Returns NL_OK or NL_ERR_TEMPLATE ("NAME:LINE: unknown variable {{x}}", "NAME:LINE:
 * unclosed tag {{x", ...).  Handles untrusted input. */
NL_MUST_USE enum nl_code nl_template_parse(const char *name, const char *data, size_t len, const char *const *vars,
                               size_t n_vars, enum nl_template_mode mode, struct nl_template **out,
                               struct nl_error *err);

/* Reads the file at `path` and parses it as above (the path names it in messages).
 * Returns NL_OK, NL_ERR_IO, NL_ERR_LIMIT (over 1 MiB) or NL_ERR_TEMPLATE. */
NL_MUST_USE enum nl_code nl_template_load(const char *path, const char *const *vars, size_t n_vars,
                              enum nl_template_mode mode, struct nl_template **out, struct nl_error *err);

/* Appends the template rendered with `values` to `out` (does not reset it).  `values` has one
 * span per known variable, in the order given to the parser (at least n_vars entries); a span with
 * len 0 (ptr may then be NULL) renders as nothing.  Values may be any bytes; never fails, but
 * `out` may overflow its cap (check nl_buf_failed). */
void nl_template_render(const struct nl_template *tpl, const struct nl_span *values, struct nl_buf *out);

/* True if the template refers to variable index `var` (so the caller can skip computing a value
 * nobody uses, such as the survey block). */
bool nl_template_uses(const struct nl_template *tpl, size_t var);

/* Frees the template. NULL accepted. */
void nl_template_free(struct nl_template *tpl);

/* Appends `s` to `out` HTML-escaped: & < > " ' become entities, everything else (UTF-8 included)
 * is copied.  Safe for element content and for quoted attribute values. */
void nl_template_escape_html(struct nl_buf *out, struct nl_span s);

/* Appends `s` to `out` as `mode` requires for {{var}}: HTML-escaped, or as is. */
void nl_template_escape(struct nl_buf *out, struct nl_span s, enum nl_template_mode mode);

#endif
