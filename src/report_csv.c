/* report_csv.c - one row per respondent, one column per question (RFC 4180).
 *
 * Columns: email, name, matched ("token", or "from" when some answer matched only by the From
 * address, doc/DESIGN.md §4), then each question by id with the person's readable answer (empty when
 * they gave none, or only an unreadable one).  Lines end in CRLF; a field with a comma, a quote, CR
 * or LF is quoted and its quotes doubled (RFC 4180 §2).  A field that a spreadsheet would run as a
 * formula (starting with = + - @, a tab or CR) gets a leading apostrophe (OWASP "CSV injection");
 * that only ever touches free-text answers and names, never an option, number or yes/no.
 * --all adds a first column `campaign` and takes the union of the question ids.
 *
 * The replies (format csv-replies) are a file of their own, one row per reply, needs a look first:
 *   email, name, received (ISO 8601 UTC), matched ("token" or "from"), needs_look ("yes"/"no"),
 *   reasons (joined by "; "), contact (the sentence asking to be contacted), words (the own words),
 *   readings (one line per question: "QID: VALUE [sure, RULE]", "QID: VALUE [likely: to confirm,
 *   RULE] from: SENTENCE", "QID: [unreadable] SENTENCE"; "settled by hand" for a person's answer;
 *   a line break inside a value or sentence becomes a space)
 * with a first column `campaign` for --all.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "util.h"

static bool csv_is_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void csv_field(struct nl_buf *b, const char *s)
{
	struct nl_buf clean = NL_BUF_INIT;
	size_t len = s ? strlen(s) : 0;
	/* valid UTF-8 only; CR, LF and tab kept as they are (quoted), other control characters (a
	 * terminal escape in an answer) replaced like in the text report */
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_report_utf8_next(s + i, len - i, &cp);
		if (cp == 0xfffd || ((cp < 0x20 || cp == 0x7f) && cp != '\r' && cp != '\n' && cp != '\t'))
			nl_report_put_cp(&clean, 0xfffd);
		else
			nl_buf_append(&clean, s + i, n);
		i += n;
	}
	const char *v = nl_buf_cstr(&clean);
	bool formula =
	    (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') &&
	    !csv_is_number(v);
	bool quote = formula || strpbrk(v, ",\"\r\n") != NULL;
	if (quote)
		nl_buf_putc(b, '"');
	if (formula)
		nl_buf_putc(b, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			nl_buf_putc(b, '"');
		nl_buf_putc(b, *p);
	}
	if (quote)
		nl_buf_putc(b, '"');
	nl_buf_free(&clean);
}

static const char *csv_match(enum nl_match m)
{
	return m == NL_MATCH_TOKEN ? "token" : "from";
}

void nl_report_csv(const struct nl_tally *t, struct nl_buf *out)
{
	nl_buf_puts(out, "email,name,matched");
	for (size_t i = 0; i < t->n_questions; i++) {
		nl_buf_putc(out, ',');
		csv_field(out, t->questions[i].id);
	}
	nl_buf_puts(out, "\r\n");
	for (size_t p = 0; p < t->n_people; p++) {
		const struct nl_tally_respondent *r = &t->people[p];
		csv_field(out, r->email);
		nl_buf_putc(out, ',');
		csv_field(out, r->name);
		nl_buf_putc(out, ',');
		nl_buf_puts(out, csv_match(r->match));
		for (size_t i = 0; i < t->n_questions; i++) {
			nl_buf_putc(out, ',');
			csv_field(out, r->values[i]);
		}
		nl_buf_puts(out, "\r\n");
	}
}

