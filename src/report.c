/* report.c - choosing a report writer, the escaping helpers the writers share, grouping questions
 * across campaigns, and the report email.
 *
 * Escaping follows each output's own rules: HTML5 §13.1.2.6 (character references for & < > " '),
 * RFC 8259 §7 (JSON strings), CommonMark 0.30 §2.4 (backslash escapes) and §2.5 (entity
 * references).  Text for a terminal loses its control characters (ECMA-48 escape sequences could
 * otherwise move the cursor or rewrite the screen).  The email is written with mime.h (RFC 5322,
 * RFC 2046 multipart/alternative, RFC 2047 headers, quoted-printable) and carries Auto-Submitted
 * (RFC 3834) so vacation responders stay quiet.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "mime.h"
#include "report_impl.h"
#include "util.h"

bool nl_report_format_parse(const char *name, enum nl_report_format *out)
{
	static const struct {
		const char *name;
		enum nl_report_format format;
	} names[] = {
	    {"text", NL_REPORT_TEXT}, {"txt", NL_REPORT_TEXT},
	    {"md", NL_REPORT_MD},     {"markdown", NL_REPORT_MD},
	    {"html", NL_REPORT_HTML}, {"csv", NL_REPORT_CSV},
	    {"json", NL_REPORT_JSON}, {"csv-replies", NL_REPORT_CSV_REPLIES},
	};
	for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].format;
			return true;
		}
	}
	return false;
}

const char *nl_report_format_ext(enum nl_report_format format)
{
	switch (format) {
	case NL_REPORT_TEXT:
		return "txt";
	case NL_REPORT_MD:
		return "md";
	case NL_REPORT_HTML:
		return "html";
	case NL_REPORT_CSV:
	case NL_REPORT_CSV_REPLIES:
		return "csv";
	case NL_REPORT_JSON:
		return "json";
	}
	return "txt";
}

void nl_report_write(const struct nl_tally *t, enum nl_report_format format, struct nl_buf *out)
{
	switch (format) {
	case NL_REPORT_TEXT:
		nl_report_text(t, out);
		break;
	case NL_REPORT_MD:
		nl_report_md(t, out);
		break;
	case NL_REPORT_HTML:
		nl_report_html(t, out);
		break;
	case NL_REPORT_CSV:
		nl_report_csv(t, out);
		break;
	case NL_REPORT_CSV_REPLIES:
		nl_report_csv_replies(t, out);
		break;
	case NL_REPORT_JSON:
		nl_report_json(t, out);
		break;
	}
}

void nl_report_write_all(struct nl_tally *const *t, size_t n, enum nl_report_format format,
                         struct nl_buf *out)
{
	switch (format) {
	case NL_REPORT_TEXT:
		nl_report_text_all(t, n, out);
		break;
	case NL_REPORT_MD:
		nl_report_md_all(t, n, out);
		break;
	case NL_REPORT_HTML:
		nl_report_html_all(t, n, out);
		break;
	case NL_REPORT_CSV:
		nl_report_csv_all(t, n, out);
		break;
	case NL_REPORT_CSV_REPLIES:
		nl_report_csv_replies_all(t, n, out);
		break;
	case NL_REPORT_JSON:
		nl_report_json_all(t, n, out);
		break;
	}
}

/* ---- UTF-8 and escaping ---- */

size_t nl_report_utf8_next(const char *s, size_t len, unsigned *cp)
{
	size_t n = nl_utf8_decode(s, len, cp);
	if (n)
		return n;
	*cp = 0xfffd; /* an invalid byte stands for itself as U+FFFD and is skipped alone */
	return 1;
}

void nl_report_put_cp(struct nl_buf *b, unsigned cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	nl_buf_append(b, o, n);
}

