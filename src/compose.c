/* compose.c - one personalised newsletter message per subscriber (RFC 5322, MIME RFC 2045-2049).
 *
 * Per campaign (nl_compose_new): the templates are parsed with every variable resolved, and what is
 * the same for everyone is rendered once: the From header, the survey block and the unsubscribe
 * texts, the latter with a placeholder byte (COMPOSE_HOLE) where each subscriber's token goes.
 * Per subscriber (nl_compose_message): the token (HMAC, token.c), the two templates into scratch
 * buffers (the holes still open), then the headers and the quoted-printable body into the caller's
 * buffer, the holes filled on the way.  The quoted-printable encoder keeps the encodings of lines
 * that repeat from one subscriber to the next (mime.h's line cache, a fixed 4 MiB at most), which is
 * most of the message.  No allocation once the buffers have grown.
 *
 * Headers: RFC 5322 §3.6 (Date, From, To, Subject, Message-ID, Reply-To), RFC 2045 (MIME-Version),
 * RFC 2919 (List-Id), RFC 2369 and RFC 8058 (List-Unsubscribe, List-Unsubscribe-Post).  The envelope
 * sender is the tokened reply address, so bounces carry the token back (VERP).  Survey links follow
 * RFC 6068 (mailto: URIs) and the contract in compose.h.
 */
#include "compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "template.h"
#include "util.h"

#define COMPOSE_HOLE '\x01' /* where the token goes in pre-rendered text; never in real data */
#define COMPOSE_NAME_FALLBACK "there"
#define COMPOSE_QP_CACHE (4u * 1024 * 1024) /* encoded lines kept for the whole campaign */

enum {
	VAR_NAME,
	VAR_EMAIL,
	VAR_TITLE,
	VAR_SUBJECT,
	VAR_DATE,
	VAR_PREHEADER,
	VAR_CONTENT,
	VAR_SURVEY,
	VAR_UNSUBSCRIBE,
	VAR_BUILTIN_COUNT,
};

static const char *const compose_builtins[VAR_BUILTIN_COUNT] = {
    "name", "email", "title", "subject", "date", "preheader", "content", "survey", "unsubscribe",
};

struct nl_composer {
	const struct nl_article *article;
	unsigned char secret[NL_SECRET_LEN];
	struct nl_template *html, *text;
	size_t n_vars;
	struct nl_span *values; /* n_vars; the campaign's constants filled once */
	char *reply_prefix;     /* "replies+" */
	char *reply_suffix;     /* "@example.test" */
	char *from_domain;
	char *campaign_atom;       /* the campaign as dot-atom-text for the Message-ID */
	struct nl_buf from_header; /* "From: …\r\n" */
	struct nl_buf subject_header;
	struct nl_buf list_headers_hole; /* List-Id, List-Unsubscribe(-Post), with holes */
	struct nl_buf reply_name;        /* the From display name, for Reply-To */
	struct nl_buf survey_html_hole, survey_text_hole;
	struct nl_buf unsub_html_hole, unsub_text_hole;
	/* per-subscriber scratch */
	struct nl_buf part_html, part_text, encoded, scratch;
	struct nl_mime_qp_cache *qp_cache;
	time_t date_cached;
	char date_text[40];
};

/* ---- helpers ---- */

/* Appends `s` with every COMPOSE_HOLE replaced by the token. */
static void compose_fill(struct nl_buf *out, const struct nl_buf *s, const char *token)
{
	const char *p = nl_buf_cstr(s), *end = p + s->len;
	while (p < end) {
		const char *h = memchr(p, COMPOSE_HOLE, (size_t)(end - p));
		if (!h) {
			nl_buf_append(out, p, (size_t)(end - p));
			break;
		}
		nl_buf_append(out, p, (size_t)(h - p));
		nl_buf_append(out, token, NL_TOKEN_LEN);
		p = h + 1;
	}
}

/* The tokened reply address as a mailto: URI with a hole for the token: RFC 6068 §2 wants gen-delims and "%"
 * in the address percent-encoded. */
static void compose_mailto_hole(struct nl_composer *c, struct nl_buf *out)
{
	const char *parts[2] = {c->reply_prefix, c->reply_suffix};
	nl_buf_puts(out, "mailto:");
	for (int i = 0; i < 2; i++) {
		for (const char *p = parts[i]; *p; p++) {
			if (*p == '+' || *p == '@')
				nl_buf_putc(out, *p);
			else
				nl_mime_percent_encode(out, p, 1);
		}
		if (i == 0)
			nl_buf_putc(out, COMPOSE_HOLE);
	}
}

