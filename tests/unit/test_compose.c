/* test_compose.c - the composed message: headers and their order, the envelope, the token in every
 * place it travels, List-Unsubscribe with and without https, the survey block and its links (the
 * contract with collect), template variables and their errors, the name fallback, injection, CRLF,
 * and reading our own output back with the inbound parser (message.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "article.h"
#include "compose.h"
#include "config.h"
#include "message.h"
#include "subscribers.h"
#include "mime.h"
#include "util.h"

static const char article_md[] =
    "---\n"
    "title: Jobs and careers\n"
    "subject: \"Job or career: which one are you in?\"\n"
    "date: 2026-11-30T09:00:00Z\n"
    "preheader: Four signs.\n"
    "survey:\n"
    "  id: career-2026-11\n"
    "  questions:\n"
    "    - {id: work, type: choice, text: \"Is your work today a job or a career?\", "
    "options: [job, career, not sure]}\n"
    "    - {id: satisfaction, type: scale, min: 1, max: 5, text: \"How satisfied?\"}\n"
    "    - {id: consult, type: yesno, text: \"Consultation?\"}\n"
    "    - {id: change, type: text, text: \"What would you change?\"}\n"
    "---\n"
    "A paragraph about *careers*.\n\n"
    "From the archive: a line that starts with From.\n";

static unsigned char secret[NL_SECRET_LEN];
static char tmpl_dir[64];

static struct nl_article *load_article(const char *md)
{
	struct nl_article *a = NULL;
	struct nl_error err = {0};
	if (nl_article_parse("articles/2026-11-test.md", md, strlen(md), &a, &err) != NL_OK)
		fail_msg("article: %s", err.detail);
	return a;
}

static void config(struct nl_config *cfg, const char *templates)
{
	nl_config_defaults(cfg, ".");
	free(cfg->templates);
	cfg->templates = nl_xstrdup(templates);
	free(cfg->unsubscribe_mailto);
	cfg->unsubscribe_mailto = nl_xasprintf("mailto:%s?subject=unsubscribe", cfg->reply_to);
}

static const char *const columns[] = {"email", "name", "city"};

static struct nl_subscriber subscriber(const char *email, const char *name, const char *city,
                                       const char **values)
{
	values[0] = email;
	values[1] = name;
	values[2] = city;
	return (struct nl_subscriber){email, name, 7, 3, columns, values};
}

/* The header block, unfolded, as "Name: value\n" lines. */
static char *unfolded_headers(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	assert_non_null(end);
	struct nl_buf b = NL_BUF_INIT;
	for (const char *p = msg; p < end + 2; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			if (p + 1 < end + 2 && (p[1] == ' ' || p[1] == '\t'))
				continue;
			nl_buf_putc(&b, '\n');
			continue;
		}
		nl_buf_putc(&b, *p);
	}
	return nl_buf_detach(&b);
}

static char *header(const char *headers, const char *name)
{
	char *want = nl_xasprintf("\n%s: ", name);
	char *h = nl_xasprintf("\n%s", headers);
	char *p = strstr(h, want);
	char *r = NULL;
	if (p) {
		p += strlen(want);
		r = nl_xstrndup(p, strcspn(p, "\n"));
	}
	free(want);
	free(h);
	return r;
}