/* Characters that must not reach a terminal or a Markdown file as they are. */
static bool report_is_control(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void nl_report_put_clean(struct nl_buf *b, const char *s, const char *newline)
{
	size_t len = s ? strlen(s) : 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_report_utf8_next(s + i, len - i, &cp);
		if (cp == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (cp == '\n' || cp == '\r')
			nl_buf_puts(b, newline);
		else if (cp == '\t')
			nl_buf_putc(b, ' ');
		else if (report_is_control(cp))
			nl_report_put_cp(b, 0xfffd);
		else if (cp == 0xfffd)
			nl_report_put_cp(b, cp);
		else
			nl_buf_append(b, s + i, n);
		i += n;
	}
}

size_t nl_report_clean_width(const char *s)
{
	struct nl_buf tmp = NL_BUF_INIT;
	nl_report_put_clean(&tmp, s, " ");
	size_t w = nl_utf8_width(nl_buf_cstr(&tmp), tmp.len);
	nl_buf_free(&tmp);
	return w;
}

void nl_report_put_padded(struct nl_buf *b, const char *s, size_t width)
{
	nl_report_put_clean(b, s, " ");
	for (size_t w = nl_report_clean_width(s); w < width; w++)
		nl_buf_putc(b, ' ');
}

void nl_report_put_right(struct nl_buf *b, const char *s, size_t width)
{
	for (size_t w = nl_report_clean_width(s); w < width; w++)
		nl_buf_putc(b, ' ');
	nl_report_put_clean(b, s, " ");
}

void nl_report_put_html(struct nl_buf *b, const char *s, const char *newline)
{
	size_t len = s ? strlen(s) : 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_report_utf8_next(s + i, len - i, &cp);
		switch (cp) {
		case '&':
			nl_buf_puts(b, "&amp;");
			break;
		case '<':
			nl_buf_puts(b, "&lt;");
			break;
		case '>':
			nl_buf_puts(b, "&gt;");
			break;
		case '"':
			nl_buf_puts(b, "&quot;");
			break;
		case '\'':
			nl_buf_puts(b, "&#39;");
			break;
		case '\r':
			if (i + 1 < len && s[i + 1] == '\n')
				break;
			/* fall through */
		case '\n':
			nl_buf_puts(b, newline);
			break;
		case '\t':
			nl_buf_putc(b, ' ');
			break;
		default:
			/* A NUL cannot occur in a C string; other controls are not allowed in HTML text. */
			if (report_is_control(cp) || cp == 0xfffd)
				nl_report_put_cp(b, 0xfffd);
			else
				nl_buf_append(b, s + i, n);
		}
		i += n;
	}
}

void nl_report_put_json(struct nl_buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	nl_buf_putc(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_report_utf8_next(s + i, len - i, &cp);
		switch (cp) {
		case '"':
			nl_buf_puts(b, "\\\"");
			break;
		case '\\':
			nl_buf_puts(b, "\\\\");
			break;
		case '\b':
			nl_buf_puts(b, "\\b");
			break;
		case '\f':
			nl_buf_puts(b, "\\f");
			break;
		case '\n':
			nl_buf_puts(b, "\\n");
			break;
		case '\r':
			nl_buf_puts(b, "\\r");
			break;
		case '\t':
			nl_buf_puts(b, "\\t");
			break;
		default:
			/* < > & escaped too, so the JSON can be embedded in a <script> block or HTML safely.
			 */
			if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 ||
			    cp == 0x2029)
				nl_buf_printf(b, "\\u%04x", cp);
			else if (cp == 0xfffd)
				nl_report_put_cp(b, cp);
			else
				nl_buf_append(b, s + i, n);
		}
		i += n;
	}
	nl_buf_putc(b, '"');
}

void nl_report_put_json_or_null(struct nl_buf *b, const char *s)
{
	if (s)
		nl_report_put_json(b, s);
	else
		nl_buf_puts(b, "null");
}

