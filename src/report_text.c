/* report_text.c - the report for a terminal: aligned columns, bar glyphs for distributions.
 *
 * Widths are display columns (nl_utf8_width), so a name in CJK or with emoji lines up like an
 * ASCII one.  Everything from subscribers goes through nl_report_put_clean(): no control
 * character or bidi override reaches the terminal.  FOLLOW UP (people who said yes to a follow-up
 * question, then those who asked to be contacted in their own words) comes right after the title,
 * before any figure; REPLIES (every reply's own words, those that need a look first) comes last.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "util.h"

#define TEXT_BAR 20

/* A small table of cells: the first column left-aligned, the others right-aligned. */
struct text_table {
	char **cells; /* rows * cols, owned, NULL = empty */
	size_t rows, cols;
};

static void text_table_init(struct text_table *tb, size_t cols)
{
	tb->cells = NULL;
	tb->rows = 0;
	tb->cols = cols;
}

/* Appends a row; `cells` has tb->cols entries that the table takes over. */
static void text_table_row(struct text_table *tb, char **cells)
{
	tb->cells = nl_xrealloc(tb->cells, (tb->rows + 1) * tb->cols * sizeof *tb->cells);
	memcpy(tb->cells + tb->rows * tb->cols, cells, tb->cols * sizeof *cells);
	tb->rows++;
}

static void text_table_put(struct nl_buf *b, struct text_table *tb, const char *indent)
{
	size_t *w = nl_xcalloc(tb->cols, sizeof *w);
	for (size_t r = 0; r < tb->rows; r++)
		for (size_t c = 0; c < tb->cols; c++) {
			const char *s = tb->cells[r * tb->cols + c];
			size_t cw = s ? nl_report_clean_width(s) : 0;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < tb->rows; r++) {
		struct nl_buf line = NL_BUF_INIT;
		nl_buf_puts(&line, indent);
		for (size_t c = 0; c < tb->cols; c++) {
			const char *s = tb->cells[r * tb->cols + c];
			if (c > 0)
				nl_buf_puts(&line, "  ");
			if (c == 0)
				nl_report_put_padded(&line, s ? s : "", w[c]);
			else
				nl_report_put_right(&line, s ? s : "", w[c]);
		}
		/* no trailing blanks */
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.len--;
		nl_buf_append(b, line.data ? line.data : "", line.len);
		nl_buf_putc(b, '\n');
		nl_buf_free(&line);
	}
	for (size_t i = 0; i < tb->rows * tb->cols; i++)
		free(tb->cells[i]);
	free(tb->cells);
	free(w);
}

static char *text_pct(long count, long total)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_report_put_pct(&b, count, total);
	return nl_buf_detach(&b);
}

static char *text_num(double v, int decimals)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_report_put_num(&b, v, decimals);
	return nl_buf_detach(&b);
}

static void text_heading(struct nl_buf *b, const char *title)
{
	nl_buf_putc(b, '\n');
	nl_report_put_clean(b, title, " ");
	nl_buf_putc(b, '\n');
}

static void text_bar(struct nl_buf *b, long count, long total)
{
	int filled = total > 0 ? (int)((double)TEXT_BAR * (double)count / (double)total + 0.5) : 0;
	for (int i = 0; i < TEXT_BAR; i++)
		nl_buf_puts(b, i < filled ? "\xe2\x96\x88"
		                          : "\xe2\x96\x91"); /* U+2588 full, U+2591 light shade */
}

/* "Name  email" lines, the names padded to one width; `notes` (may be NULL) adds "(note)" per line. */
static void text_people(struct nl_buf *b, const char *const *names, const char *const *emails,
                        const char *const *notes, size_t n)
{
	size_t w = 0;
	for (size_t k = 0; k < n; k++) {
		size_t cw = nl_report_clean_width(names[k] ? names[k] : "(no name)");
		if (cw > w)
			w = cw;
	}
	for (size_t k = 0; k < n; k++) {
		nl_buf_puts(b, "  ");
		nl_report_put_padded(b, names[k] ? names[k] : "(no name)", w);
		nl_buf_puts(b, "  ");
		nl_report_put_clean(b, emails[k], " ");
		if (notes && notes[k]) {
			nl_buf_puts(b, "  (");
			nl_report_put_clean(b, notes[k], " ");
			nl_buf_putc(b, ')');
		}
		nl_buf_putc(b, '\n');
	}
}