static char *decoded_part(const char *msg, const char *type)
{
	char *ct = nl_xasprintf(
	    "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	const char *p = strstr(msg, ct);
	assert_non_null(p);
	p += strlen(ct);
	const char *end = strstr(p, "\r\n--=_");
	assert_non_null(end);
	struct nl_buf b = NL_BUF_INIT;
	assert_true(nl_mime_qp_decode(&b, p, (size_t)(end - p)));
	free(ct);
	return nl_buf_detach(&b);
}

static int setup(void **state)
{
	memset(secret, 0x5a, sizeof secret);
	nl_now_set(1795000000); /* 2026-11-18 */
	strcpy(tmpl_dir, "/tmp/test_compose_XXXXXX");
	return mkdtemp(tmpl_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = nl_xasprintf("%s/%s", dir, name);
	struct nl_error err = {0};
	assert_int_equal(nl_write_file_atomic(path, text, strlen(text), &err), NL_OK);
	free(path);
}

static void test_message_headers_and_envelope(void **state)
{
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("Jane.Doe@example.test", "Doe, Jane", "Leeds", values);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);

	char token[NL_TOKEN_LEN + 1];
	nl_token_make(secret, "2026-11-test", "jane.doe@example.test", token);
	assert_string_equal(env.token, token);
	char *want = nl_xasprintf("replies+%s@example.test", token);
	assert_string_equal(env.mail_from, want);
	assert_string_equal(env.rcpt_to, "Jane.Doe@example.test");
	free(want);
	want = nl_xasprintf("%s.2026-11-test@example.test", token);
	assert_string_equal(env.message_id, want);
	free(want);

	/* CRLF only, and the headers in order */
	for (size_t i = 0; i < msg.len; i++)
		if (msg.data[i] == '\n')
			assert_int_equal(msg.data[i - 1], '\r');
	char *h = unfolded_headers(msg.data);
	const char *order[] = {"Date: ",         "From: ",        "To: ",      "Subject: ",
	                       "Message-ID: ",   "Reply-To: ",    "List-Id: ", "List-Unsubscribe: ",
	                       "MIME-Version: ", "Content-Type: "};
	const char *at = h;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *p = strstr(at, order[i]);
		if (!p)
			fail_msg("%s missing or out of order in:\n%s", order[i], h);
		at = p;
	}
	char *v = header(h, "Date");
	assert_string_equal(v, "Wed, 18 Nov 2026 11:06:40 +0000"); /* nl_now, pinned */
	free(v);
	v = header(h, "From");
	assert_string_equal(v, "Career Notes <news@example.test>");
	free(v);
	v = header(h, "To");
	assert_string_equal(v, "\"Doe, Jane\" <Jane.Doe@example.test>");
	free(v);
	v = header(h, "Subject");
	assert_string_equal(v, "Job or career: which one are you in?");
	free(v);
	v = header(h, "Message-ID");
	want = nl_xasprintf("<%s.2026-11-test@example.test>", token);
	assert_string_equal(v, want);
	free(want);
	free(v);
	v = header(h, "Reply-To");
	want = nl_xasprintf("Career Notes <replies+%s@example.test>", token);
	assert_string_equal(v, want);
	free(want);
	free(v);
	v = header(h, "List-Id");
	assert_string_equal(v, "<career-notes.example.test>");
	free(v);
	v = header(h, "List-Unsubscribe");
	want = nl_xasprintf("<mailto:replies+%s@example.test?subject=unsubscribe>", token);
	assert_string_equal(v, want);
	free(want);
	free(v);
	assert_null(header(h, "List-Unsubscribe-Post")); /* no https URL configured */
	free(h);

	/* the inbound parser reads it back */
	struct nl_message *m = NULL;
	assert_int_equal(nl_message_parse(msg.data, msg.len, &m, &err), NL_OK);
	assert_string_equal(m->subject, "Job or career: which one are you in?");
	assert_string_equal(m->from_address, "news@example.test");
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_non_null(strstr(m->text, "Hi Doe, Jane,"));
	assert_non_null(strstr(m->text, "\nFrom the archive"));
	nl_message_free(m);

	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_compose_free(NULL);
	nl_article_free(a);
	nl_config_free(&cfg);
}