/* dot-atom-text (RFC 5322 §3.2.3) from the campaign id, keeping letters, digits, "-", "_", ".". */
static char *compose_atom(const char *s)
{
	struct nl_buf b = NL_BUF_INIT;
	for (const char *p = s; *p; p++) {
		char ch = *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          ch == '-' || ch == '_';
		if (ch == '.' && b.len && b.data[b.len - 1] != '.')
			nl_buf_putc(&b, '.');
		else if (ch != '.')
			nl_buf_putc(&b, ok ? ch : '-');
		if (b.len >= 64)
			break;
	}
	while (b.len && b.data[b.len - 1] == '.')
		b.data[--b.len] = '\0';
	if (!b.len)
		nl_buf_puts(&b, "campaign");
	return nl_buf_detach(&b);
}

/* A URI that can sit between < and > in a header: ASCII, no space, control, "<", ">" or quote. */
static bool compose_uri_ok(const char *s, const char *scheme)
{
	if (nl_ascii_ncasecmp(s, scheme, strlen(scheme)) != 0 || strlen(s) > 900)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
			return false;
	return true;
}

/* ---- the survey block ---- */

/* "mailto:REPLY?subject=ENC(Re: SUBJECT [survey TOKEN QID=VALUE])&body=ENC(N VALUE)" (compose.h). */
static void compose_answer_link(struct nl_composer *c, struct nl_buf *out, size_t n, const char *qid,
                                const char *value, bool html)
{
	struct nl_buf *t = &c->scratch;
	compose_mailto_hole(c, out);
	nl_buf_puts(out, "?subject=");
	nl_buf_reset(t);
	nl_buf_printf(t, "Re: %s [survey ", c->article->subject);
	nl_mime_percent_encode(out, t->data, t->len);
	nl_buf_putc(out, COMPOSE_HOLE);
	nl_buf_reset(t);
	nl_buf_printf(t, " %s=%s]", qid, value);
	nl_mime_percent_encode(out, t->data, t->len);
	nl_buf_puts(out, html ? "&amp;body=" : "&body=");
	nl_buf_reset(t);
	nl_buf_printf(t, "%zu %s", n, value);
	nl_mime_percent_encode(out, t->data, t->len);
}

static void compose_escape(struct nl_buf *out, const char *s)
{
	nl_template_escape_html(out, nl_span_cstr(s));
}

static const char compose_button_style[] =
    "display:inline-block; margin:0 6px 8px 0; padding:6px 14px; border:1px solid #1a5fb4; "
    "border-radius:4px; color:#1a5fb4; text-decoration:none; font-size:15px;";

static void compose_html_option(struct nl_composer *c, struct nl_buf *out, size_t n, const char *qid,
                                const char *value, const char *label)
{
	nl_buf_puts(out, "<a href=\"");
	compose_answer_link(c, out, n, qid, value, true);
	nl_buf_printf(out, "\" style=\"%s\">", compose_button_style);
	compose_escape(out, label);
	nl_buf_puts(out, "</a>\n");
}

/* The example answer for the instructions line: the second option, one below the top, yes. */
static void compose_example(const struct nl_survey *s, struct nl_buf *out)
{
	bool any = false;
	for (size_t i = 0; i < s->n_questions; i++) {
		const struct nl_question *q = &s->questions[i];
		if (q->type == NL_Q_TEXT)
			continue;
		nl_buf_printf(out, "%s%zu ", any ? ", " : "", i + 1);
		if (q->type == NL_Q_CHOICE && q->n_options)
			nl_buf_puts(out, q->options[q->n_options > 1 ? 1 : 0]);
		else if (q->type == NL_Q_SCALE)
			nl_buf_printf(out, "%d", q->max > q->min ? q->max - 1 : q->max);
		else
			nl_buf_puts(out, "yes");
		any = true;
	}
	if (!any && s->n_questions)
		nl_buf_puts(out, "1 and your answer");
}