static void text_followup(struct nl_buf *b, const struct nl_tally *t)
{
	for (size_t i = 0; i < t->n_questions; i++) {
		const struct nl_tally_question *q = &t->questions[i];
		if (q->type != NL_Q_YESNO || !q->follow_up)
			continue;
		char *title = nl_xasprintf("FOLLOW UP: %zu said yes to \"%s\"", q->n_yes, q->text);
		text_heading(b, title);
		free(title);
		if (q->n_yes == 0) {
			nl_buf_puts(b, "  nobody yet\n");
			continue;
		}
		const char **names = nl_xcalloc(q->n_yes, sizeof *names);
		const char **emails = nl_xcalloc(q->n_yes, sizeof *emails);
		const char **notes = nl_xcalloc(q->n_yes, sizeof *notes);
		for (size_t k = 0; k < q->n_yes; k++) {
			names[k] = q->yes[k].name;
			emails[k] = q->yes[k].email;
			notes[k] = nl_report_entry_note(q->yes[k].settled, q->yes[k].match);
		}
		text_people(b, names, emails, notes, q->n_yes);
		free(names);
		free(emails);
		free(notes);
	}
	size_t words = t->n_follow - t->n_follow_yes;
	if (words == 0)
		return;
	char *title =
	    nl_xasprintf("FOLLOW UP: %zu asked to be contacted in their own words (no clear yes)", words);
	text_heading(b, title);
	free(title);
	for (size_t k = t->n_follow_yes; k < t->n_follow; k++) {
		const struct nl_tally_follow *f = &t->follow[k];
		text_people(b, (const char *const[]){f->name}, (const char *const[]){f->email},
		            (const char *const[]){nl_report_entry_note(false, f->match)}, 1);
		nl_buf_puts(b, "    \u201c");
		nl_report_put_clean(b, f->sentence ? f->sentence : "", " ");
		nl_buf_puts(b, "\u201d\n");
	}
}

static void text_figure(char **cells, const char *label, long v, char *note)
{
	cells[0] = nl_xstrdup(label);
	cells[1] = nl_xasprintf("%ld", v);
	cells[2] = note;
}