void nl_report_csv_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	/* the union of question ids, in order of first appearance */
	const char **ids = NULL;
	size_t n_ids = 0;
	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; i < t[c]->n_questions; i++) {
			size_t k = 0;
			while (k < n_ids && strcmp(ids[k], t[c]->questions[i].id) != 0)
				k++;
			if (k == n_ids) {
				ids = nl_xrealloc(ids, (n_ids + 1) * sizeof *ids);
				ids[n_ids++] = t[c]->questions[i].id;
			}
		}
	nl_buf_puts(out, "campaign,email,name,matched");
	for (size_t k = 0; k < n_ids; k++) {
		nl_buf_putc(out, ',');
		csv_field(out, ids[k]);
	}
	nl_buf_puts(out, "\r\n");
	for (size_t c = 0; c < n; c++) {
		for (size_t p = 0; p < t[c]->n_people; p++) {
			const struct nl_tally_respondent *r = &t[c]->people[p];
			csv_field(out, t[c]->campaign);
			nl_buf_putc(out, ',');
			csv_field(out, r->email);
			nl_buf_putc(out, ',');
			csv_field(out, r->name);
			nl_buf_putc(out, ',');
			nl_buf_puts(out, csv_match(r->match));
			for (size_t k = 0; k < n_ids; k++) {
				nl_buf_putc(out, ',');
				for (size_t i = 0; i < t[c]->n_questions; i++)
					if (strcmp(t[c]->questions[i].id, ids[k]) == 0) {
						csv_field(out, r->values[i]);
						break;
					}
			}
			nl_buf_puts(out, "\r\n");
		}
	}
	free(ids);
}

/* ---- Replies ---- */

/* `s` on one line: CR and LF become spaces (the readings column has one line per reading). */
static void csv_one_line(struct nl_buf *b, const char *s)
{
	for (; s && *s; s++)
		nl_buf_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
}

static char *csv_readings(const struct nl_tally_reply *r)
{
	struct nl_buf b = NL_BUF_INIT;
	for (size_t i = 0; i < r->n_readings; i++) {
		const struct nl_tally_reading *g = &r->readings[i];
		const char *rule = g->settled ? "settled by hand" : g->rule;
		if (i)
			nl_buf_putc(&b, '\n');
		csv_one_line(&b, g->question);
		nl_buf_puts(&b, ": ");
		switch (g->level) {
		case NL_TALLY_SURE:
			csv_one_line(&b, g->value);
			nl_buf_printf(&b, " [sure%s%s]", rule ? ", " : "", rule ? rule : "");
			break;
		case NL_TALLY_LIKELY:
			csv_one_line(&b, g->value);
			nl_buf_printf(&b, " [likely: to confirm%s%s]", rule ? ", " : "", rule ? rule : "");
			if (g->raw) {
				nl_buf_puts(&b, " from: ");
				csv_one_line(&b, g->raw);
			}
			break;
		case NL_TALLY_UNREADABLE:
			nl_buf_puts(&b, "[unreadable] ");
			csv_one_line(&b, g->raw);
			break;
		}
	}
	return nl_buf_detach(&b);
}

static void csv_reply_row(struct nl_buf *out, const char *campaign, const struct nl_tally_reply *r)
{
	char iso[32];
	nl_format_iso8601(r->received, iso);
	if (campaign) {
		csv_field(out, campaign);
		nl_buf_putc(out, ',');
	}
	csv_field(out, r->email);
	nl_buf_putc(out, ',');
	csv_field(out, r->name);
	nl_buf_printf(out, ",%s,%s,%s,", iso, csv_match(r->match), r->needs_look ? "yes" : "no");
	struct nl_buf reasons = NL_BUF_INIT;
	for (size_t i = 0; i < r->n_reasons; i++)
		nl_buf_printf(&reasons, "%s%s", i ? "; " : "", r->reasons[i]);
	csv_field(out, nl_buf_cstr(&reasons));
	nl_buf_free(&reasons);
	nl_buf_putc(out, ',');
	csv_field(out, r->contact);
	nl_buf_putc(out, ',');
	csv_field(out, r->words);
	nl_buf_putc(out, ',');
	char *readings = csv_readings(r);
	csv_field(out, readings);
	free(readings);
	nl_buf_puts(out, "\r\n");
}

#define CSV_REPLY_COLUMNS "email,name,received,matched,needs_look,reasons,contact,words,readings\r\n"

void nl_report_csv_replies(const struct nl_tally *t, struct nl_buf *out)
{
	nl_buf_puts(out, CSV_REPLY_COLUMNS);
	for (size_t i = 0; i < t->n_replies; i++)
		csv_reply_row(out, NULL, &t->replies_list[i]);
}

void nl_report_csv_replies_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	nl_buf_puts(out, "campaign," CSV_REPLY_COLUMNS);
	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; i < t[c]->n_replies; i++)
			csv_reply_row(out, t[c]->campaign, &t[c]->replies_list[i]);
}
