/* report_impl.h - helpers shared by the report writers (report_*.c); not part of the library's API.
 *
 * All of them take untrusted UTF-8 (names, addresses, answers) and make it safe for one output:
 * invalid bytes become U+FFFD everywhere.
 */
#ifndef NL_REPORT_IMPL_H
#define NL_REPORT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "tally.h"

/* Decodes one UTF-8 sequence at s[0..len) into *cp; returns its length (>= 1).  An invalid or
 * truncated sequence yields U+FFFD and length 1. */
size_t nl_report_utf8_next(const char *s, size_t len, unsigned *cp);
/* Appends the UTF-8 encoding of `cp`. */
void nl_report_put_cp(struct nl_buf *b, unsigned cp);

/* The display width of what nl_report_put_clean(s, " ") writes. */
size_t nl_report_clean_width(const char *s);
/* nl_report_put_clean(s, " ") then spaces up to `width` columns. */
void nl_report_put_padded(struct nl_buf *b, const char *s, size_t width);
/* Spaces up to `width` columns, then nl_report_put_clean(s, " "): right-aligned. */
void nl_report_put_right(struct nl_buf *b, const char *s, size_t width);

/* HTML-escapes & < > " ' (RFC-free, HTML5 §13.1.2.6); a newline becomes `newline` ("\n" or "<br>"). */
void nl_report_put_html(struct nl_buf *b, const char *s, const char *newline);
/* Markdown inline text (CommonMark, GFM tables): & < > as entities so no raw HTML can form,
 * inline punctuation (\\ ` * _ [ ] | ~ #) backslash-escaped, and at the start of a line what would
 * begin a block (- + = "1." "1)") escaped and leading blanks dropped; newlines become `newline`. */
void nl_report_put_md(struct nl_buf *b, const char *s, const char *newline);

/* How a plain-text format writes one reading of a reply: the escaper and the marks around its
 * parts (text and Markdown differ only in these). */
struct nl_report_reading_style {
	void (*put)(struct nl_buf *b, const char *s, const char *newline);
	const char *start, *after_question; /* around the question id */
	const char *likely, *unreadable;    /* the labels before a likely value, an unreadable sentence */
	const char *rule_open, *rule_close; /* around the rule that read it */
};
/* One reading on one line: "QID: VALUE", "QID: to confirm: VALUE (from “RAW”)", "QID: unreadable:
 * “RAW”", then "(settled by hand)" or the rule. */
void nl_report_put_reading(struct nl_buf *b, const struct nl_tally_reading *g,
                           const struct nl_report_reading_style *st);

/* A number with at most `decimals` decimals and no trailing zeros ("3.6", "4", "0.7143"). */
void nl_report_put_num(struct nl_buf *b, double v, int decimals);
/* count / total as a percentage with one decimal ("40.0%"), "0.0%" when total is 0. */
void nl_report_put_pct(struct nl_buf *b, long count, long total);
/* "YYYY-MM-DD" of `t` (UTC) into out[11]; "-" for 0. */
void nl_report_date(time_t t, char out[11]);
/* "YYYY-MM-DD HH:MM UTC" of `t` into out[24]. */
void nl_report_datetime(time_t t, char out[24]);
/* "scale 1-5", "choice", "yes/no", "text". */
const char *nl_report_type_label(enum nl_question_type type);
/* The JSON type name: "choice", "scale", "yesno", "text". */
const char *nl_report_type_name(enum nl_question_type type);

/* Side by side (--all): a question id and type, and for each tally the question or NULL. */
struct nl_report_series {
	const char *id;
	enum nl_question_type type;
	const char *text;                   /* from the latest campaign that asks it */
	const struct nl_tally_question **q; /* owned array of n_tallies pointers (not owned) */
	size_t campaigns;                   /* how many entries of q are not NULL */
	char **labels;                      /* owned; choice/yesno: union of option labels in
	                                       order of first appearance; scale: min..max */
	size_t n_labels;
};
/* Groups the questions of `n` tallies by (id, type), in order of first appearance.  *out gets an
 * array of *n_out series; free with nl_report_series_free. */
void nl_report_series_build(struct nl_tally *const *t, size_t n, struct nl_report_series **out,
                            size_t *n_out);
void nl_report_series_free(struct nl_report_series *s, size_t n);
/* The count in bin `label` of question q, or -1 if q has no such bin. */
long nl_report_bin_count(const struct nl_tally_question *q, const char *label);

/* Who wrote it: "Name <email>" or "email" (raw, to be escaped by the caller's output). */
char *nl_report_who(const char *name, const char *email);

/* Every format's words for an answer or a reply matched by the From address alone. */
#define NL_REPORT_FROM_ONLY "matched by From address only"

/* The note beside a person in a list of answers or in FOLLOW UP: "settled by hand", the From-only
 * mark, or NULL when there is nothing to say. */
const char *nl_report_entry_note(bool settled, enum nl_match match);

#endif
