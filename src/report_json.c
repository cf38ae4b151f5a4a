/* report_json.c - the report as JSON (RFC 8259), in the shape of doc/DESIGN.md §3:
 *
 *   {campaign, subject, sent, deferred, failed, bounced, complaints, unsubscribed, reply_count,
 *    respondents, response_rate, unmatched, unreadable, questions: [{id, type, text, answered, ...}]}
 *
 * choice and yesno carry `options: [{value, count}]` (every option, zeros included), scale `mean`,
 * `median` and `histogram: [{value, count}]` (every value of the scale), text `answers: [{email,
 * name, text, matched}]`, yesno also `yes: [{email, name, matched}]`; every question also
 * `unreadable: [{email, name, raw, matched}]` (`matched` is "token", or "from" for a From-only
 * match: issue 15).  Numbers are JSON numbers; response_rate is a fraction (0.7143 for 5 of 7), and it, mean and
 * median are null when there is nothing to divide by.  Strings are escaped by nl_report_put_json().
 *
 * Issue 12 adds, compatibly: `likely` (answers to confirm) and `needs_look` (replies a person should
 * read) beside `unreadable`; `follow_up: true|false` on each yesno question (its `yes` list is kept
 * for every yesno question, as before); and after the questions
 *   follow_up: [{email, name, how: "yes"|"in words", question, sentence, settled, matched}]
 *     (the yeses to follow-up questions first, then the requests in words: the people to contact);
 *   replies: [{email, name, received, matched: "token"|"from", words, needs_look, reasons: [...],
 *                 contact, readings: [{question, level: "sure"|"likely"|"unreadable", value, raw,
 *                 rule, settled}]}]
 *     (every reply, those that need a look first, newest first; `received` is ISO 8601 UTC; `words`
 *     is null when the state did not keep them).  Issue 12 asks for the list under `replies`, so
 *     the count doc/DESIGN.md §3 called `replies` is now `reply_count`: the one incompatible change.
 */
#include "report.h"

#include "report_impl.h"
#include "util.h"

static void json_key(struct nl_buf *b, int indent, const char *key)
{
	nl_buf_printf(b, "%*s\"%s\": ", indent, "", key);
}

static void json_long(struct nl_buf *b, int indent, const char *key, long v, bool more)
{
	json_key(b, indent, key);
	nl_buf_printf(b, "%ld%s\n", v, more ? "," : "");
}

static void json_string(struct nl_buf *b, int indent, const char *key, const char *v, bool more)
{
	json_key(b, indent, key);
	nl_report_put_json_or_null(b, v);
	nl_buf_puts(b, more ? ",\n" : "\n");
}

static void json_entries(struct nl_buf *b, int indent, const char *key, const struct nl_tally_entry *e,
                         size_t n, const char *text_key, bool more)
{
	json_key(b, indent, key);
	if (n == 0) {
		nl_buf_puts(b, more ? "[],\n" : "[]\n");
		return;
	}
	nl_buf_puts(b, "[\n");
	for (size_t i = 0; i < n; i++) {
		nl_buf_printf(b, "%*s{\"email\": ", indent + 2, "");
		nl_report_put_json(b, e[i].email);
		nl_buf_puts(b, ", \"name\": ");
		nl_report_put_json_or_null(b, e[i].name);
		if (text_key) {
			nl_buf_printf(b, ", \"%s\": ", text_key);
			nl_report_put_json(b, e[i].text ? e[i].text : "");
		}
		nl_buf_printf(b, ", \"matched\": \"%s\"", e[i].match == NL_MATCH_FROM ? "from" : "token");
		nl_buf_puts(b, i + 1 < n ? "},\n" : "}\n");
	}
	nl_buf_printf(b, "%*s]%s\n", indent, "", more ? "," : "");
}

