/* report_html.c - the report as one self-contained HTML5 file with inline SVG bar charts.
 *
 * No script, no external stylesheet, font or image: the style is inline in <head>, the charts are
 * inline SVG, and a Content-Security-Policy meta element (default-src 'none') forbids anything else
 * should an escaping bug ever let markup through.  Every string that came from a subscriber, a reply
 * or the article goes through nl_report_put_html() (HTML5 §13.1.2.6: & < > " ' as character
 * references), in text and in attribute values alike.  The layout is one column that narrows to a
 * phone's width, and prints in black on white with the charts kept (print-color-adjust).
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "util.h"

#define HTML_LABEL_CHARS 18 /* longer chart labels are cut, with the whole label in a <title> */

static const char html_style[] =
    ":root{color-scheme:light}\n"
    "*{box-sizing:border-box}\n"
    "body{font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif;color:#1c1c1c;"
    "background:#fff;margin:0 auto;max-width:48rem;padding:1rem}\n"
    "h1{font-size:1.45rem;margin:.2rem 0 .3rem;line-height:1.25}\n"
    "h2{font-size:1.1rem;margin:1.8rem 0 .4rem;padding-bottom:.2rem;border-bottom:1px solid #d4d4d8}\n"
    ".meta,.qmeta{color:#52525b;margin:.2rem 0 .6rem}\n"
    ".note{background:#fef9c3;border-left:4px solid #ca8a04;padding:.4rem .7rem}\n"
    ".followup{border:3px solid #c2410c;background:#fff7ed;border-radius:10px;padding:.2rem 1rem .8rem;"
    "margin:1rem 0}\n"
    ".followup h2{border:0;color:#9a3412;margin-top:.6rem}\n"
    ".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.5rem;margin:.5rem "
    "0}\n"
    ".fig{border:1px solid #d4d4d8;border-radius:8px;padding:.35rem .6rem}\n"
    ".fig b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}\n"
    ".fig.key{border-color:#2563eb;background:#eff6ff}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0}\n"
    "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e4e7;vertical-align:top}\n"
    "th{font-weight:600;background:#f4f4f5}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td,li{overflow-wrap:anywhere}\n"
    "svg.chart{display:block;width:100%;max-width:30rem;height:auto;margin:.4rem 0}\n"
    "svg.chart text{font:14px system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;fill:#1c1c1c}\n"
    "ul.answers{list-style:none;padding:0}\n"
    "ul.answers li{margin:.6rem 0}\n"
    ".who{font-weight:600}\n"
    "blockquote{margin:.2rem 0 0;padding:.3rem .7rem;border-left:4px solid #a1a1aa;background:#fafafa}\n"
    "blockquote.raw{font-family:ui-monospace,monospace;border-color:#ca8a04}\n"
    ".reply{border:1px solid #d4d4d8;border-radius:10px;padding:.5rem .9rem;margin:.8rem 0}\n"
    ".reply.look{border:2px solid #c2410c;background:#fff7ed}\n"
    ".reply .rhead{margin:.1rem 0 .3rem}\n"
    ".badge{display:inline-block;background:#c2410c;color:#fff;border-radius:4px;padding:0 .4rem;"
    "font-size:.85rem;font-weight:600}\n"
    ".reasons{color:#9a3412;margin:.1rem 0 .3rem}\n"
    ".weak{color:#92400e;font-style:italic}\n"
    "blockquote.words{white-space:normal;border-color:#2563eb;background:#fff}\n"
    "ul.readings{margin:.4rem 0 .2rem;padding-left:1.2rem}\n"
    ".confirm{color:#9a3412;font-weight:600}\n"
    "footer{color:#52525b;font-size:.85rem;margin-top:2rem}\n"
    "@media (max-width:30rem){body{padding:.6rem}th,td{padding:.25rem "
    ".3rem}.fig{font-size:.85rem}.figs{grid-template-columns:"
    "repeat(auto-fill,minmax(6.5rem,1fr))}}\n"
    "@media print{body{max-width:none;padding:0;font-size:11pt}"
    "section{break-inside:avoid}h2{break-after:avoid}"
    ".followup{border-color:#000;background:#fff}.fig.key{background:#fff}"
    ".replies{break-inside:auto}.reply{break-inside:avoid}.reply.look{background:#fff}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void html_begin(struct nl_buf *b, const char *title)
{
	nl_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	               "style-src 'unsafe-inline'; img-src data:\">\n"
	               "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
	nl_report_put_html(b, title, " ");
	nl_buf_puts(b, "</title>\n<style>\n");
	nl_buf_puts(b, html_style);
	nl_buf_puts(b, "</style>\n</head>\n<body>\n");
}