void nl_report_put_md(struct nl_buf *b, const char *s, const char *newline)
{
	size_t len = s ? strlen(s) : 0;
	bool line_start = true, digits = false;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = nl_report_utf8_next(s + i, len - i, &cp);
		bool was_start = line_start, was_digits = digits;
		line_start = digits = false;
		if (was_start && (cp == ' ' || cp == '\t')) {
			/* leading blanks would make an indented code block or a nested list: dropped */
			line_start = true;
			i += n;
			continue;
		}
		switch (cp) {
		case '&':
			nl_buf_puts(b, "&amp;");
			break;
		case '<':
			nl_buf_puts(b, "&lt;");
			break;
		case '>':
			nl_buf_puts(b, "&gt;");
			break;
		case '\\':
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
		case '|':
		case '~':
		case '#':
			/* inline constructs (emphasis, code, links, tables, strikethrough, headings) */
			nl_buf_putc(b, '\\');
			nl_buf_putc(b, (char)cp);
			break;
		case '-':
		case '+':
		case '=':
		case '.':
		case ')':
			/* block constructs only at the start of a line: list items, setext underlines,
			 * "1." / "1)" ordered items */
			if (was_start || ((cp == '.' || cp == ')') && was_digits))
				nl_buf_putc(b, '\\');
			nl_buf_putc(b, (char)cp);
			break;
		case '\r':
			if (i + 1 < len && s[i + 1] == '\n') {
				line_start = was_start;
				break;
			}
			/* fall through */
		case '\n':
			nl_buf_puts(b, newline);
			line_start = true;
			break;
		case '\t':
			nl_buf_putc(b, ' ');
			break;
		default:
			if (cp >= '0' && cp <= '9' && (was_start || was_digits))
				digits = true;
			if (report_is_control(cp) || cp == 0xfffd)
				nl_report_put_cp(b, 0xfffd);
			else
				nl_buf_append(b, s + i, n);
		}
		i += n;
	}
}

/* ---- Numbers and dates ---- */

void nl_report_put_num(struct nl_buf *b, double v, int decimals)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	if (strchr(tmp, '.')) {
		size_t n = strlen(tmp);
		while (n > 0 && tmp[n - 1] == '0')
			tmp[--n] = '\0';
		if (n > 0 && tmp[n - 1] == '.')
			tmp[--n] = '\0';
	}
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	nl_buf_puts(b, tmp);
}

void nl_report_put_pct(struct nl_buf *b, long count, long total)
{
	double p = total > 0 ? 100.0 * (double)count / (double)total : 0.0;
	nl_buf_printf(b, "%.1f%%", p);
}

void nl_report_date(time_t t, char out[11])
{
	if (t == 0) {
		strcpy(out, "-");
		return;
	}
	char iso[32];
	nl_format_iso8601(t, iso);
	memcpy(out, iso, 10);
	out[10] = '\0';
}

void nl_report_datetime(time_t t, char out[24])
{
	char iso[32];
	nl_format_iso8601(t, iso);
	/* "2026-11-25T17:08:14Z" -> "2026-11-25 17:08 UTC" */
	snprintf(out, 24, "%.10s %.5s UTC", iso, iso + 11);
}

const char *nl_report_type_label(enum nl_question_type type)
{
	switch (type) {
	case NL_Q_CHOICE:
		return "choice";
	case NL_Q_SCALE:
		return "scale";
	case NL_Q_YESNO:
		return "yes/no";
	case NL_Q_TEXT:
		return "text";
	}
	return "?";
}

const char *nl_report_type_name(enum nl_question_type type)
{
	switch (type) {
	case NL_Q_CHOICE:
		return "choice";
	case NL_Q_SCALE:
		return "scale";
	case NL_Q_YESNO:
		return "yesno";
	case NL_Q_TEXT:
		return "text";
	}
	return "text";
}

const char *nl_report_entry_note(bool settled, enum nl_match match)
{
	if (settled)
		return "settled by hand";
	return match == NL_MATCH_FROM ? NL_REPORT_FROM_ONLY : NULL;
}

char *nl_report_who(const char *name, const char *email)
{
	if (name && name[0])
		return nl_xasprintf("%s <%s>", name, email ? email : "");
	return nl_xstrdup(email ? email : "");
}