static void json_bins(struct nl_buf *b, int indent, const char *key, const struct nl_tally_question *q)
{
	json_key(b, indent, key);
	if (q->n_bins == 0) {
		nl_buf_puts(b, "[],\n");
		return;
	}
	nl_buf_puts(b, "[\n");
	for (size_t i = 0; i < q->n_bins; i++) {
		nl_buf_printf(b, "%*s{\"value\": ", indent + 2, "");
		if (q->type == NL_Q_SCALE)
			nl_buf_printf(b, "%d", q->bins[i].value);
		else
			nl_report_put_json(b, q->bins[i].label);
		nl_buf_printf(b, ", \"count\": %ld}%s\n", q->bins[i].count, i + 1 < q->n_bins ? "," : "");
	}
	nl_buf_printf(b, "%*s],\n", indent, "");
}

static void json_number_or_null(struct nl_buf *b, int indent, const char *key, bool has, double v,
                                int decimals)
{
	json_key(b, indent, key);
	if (has)
		nl_report_put_num(b, v, decimals);
	else
		nl_buf_puts(b, "null");
	nl_buf_puts(b, ",\n");
}

static void json_question(struct nl_buf *b, int indent, const struct nl_tally_question *q, bool more)
{
	nl_buf_printf(b, "%*s{\n", indent, "");
	int in = indent + 2;
	json_string(b, in, "id", q->id, true);
	json_string(b, in, "type", nl_report_type_name(q->type), true);
	json_string(b, in, "text", q->text, true);
	json_long(b, in, "answered", q->answered, true);
	switch (q->type) {
	case NL_Q_CHOICE:
		json_bins(b, in, "options", q);
		break;
	case NL_Q_YESNO:
		json_key(b, in, "follow_up");
		nl_buf_puts(b, q->follow_up ? "true,\n" : "false,\n");
		json_bins(b, in, "options", q);
		json_entries(b, in, "yes", q->yes, q->n_yes, NULL, true);
		break;
	case NL_Q_SCALE:
		json_number_or_null(b, in, "mean", q->has_stats, q->mean, 4);
		json_number_or_null(b, in, "median", q->has_stats, q->median, 4);
		json_bins(b, in, "histogram", q);
		break;
	case NL_Q_TEXT:
		json_entries(b, in, "answers", q->answers, q->n_answers, "text", true);
		break;
	}
	json_entries(b, in, "unreadable", q->unreadable, q->n_unreadable, "raw", false);
	nl_buf_printf(b, "%*s}%s\n", indent, "", more ? "," : "");
}

static void json_bool_field(struct nl_buf *b, const char *key, bool v)
{
	nl_buf_printf(b, ", \"%s\": %s", key, v ? "true" : "false");
}

static void json_follow(struct nl_buf *b, int indent, const struct nl_tally *t)
{
	json_key(b, indent, "follow_up");
	if (t->n_follow == 0) {
		nl_buf_puts(b, "[],\n");
		return;
	}
	nl_buf_puts(b, "[\n");
	for (size_t i = 0; i < t->n_follow; i++) {
		const struct nl_tally_follow *f = &t->follow[i];
		nl_buf_printf(b, "%*s{\"email\": ", indent + 2, "");
		nl_report_put_json(b, f->email);
		nl_buf_puts(b, ", \"name\": ");
		nl_report_put_json_or_null(b, f->name);
		nl_buf_printf(b, ", \"how\": \"%s\", \"question\": ", f->in_words ? "in words" : "yes");
		nl_report_put_json_or_null(b, f->question);
		nl_buf_puts(b, ", \"sentence\": ");
		nl_report_put_json_or_null(b, f->sentence);
		json_bool_field(b, "settled", f->settled);
		nl_buf_printf(b, ", \"matched\": \"%s\"", f->match == NL_MATCH_FROM ? "from" : "token");
		nl_buf_puts(b, i + 1 < t->n_follow ? "},\n" : "}\n");
	}
	nl_buf_printf(b, "%*s],\n", indent, "");
}

