/* report_md.c - the report as Markdown (CommonMark with GitHub tables).
 *
 * Same order as the text report: title, the follow-up list, figures, each question, the crosstab,
 * unreadable answers, then every reply (needs a look first) with its own words as a block quote.
 * Subscriber text goes through nl_report_put_md(), so it renders as the text it is: no raw HTML,
 * link or list can be formed by an answer.  A multi-line answer keeps its line
 * breaks as hard breaks (a backslash at the end of the line, CommonMark §6.7).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "report_impl.h"

#define MD_BAR 20

static void md_bar(struct nl_buf *b, long count, long total)
{
	int filled = total > 0 ? (int)((double)MD_BAR * (double)count / (double)total + 0.5) : 0;
	for (int i = 0; i < filled; i++)
		nl_buf_puts(b, "\xe2\x96\x88");
}

/* A person as "**Name** (email)" or "email". */
static void md_who(struct nl_buf *b, const char *name, const char *email)
{
	if (name && name[0]) {
		nl_buf_puts(b, "**");
		nl_report_put_md(b, name, " ");
		nl_buf_puts(b, "** (");
		nl_report_put_md(b, email, " ");
		nl_buf_putc(b, ')');
	} else {
		nl_report_put_md(b, email, " ");
	}
}

static void md_followup(struct nl_buf *b, const struct nl_tally *t)
{
	for (size_t i = 0; i < t->n_questions; i++) {
		const struct nl_tally_question *q = &t->questions[i];
		if (q->type != NL_Q_YESNO || !q->follow_up)
			continue;
		nl_buf_printf(b, "## Follow up: %zu said yes to \u201c", q->n_yes);
		nl_report_put_md(b, q->text, " ");
		nl_buf_puts(b, "\u201d\n\n");
		if (q->n_yes == 0) {
			nl_buf_puts(b, "Nobody yet.\n\n");
			continue;
		}
		nl_buf_puts(b, "| Name | Email |\n| --- | --- |\n");
		for (size_t k = 0; k < q->n_yes; k++) {
			nl_buf_puts(b, "| ");
			nl_report_put_md(b, q->yes[k].name ? q->yes[k].name : "", " ");
			nl_buf_puts(b, " | ");
			nl_report_put_md(b, q->yes[k].email, " ");
			const char *note = nl_report_entry_note(q->yes[k].settled, q->yes[k].match);
			if (note)
				nl_buf_printf(b, " (%s)", note);
			nl_buf_puts(b, " |\n");
		}
		nl_buf_putc(b, '\n');
	}
	size_t words = t->n_follow - t->n_follow_yes;
	if (words == 0)
		return;
	nl_buf_printf(b, "## Follow up: %zu asked to be contacted in their own words (no clear yes)\n\n",
	              words);
	nl_buf_puts(b, "| Name | Email | What they wrote |\n| --- | --- | --- |\n");
	for (size_t k = t->n_follow_yes; k < t->n_follow; k++) {
		const struct nl_tally_follow *f = &t->follow[k];
		nl_buf_puts(b, "| ");
		nl_report_put_md(b, f->name ? f->name : "", " ");
		nl_buf_puts(b, " | ");
		nl_report_put_md(b, f->email, " ");
		if (f->match == NL_MATCH_FROM)
			nl_buf_puts(b, " (" NL_REPORT_FROM_ONLY ")");
		nl_buf_puts(b, " | \u201c");
		nl_report_put_md(b, f->sentence ? f->sentence : "", " ");
		nl_buf_puts(b, "\u201d |\n");
	}
	nl_buf_putc(b, '\n');
}