static void html_end(struct nl_buf *b)
{
	nl_buf_puts(b,
	            "<footer>Respondents are people with at least one readable answer; the response rate is "
	            "respondents divided by delivered messages. Strangers (replies that match no "
	            "delivery) are counted, never tallied.</footer>\n</body>\n</html>\n");
}

/* ---- Charts ---- */

struct html_bar {
	const char *label; /* shown left of the bar */
	double fraction;   /* 0..1 of the track */
	char *value;       /* owned; shown right of the bar ("2 · 40.0%") */
};

/* The first HTML_LABEL_CHARS characters of s, with an ellipsis if cut; a new string. */
static char *html_cut(const char *s, bool *cut)
{
	size_t len = strlen(s), i = 0, chars = 0;
	while (i < len && chars < HTML_LABEL_CHARS) {
		unsigned cp;
		i += nl_report_utf8_next(s + i, len - i, &cp);
		chars++;
	}
	*cut = i < len;
	if (!*cut)
		return nl_xstrdup(s);
	char *r = nl_xasprintf("%.*s\u2026", (int)i, s);
	return r;
}

/* A horizontal bar chart.  `caption` names it for screen readers. */
static void html_chart(struct nl_buf *b, const char *caption, struct html_bar *bars, size_t n)
{
	const int row = 30, label_w = 140, track_w = 170, height = (int)n * row + 6;
	nl_buf_printf(b,
	              "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 440 %d\" width=\"440\" height=\"%d\" "
	              "xmlns=\"http://www.w3.org/2000/svg\"><title>",
	              height, height);
	nl_report_put_html(b, caption, " ");
	nl_buf_puts(b, "</title>\n");
	for (size_t i = 0; i < n; i++) {
		int y = 3 + (int)i * row;
		double f = bars[i].fraction < 0 ? 0 : bars[i].fraction > 1 ? 1 : bars[i].fraction;
		int w = (int)(f * track_w + 0.5);
		bool cut;
		char *label = html_cut(bars[i].label, &cut);
		nl_buf_printf(b, "<g><text x=\"0\" y=\"%d\">", y + 19);
		if (cut) {
			nl_buf_puts(b, "<title>");
			nl_report_put_html(b, bars[i].label, " ");
			nl_buf_puts(b, "</title>");
		}
		nl_report_put_html(b, label, " ");
		nl_buf_printf(
		    b,
		    "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"3\" fill=\"#e4e4e7\"/>",
		    label_w, y + 3, track_w);
		if (w > 0)
			nl_buf_printf(
			    b,
			    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"3\" fill=\"#2563eb\"/>",
			    label_w, y + 3, w);
		nl_buf_printf(b, "<text x=\"%d\" y=\"%d\">", label_w + track_w + 8, y + 19);
		nl_report_put_html(b, bars[i].value, " ");
		nl_buf_puts(b, "</text></g>\n");
		free(label);
	}
	nl_buf_puts(b, "</svg>\n");
}

static char *html_count_pct(long count, long total)
{
	struct nl_buf v = NL_BUF_INIT;
	nl_buf_printf(&v, "%ld \u00b7 ", count);
	nl_report_put_pct(&v, count, total);
	return nl_buf_detach(&v);
}

static void html_bins_chart(struct nl_buf *b, const struct nl_tally_question *q)
{
	struct html_bar *bars = nl_xcalloc(q->n_bins ? q->n_bins : 1, sizeof *bars);
	struct nl_buf caption = NL_BUF_INIT;
	nl_buf_printf(&caption, "%s:", q->id);
	for (size_t i = 0; i < q->n_bins; i++) {
		bars[i].label = q->bins[i].label;
		bars[i].fraction = q->answered ? (double)q->bins[i].count / (double)q->answered : 0;
		bars[i].value = html_count_pct(q->bins[i].count, q->answered);
		nl_buf_printf(&caption, "%s %s %s", i ? "," : "", q->bins[i].label, bars[i].value);
	}
	html_chart(b, nl_buf_cstr(&caption), bars, q->n_bins);
	for (size_t i = 0; i < q->n_bins; i++)
		free(bars[i].value);
	free(bars);
	nl_buf_free(&caption);
}