static void text_figures(struct nl_buf *b, const struct nl_tally *t)
{
	char *left[8][3] = {{0}}, *right[8][3] = {{0}};
	size_t nl = 0, nr = 0;
	text_figure(left[nl++], "sent", t->sent, NULL);
	text_figure(left[nl++], "deferred", t->deferred, NULL);
	text_figure(left[nl++], "failed", t->failed, NULL);
	if (t->pending)
		text_figure(left[nl++], "still sending", t->pending, NULL);
	text_figure(left[nl++], "bounced", t->bounced, NULL);
	text_figure(left[nl++], "complaints", t->complaints, NULL);
	text_figure(left[nl++], "unsubscribed", t->unsubscribed, NULL);
	text_figure(right[nr++], "replies", t->replies, NULL);
	text_figure(right[nr++], "respondents", t->respondents, NULL);
	right[nr][0] = nl_xstrdup("response rate");
	right[nr][1] = t->has_rate ? text_pct(t->respondents, t->sent) : nl_xstrdup("-");
	right[nr++][2] = nl_xasprintf("(%ld of %ld delivered)", t->respondents, t->sent);
	text_figure(right[nr++], "unmatched", t->unmatched, nl_xstrdup("(strangers: kept, not tallied)"));
	text_figure(right[nr++], "unreadable", t->unreadable,
	            nl_xstrdup(t->unreadable ? "(answers to settle by hand, below)" : ""));
	if (t->unreadable_messages)
		text_figure(right[nr++], "unreadable mail", t->unreadable_messages,
		            nl_xstrdup("(messages that could not be read)"));
	if (t->likely)
		text_figure(right[nr++], "to confirm", t->likely,
		            nl_xstrdup("(proposed answers, not tallied: see REPLIES)"));
	/* Two blocks side by side: label, number (right-aligned); label, number, note. */
	size_t rows = nl > nr ? nl : nr, w[4] = {0};
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < 4; c++) {
			const char *cell =
			    c < 2 ? (r < nl ? left[r][c] : NULL) : (r < nr ? right[r][c - 2] : NULL);
			size_t cw = cell ? nl_report_clean_width(cell) : 0;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < rows; r++) {
		struct nl_buf line = NL_BUF_INIT;
		nl_buf_puts(&line, "  ");
		nl_report_put_padded(&line, r < nl ? left[r][0] : "", w[0]);
		nl_buf_puts(&line, "  ");
		nl_report_put_right(&line, r < nl ? left[r][1] : "", w[1]);
		nl_buf_puts(&line, "      ");
		if (r < nr) {
			nl_report_put_padded(&line, right[r][0], w[2]);
			nl_buf_puts(&line, "  ");
			nl_report_put_right(&line, right[r][1], w[3]);
			if (right[r][2] && right[r][2][0]) {
				nl_buf_puts(&line, "  ");
				nl_report_put_clean(&line, right[r][2], " ");
			}
		}
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.len--;
		nl_buf_append(b, line.data ? line.data : "", line.len);
		nl_buf_putc(b, '\n');
		nl_buf_free(&line);
	}
	for (size_t r = 0; r < 8; r++)
		for (size_t c = 0; c < 3; c++) {
			free(left[r][c]);
			free(right[r][c]);
		}
}

static void text_bins(struct nl_buf *b, const struct nl_tally_question *q)
{
	size_t lw = 0, cw = 1;
	long maxc = 0;
	for (size_t i = 0; i < q->n_bins; i++) {
		size_t w = nl_report_clean_width(q->bins[i].label);
		if (w > lw)
			lw = w;
		if (q->bins[i].count > maxc)
			maxc = q->bins[i].count;
	}
	for (long m = maxc; m >= 10; m /= 10)
		cw++;
	for (size_t i = 0; i < q->n_bins; i++) {
		char *pct = text_pct(q->bins[i].count, q->answered);
		nl_buf_puts(b, "   ");
		nl_report_put_padded(b, q->bins[i].label, lw);
		nl_buf_puts(b, "  ");
		text_bar(b, q->bins[i].count, q->answered);
		nl_buf_printf(b, "  %*ld  %6s\n", (int)cw, q->bins[i].count, pct);
		free(pct);
	}
}

static void text_entry(struct nl_buf *b, const struct nl_tally_entry *e, const char *prefix)
{
	char *who = nl_report_who(e->name, e->email);
	nl_buf_puts(b, "   ");
	if (prefix) {
		nl_report_put_clean(b, prefix, " ");
		nl_buf_putc(b, ' ');
	}
	nl_report_put_clean(b, who, " ");
	const char *note = nl_report_entry_note(e->settled, e->match);
	if (note)
		nl_buf_printf(b, " (%s)", note);
	nl_buf_puts(b, ":\n     ");
	nl_report_put_clean(b, e->text ? e->text : "", "\n     ");
	nl_buf_putc(b, '\n');
	free(who);
}