static void test_one_click_unsubscribe(void **state)
{
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	cfg.unsubscribe_https = nl_xstrdup("https://example.test/u?list=career");
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("ana@example.test", "Ana", "", values);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	char *h = unfolded_headers(msg.data);
	char *v = header(h, "List-Unsubscribe");
	char *want = nl_xasprintf(" <mailto:replies+%s@example.test?subject=unsubscribe>, "
	                          "<https://example.test/u?list=career&t=%s>",
	                          env.token, env.token);
	assert_string_equal(v, want + 1); /* unfolded: one space after the colon either way */
	free(want);
	free(v);
	v = header(h, "List-Unsubscribe-Post");
	assert_string_equal(v, "List-Unsubscribe=One-Click");
	free(v);
	free(h);
	/* the footer links to the one-click URL */
	char *page = decoded_part(msg.data, "text/html");
	want = nl_xasprintf("href=\"https://example.test/u?list=career&amp;t=%s\"", env.token);
	assert_non_null(strstr(page, want));
	free(want);
	free(page);
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_article_free(a);
	nl_config_free(&cfg);
}

static void test_survey_block_and_links(void **state)
{
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("li@example.test", "李伟", "上海", values);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	char *text = decoded_part(msg.data, "text/plain");
	char *page = decoded_part(msg.data, "text/html");
	assert_non_null(strstr(text, "Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes\n"));
	assert_non_null(
	    strstr(text, "\n1. Is your work today a job or a career?\n   job / career / not sure\n"));
	assert_non_null(strstr(text, "\n2. How satisfied?\n   1 2 3 4 5"));
	assert_non_null(strstr(text, "\n3. Consultation?\n   yes / no\n"));
	assert_non_null(strstr(text, "\n4. What would you change?\n"));
	assert_non_null(strstr(page, "Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes"));
	/* the contract: mailto:REPLY?subject=ENC("Re: SUBJECT [survey TOKEN QID=VALUE]")&body=ENC("N VALUE")
	 */
	char *want =
	    nl_xasprintf("href=\"mailto:replies+%s@example.test?subject=Re%%3A%%20Job%%20or%%20career%%3A%%20"
	                 "which%%20one%%20are%%20you%%20in%%3F%%20%%5Bsurvey%%20%s%%20work%%3Dnot%%20sure%%5D"
	                 "&amp;body=1%%20not%%20sure\"",
	                 env.token, env.token);
	assert_non_null(strstr(page, want));
	free(want);
	const char *options[] = {
	    "work%3Djob%5D&amp;body=1%20job\"",     "work%3Dcareer%5D&amp;body=1%20career\"",
	    "satisfaction%3D1%5D&amp;body=2%201\"", "satisfaction%3D5%5D&amp;body=2%205\"",
	    "consult%3Dyes%5D&amp;body=3%20yes\"",  "consult%3Dno%5D&amp;body=3%20no\""};
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		assert_non_null(strstr(page, options[i]));
	size_t links = 0;
	for (const char *p = page; (p = strstr(p, "%5Bsurvey%20")); p++)
		links++;
	assert_int_equal(links, 3 + 5 + 2);
	assert_null(strstr(page, "\x01")); /* every hole filled */
	assert_null(strstr(msg.data, "\x01"));
	free(text);
	free(page);
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_article_free(a);
	nl_config_free(&cfg);
}