/* ---- Pieces ---- */

/* mailto: with the address percent-encoded (RFC 6068 §2), inside an attribute. */
static void html_mailto(struct nl_buf *b, const char *email)
{
	nl_buf_puts(b, "<a href=\"mailto:");
	for (const unsigned char *p = (const unsigned char *)email; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '@' || *p == '.' || *p == '_' || *p == '-' || *p == '+')
			nl_buf_putc(b, (char)*p);
		else
			nl_buf_printf(b, "%%%02X", *p);
	}
	nl_buf_puts(b, "\">");
	nl_report_put_html(b, email, " ");
	nl_buf_puts(b, "</a>");
}

static void html_who(struct nl_buf *b, const char *name, const char *email)
{
	nl_buf_puts(b, "<span class=\"who\">");
	if (name && name[0]) {
		nl_report_put_html(b, name, " ");
		nl_buf_puts(b, "</span> &lt;");
		nl_report_put_html(b, email, " ");
		nl_buf_puts(b, "&gt;");
	} else {
		nl_report_put_html(b, email, " ");
		nl_buf_puts(b, "</span>");
	}
}

/* " (settled by hand)" or the From-only mark, after a person in a list. */
static void html_entry_note(struct nl_buf *b, bool settled, enum nl_match match)
{
	const char *note = nl_report_entry_note(settled, match);
	if (note)
		nl_buf_printf(b, settled ? " <i>(%s)</i>" : " <span class=\"weak\">(%s)</span>", note);
}

static void html_followup(struct nl_buf *b, const struct nl_tally *t)
{
	for (size_t i = 0; i < t->n_questions; i++) {
		const struct nl_tally_question *q = &t->questions[i];
		if (q->type != NL_Q_YESNO || !q->follow_up)
			continue;
		nl_buf_printf(b, "<section class=\"followup\">\n<h2>Follow up: %zu said yes to \u201c",
		              q->n_yes);
		nl_report_put_html(b, q->text, " ");
		nl_buf_puts(b, "\u201d</h2>\n");
		if (q->n_yes == 0) {
			nl_buf_puts(b, "<p>Nobody yet.</p>\n</section>\n");
			continue;
		}
		nl_buf_puts(
		    b, "<div class=\"scroll\"><table>\n<thead><tr><th>Name</th><th>Email</th></tr></thead>\n"
		       "<tbody>\n");
		for (size_t k = 0; k < q->n_yes; k++) {
			nl_buf_puts(b, "<tr><td>");
			nl_report_put_html(b, q->yes[k].name ? q->yes[k].name : "", " ");
			nl_buf_puts(b, "</td><td>");
			html_mailto(b, q->yes[k].email);
			html_entry_note(b, q->yes[k].settled, q->yes[k].match);
			nl_buf_puts(b, "</td></tr>\n");
		}
		nl_buf_puts(b, "</tbody></table></div>\n</section>\n");
	}
	size_t words = t->n_follow - t->n_follow_yes;
	if (words == 0)
		return;
	nl_buf_printf(b,
	              "<section class=\"followup words\">\n<h2>Follow up: %zu asked to be contacted in their "
	              "own words (no clear yes)</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Name</th>"
	              "<th>Email</th><th>What they wrote</th></tr></thead>\n<tbody>\n",
	              words);
	for (size_t k = t->n_follow_yes; k < t->n_follow; k++) {
		const struct nl_tally_follow *f = &t->follow[k];
		nl_buf_puts(b, "<tr><td>");
		nl_report_put_html(b, f->name ? f->name : "", " ");
		nl_buf_puts(b, "</td><td>");
		html_mailto(b, f->email);
		html_entry_note(b, false, f->match);
		nl_buf_puts(b, "</td><td>\u201c");
		nl_report_put_html(b, f->sentence ? f->sentence : "", " ");
		nl_buf_puts(b, "\u201d</td></tr>\n");
	}
	nl_buf_puts(b, "</tbody></table></div>\n</section>\n");
}

static void html_fig(struct nl_buf *b, const char *cls, const char *value, const char *label)
{
	nl_buf_printf(b, "<div class=\"fig%s\"><b>%s</b>%s</div>\n", cls, value, label);
}