static void text_question(struct nl_buf *b, const struct nl_tally_question *q, size_t number)
{
	char *title = nl_xasprintf("%zu. %s", number, q->text);
	text_heading(b, title);
	free(title);
	nl_buf_puts(b, "   ");
	nl_report_put_clean(b, q->id, " ");
	if (q->type == NL_Q_SCALE)
		nl_buf_printf(b, " · scale %d-%d", q->min, q->max);
	else
		nl_buf_printf(b, " · %s", nl_report_type_label(q->type));
	nl_buf_printf(b, " · %ld answered", q->answered);
	if (q->n_unreadable)
		nl_buf_printf(b, " · %zu unreadable", q->n_unreadable);
	nl_buf_putc(b, '\n');
	switch (q->type) {
	case NL_Q_SCALE:
		if (q->has_stats) {
			nl_buf_puts(b, "   mean ");
			nl_report_put_num(b, q->mean, 2);
			nl_buf_puts(b, " · median ");
			nl_report_put_num(b, q->median, 2);
			nl_buf_putc(b, '\n');
		}
		/* fall through */
	case NL_Q_CHOICE:
		text_bins(b, q);
		break;
	case NL_Q_YESNO:
		text_bins(b, q);
		if (q->n_yes && q->follow_up)
			nl_buf_printf(b, "   the %zu who said yes are listed under FOLLOW UP at the top\n",
			              q->n_yes);
		break;
	case NL_Q_TEXT:
		for (size_t i = 0; i < q->n_answers; i++)
			text_entry(b, &q->answers[i], NULL);
		break;
	}
}

static void text_crosstab(struct nl_buf *b, const struct nl_tally *t)
{
	const struct nl_tally_crosstab *x = &t->crosstab;
	if (!x->present)
		return;
	const struct nl_tally_question *c = &t->questions[x->choice_q], *s = &t->questions[x->scale_q];
	char *title = nl_xasprintf("CROSSTAB: %s by %s", c->id, s->id);
	text_heading(b, title);
	free(title);
	nl_buf_puts(b, "   ");
	nl_report_put_clean(b, s->text, " ");
	nl_buf_puts(b, " \u2014 for each answer to: ");
	nl_report_put_clean(b, c->text, " ");
	nl_buf_putc(b, '\n');
	struct text_table tb;
	size_t cols = x->n_cols + 3;
	text_table_init(&tb, cols);
	char **row = nl_xcalloc(cols, sizeof *row);
	row[0] = nl_xstrdup("");
	for (size_t k = 0; k < x->n_cols; k++)
		row[1 + k] = nl_xstrdup(s->bins[k].label);
	row[cols - 2] = nl_xstrdup("n");
	row[cols - 1] = nl_xstrdup("mean");
	text_table_row(&tb, row);
	for (size_t r = 0; r < x->n_rows; r++) {
		row[0] = nl_xstrdup(c->bins[r].label);
		for (size_t k = 0; k < x->n_cols; k++)
			row[1 + k] = nl_xasprintf("%ld", x->cells[r * x->n_cols + k]);
		row[cols - 2] = nl_xasprintf("%ld", x->row_n[r]);
		row[cols - 1] = x->row_n[r] ? text_num(x->row_mean[r], 2) : nl_xstrdup("-");
		text_table_row(&tb, row);
	}
	row[0] = nl_xstrdup("all");
	for (size_t k = 0; k < x->n_cols; k++)
		row[1 + k] = NULL;
	row[cols - 2] = nl_xasprintf("%ld", x->total_n);
	row[cols - 1] = x->total_n ? text_num(x->total_mean, 2) : nl_xstrdup("-");
	text_table_row(&tb, row);
	free(row);
	text_table_put(b, &tb, "   ");
}

static void text_unreadable(struct nl_buf *b, const struct nl_tally *t)
{
	if (t->unreadable == 0)
		return;
	text_heading(b, "UNREADABLE ANSWERS: settle these by hand");
	for (size_t i = 0; i < t->n_questions; i++) {
		const struct nl_tally_question *q = &t->questions[i];
		char *prefix = nl_xasprintf("[%s]", q->id);
		for (size_t k = 0; k < q->n_unreadable; k++)
			text_entry(b, &q->unreadable[k], prefix);
		free(prefix);
	}
}

static void text_reading(struct nl_buf *b, const struct nl_tally_reading *g)
{
	static const struct nl_report_reading_style text = {
	    nl_report_put_clean, "    ", ": ", "to confirm: ", "unreadable: ", " [", "]"};
	nl_report_put_reading(b, g, &text);
}