static void compose_survey(struct nl_composer *c)
{
	const struct nl_survey *s = c->article->survey;
	struct nl_buf *h = &c->survey_html_hole, *t = &c->survey_text_hole;
	if (!s || s->n_questions == 0)
		return;
	struct nl_buf example = NL_BUF_INIT;
	compose_example(s, &example);
	const char *how = "Reply to this email with the numbers, e.g. ";

	nl_buf_puts(t, "----------------------------------------------------------------------\n");
	nl_buf_printf(t, "%s%s\n\n", how, nl_buf_cstr(&example));
	nl_buf_puts(
	    h, "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
	       "style=\"margin:28px 0 0; border-top:1px solid #e4e4e7;\">\n<tr><td style=\"padding:20px 0 "
	       "0;\">\n");
	nl_buf_printf(h, "<p style=\"margin:0 0 16px;\">%s", how);
	compose_escape(h, nl_buf_cstr(&example));
	nl_buf_puts(h, " &ndash; or choose an answer below: each one opens a reply for you to send.</p>\n");
	for (size_t i = 0; i < s->n_questions; i++) {
		const struct nl_question *q = &s->questions[i];
		size_t n = i + 1;
		nl_buf_printf(t, "%zu. %s\n   ", n, q->text);
		nl_buf_printf(h, "<p style=\"margin:16px 0 8px;\"><strong>%zu.</strong> ", n);
		compose_escape(h, q->text);
		nl_buf_puts(h, "</p>\n<p style=\"margin:0 0 8px;\">\n");
		char num[24];
		switch (q->type) {
		case NL_Q_CHOICE:
			for (size_t o = 0; o < q->n_options; o++) {
				nl_buf_printf(t, "%s%s", o ? " / " : "", q->options[o]);
				compose_html_option(c, h, n, q->id, q->options[o], q->options[o]);
			}
			break;
		case NL_Q_SCALE:
			for (int v = q->min; v <= q->max; v++) {
				snprintf(num, sizeof num, "%d", v);
				nl_buf_printf(t, "%s%s", v > q->min ? " " : "", num);
				compose_html_option(c, h, n, q->id, num, num);
			}
			nl_buf_printf(t, "   (%d = least, %d = most)", q->min, q->max);
			nl_buf_printf(
			    h,
			    "<span style=\"color:#71717a; font-size:13px;\">%d = least, %d = most</span>\n",
			    q->min, q->max);
			break;
		case NL_Q_YESNO:
			nl_buf_puts(t, "yes / no");
			compose_html_option(c, h, n, q->id, "yes", "yes");
			compose_html_option(c, h, n, q->id, "no", "no");
			break;
		case NL_Q_TEXT:
			nl_buf_printf(t, "(reply with %zu and your answer in your own words)", n);
			nl_buf_printf(h,
			              "<span style=\"color:#71717a;\">Reply with %zu and your answer in your "
			              "own words.</span>\n",
			              n);
			break;
		}
		nl_buf_puts(t, "\n\n");
		nl_buf_puts(h, "</p>\n");
	}
	nl_buf_puts(h, "</td></tr>\n</table>\n");
	nl_buf_free(&example);
}

/* ---- unsubscribing ---- */