static void html_fig_long(struct nl_buf *b, long v, const char *label)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%ld", v);
	html_fig(b, "", tmp, label);
}

static void html_figures(struct nl_buf *b, const struct nl_tally *t)
{
	nl_buf_puts(b, "<section>\n<h2>Figures</h2>\n<div class=\"figs\">\n");
	struct nl_buf rate = NL_BUF_INIT;
	if (t->has_rate)
		nl_report_put_pct(&rate, t->respondents, t->sent);
	else
		nl_buf_puts(&rate, "\u2013");
	html_fig(b, " key", nl_buf_cstr(&rate), "response rate");
	nl_buf_free(&rate);
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%ld", t->respondents);
	html_fig(b, " key", tmp, "respondents");
	html_fig_long(b, t->replies, "replies");
	html_fig_long(b, t->sent, "sent");
	html_fig_long(b, t->deferred, "deferred");
	html_fig_long(b, t->failed, "failed");
	if (t->pending)
		html_fig_long(b, t->pending, "still sending");
	html_fig_long(b, t->bounced, "bounced");
	html_fig_long(b, t->complaints, "complaints");
	html_fig_long(b, t->unsubscribed, "unsubscribed");
	html_fig_long(b, t->unmatched, "unmatched (strangers)");
	html_fig_long(b, t->unreadable, "unreadable answers");
	if (t->unreadable_messages)
		html_fig_long(b, t->unreadable_messages, "unreadable messages");
	if (t->likely)
		html_fig_long(b, t->likely, "to confirm (not tallied)");
	nl_buf_printf(
	    b, "</div>\n<p class=\"meta\">Response rate = %ld respondents / %ld delivered.</p>\n</section>\n",
	    t->respondents, t->sent);
}

static void html_entries(struct nl_buf *b, const struct nl_tally_entry *e, size_t n, const char *qid,
                         bool raw)
{
	nl_buf_puts(b, "<ul class=\"answers\">\n");
	for (size_t i = 0; i < n; i++) {
		nl_buf_puts(b, "<li>");
		if (qid) {
			nl_buf_puts(b, "[");
			nl_report_put_html(b, qid, " ");
			nl_buf_puts(b, "] ");
		}
		html_who(b, e[i].name, e[i].email);
		html_entry_note(b, e[i].settled, e[i].match);
		nl_buf_puts(b, raw ? "<blockquote class=\"raw\">" : "<blockquote>");
		nl_report_put_html(b, e[i].text ? e[i].text : "", "<br>\n");
		nl_buf_puts(b, "</blockquote></li>\n");
	}
	nl_buf_puts(b, "</ul>\n");
}

static void html_question(struct nl_buf *b, const struct nl_tally_question *q, size_t number)
{
	nl_buf_printf(b, "<section class=\"q\" id=\"q-%zu\">\n<h2>%zu. ", number, number);
	nl_report_put_html(b, q->text, " ");
	nl_buf_puts(b, "</h2>\n<p class=\"qmeta\">");
	nl_report_put_html(b, q->id, " ");
	if (q->type == NL_Q_SCALE)
		nl_buf_printf(b, " \u00b7 scale %d\u2013%d", q->min, q->max);
	else
		nl_buf_printf(b, " \u00b7 %s", nl_report_type_label(q->type));
	nl_buf_printf(b, " \u00b7 <b>%ld</b> answered", q->answered);
	if (q->n_unreadable)
		nl_buf_printf(b, " \u00b7 %zu unreadable", q->n_unreadable);
	nl_buf_puts(b, "</p>\n");
	switch (q->type) {
	case NL_Q_SCALE:
		if (q->has_stats) {
			nl_buf_puts(b, "<p>Mean <b>");
			nl_report_put_num(b, q->mean, 2);
			nl_buf_puts(b, "</b> \u00b7 median <b>");
			nl_report_put_num(b, q->median, 2);
			nl_buf_puts(b, "</b></p>\n");
		}
		html_bins_chart(b, q);
		break;
	case NL_Q_CHOICE:
		html_bins_chart(b, q);
		break;
	case NL_Q_YESNO:
		html_bins_chart(b, q);
		if (q->n_yes && q->follow_up)
			nl_buf_printf(
			    b, "<p>The %zu who said yes are listed under <i>Follow up</i> at the top.</p>\n",
			    q->n_yes);
		break;
	case NL_Q_TEXT:
		if (q->n_answers)
			html_entries(b, q->answers, q->n_answers, NULL, false);
		break;
	}
	nl_buf_puts(b, "</section>\n");
}