static void json_reply(struct nl_buf *b, int indent, const struct nl_tally_reply *r, bool more)
{
	char iso[32];
	int in = indent + 2;
	nl_format_iso8601(r->received, iso);
	nl_buf_printf(b, "%*s{\n", indent, "");
	json_string(b, in, "email", r->email, true);
	json_string(b, in, "name", r->name, true);
	json_string(b, in, "received", iso, true);
	json_string(b, in, "matched", r->match == NL_MATCH_FROM ? "from" : "token", true);
	json_string(b, in, "words", r->words, true);
	json_key(b, in, "needs_look");
	nl_buf_puts(b, r->needs_look ? "true,\n" : "false,\n");
	json_key(b, in, "reasons");
	nl_buf_putc(b, '[');
	for (size_t i = 0; i < r->n_reasons; i++) {
		if (i)
			nl_buf_puts(b, ", ");
		nl_report_put_json(b, r->reasons[i]);
	}
	nl_buf_puts(b, "],\n");
	json_string(b, in, "contact", r->contact, true);
	json_key(b, in, "readings");
	if (r->n_readings == 0) {
		nl_buf_puts(b, "[]\n");
	} else {
		nl_buf_puts(b, "[\n");
		for (size_t i = 0; i < r->n_readings; i++) {
			const struct nl_tally_reading *g = &r->readings[i];
			nl_buf_printf(b, "%*s{\"question\": ", in + 2, "");
			nl_report_put_json(b, g->question);
			nl_buf_printf(b, ", \"level\": \"%s\", \"value\": ", nl_tally_level_name(g->level));
			nl_report_put_json_or_null(b, g->value);
			nl_buf_puts(b, ", \"raw\": ");
			nl_report_put_json_or_null(b, g->raw);
			nl_buf_puts(b, ", \"rule\": ");
			nl_report_put_json_or_null(b, g->rule);
			json_bool_field(b, "settled", g->settled);
			nl_buf_puts(b, i + 1 < r->n_readings ? "},\n" : "}\n");
		}
		nl_buf_printf(b, "%*s]\n", in, "");
	}
	nl_buf_printf(b, "%*s}%s\n", indent, "", more ? "," : "");
}

static void json_report(const struct nl_tally *t, struct nl_buf *b, int indent, bool more)
{
	int in = indent + 2;
	nl_buf_printf(b, "%*s{\n", indent, "");
	json_string(b, in, "campaign", t->campaign, true);
	json_string(b, in, "subject", t->subject, true);
	json_long(b, in, "sent", t->sent, true);
	json_long(b, in, "deferred", t->deferred, true);
	json_long(b, in, "failed", t->failed, true);
	json_long(b, in, "bounced", t->bounced, true);
	json_long(b, in, "complaints", t->complaints, true);
	json_long(b, in, "unsubscribed", t->unsubscribed, true);
	json_long(b, in, "reply_count", t->replies, true);
	json_long(b, in, "respondents", t->respondents, true);
	json_number_or_null(b, in, "response_rate", t->has_rate, t->response_rate, 4);
	json_long(b, in, "unmatched", t->unmatched, true);
	json_long(b, in, "unreadable", t->unreadable, true);
	json_long(b, in, "likely", t->likely, true);
	json_long(b, in, "needs_look", t->needs_look, true);
	json_key(b, in, "questions");
	if (t->n_questions == 0) {
		nl_buf_puts(b, "[],\n");
	} else {
		nl_buf_puts(b, "[\n");
		for (size_t i = 0; i < t->n_questions; i++)
			json_question(b, in + 2, &t->questions[i], i + 1 < t->n_questions);
		nl_buf_printf(b, "%*s],\n", in, "");
	}
	json_follow(b, in, t);
	json_key(b, in, "replies");
	if (t->n_replies == 0) {
		nl_buf_puts(b, "[]\n");
	} else {
		nl_buf_puts(b, "[\n");
		for (size_t i = 0; i < t->n_replies; i++)
			json_reply(b, in + 2, &t->replies_list[i], i + 1 < t->n_replies);
		nl_buf_printf(b, "%*s]\n", in, "");
	}
	nl_buf_printf(b, "%*s}%s\n", indent, "", more ? "," : "");
}

void nl_report_json(const struct nl_tally *t, struct nl_buf *out)
{
	json_report(t, out, 0, false);
}

void nl_report_json_all(struct nl_tally *const *t, size_t n, struct nl_buf *out)
{
	if (n == 0) {
		nl_buf_puts(out, "[]\n");
		return;
	}
	nl_buf_puts(out, "[\n");
	for (size_t i = 0; i < n; i++)
		json_report(t[i], out, 2, i + 1 < n);
	nl_buf_puts(out, "]\n");
}