static void text_reply(struct nl_buf *b, const struct nl_tally_reply *r)
{
	char when[24];
	nl_report_datetime(r->received, when);
	nl_buf_putc(b, '\n');
	if (r->needs_look) {
		nl_buf_puts(b, "  ! NEEDS A LOOK: ");
		for (size_t i = 0; i < r->n_reasons; i++) {
			if (i)
				nl_buf_puts(b, "; ");
			nl_buf_puts(b, r->reasons[i]);
		}
		nl_buf_putc(b, '\n');
	}
	char *who = nl_report_who(r->name, r->email);
	nl_buf_puts(b, "    ");
	nl_report_put_clean(b, who, " ");
	free(who);
	nl_buf_printf(b, " \u00b7 %s", when);
	if (r->match == NL_MATCH_FROM)
		nl_buf_puts(b, " \u00b7 " NL_REPORT_FROM_ONLY);
	nl_buf_putc(b, '\n');
	if (!r->words) {
		nl_buf_puts(b, "    (own words not kept: collected before this version)\n");
	} else if (!r->words[0]) {
		nl_buf_puts(b, "    (no words of their own)\n");
	} else {
		/* each line of the reply behind a bar, so it cannot pass for a line of the report */
		const char *p = r->words, *end = p + strlen(p);
		while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;
			char *line = nl_xstrndup(p, (size_t)(stop - p));
			size_t n = strlen(line);
			while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
				line[--n] = '\0';
			nl_buf_puts(b, n ? "    | " : "    |");
			nl_report_put_clean(b, line, " ");
			nl_buf_putc(b, '\n');
			free(line);
			p = nl ? nl + 1 : end;
		}
	}
	if (r->contact) {
		nl_buf_puts(b, "    asks to be contacted: \u201c");
		nl_report_put_clean(b, r->contact, " ");
		nl_buf_puts(b, "\u201d\n");
	}
	for (size_t i = 0; i < r->n_readings; i++)
		text_reading(b, &r->readings[i]);
}

static void text_replies(struct nl_buf *b, const struct nl_tally *t)
{
	char *title = nl_xasprintf("REPLIES: %zu, %ld need%s a look (first, newest first)", t->n_replies,
	                           t->needs_look, t->needs_look == 1 ? "s" : "");
	text_heading(b, title);
	free(title);
	if (t->n_replies == 0) {
		nl_buf_puts(b, "  none yet\n");
		return;
	}
	for (size_t i = 0; i < t->n_replies; i++)
		text_reply(b, &t->replies_list[i]);
}

static void text_header(struct nl_buf *b, const struct nl_tally *t)
{
	char due[11], gen[24];
	nl_report_date(t->due, due);
	nl_report_datetime(t->generated, gen);
	nl_buf_puts(b, "SURVEY REPORT: ");
	nl_report_put_clean(b, t->campaign, " ");
	nl_buf_putc(b, '\n');
	if (t->subject) {
		nl_buf_puts(b, "Subject: ");
		nl_report_put_clean(b, t->subject, " ");
		nl_buf_putc(b, '\n');
	}
	nl_buf_printf(b, "Due %s · generated %s", due, gen);
	if (t->survey_id) {
		nl_buf_puts(b, " · survey ");
		nl_report_put_clean(b, t->survey_id, " ");
	}
	nl_buf_putc(b, '\n');
	if (t->note) {
		nl_buf_puts(b, "NOTE: ");
		nl_report_put_clean(b, t->note, " ");
		nl_buf_putc(b, '\n');
	} else if (!t->survey_id) {
		nl_buf_puts(b, "This campaign's article carries no survey.\n");
	}
}

void nl_report_text(const struct nl_tally *t, struct nl_buf *out)
{
	text_header(out, t);
	text_followup(out, t);
	text_heading(out, "FIGURES");
	text_figures(out, t);
	for (size_t i = 0; i < t->n_questions; i++)
		text_question(out, &t->questions[i], i + 1);
	text_crosstab(out, t);
	text_unreadable(out, t);
	text_replies(out, t);
}