static void html_crosstab(struct nl_buf *b, const struct nl_tally *t)
{
	const struct nl_tally_crosstab *x = &t->crosstab;
	if (!x->present)
		return;
	const struct nl_tally_question *c = &t->questions[x->choice_q], *s = &t->questions[x->scale_q];
	nl_buf_puts(b, "<section>\n<h2>");
	nl_report_put_html(b, c->id, " ");
	nl_buf_puts(b, " by ");
	nl_report_put_html(b, s->id, " ");
	nl_buf_puts(b, "</h2>\n<p class=\"qmeta\">");
	nl_report_put_html(b, s->text, " ");
	nl_buf_puts(b, " \u2014 for each answer to: ");
	nl_report_put_html(b, c->text, " ");
	nl_buf_puts(b, "</p>\n<div class=\"scroll\"><table>\n<thead><tr><th></th>");
	for (size_t k = 0; k < x->n_cols; k++) {
		nl_buf_puts(b, "<th class=\"n\">");
		nl_report_put_html(b, s->bins[k].label, " ");
		nl_buf_puts(b, "</th>");
	}
	nl_buf_puts(b, "<th class=\"n\">n</th><th class=\"n\">mean</th></tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < x->n_rows; r++) {
		nl_buf_puts(b, "<tr><th>");
		nl_report_put_html(b, c->bins[r].label, " ");
		nl_buf_puts(b, "</th>");
		for (size_t k = 0; k < x->n_cols; k++)
			nl_buf_printf(b, "<td class=\"n\">%ld</td>", x->cells[r * x->n_cols + k]);
		nl_buf_printf(b, "<td class=\"n\">%ld</td><td class=\"n\"><b>", x->row_n[r]);
		if (x->row_n[r])
			nl_report_put_num(b, x->row_mean[r], 2);
		else
			nl_buf_puts(b, "\u2013");
		nl_buf_puts(b, "</b></td></tr>\n");
	}
	nl_buf_printf(b,
	              "<tr><th>all</th><td colspan=\"%zu\"></td><td class=\"n\">%ld</td><td class=\"n\"><b>",
	              x->n_cols, x->total_n);
	if (x->total_n)
		nl_report_put_num(b, x->total_mean, 2);
	else
		nl_buf_puts(b, "\u2013");
	nl_buf_puts(b, "</b></td></tr>\n</tbody></table></div>\n");
	/* the means as a chart, so the difference shows at a glance */
	struct html_bar *bars = nl_xcalloc(x->n_rows, sizeof *bars);
	double span = s->max > s->min ? (double)(s->max - s->min) : 1.0;
	for (size_t r = 0; r < x->n_rows; r++) {
		bars[r].label = c->bins[r].label;
		bars[r].fraction = x->row_n[r] ? (x->row_mean[r] - s->min) / span : 0;
		struct nl_buf v = NL_BUF_INIT;
		if (x->row_n[r]) {
			nl_buf_puts(&v, "mean ");
			nl_report_put_num(&v, x->row_mean[r], 2);
		} else {
			nl_buf_puts(&v, "\u2013");
		}
		nl_buf_printf(&v, " (n=%ld)", x->row_n[r]);
		bars[r].value = nl_buf_detach(&v);
	}
	char *caption = nl_xasprintf("mean %s by %s", s->id, c->id);
	html_chart(b, caption, bars, x->n_rows);
	free(caption);
	for (size_t r = 0; r < x->n_rows; r++)
		free(bars[r].value);
	free(bars);
	nl_buf_puts(b, "</section>\n");
}