/* ---- Across campaigns ---- */

static void report_label_add(struct nl_report_series *s, const char *label)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i], label) == 0)
			return;
	s->labels = nl_xrealloc(s->labels, (s->n_labels + 1) * sizeof *s->labels);
	s->labels[s->n_labels++] = nl_xstrdup(label);
}

static int report_int_label_cmp(const void *pa, const void *pb)
{
	int a = atoi(*(char *const *)pa), b = atoi(*(char *const *)pb);
	return (a > b) - (a < b);
}

void nl_report_series_build(struct nl_tally *const *t, size_t n, struct nl_report_series **out, size_t *n_out)
{
	struct nl_report_series *s = NULL;
	size_t ns = 0;
	for (size_t c = 0; c < n; c++) {
		for (size_t i = 0; i < t[c]->n_questions; i++) {
			const struct nl_tally_question *q = &t[c]->questions[i];
			size_t k = 0;
			while (k < ns && !(strcmp(s[k].id, q->id) == 0 && s[k].type == q->type))
				k++;
			if (k == ns) {
				s = nl_xrealloc(s, (ns + 1) * sizeof *s);
				memset(&s[ns], 0, sizeof s[ns]);
				s[ns].id = q->id;
				s[ns].type = q->type;
				s[ns].q = nl_xcalloc(n, sizeof *s[ns].q);
				ns++;
			}
			if (s[k].q[c])
				continue; /* the same id twice in one survey: the first counts */
			s[k].q[c] = q;
			s[k].text = q->text;
			s[k].campaigns++;
			for (size_t b = 0; b < q->n_bins; b++)
				report_label_add(&s[k], q->bins[b].label);
		}
	}
	for (size_t k = 0; k < ns; k++)
		if (s[k].type == NL_Q_SCALE && s[k].n_labels > 1)
			qsort(s[k].labels, s[k].n_labels, sizeof *s[k].labels, report_int_label_cmp);
	*out = s;
	*n_out = ns;
}

void nl_report_series_free(struct nl_report_series *s, size_t n)
{
	for (size_t k = 0; s && k < n; k++) {
		for (size_t i = 0; i < s[k].n_labels; i++)
			free(s[k].labels[i]);
		free(s[k].labels);
		free(s[k].q);
	}
	free(s);
}

long nl_report_bin_count(const struct nl_tally_question *q, const char *label)
{
	for (size_t b = 0; q && b < q->n_bins; b++)
		if (strcmp(q->bins[b].label, label) == 0)
			return q->bins[b].count;
	return -1;
}

/* ---- The report email ---- */

static bool report_has_break(const char *s)
{
	return s && (strchr(s, '\r') || strchr(s, '\n'));
}

enum nl_code nl_report_compose_mail(const char *from_name, const char *from_addr, const char *to,
                                    const char *subject, const char *text, const char *html,
                                    struct nl_buf *out, struct nl_error *err)
{
	static unsigned counter;
	const char *reason = NULL;
	if (!from_addr || !nl_address_valid(from_addr, &reason))
		return nl_fail(err, NL_ERR_USAGE, "report sender '%s': %s", from_addr ? from_addr : "",
		               reason ? reason : "missing");
	if (!to || !nl_address_valid(to, &reason))
		return nl_fail(err, NL_ERR_USAGE, "report recipient '%s': %s", to ? to : "",
		               reason ? reason : "missing");
	if (report_has_break(subject) || report_has_break(from_name))
		return nl_fail(err, NL_ERR_USAGE, "a header of the report email contains a line break");
	char date[40], value[320], boundary[64];
	time_t now = nl_now();
	nl_format_rfc5322_date(now, date);
	counter++;
	unsigned long salt =
	    ((unsigned long)now * 2654435761u) ^ ((unsigned long)getpid() * 40503u) ^ counter;
	nl_mime_header_mailbox(out, "From", from_name, from_addr);
	nl_mime_header_mailbox(out, "To", NULL, to);
	const char *subj = subject ? subject : "Survey report";
	nl_mime_header_text(out, "Subject", subj, strlen(subj));
	nl_mime_header_raw(out, "Date", date);
	snprintf(value, sizeof value, "<report.%ld.%lx.%u@%s>", (long)now, salt, counter,
	         nl_address_domain(from_addr));
	nl_mime_header_raw(out, "Message-ID", value);
	nl_mime_header_raw(out, "Auto-Submitted", "auto-generated"); /* RFC 3834 §5 */
	/* "=_" never occurs in quoted-printable output (mime.h) */
	snprintf(boundary, sizeof boundary, "=_report_%lx_%u", salt, counter);
	nl_mime_alternative(out, boundary, text ? text : "", text ? strlen(text) : 0, html ? html : "",
	                    html ? strlen(html) : 0);
	return NL_OK;
}