static void md_figures(struct nl_buf *b, const struct nl_tally *t)
{
	nl_buf_puts(b, "## Figures\n\n| Delivery | | Replies | |\n| --- | ---: | --- | ---: |\n");
	nl_buf_printf(b, "| sent | %ld | replies | %ld |\n", t->sent, t->replies);
	nl_buf_printf(b, "| deferred | %ld | respondents | %ld |\n", t->deferred, t->respondents);
	nl_buf_printf(b, "| failed | %ld | response rate | ", t->failed);
	if (t->has_rate)
		nl_report_put_pct(b, t->respondents, t->sent);
	else
		nl_buf_puts(b, "\u2013");
	nl_buf_printf(b, " |\n| bounced | %ld | unmatched (strangers) | %ld |\n", t->bounced, t->unmatched);
	nl_buf_printf(b, "| complaints | %ld | unreadable answers | %ld |\n", t->complaints, t->unreadable);
	nl_buf_printf(b, "| unsubscribed | %ld | unreadable messages | %ld |\n", t->unsubscribed,
	              t->unreadable_messages);
	if (t->pending || t->likely) {
		nl_buf_puts(b, "| ");
		if (t->pending)
			nl_buf_printf(b, "still sending | %ld", t->pending);
		else
			nl_buf_puts(b, " |");
		if (t->likely)
			nl_buf_printf(b, " | to confirm (not tallied) | %ld |\n", t->likely);
		else
			nl_buf_puts(b, " | | |\n");
	}
	nl_buf_printf(b, "\nResponse rate = respondents / delivered = %ld / %ld.\n\n", t->respondents,
	              t->sent);
}

static void md_bins(struct nl_buf *b, const struct nl_tally_question *q)
{
	nl_buf_puts(b, "| Answer | Count | % | |\n| --- | ---: | ---: | --- |\n");
	for (size_t i = 0; i < q->n_bins; i++) {
		nl_buf_puts(b, "| ");
		nl_report_put_md(b, q->bins[i].label, " ");
		nl_buf_printf(b, " | %ld | ", q->bins[i].count);
		nl_report_put_pct(b, q->bins[i].count, q->answered);
		nl_buf_puts(b, " | ");
		md_bar(b, q->bins[i].count, q->answered);
		nl_buf_puts(b, " |\n");
	}
	nl_buf_putc(b, '\n');
}

static void md_entries(struct nl_buf *b, const struct nl_tally_entry *e, size_t n, const char *qid)
{
	for (size_t i = 0; i < n; i++) {
		nl_buf_puts(b, "- ");
		if (qid) {
			nl_buf_putc(b, '[');
			nl_report_put_md(b, qid, " ");
			nl_buf_puts(b, "] ");
		}
		md_who(b, e[i].name, e[i].email);
		const char *note = nl_report_entry_note(e[i].settled, e[i].match);
		if (note)
			nl_buf_printf(b, " (%s)", note);
		nl_buf_puts(b, ":\\\n  ");
		nl_report_put_md(b, e[i].text ? e[i].text : "", "\\\n  ");
		nl_buf_putc(b, '\n');
	}
	if (n)
		nl_buf_putc(b, '\n');
}

static void md_question(struct nl_buf *b, const struct nl_tally_question *q, size_t number)
{
	nl_buf_printf(b, "## %zu. ", number);
	nl_report_put_md(b, q->text, " ");
	nl_buf_puts(b, "\n\n*");
	nl_report_put_md(b, q->id, " ");
	nl_buf_puts(b, "* \u00b7 ");
	if (q->type == NL_Q_SCALE)
		nl_buf_printf(b, "scale %d\u2013%d", q->min, q->max);
	else
		nl_buf_puts(b, nl_report_type_label(q->type));
	nl_buf_printf(b, " \u00b7 %ld answered", q->answered);
	if (q->n_unreadable)
		nl_buf_printf(b, " \u00b7 %zu unreadable", q->n_unreadable);
	nl_buf_puts(b, "\n\n");
	switch (q->type) {
	case NL_Q_SCALE:
		if (q->has_stats) {
			nl_buf_puts(b, "Mean **");
			nl_report_put_num(b, q->mean, 2);
			nl_buf_puts(b, "** \u00b7 median **");
			nl_report_put_num(b, q->median, 2);
			nl_buf_puts(b, "**\n\n");
		}
		md_bins(b, q);
		break;
	case NL_Q_CHOICE:
		md_bins(b, q);
		break;
	case NL_Q_YESNO:
		md_bins(b, q);
		if (q->n_yes && q->follow_up)
			nl_buf_printf(b, "The %zu who said yes are listed under *Follow up* at the top.\n\n",
			              q->n_yes);
		break;
	case NL_Q_TEXT:
		md_entries(b, q->answers, q->n_answers, NULL);
		break;
	}
}