static void html_reading(struct nl_buf *b, const struct nl_tally_reading *g)
{
	nl_buf_puts(b, "<li><b>");
	nl_report_put_html(b, g->question, " ");
	nl_buf_puts(b, "</b>: ");
	switch (g->level) {
	case NL_TALLY_SURE:
		nl_report_put_html(b, g->value, " ");
		break;
	case NL_TALLY_LIKELY:
		nl_buf_puts(b, "<span class=\"confirm\">to confirm:</span> ");
		nl_report_put_html(b, g->value, " ");
		if (g->raw) {
			nl_buf_puts(b, " (from <q>");
			nl_report_put_html(b, g->raw, " ");
			nl_buf_puts(b, "</q>)");
		}
		break;
	case NL_TALLY_UNREADABLE:
		nl_buf_puts(b, "<span class=\"confirm\">unreadable:</span> <q>");
		nl_report_put_html(b, g->raw ? g->raw : "", " ");
		nl_buf_puts(b, "</q>");
		break;
	}
	if (g->settled) {
		nl_buf_puts(b, " <i>(settled by hand)</i>");
	} else if (g->rule && g->level != NL_TALLY_UNREADABLE) {
		nl_buf_puts(b, " <span class=\"qmeta\">\u00b7 ");
		nl_report_put_html(b, g->rule, " ");
		nl_buf_puts(b, "</span>");
	}
	nl_buf_puts(b, "</li>\n");
}

static void html_reply(struct nl_buf *b, const struct nl_tally_reply *r)
{
	char when[24], iso[32];
	nl_report_datetime(r->received, when);
	nl_format_iso8601(r->received, iso);
	nl_buf_puts(b, r->needs_look ? "<article class=\"reply look\">\n" : "<article class=\"reply\">\n");
	nl_buf_puts(b, "<p class=\"rhead\">");
	if (r->needs_look)
		nl_buf_puts(b, "<span class=\"badge\">Needs a look</span> ");
	html_who(b, r->name, r->email);
	nl_buf_printf(b, " \u00b7 <time datetime=\"%s\">%s</time>", iso, when);
	if (r->match == NL_MATCH_FROM)
		nl_buf_puts(b, " \u00b7 <span class=\"weak\">" NL_REPORT_FROM_ONLY "</span>");
	nl_buf_puts(b, "</p>\n");
	if (r->needs_look) {
		nl_buf_puts(b, "<p class=\"reasons\">");
		for (size_t i = 0; i < r->n_reasons; i++) {
			if (i)
				nl_buf_puts(b, " \u00b7 ");
			nl_report_put_html(b, r->reasons[i], " ");
		}
		nl_buf_puts(b, "</p>\n");
	}
	if (!r->words) {
		nl_buf_puts(b, "<p class=\"qmeta\">Own words not kept: collected before this version.</p>\n");
	} else if (!r->words[0]) {
		nl_buf_puts(b, "<p class=\"qmeta\">No words of their own.</p>\n");
	} else {
		size_t len = strlen(r->words);
		while (len > 0 && (r->words[len - 1] == '\n' || r->words[len - 1] == '\r'))
			len--;
		char *words = nl_xstrndup(r->words, len);
		nl_buf_puts(b, "<blockquote class=\"words\">");
		nl_report_put_html(b, words, "<br>\n");
		nl_buf_puts(b, "</blockquote>\n");
		free(words);
	}
	if (r->contact || r->n_readings) {
		nl_buf_puts(b, "<ul class=\"readings\">\n");
		if (r->contact) {
			nl_buf_puts(b, "<li><span class=\"confirm\">asks to be contacted:</span> <q>");
			nl_report_put_html(b, r->contact, " ");
			nl_buf_puts(b, "</q></li>\n");
		}
		for (size_t i = 0; i < r->n_readings; i++)
			html_reading(b, &r->readings[i]);
		nl_buf_puts(b, "</ul>\n");
	}
	nl_buf_puts(b, "</article>\n");
}

static void html_replies(struct nl_buf *b, const struct nl_tally *t)
{
	nl_buf_printf(
	    b, "<section class=\"replies\" id=\"replies\">\n<h2>Replies: %zu, %ld need%s a look</h2>\n",
	    t->n_replies, t->needs_look, t->needs_look == 1 ? "s" : "");
	if (t->n_replies == 0)
		nl_buf_puts(b, "<p>None yet.</p>\n");
	for (size_t i = 0; i < t->n_replies; i++)
		html_reply(b, &t->replies_list[i]);
	nl_buf_puts(b, "</section>\n");
}

