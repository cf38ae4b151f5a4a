/* report.h - writing a tally (tally.h) as text, Markdown, HTML with SVG charts, CSV or JSON, and
 * wrapping a report into an email for the publisher.
 *
 * Each writer is a pure function of the tally: it appends to an nl_buf and never fails (a buffer
 * with a cap reports overflow through nl_buf_failed()).  Every string that came from a subscriber
 * or a reply is untrusted: HTML-escaped in HTML, escaped in JSON (control characters included),
 * quoted in CSV (RFC 4180), defused in Markdown, and stripped of control characters in text, so a
 * hostile answer can neither run script in the HTML report nor drive the terminal.
 *
 * The single-campaign JSON has the shape of doc/DESIGN.md §3, plus, for each question, the list
 * `unreadable: [{email, name, raw}]` of answers to settle by hand, and the FOLLOW UP list and every
 * reply (`follow_up`, `replies`: report_json.c).  The --all JSON is an array of those objects,
 * oldest campaign first.  Every format shows the replies: their own words, who wrote them and when,
 * those that need a person first, with the reasons, the values to confirm and the unreadable
 * sentences; replies matched by the From address only are marked.
 */
#ifndef NL_REPORT_H
#define NL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "tally.h"

enum nl_report_format {
	NL_REPORT_TEXT = 0,
	NL_REPORT_MD = 1,
	NL_REPORT_HTML = 2,
	NL_REPORT_CSV = 3,
	NL_REPORT_JSON = 4,
	/* The replies as CSV, one row per reply (report_csv.c): the CSV report keeps one row per
	 * respondent, so the replies are a file of their own. */
	NL_REPORT_CSV_REPLIES = 5,
};

/* "text", "md" (also "markdown"), "html", "csv", "json", "csv-replies" -> *out; false for anything
 * else. */
bool nl_report_format_parse(const char *name, enum nl_report_format *out);
/* The file extension for a format, without the dot ("txt", "md", "html", "csv", "json"; "csv" for
 * csv-replies). */
const char *nl_report_format_ext(enum nl_report_format format);

/* Appends the report of one campaign in `format` to `out`. */
void nl_report_write(const struct nl_tally *t, enum nl_report_format format, struct nl_buf *out);
/* Appends the report across campaigns (`n` tallies, oldest first): the figures and each question's
 * results side by side for every campaign whose survey has a question with that id and type. */
void nl_report_write_all(struct nl_tally *const *t, size_t n, enum nl_report_format format,
                         struct nl_buf *out);

/* The writers behind the two functions above, one per format. */
void nl_report_text(const struct nl_tally *t, struct nl_buf *out);
void nl_report_text_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);
void nl_report_md(const struct nl_tally *t, struct nl_buf *out);
void nl_report_md_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);
void nl_report_html(const struct nl_tally *t, struct nl_buf *out);
void nl_report_html_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);
void nl_report_csv(const struct nl_tally *t, struct nl_buf *out);
void nl_report_csv_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);
void nl_report_csv_replies(const struct nl_tally *t, struct nl_buf *out);
void nl_report_csv_replies_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);
void nl_report_json(const struct nl_tally *t, struct nl_buf *out);
void nl_report_json_all(struct nl_tally *const *t, size_t n, struct nl_buf *out);

/* Composes the report email (RFC 5322, CRLF line ends, through mime.h): From `from_name` (may be
 * NULL) <`from_addr`>, To `to`, Subject `subject` (RFC 2047-encoded when not ASCII), Date from
 * nl_now(), a fresh Message-ID in the sender's domain, Auto-Submitted: auto-generated, and a
 * multipart/alternative body with `text` as text/plain and `html` as text/html (UTF-8,
 * quoted-printable).  Appends to `out`.  Returns NL_OK, or NL_ERR_USAGE when an address is not a
 * valid addr-spec (address.h) or the subject or name contains a line break. */
NL_MUST_USE enum nl_code nl_report_compose_mail(const char *from_name, const char *from_addr, const char *to,
                                    const char *subject, const char *text, const char *html,
                                    struct nl_buf *out, struct nl_error *err);

/* A subject line that says what matters before the report is opened: "Survey report CAMPAIGN: 6
 * respondents (66.7%), 4 to follow up" for one campaign (`all` false, n == 1), "Survey report
 * across N campaigns" otherwise.  The caller frees it. */
char *nl_report_subject(struct nl_tally *const *t, size_t n, bool all);

/* The whole report email for the publisher (what `mailer report --mail` and the closing report of
 * `mailer run` send): the text and HTML reports of one campaign (`all` false: t[0]) or of all `n`,
 * with nl_report_subject(), composed by nl_report_compose_mail().  Same return codes. */
NL_MUST_USE enum nl_code nl_report_mail_message(struct nl_tally *const *t, size_t n, bool all, const char *from_name,
                                    const char *from_addr, const char *to, struct nl_buf *out,
                                    struct nl_error *err);

/* Untrusted text for people and scripts (also used by the mailer commands):
 * for a terminal or Markdown, valid UTF-8 with every control character (C0, DEL, C1) and the
 * bidirectional overrides replaced; a newline becomes `newline` (e.g. "\n    " to indent the
 * continuation of a multi-line answer, or " " to keep one line); a tab becomes a space. */
void nl_report_put_clean(struct nl_buf *b, const char *s, const char *newline);
/* A JSON string (RFC 8259 §7) with quotes; control characters, < > & and U+2028/9 as \u escapes. */
void nl_report_put_json(struct nl_buf *b, const char *s);
/* A JSON string, or null for NULL. */
void nl_report_put_json_or_null(struct nl_buf *b, const char *s);

#endif