static void test_variables_and_fallback(void **state)
{
	write_file(tmpl_dir, "newsletter.html",
	           "<p>Hello {{name}} from {{city}} ({{email}})</p>\n<h1>{{title}}</h1>{{subject}} {{date}} "
	           "{{preheader}}\n"
	           "{{{content}}}{{{survey}}}{{{unsubscribe}}}\n");
	write_file(tmpl_dir, "newsletter.txt", "Hello {{name}} from {{city}} <{{email}}>\n{{{content}}}\n");
	struct nl_config cfg;
	config(&cfg, tmpl_dir);
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("x@example.test", "", "<Zürich & \"Bern\">", values);
	struct nl_buf out = NL_BUF_INIT;
	assert_int_equal(nl_compose_text(c, &sub, &out, &err), NL_OK);
	assert_true(strncmp(out.data, "Hello there from <Zürich & \"Bern\"> <x@example.test>\n", 52) == 0);
	assert_int_equal(nl_compose_html(c, &sub, &out, &err), NL_OK);
	assert_non_null(strstr(
	    out.data, "<p>Hello there from &lt;Zürich &amp; &quot;Bern&quot;&gt; (x@example.test)</p>\n"
	              "<h1>Jobs and careers</h1>Job or career: which one are you in? "
	              "2026-11-30T09:00:00Z Four signs.\n"));
	assert_non_null(strstr(out.data, "<em>careers</em>"));
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	assert_non_null(strstr(msg.data, "\r\nTo: x@example.test\r\n")); /* no name: a bare address */
	nl_buf_free(&msg);
	nl_buf_free(&out);
	nl_compose_free(c);

	/* an unknown variable is an error before anything is sent, naming the template and line */
	write_file(tmpl_dir, "newsletter.txt", "Hello {{name}}\n\n{{plan}}\n");
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_ERR_TEMPLATE);
	assert_null(c);
	assert_non_null(strstr(err.detail, "newsletter.txt:3"));
	assert_non_null(strstr(err.detail, "plan"));
	/* a missing template */
	free(cfg.templates);
	cfg.templates = nl_xasprintf("%s/none", tmpl_dir);
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_ERR_NOT_FOUND);
	nl_article_free(a);
	nl_config_free(&cfg);
}

static void test_bad_configuration(void **state)
{
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	struct {
		char **field;
		const char *value, *detail;
	} cases[3];
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	cases[0].field = &cfg.from, cases[0].value = "Career Notes <nowhere>", cases[0].detail = "from:";
	cases[1].field = &cfg.reply_to, cases[1].value = "not an address", cases[1].detail = "reply_to:";
	cases[2].field = &cfg.unsubscribe_mailto, cases[2].value = "http://example.test/u",
	cases[2].detail = "unsubscribe:";
	for (size_t i = 0; i < 3; i++) {
		char *saved = *cases[i].field;
		*cases[i].field = nl_xstrdup(cases[i].value);
		assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_ERR_CONFIG);
		assert_null(c);
		assert_non_null(strstr(err.detail, cases[i].detail));
		free(*cases[i].field);
		*cases[i].field = saved;
	}
	/* RFC 5322 §2.1.1: with the longest values each bound allows (a 900-character one-click URL,
	 * names and a subject of thousands of characters), no header line passes 998 characters */
	char *saved = cfg.unsubscribe_https;
	struct nl_buf url = NL_BUF_INIT;
	nl_buf_puts(&url, "https://example.test/");
	while (url.len < 900)
		nl_buf_putc(&url, "abcdefghij"[url.len % 10]);
	cfg.unsubscribe_https = nl_buf_detach(&url);
	struct nl_buf name = NL_BUF_INIT;
	for (size_t k = 0; k < 3000; k++)
		nl_buf_puts(&name, k % 7 ? "N" : "\xc3\xa9");
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("long@example.test", nl_buf_cstr(&name), "", values);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	size_t longest = 0;
	for (const char *p = msg.data; p && *p && !(p[0] == '\r' && p[1] == '\n');) { /* the header */
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if ((size_t)(eol - p) > longest)
			longest = (size_t)(eol - p);
		p = eol + 2;
	}
	assert_true(longest > 900 && longest <= 998); /* the URL's line is the longest */
	nl_buf_free(&msg);
	nl_buf_free(&name);
	nl_compose_free(c);
	free(cfg.unsubscribe_https);
	cfg.unsubscribe_https = saved;
	nl_config_free(&cfg);
	nl_article_free(a);
}