static void html_header(struct nl_buf *b, const struct nl_tally *t)
{
	char due[11], gen[24];
	nl_report_date(t->due, due);
	nl_report_datetime(t->generated, gen);
	nl_buf_puts(b, "<header>\n<h1>Survey report: ");
	nl_report_put_html(b, t->campaign, " ");
	nl_buf_puts(b, "</h1>\n<p class=\"meta\">");
	if (t->subject) {
		nl_buf_puts(b, "<b>");
		nl_report_put_html(b, t->subject, " ");
		nl_buf_puts(b, "</b><br>\n");
	}
	nl_buf_printf(b, "Due %s \u00b7 generated %s", due, gen);
	if (t->survey_id) {
		nl_buf_puts(b, " \u00b7 survey ");
		nl_report_put_html(b, t->survey_id, " ");
	}
	nl_buf_puts(b, "</p>\n");
	if (t->note) {
		nl_buf_puts(b, "<p class=\"note\">");
		nl_report_put_html(b, t->note, " ");
		nl_buf_puts(b, "</p>\n");
	} else if (!t->survey_id) {
		nl_buf_puts(b, "<p class=\"note\">This campaign's article carries no survey.</p>\n");
	}
	nl_buf_puts(b, "</header>\n");
}

void nl_report_html(const struct nl_tally *t, struct nl_buf *out)
{
	char *title = nl_xasprintf("Survey report: %s", t->campaign);
	html_begin(out, title);
	free(title);
	html_header(out, t);
	html_followup(out, t);
	html_figures(out, t);
	for (size_t i = 0; i < t->n_questions; i++)
		html_question(out, &t->questions[i], i + 1);
	html_crosstab(out, t);
	if (t->unreadable) {
		nl_buf_puts(out, "<section>\n<h2>Unreadable answers: settle these by hand</h2>\n");
		for (size_t i = 0; i < t->n_questions; i++)
			if (t->questions[i].n_unreadable)
				html_entries(out, t->questions[i].unreadable, t->questions[i].n_unreadable,
				             t->questions[i].id, true);
		nl_buf_puts(out, "</section>\n");
	}
	html_replies(out, t);
	html_end(out);
}

/* ---- Across campaigns ---- */

static void html_all_series(struct nl_buf *b, struct nl_tally *const *t, size_t n,
                            const struct nl_report_series *s)
{
	nl_buf_puts(b, "<section>\n<h2>");
	nl_report_put_html(b, s->id, " ");
	nl_buf_printf(b, " (%s): ", nl_report_type_label(s->type));
	nl_report_put_html(b, s->text, " ");
	nl_buf_puts(b, "</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th></th>");
	for (size_t c = 0; c < n; c++)
		if (s->q[c]) {
			nl_buf_puts(b, "<th class=\"n\">");
			nl_report_put_html(b, t[c]->campaign, " ");
			nl_buf_puts(b, "</th>");
		}
	nl_buf_puts(b, "</tr></thead>\n<tbody>\n<tr><th>answered</th>");
	for (size_t c = 0; c < n; c++)
		if (s->q[c])
			nl_buf_printf(b, "<td class=\"n\">%ld</td>", s->q[c]->answered);
	nl_buf_puts(b, "</tr>\n");
	if (s->type == NL_Q_SCALE) {
		for (int m = 0; m < 2; m++) {
			nl_buf_puts(b, m == 0 ? "<tr><th>mean</th>" : "<tr><th>median</th>");
			for (size_t c = 0; c < n; c++) {
				const struct nl_tally_question *q = s->q[c];
				if (!q)
					continue;
				nl_buf_puts(b, "<td class=\"n\">");
				if (q->has_stats)
					nl_report_put_num(b, m == 0 ? q->mean : q->median, 2);
				else
					nl_buf_puts(b, "\u2013");
				nl_buf_puts(b, "</td>");
			}
			nl_buf_puts(b, "</tr>\n");
		}
	}
	for (size_t l = 0; l < s->n_labels; l++) {
		nl_buf_puts(b, "<tr><th>");
		nl_report_put_html(b, s->labels[l], " ");
		nl_buf_puts(b, "</th>");
		for (size_t c = 0; c < n; c++) {
			const struct nl_tally_question *q = s->q[c];
			if (!q)
				continue;
			long v = nl_report_bin_count(q, s->labels[l]);
			nl_buf_puts(b, "<td class=\"n\">");
			if (v < 0) {
				nl_buf_puts(b, "\u2013</td>");
				continue;
			}
			char *cp = html_count_pct(v, q->answered);
			nl_buf_puts(b, cp);
			free(cp);
			nl_buf_puts(b, "</td>");
		}
		nl_buf_puts(b, "</tr>\n");
	}
	nl_buf_puts(b, "</tbody></table></div>\n");
	/* the trend as a chart: the mean of a scale, the share of each option otherwise */
	size_t nb = 0;
	struct html_bar *bars = nl_xcalloc((s->n_labels + 1) * n, sizeof *bars);
	char **labels = nl_xcalloc((s->n_labels + 1) * n, sizeof *labels);
	for (size_t l = 0; l < (s->type == NL_Q_SCALE ? 1 : s->n_labels); l++) {
		for (size_t c = 0; c < n; c++) {
			const struct nl_tally_question *q = s->q[c];
			if (!q)
				continue;
			if (s->type == NL_Q_SCALE) {
				labels[nb] = nl_xstrdup(t[c]->campaign);
				double span = q->max > q->min ? (double)(q->max - q->min) : 1.0;
				bars[nb].fraction = q->has_stats ? (q->mean - q->min) / span : 0;
				struct nl_buf v = NL_BUF_INIT;
				nl_buf_puts(&v, "mean ");
				if (q->has_stats)
					nl_report_put_num(&v, q->mean, 2);
				else
					nl_buf_puts(&v, "\u2013");
				bars[nb].value = nl_buf_detach(&v);
			} else {
				long v = nl_report_bin_count(q, s->labels[l]);
				labels[nb] = nl_xasprintf("%s \u00b7 %s", s->labels[l], t[c]->campaign);
				bars[nb].fraction =
				    v > 0 && q->answered ? (double)v / (double)q->answered : 0;
				bars[nb].value =
				    v < 0 ? nl_xstrdup("\u2013") : html_count_pct(v, q->answered);
			}
			bars[nb].label = labels[nb];
			nb++;
		}
	}
	if (s->type != NL_Q_TEXT && nb) {
		char *caption = nl_xasprintf("%s across campaigns", s->id);
		html_chart(b, caption, bars, nb);
		free(caption);
	}
	for (size_t i = 0; i < nb; i++) {
		free(bars[i].value);
		free(labels[i]);
	}
	free(bars);
	free(labels);
	nl_buf_puts(b, "</section>\n");
}