static void md_crosstab(struct nl_buf *b, const struct nl_tally *t)
{
	const struct nl_tally_crosstab *x = &t->crosstab;
	if (!x->present)
		return;
	const struct nl_tally_question *c = &t->questions[x->choice_q], *s = &t->questions[x->scale_q];
	nl_buf_puts(b, "## ");
	nl_report_put_md(b, c->id, " ");
	nl_buf_puts(b, " by ");
	nl_report_put_md(b, s->id, " ");
	nl_buf_puts(b, "\n\n");
	nl_report_put_md(b, s->text, " ");
	nl_buf_puts(b, " \u2014 for each answer to: ");
	nl_report_put_md(b, c->text, " ");
	nl_buf_puts(b, "\n\n| ");
	nl_report_put_md(b, c->id, " ");
	for (size_t k = 0; k < x->n_cols; k++)
		nl_buf_printf(b, " | %s", s->bins[k].label);
	nl_buf_puts(b, " | n | mean |\n| ---");
	for (size_t k = 0; k < x->n_cols + 2; k++)
		nl_buf_puts(b, " | ---:");
	nl_buf_puts(b, " |\n");
	for (size_t r = 0; r < x->n_rows; r++) {
		nl_buf_puts(b, "| ");
		nl_report_put_md(b, c->bins[r].label, " ");
		for (size_t k = 0; k < x->n_cols; k++)
			nl_buf_printf(b, " | %ld", x->cells[r * x->n_cols + k]);
		nl_buf_printf(b, " | %ld | ", x->row_n[r]);
		if (x->row_n[r])
			nl_report_put_num(b, x->row_mean[r], 2);
		else
			nl_buf_puts(b, "\u2013");
		nl_buf_puts(b, " |\n");
	}
	nl_buf_puts(b, "| **all**");
	for (size_t k = 0; k < x->n_cols; k++)
		nl_buf_puts(b, " |");
	nl_buf_printf(b, " | %ld | ", x->total_n);
	if (x->total_n)
		nl_report_put_num(b, x->total_mean, 2);
	else
		nl_buf_puts(b, "\u2013");
	nl_buf_puts(b, " |\n\n");
}

static void md_reading(struct nl_buf *b, const struct nl_tally_reading *g)
{
	static const struct nl_report_reading_style md = {
	    nl_report_put_md, "- *", "*: ", "**to confirm:** ", "**unreadable:** ", " \u00b7 ", ""};
	nl_report_put_reading(b, g, &md);
}