static void test_injection_and_awkward_names(void **state)
{
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	const char *values[3];
	/* data the reader refuses is refused here too, never written */
	const char *evil[] = {"Evil\r\nBcc: x@example.test", "Evil\nBcc: x", "Evil\rBcc: x", "Evil\x01"};
	for (size_t i = 0; i < 4; i++) {
		struct nl_subscriber sub = subscriber("e@example.test", evil[i], "", values);
		assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_ERR_SUBSCRIBER);
		sub = subscriber("e@example.test", "Fine", evil[i], values);
		assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_ERR_SUBSCRIBER);
	}
	struct nl_subscriber bad = subscriber("e@example.test>\r\nBcc: x@example.test", "x", "", values);
	assert_int_equal(nl_compose_message(c, &bad, &msg, &env, &err), NL_ERR_SUBSCRIBER);
	/* an encoded-word look-alike is encoded as literal text */
	struct nl_subscriber sub = subscriber("ew@example.test", "=?UTF-8?Q?=0A?=", "", values);
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	char *h = unfolded_headers(msg.data);
	char *to = header(h, "To");
	assert_string_equal(to, "=?UTF-8?B?PT9VVEYtOD9RPz0wQT89?= <ew@example.test>");
	char *dec = nl_header_decode(to, strlen(to));
	assert_string_equal(dec, "=?UTF-8?Q?=0A?= <ew@example.test>");
	free(dec);
	free(to);
	free(h);
	/* a 200-character name folds, every header line within 78 */
	char name[256] = "";
	while (strlen(name) < 200)
		strcat(name, "Zoë Müller ");
	sub = subscriber("long@example.test", name, "", values);
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	const char *end = strstr(msg.data, "\r\n\r\n");
	for (const char *p = msg.data; p < end;) {
		const char *e = strstr(p, "\r\n");
		assert_true(e - p <= 78);
		p = e + 2;
	}
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_article_free(a);
	nl_config_free(&cfg);
}