/* ---- Across campaigns ---- */

static char *text_count_pct(long count, long total)
{
	if (count < 0)
		return nl_xstrdup("-");
	char *p = text_pct(count, total);
	char *s = nl_xasprintf("%ld  %6s", count, p);
	free(p);
	return s;
}

static void text_all_series(struct nl_buf *b, struct nl_tally *const *t, size_t n,
                            const struct nl_report_series *s)
{
	char *title = nl_xasprintf("%s (%s): %s", s->id, nl_report_type_label(s->type), s->text);
	text_heading(b, title);
	free(title);
	size_t cols = s->campaigns + 1;
	struct text_table tb;
	text_table_init(&tb, cols);
	char **row = nl_xcalloc(cols, sizeof *row);
	size_t k;
#define TEXT_ROW(first, expr)                                                                                \
	do {                                                                                                 \
		row[0] = nl_xstrdup(first);                                                                  \
		k = 1;                                                                                       \
		for (size_t c = 0; c < n; c++) {                                                             \
			const struct nl_tally_question *q = s->q[c];                                         \
			if (!q)                                                                              \
				continue;                                                                    \
			row[k++] = (expr);                                                                   \
		}                                                                                            \
		text_table_row(&tb, row);                                                                    \
	} while (0)
	TEXT_ROW("", nl_xstrdup(t[c]->campaign));
	TEXT_ROW("answered", nl_xasprintf("%ld", q->answered));
	if (s->type == NL_Q_SCALE) {
		TEXT_ROW("mean", q->has_stats ? text_num(q->mean, 2) : nl_xstrdup("-"));
		TEXT_ROW("median", q->has_stats ? text_num(q->median, 2) : nl_xstrdup("-"));
	}
	for (size_t l = 0; l < s->n_labels; l++)
		TEXT_ROW(s->labels[l], text_count_pct(nl_report_bin_count(q, s->labels[l]), q->answered));
#undef TEXT_ROW
	free(row);
	text_table_put(b, &tb, "   ");
}

void nl_report_text_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	nl_buf_printf(out, "SURVEY REPORT ACROSS %zu CAMPAIGN%s\n", n, n == 1 ? "" : "S");
	if (n == 0)
		return;
	text_heading(out, "FIGURES");
	struct text_table tb;
	text_table_init(&tb, n + 1);
	char **row = nl_xcalloc(n + 1, sizeof *row);
	static const char *const labels[] = {
	    "", "due", "sent", "replies", "respondents", "response rate", "follow up (yes)"};
	for (size_t r = 0; r < sizeof labels / sizeof labels[0]; r++) {
		row[0] = nl_xstrdup(labels[r]);
		for (size_t c = 0; c < n; c++) {
			char due[11];
			long yes = 0;
			switch (r) {
			case 0:
				row[c + 1] = nl_xstrdup(t[c]->campaign);
				break;
			case 1:
				nl_report_date(t[c]->due, due);
				row[c + 1] = nl_xstrdup(due);
				break;
			case 2:
				row[c + 1] = nl_xasprintf("%ld", t[c]->sent);
				break;
			case 3:
				row[c + 1] = nl_xasprintf("%ld", t[c]->replies);
				break;
			case 4:
				row[c + 1] = nl_xasprintf("%ld", t[c]->respondents);
				break;
			case 5:
				row[c + 1] = t[c]->has_rate ? text_pct(t[c]->respondents, t[c]->sent)
				                            : nl_xstrdup("-");
				break;
			default:
				yes = (long)t[c]->n_follow_yes;
				row[c + 1] = nl_xasprintf("%ld", yes);
			}
		}
		text_table_row(&tb, row);
	}
	free(row);
	text_table_put(out, &tb, "   ");
	struct nl_report_series *s;
	size_t ns;
	nl_report_series_build(t, n, &s, &ns);
	for (size_t k = 0; k < ns; k++)
		text_all_series(out, t, n, &s[k]);
	nl_report_series_free(s, ns);
}