static void md_reply(struct nl_buf *b, const struct nl_tally_reply *r)
{
	char when[24];
	nl_report_datetime(r->received, when);
	if (r->needs_look) {
		nl_buf_puts(b, "**Needs a look** (");
		for (size_t i = 0; i < r->n_reasons; i++) {
			if (i)
				nl_buf_puts(b, "; ");
			nl_buf_puts(b, r->reasons[i]);
		}
		nl_buf_puts(b, "): ");
	}
	md_who(b, r->name, r->email);
	nl_buf_printf(b, " \u00b7 %s", when);
	if (r->match == NL_MATCH_FROM)
		nl_buf_puts(b, " \u00b7 *" NL_REPORT_FROM_ONLY "*");
	nl_buf_puts(b, "\n\n");
	if (!r->words) {
		nl_buf_puts(b, "*(own words not kept: collected before this version)*\n\n");
	} else if (!r->words[0]) {
		nl_buf_puts(b, "*(no words of their own)*\n\n");
	} else {
		/* a block quote: lines joined by hard breaks, a blank line of the reply a new paragraph */
		const char *p = r->words, *end = p + strlen(p);
		bool first = true, gap = false;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;
			char *line = nl_xstrndup(p, (size_t)(stop - p));
			size_t n = strlen(line);
			while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
				line[--n] = '\0';
			if (n == 0) {
				gap = !first;
			} else {
				nl_buf_puts(b, first ? "> " : gap ? "\n>\n> " : "\\\n> ");
				nl_report_put_md(b, line, " ");
				first = gap = false;
			}
			free(line);
			p = nl ? nl + 1 : end;
		}
		if (!first)
			nl_buf_puts(b, "\n\n");
	}
	if (r->contact || r->n_readings) {
		if (r->contact) {
			nl_buf_puts(b, "- asks to be contacted: \u201c");
			nl_report_put_md(b, r->contact, " ");
			nl_buf_puts(b, "\u201d\n");
		}
		for (size_t i = 0; i < r->n_readings; i++)
			md_reading(b, &r->readings[i]);
		nl_buf_putc(b, '\n');
	}
}

static void md_replies(struct nl_buf *b, const struct nl_tally *t)
{
	nl_buf_printf(b, "## Replies: %zu, %ld need%s a look\n\n", t->n_replies, t->needs_look,
	              t->needs_look == 1 ? "s" : "");
	if (t->n_replies == 0) {
		nl_buf_puts(b, "None yet.\n");
		return;
	}
	for (size_t i = 0; i < t->n_replies; i++) {
		if (i)
			nl_buf_puts(b, "---\n\n");
		md_reply(b, &t->replies_list[i]);
	}
}

static void md_header(struct nl_buf *b, const struct nl_tally *t)
{
	char due[11], gen[24];
	nl_report_date(t->due, due);
	nl_report_datetime(t->generated, gen);
	nl_buf_puts(b, "# Survey report: ");
	nl_report_put_md(b, t->campaign, " ");
	nl_buf_puts(b, "\n\n");
	if (t->subject) {
		nl_buf_puts(b, "**Subject:** ");
		nl_report_put_md(b, t->subject, " ");
		nl_buf_puts(b, "  \n");
	}
	nl_buf_printf(b, "Due %s \u00b7 generated %s", due, gen);
	if (t->survey_id) {
		nl_buf_puts(b, " \u00b7 survey ");
		nl_report_put_md(b, t->survey_id, " ");
	}
	nl_buf_puts(b, "\n\n");
	if (t->note) {
		nl_buf_puts(b, "**Note:** ");
		nl_report_put_md(b, t->note, " ");
		nl_buf_puts(b, "\n\n");
	} else if (!t->survey_id) {
		nl_buf_puts(b, "This campaign's article carries no survey.\n\n");
	}
}

void nl_report_md(const struct nl_tally *t, struct nl_buf *out)
{
	md_header(out, t);
	md_followup(out, t);
	md_figures(out, t);
	for (size_t i = 0; i < t->n_questions; i++)
		md_question(out, &t->questions[i], i + 1);
	md_crosstab(out, t);
	if (t->unreadable) {
		nl_buf_puts(out, "## Unreadable answers: settle these by hand\n\n");
		for (size_t i = 0; i < t->n_questions; i++)
			md_entries(out, t->questions[i].unreadable, t->questions[i].n_unreadable,
			           t->questions[i].id);
	}
	md_replies(out, t);
}

/* ---- Across campaigns ---- */