void nl_report_html_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	char *title = nl_xasprintf("Survey report across %zu campaign%s", n, n == 1 ? "" : "s");
	html_begin(out, title);
	nl_buf_puts(out, "<header>\n<h1>");
	nl_report_put_html(out, title, " ");
	nl_buf_puts(out, "</h1>\n</header>\n");
	free(title);
	if (n) {
		nl_buf_puts(
		    out, "<section>\n<h2>Figures</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th></th>");
		for (size_t c = 0; c < n; c++) {
			nl_buf_puts(out, "<th class=\"n\">");
			nl_report_put_html(out, t[c]->campaign, " ");
			nl_buf_puts(out, "</th>");
		}
		nl_buf_puts(out, "</tr></thead>\n<tbody>\n<tr><th>due</th>");
		for (size_t c = 0; c < n; c++) {
			char due[11];
			nl_report_date(t[c]->due, due);
			nl_buf_printf(out, "<td class=\"n\">%s</td>", due);
		}
		nl_buf_puts(out, "</tr>\n<tr><th>sent</th>");
		for (size_t c = 0; c < n; c++)
			nl_buf_printf(out, "<td class=\"n\">%ld</td>", t[c]->sent);
		nl_buf_puts(out, "</tr>\n<tr><th>respondents</th>");
		for (size_t c = 0; c < n; c++)
			nl_buf_printf(out, "<td class=\"n\">%ld</td>", t[c]->respondents);
		nl_buf_puts(out, "</tr>\n<tr><th>response rate</th>");
		for (size_t c = 0; c < n; c++) {
			nl_buf_puts(out, "<td class=\"n\">");
			if (t[c]->has_rate)
				nl_report_put_pct(out, t[c]->respondents, t[c]->sent);
			else
				nl_buf_puts(out, "\u2013");
			nl_buf_puts(out, "</td>");
		}
		nl_buf_puts(out, "</tr>\n</tbody></table></div>\n</section>\n");
	}
	struct nl_report_series *s;
	size_t ns;
	nl_report_series_build(t, n, &s, &ns);
	for (size_t k = 0; k < ns; k++)
		html_all_series(out, t, n, &s[k]);
	nl_report_series_free(s, ns);
	html_end(out);
}