char *nl_report_subject(struct nl_tally *const *t, size_t n, bool all)
{
	if (all || n != 1)
		return nl_xasprintf("Survey report across %zu campaign%s", n, n == 1 ? "" : "s");
	const struct nl_tally *one = t[0];
	size_t yes = one->n_follow; /* a yes to a follow-up question, or asked in their own words */
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_printf(&b, "Survey report %s: %ld respondent%s", one->campaign, one->respondents,
	              one->respondents == 1 ? "" : "s");
	if (one->has_rate) {
		nl_buf_puts(&b, " (");
		nl_report_put_pct(&b, one->respondents, one->sent);
		nl_buf_putc(&b, ')');
	}
	if (yes)
		nl_buf_printf(&b, ", %zu to follow up", yes);
	return nl_buf_detach(&b);
}

enum nl_code nl_report_mail_message(struct nl_tally *const *t, size_t n, bool all, const char *from_name,
                                    const char *from_addr, const char *to, struct nl_buf *out,
                                    struct nl_error *err)
{
	struct nl_buf text = NL_BUF_INIT, html = NL_BUF_INIT;
	if (all) {
		nl_report_text_all(t, n, &text);
		nl_report_html_all(t, n, &html);
	} else if (n > 0) {
		nl_report_text(t[0], &text);
		nl_report_html(t[0], &html);
	}
	char *subject = nl_report_subject(t, n, all);
	enum nl_code rc = nl_report_compose_mail(from_name, from_addr, to, subject, nl_buf_cstr(&text),
	                                         nl_buf_cstr(&html), out, err);
	free(subject);
	nl_buf_free(&text);
	nl_buf_free(&html);
	return rc;
}

void nl_report_put_reading(struct nl_buf *b, const struct nl_tally_reading *g,
                           const struct nl_report_reading_style *st)
{
	nl_buf_puts(b, st->start);
	st->put(b, g->question, " ");
	nl_buf_puts(b, st->after_question);
	switch (g->level) {
	case NL_TALLY_SURE:
		st->put(b, g->value, " ");
		break;
	case NL_TALLY_LIKELY:
		nl_buf_puts(b, st->likely);
		st->put(b, g->value, " ");
		if (g->raw) {
			nl_buf_puts(b, " (from \u201c");
			st->put(b, g->raw, " ");
			nl_buf_puts(b, "\u201d)");
		}
		break;
	case NL_TALLY_UNREADABLE:
		nl_buf_puts(b, st->unreadable);
		nl_buf_puts(b, "\u201c");
		st->put(b, g->raw ? g->raw : "", " ");
		nl_buf_puts(b, "\u201d");
		break;
	}
	if (g->settled) {
		nl_buf_puts(b, " (settled by hand)");
	} else if (g->rule && g->level != NL_TALLY_UNREADABLE) {
		nl_buf_puts(b, st->rule_open);
		st->put(b, g->rule, " ");
		nl_buf_puts(b, st->rule_close);
	}
	nl_buf_putc(b, '\n');
}