static void test_no_survey_and_other_unsubscribe_address(void **state)
{
	static const char md[] =
	    "---\ntitle: T\nsubject: \"Plain news\"\ndate: 2026-11-30\n---\nJust text.\n";
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	free(cfg.unsubscribe_mailto);
	cfg.unsubscribe_mailto = nl_xstrdup("mailto:leave@lists.example.test?subject=unsubscribe");
	struct nl_article *a = load_article(md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	const char *values[3];
	struct nl_subscriber sub = subscriber("x@example.test", "X", "", values);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
	char *text = decoded_part(msg.data, "text/plain");
	char *page = decoded_part(msg.data, "text/html");
	assert_null(strstr(text, "Reply to this email with the numbers"));
	assert_null(strstr(page, "survey"
	                         "%20"));
	assert_non_null(strstr(text, "Just text."));
	/* a separate unsubscribe mailbox gets no token: it may not know plus-addresses */
	assert_non_null(strstr(
	    msg.data, "\r\nList-Unsubscribe: <mailto:leave@lists.example.test?subject=unsubscribe>\r\n"));
	assert_non_null(strstr(page, "href=\"mailto:leave@lists.example.test?subject=unsubscribe\""));
	free(text);
	free(page);
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_article_free(a);
	nl_config_free(&cfg);
}

/* Many subscribers through one composer: the line cache never mixes them up. */
static void test_many_messages_stay_personal(void **state)
{
	struct nl_config cfg;
	config(&cfg, NL_SOURCE_DIR "/templates");
	struct nl_article *a = load_article(article_md);
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_compose_new(&cfg, a, secret, columns, 3, &c, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_envelope env;
	const char *values[3];
	for (int i = 0; i < 300; i++) {
		char email[64], name[64];
		snprintf(email, sizeof email, "reader%d@example.test", i % 150);
		snprintf(name, sizeof name, i % 3 ? "Reader Number %d" : "Lecteur numéro %d", i % 150);
		struct nl_subscriber sub = subscriber(email, name, "", values);
		assert_int_equal(nl_compose_message(c, &sub, &msg, &env, &err), NL_OK);
		char *text = decoded_part(msg.data, "text/plain");
		char *page = decoded_part(msg.data, "text/html");
		char *want = nl_xasprintf("Hi %s,", name);
		assert_non_null(strstr(text, want));
		assert_non_null(strstr(page, want));
		free(want);
		want = nl_xasprintf("replies+%s@example.test", env.token);
		assert_non_null(strstr(page, want));
		free(want);
		want = nl_xasprintf("This email was sent to %s.", email);
		assert_non_null(strstr(text, want));
		free(want);
		struct nl_buf html = NL_BUF_INIT;
		assert_int_equal(nl_compose_html(c, &sub, &html, &err), NL_OK);
		assert_string_equal(page, html.data);
		nl_buf_free(&html);
		free(text);
		free(page);
	}
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_article_free(a);
	nl_config_free(&cfg);
}

/* Golden messages (tests/data/compose/README): byte for byte, so any change to the output shows. */
static void test_golden_messages(void **state)
{
	const char *dir = NL_TEST_DATA "/compose";
	char *list_path = nl_xasprintf("%s/subscribers.csv", dir);
	char *article_path = nl_xasprintf("%s/2026-01-golden.md", dir);
	char *templates = nl_xasprintf("%s/templates", dir);
	struct nl_config cfg;
	config(&cfg, templates);
	cfg.unsubscribe_https = nl_xstrdup("https://example.test/unsubscribe");
	struct nl_article *a = NULL;
	struct nl_subscribers *list = NULL;
	struct nl_composer *c = NULL;
	struct nl_error err = {0};
	unsigned char zero[NL_SECRET_LEN] = {0};
	time_t t;
	assert_true(nl_parse_iso8601("2026-01-15T09:00:00Z", &t));
	nl_now_set(t);
	assert_int_equal(nl_article_load(article_path, &a, &err), NL_OK);
	assert_int_equal(nl_subscribers_open(list_path, &list, &err), NL_OK);
	size_t n_columns;
	const char *const *cols = nl_subscribers_columns(list, &n_columns);
	assert_int_equal(nl_compose_new(&cfg, a, zero, cols, n_columns, &c, &err), NL_OK);
	bool update = getenv("NL_UPDATE_GOLDEN") != NULL;
	struct nl_buf msg = NL_BUF_INIT, want = NL_BUF_INIT;
	size_t n = 0;
	for (;;) {
		const struct nl_subscriber *sub;
		assert_int_equal(nl_subscribers_next(list, &sub, &err), NL_OK);
		if (!sub)
			break;
		struct nl_envelope env;
		assert_int_equal(nl_compose_message(c, sub, &msg, &env, &err), NL_OK);
		char *path = nl_xasprintf("%s/expected/%zu.eml", dir, ++n);
		if (update) {
			assert_int_equal(nl_write_file_atomic(path, msg.data, msg.len, &err), NL_OK);
		} else {
			nl_buf_reset(&want);
			if (nl_read_file(path, 0, &want, &err) != NL_OK)
				fail_msg("%s", err.detail);
			if (want.len != msg.len || memcmp(want.data, msg.data, msg.len) != 0)
				fail_msg("%s differs from what is composed now:\n%s", path, msg.data);
		}
		free(path);
	}
	assert_int_equal(n, 3);
	nl_now_set(1795000000);
	nl_buf_free(&msg);
	nl_buf_free(&want);
	nl_compose_free(c);
	nl_subscribers_close(list);
	nl_article_free(a);
	nl_config_free(&cfg);
	free(list_path);
	free(article_path);
	free(templates);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message_headers_and_envelope),
	    cmocka_unit_test(test_one_click_unsubscribe),
	    cmocka_unit_test(test_survey_block_and_links),
	    cmocka_unit_test(test_variables_and_fallback),
	    cmocka_unit_test(test_bad_configuration),
	    cmocka_unit_test(test_injection_and_awkward_names),
	    cmocka_unit_test(test_no_survey_and_other_unsubscribe_address),
	    cmocka_unit_test(test_many_messages_stay_personal),
	    cmocka_unit_test(test_golden_messages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