/* List-Id and List-Unsubscribe(-Post) with holes, and the {{unsubscribe}} texts. */
static enum nl_code compose_lists(struct nl_composer *c, const struct nl_config *cfg, const char *reply_addr,
                                  struct nl_error *err)
{
	const char *mailto = cfg->unsubscribe_mailto;
	const char *https = cfg->unsubscribe_https && *cfg->unsubscribe_https ? cfg->unsubscribe_https : NULL;
	if (!mailto || !compose_uri_ok(mailto, "mailto:"))
		return nl_fail(err, NL_ERR_CONFIG, "unsubscribe: '%s' is not a usable mailto: URI",
		               mailto ? mailto : "");
	if (https && !compose_uri_ok(https, "https://"))
		return nl_fail(err, NL_ERR_CONFIG, "unsubscribe: '%s' is not a usable https:// URL", https);
	if (!cfg->list_id || !*cfg->list_id || !compose_uri_ok(cfg->list_id, ""))
		return nl_fail(err, NL_ERR_CONFIG, "list_id: '%s' is not a list identifier (RFC 2919)",
		               cfg->list_id ? cfg->list_id : "");
	/* the mailto: address, tokened when it is the reply address (the same mailbox, so the token
	 * tells collect who asked even when the request comes from another address) */
	struct nl_buf m = NL_BUF_INIT;
	const char *addr = mailto + 7;
	size_t alen = strcspn(addr, "?");
	if (alen == strlen(reply_addr) && nl_ascii_ncasecmp(addr, reply_addr, alen) == 0) {
		compose_mailto_hole(c, &m);
		nl_buf_puts(&m, addr + alen);
	} else {
		nl_buf_puts(&m, mailto);
	}
	struct nl_buf *l = &c->list_headers_hole;
	struct nl_buf v = NL_BUF_INIT;
	nl_buf_printf(&v, "<%s>", cfg->list_id);
	nl_mime_header_raw(l, "List-Id", nl_buf_cstr(&v));
	/* written by hand rather than with nl_mime_header_raw, which would clean the holes away; each
	 * URI is checked above (ASCII, no space or control) and gets a line of its own */
	struct nl_buf u = NL_BUF_INIT; /* the one-click URL with its hole */
	size_t mlen = m.len + (memchr(m.data, COMPOSE_HOLE, m.len) ? NL_TOKEN_LEN - 1 : 0);
	bool fold =
	    strlen("List-Unsubscribe: <>,") + mlen > NL_MIME_FOLD; /* then it starts on a line of its own */
	nl_buf_printf(l, "List-Unsubscribe:%s<%s>", fold ? "\r\n " : " ", nl_buf_cstr(&m));
	if (https) {
		nl_buf_printf(&u, "%s%ct=%c", https, strchr(https, '?') ? '&' : '?', COMPOSE_HOLE);
		nl_buf_printf(l, ",\r\n <%s>", nl_buf_cstr(&u));
	}
	nl_buf_puts(l, "\r\n");
	if (https)
		nl_buf_puts(l, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");

	const struct nl_buf *link = https ? &u : &m;
	nl_buf_puts(&c->unsub_html_hole, "<a href=\"");
	nl_template_escape_html(&c->unsub_html_hole, (struct nl_span){link->data, link->len});
	nl_buf_puts(&c->unsub_html_hole, "\" style=\"color:#71717a;\">Unsubscribe</a> from these emails");
	if (https)
		nl_buf_puts(&c->unsub_html_hole,
		            " with one click, or reply with the subject &ldquo;unsubscribe&rdquo;.");
	else
		nl_buf_puts(&c->unsub_html_hole,
		            ": the link opens a reply with the subject &ldquo;unsubscribe&rdquo;.");
	if (https)
		nl_buf_printf(&c->unsub_text_hole,
		              "To unsubscribe, open %s\nor reply with the subject \"unsubscribe\".",
		              nl_buf_cstr(&u));
	else
		nl_buf_printf(&c->unsub_text_hole, "To unsubscribe, reply with the subject \"unsubscribe\".");
	nl_buf_free(&m);
	nl_buf_free(&v);
	nl_buf_free(&u);
	return NL_OK;
}

/* ---- setup ---- */

static enum nl_code compose_templates(struct nl_composer *c, const struct nl_config *cfg,
                                      const char *const *vars, struct nl_error *err)
{
	const char *base = c->article->template_name ? c->article->template_name : "newsletter";
	if (strchr(base, '/') || base[0] == '.')
		return nl_fail(err, NL_ERR_TEMPLATE, "%s: template '%s' must be a base name",
		               c->article->path, base);
	/* the publisher's own template where there is one, else the installed default */
	char *file = nl_xasprintf("%s.html", base);
	char *path = nl_config_template_path(cfg, file);
	enum nl_code rc = nl_template_load(path, vars, c->n_vars, NL_TEMPLATE_HTML, &c->html, err);
	free(path);
	free(file);
	if (rc != NL_OK)
		return rc;
	file = nl_xasprintf("%s.txt", base);
	path = nl_config_template_path(cfg, file);
	rc = nl_template_load(path, vars, c->n_vars, NL_TEMPLATE_TEXT, &c->text, err);
	free(path);
	free(file);
	return rc;
}

/* RFC 5322 §2.1.1: a line MUST be at most 998 characters.  The headers that are the same for every
 * subscriber are written here once; a line of them that is longer (an unbreakable token: a URL, a
 * list identifier) is refused, naming the field, before anything is sent.  `growth` is what a hole
 * adds when the token takes its place. */
static enum nl_code compose_check_lines(const struct nl_buf *h, size_t growth, struct nl_error *err)
{
	const char *p = h->data ? h->data : "", *end = p + h->len, *field = p;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((eol ? eol : end) - p), holes = 0;
		for (size_t i = 0; i < len; i++)
			holes += p[i] == COMPOSE_HOLE;
		if (p[0] != ' ' && p[0] != '\t')
			field = p;
		if (len + holes * growth > NL_MIME_LINE_MAX + 1) /* + 1: the CR */
			return nl_fail(err, NL_ERR_CONFIG,
			               "the %.*s header would have a line of %zu characters, over the 998 that "
			               "mail allows (RFC 5322 §2.1.1): shorten it",
			               (int)strcspn(field, ":\r\n"), field, len + holes * growth - 1);
		p = eol ? eol + 1 : end;
	}
	return NL_OK;
}