static void md_all_series(struct nl_buf *b, struct nl_tally *const *t, size_t n,
                          const struct nl_report_series *s)
{
	nl_buf_puts(b, "## ");
	nl_report_put_md(b, s->id, " ");
	nl_buf_printf(b, " (%s): ", nl_report_type_label(s->type));
	nl_report_put_md(b, s->text, " ");
	nl_buf_puts(b, "\n\n|");
	for (size_t c = 0; c < n; c++)
		if (s->q[c]) {
			nl_buf_puts(b, " | ");
			nl_report_put_md(b, t[c]->campaign, " ");
		}
	nl_buf_puts(b, " |\n| ---");
	for (size_t k = 0; k < s->campaigns; k++)
		nl_buf_puts(b, " | ---:");
	nl_buf_puts(b, " |\n| answered");
	for (size_t c = 0; c < n; c++)
		if (s->q[c])
			nl_buf_printf(b, " | %ld", s->q[c]->answered);
	nl_buf_puts(b, " |\n");
	if (s->type == NL_Q_SCALE) {
		for (int m = 0; m < 2; m++) {
			nl_buf_puts(b, m == 0 ? "| mean" : "| median");
			for (size_t c = 0; c < n; c++) {
				const struct nl_tally_question *q = s->q[c];
				if (!q)
					continue;
				nl_buf_puts(b, " | ");
				if (q->has_stats)
					nl_report_put_num(b, m == 0 ? q->mean : q->median, 2);
				else
					nl_buf_puts(b, "\u2013");
			}
			nl_buf_puts(b, " |\n");
		}
	}
	for (size_t l = 0; l < s->n_labels; l++) {
		nl_buf_puts(b, "| ");
		nl_report_put_md(b, s->labels[l], " ");
		for (size_t c = 0; c < n; c++) {
			const struct nl_tally_question *q = s->q[c];
			if (!q)
				continue;
			long v = nl_report_bin_count(q, s->labels[l]);
			if (v < 0) {
				nl_buf_puts(b, " | \u2013");
				continue;
			}
			nl_buf_printf(b, " | %ld (", v);
			nl_report_put_pct(b, v, q->answered);
			nl_buf_putc(b, ')');
		}
		nl_buf_puts(b, " |\n");
	}
	nl_buf_putc(b, '\n');
}

void nl_report_md_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	nl_buf_printf(out, "# Survey report across %zu campaign%s\n\n", n, n == 1 ? "" : "s");
	if (n == 0)
		return;
	nl_buf_puts(out, "## Figures\n\n|");
	for (size_t c = 0; c < n; c++) {
		nl_buf_puts(out, " | ");
		nl_report_put_md(out, t[c]->campaign, " ");
	}
	nl_buf_puts(out, " |\n| ---");
	for (size_t c = 0; c < n; c++)
		nl_buf_puts(out, " | ---:");
	nl_buf_puts(out, " |\n| due");
	for (size_t c = 0; c < n; c++) {
		char due[11];
		nl_report_date(t[c]->due, due);
		nl_buf_printf(out, " | %s", due);
	}
	nl_buf_puts(out, " |\n| sent");
	for (size_t c = 0; c < n; c++)
		nl_buf_printf(out, " | %ld", t[c]->sent);
	nl_buf_puts(out, " |\n| respondents");
	for (size_t c = 0; c < n; c++)
		nl_buf_printf(out, " | %ld", t[c]->respondents);
	nl_buf_puts(out, " |\n| response rate");
	for (size_t c = 0; c < n; c++) {
		nl_buf_puts(out, " | ");
		if (t[c]->has_rate)
			nl_report_put_pct(out, t[c]->respondents, t[c]->sent);
		else
			nl_buf_puts(out, "\u2013");
	}
	nl_buf_puts(out, " |\n\n");
	struct nl_report_series *s;
	size_t ns;
	nl_report_series_build(t, n, &s, &ns);
	for (size_t k = 0; k < ns; k++)
		md_all_series(out, t, n, &s[k]);
	nl_report_series_free(s, ns);
}