enum nl_code nl_compose_new(const struct nl_config *cfg, const struct nl_article *article,
                            const unsigned char secret[NL_SECRET_LEN], const char *const *columns,
                            size_t n_columns, struct nl_composer **out, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	char *from_name = NULL, *from_addr = NULL, *reply_name = NULL, *reply_addr = NULL;
	const char **vars = NULL;
	struct nl_composer *c = nl_xcalloc(1, sizeof *c);
	*out = NULL;
	c->article = article;
	memcpy(c->secret, secret, NL_SECRET_LEN);

	struct nl_error inner = {0};
	rc = nl_address_parse_mailbox(cfg->from ? cfg->from : "", &from_name, &from_addr, &inner);
	if (rc != NL_OK) {
		rc = nl_fail(err, NL_ERR_CONFIG, "from: %s", inner.detail);
		goto out;
	}
	rc = nl_address_parse_mailbox(cfg->reply_to ? cfg->reply_to : "", &reply_name, &reply_addr, &inner);
	if (rc != NL_OK) {
		rc = nl_fail(err, NL_ERR_CONFIG, "reply_to: %s", inner.detail);
		goto out;
	}
	if (strlen(reply_addr) + NL_TOKEN_LEN + 1 > NL_ADDRESS_MAX) {
		rc = nl_fail(err, NL_ERR_CONFIG, "reply_to: '%s' is too long to carry a token", reply_addr);
		goto out;
	}
	const char *at = strrchr(reply_addr, '@');
	c->reply_prefix = nl_xasprintf("%.*s+", (int)(at - reply_addr), reply_addr);
	c->reply_suffix = nl_xstrdup(at);
	c->from_domain = nl_xstrdup(nl_address_domain(from_addr));
	c->campaign_atom = compose_atom(article->campaign ? article->campaign : "campaign");
	nl_buf_puts(&c->reply_name, from_name);

	/* variables: the built-ins first (they win over a column of the same name), then the columns */
	c->n_vars = VAR_BUILTIN_COUNT + n_columns;
	vars = nl_xcalloc(c->n_vars, sizeof *vars);
	for (size_t i = 0; i < VAR_BUILTIN_COUNT; i++)
		vars[i] = compose_builtins[i];
	for (size_t i = 0; i < n_columns; i++)
		vars[VAR_BUILTIN_COUNT + i] = columns[i];
	rc = compose_templates(c, cfg, vars, err);
	if (rc != NL_OK)
		goto out;
	rc = compose_lists(c, cfg, reply_addr, err);
	if (rc != NL_OK)
		goto out;
	compose_survey(c);

	nl_mime_header_mailbox(&c->from_header, "From", from_name, from_addr);
	nl_mime_header_text(&c->subject_header, "Subject", article->subject, strlen(article->subject));
	struct nl_buf msgid = NL_BUF_INIT; /* its longest form, with a token */
	nl_buf_printf(&msgid, "Message-ID: <%*s.%s@%s>\r\n", NL_TOKEN_LEN, "", c->campaign_atom, c->from_domain);
	const struct nl_buf *fixed[] = {&c->from_header, &c->subject_header, &c->list_headers_hole, &msgid};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed && rc == NL_OK; i++)
		rc = compose_check_lines(fixed[i], NL_TOKEN_LEN - 1, err);
	nl_buf_free(&msgid);
	if (rc != NL_OK)
		goto out;
	const char *texts[] = {article->title,     article->subject, article->date_text,
	                       article->preheader, article->html,    article->text};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (texts[i] && strchr(texts[i], COMPOSE_HOLE)) {
			rc = nl_fail(err, NL_ERR_ARTICLE, "%s: a control character (U+0001) in the article",
			             article->path);
			goto out;
		}
	c->qp_cache = nl_mime_qp_cache_new(COMPOSE_QP_CACHE, COMPOSE_HOLE, NL_TOKEN_LEN);
	c->values = nl_xcalloc(c->n_vars, sizeof *c->values);
	c->values[VAR_TITLE] = nl_span_cstr(article->title ? article->title : "");
	c->values[VAR_SUBJECT] = nl_span_cstr(article->subject);
	c->values[VAR_DATE] = nl_span_cstr(article->date_text ? article->date_text : "");
	c->values[VAR_PREHEADER] = nl_span_cstr(article->preheader ? article->preheader : "");
out:
	free(from_name);
	free(from_addr);
	free(reply_name);
	free(reply_addr);
	free(vars);
	if (rc != NL_OK)
		nl_compose_free(c);
	else
		*out = c;
	return rc;
}

/* ---- per subscriber ---- */

/* A cheap re-check of what nl_subscribers_next() guarantees, for callers that build subscribers. */
static bool compose_email_ok(const char *email)
{
	size_t n = strlen(email);
	if (n == 0 || n > NL_ADDRESS_MAX || !strchr(email, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)email; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' || *p == ',')
			return false;
	return true;
}

/* True if any value of `sub` holds a control character other than TAB (the reader refuses them;
 * COMPOSE_HOLE in data would take a token's place). */
static bool compose_values_clean(const struct nl_subscriber *sub)
{
	for (size_t i = 0; i <= sub->n_columns; i++) {
		const unsigned char *p =
		    (const unsigned char *)(i < sub->n_columns ? sub->values[i] : sub->name);
		for (; p && *p; p++)
			if (*p < 0x20 && *p != '\t')
				return false;
	}
	return true;
}

/* Renders both parts for `sub` into c->part_html and c->part_text, with holes for the token. */
static void compose_parts(struct nl_composer *c, const struct nl_subscriber *sub, bool text)
{
	struct nl_span *v = c->values;
	v[VAR_NAME] = nl_span_cstr(sub->name && *sub->name ? sub->name : COMPOSE_NAME_FALLBACK);
	v[VAR_EMAIL] = nl_span_cstr(sub->email);
	for (size_t i = 0; i < sub->n_columns && VAR_BUILTIN_COUNT + i < c->n_vars; i++)
		v[VAR_BUILTIN_COUNT + i] = nl_span_cstr(sub->values[i]);

	v[VAR_CONTENT] = nl_span_cstr(c->article->html ? c->article->html : "");
	v[VAR_SURVEY] = (struct nl_span){c->survey_html_hole.data, c->survey_html_hole.len};
	v[VAR_UNSUBSCRIBE] = (struct nl_span){c->unsub_html_hole.data, c->unsub_html_hole.len};
	nl_buf_reset(&c->part_html);
	nl_template_render(c->html, v, &c->part_html);
	if (!text)
		return;
	v[VAR_CONTENT] = nl_span_cstr(c->article->text ? c->article->text : "");
	v[VAR_SURVEY] = (struct nl_span){c->survey_text_hole.data, c->survey_text_hole.len};
	v[VAR_UNSUBSCRIBE] = (struct nl_span){c->unsub_text_hole.data, c->unsub_text_hole.len};
	nl_buf_reset(&c->part_text);
	nl_template_render(c->text, v, &c->part_text);
}

/* Appends one part: quoted-printable through the line cache, then the holes filled with the token. */
static void compose_part(struct nl_composer *c, struct nl_buf *out, const char *boundary, const char *type,
                         const struct nl_buf *part, const char *token)
{
	nl_mime_part_begin(out, boundary, type);
	nl_buf_reset(&c->encoded);
	nl_mime_qp_encode_cached(c->qp_cache, &c->encoded, nl_buf_cstr(part), part->len);
	compose_fill(out, &c->encoded, token);
}

enum nl_code nl_compose_message(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                                struct nl_envelope *env, struct nl_error *err)
{
	nl_buf_reset(out);
	if (!compose_email_ok(sub->email))
		return nl_fail(err, NL_ERR_SUBSCRIBER, "line %zu: '%.300s' is not a usable address",
		               sub->line, sub->email);
	if (!compose_values_clean(sub))
		return nl_fail(err, NL_ERR_SUBSCRIBER, "line %zu: %s: a control character in the data",
		               sub->line, sub->email);
	memset(env, 0, sizeof *env);
	nl_token_make(c->secret, c->article->campaign, sub->email, env->token);
	snprintf(env->mail_from, sizeof env->mail_from, "%s%s%s", c->reply_prefix, env->token,
	         c->reply_suffix);
	snprintf(env->rcpt_to, sizeof env->rcpt_to, "%s", sub->email);
	snprintf(env->message_id, sizeof env->message_id, "%s.%s@%s", env->token, c->campaign_atom,
	         c->from_domain);

	compose_parts(c, sub, true);

	time_t now = nl_now();
	if (now != c->date_cached) {
		nl_format_rfc5322_date(now, c->date_text);
		c->date_cached = now;
	}
	nl_buf_puts(out, "Date: ");
	nl_buf_puts(out, c->date_text);
	nl_buf_puts(out, "\r\n");
	nl_buf_append(out, c->from_header.data, c->from_header.len);
	nl_mime_header_mailbox(out, "To", sub->name, sub->email);
	nl_buf_append(out, c->subject_header.data, c->subject_header.len);
	nl_buf_printf(out, "Message-ID: <%s>\r\n", env->message_id);
	nl_mime_header_mailbox(out, "Reply-To", nl_buf_cstr(&c->reply_name), env->mail_from);
	compose_fill(out, &c->list_headers_hole, env->token);
	char boundary[8 + NL_TOKEN_LEN];
	snprintf(boundary, sizeof boundary, "=_%s", env->token); /* "=_" never occurs in QP output */
	nl_mime_alternative_begin(out, boundary);
	compose_part(c, out, boundary, "text/plain", &c->part_text, env->token);
	compose_part(c, out, boundary, "text/html", &c->part_html, env->token);
	nl_mime_alternative_end(out, boundary);
	if (nl_buf_failed(out) || out->len > NL_COMPOSE_MAX_MESSAGE)
		return nl_fail(err, NL_ERR_LIMIT,
		               "the message for %s is larger than the buffer allows (%zu bytes)", sub->email,
		               out->max ? out->max : (size_t)NL_COMPOSE_MAX_MESSAGE);
	return NL_OK;
}

static enum nl_code compose_one_part(struct nl_composer *c, const struct nl_subscriber *sub, bool text,
                                     struct nl_buf *out, struct nl_error *err)
{
	char token[NL_TOKEN_LEN + 1];
	nl_buf_reset(out);
	if (!compose_values_clean(sub))
		return nl_fail(err, NL_ERR_SUBSCRIBER, "line %zu: %s: a control character in the data",
		               sub->line, sub->email);
	nl_token_make(c->secret, c->article->campaign, sub->email, token);
	compose_parts(c, sub, text);
	compose_fill(out, text ? &c->part_text : &c->part_html, token);
	if (nl_buf_failed(out))
		return nl_fail(err, NL_ERR_SUBSCRIBER, "the part for %s is larger than the buffer allows",
		               sub->email);
	return NL_OK;
}

enum nl_code nl_compose_html(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                             struct nl_error *err)
{
	return compose_one_part(c, sub, false, out, err);
}

enum nl_code nl_compose_text(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                             struct nl_error *err)
{
	return compose_one_part(c, sub, true, out, err);
}

void nl_compose_free(struct nl_composer *c)
{
	if (!c)
		return;
	nl_template_free(c->html);
	nl_template_free(c->text);
	nl_mime_qp_cache_free(c->qp_cache);
	free(c->values);
	free(c->reply_prefix);
	free(c->reply_suffix);
	free(c->from_domain);
	free(c->campaign_atom);
	struct nl_buf *bufs[] = {&c->from_header,     &c->subject_header,   &c->list_headers_hole,
	                         &c->reply_name,      &c->survey_html_hole, &c->survey_text_hole,
	                         &c->unsub_html_hole, &c->unsub_text_hole,  &c->part_html,
	                         &c->part_text,       &c->encoded,          &c->scratch};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		nl_buf_free(bufs[i]);
	memset(c->secret, 0, sizeof c->secret);
	free(c);
}
