/* test_bounds.c - every bound on inbound mail (message.h), at its limit and one past it (issue 7,
 * doc/RELIABILITY.md §4.4-4.5).  At the limit the message parses and its analysis runs; one past it
 * nl_message_parse returns NL_ERR_LIMIT with a reason that names the bound (collect then records
 * the message as unreadable with that reason), and never crashes.  Every input is built here from
 * the named constant, so a changed bound is tested at its new value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "message.h"
#include "reply.h"

/* Parses `b`; on NL_OK also runs the reply analysis (the next step of collect) and checks the
 * body is there.  Returns the code; *detail gets err.detail. */
static enum nl_code parse(const struct nl_buf *b, char detail[NL_ERROR_DETAIL_MAX])
{
	struct nl_error err = {0};
	struct nl_message *m = NULL;
	enum nl_code rc = nl_message_parse(b->data, b->len, &m, &err);
	snprintf(detail, NL_ERROR_DETAIL_MAX, "%s", err.detail);
	if (rc == NL_OK) {
		assert_non_null(m);
		assert_non_null(m->text);
		struct nl_reply *r = NULL;
		assert_int_equal(nl_reply_analyse(m, NULL, &r, &err), NL_OK);
		nl_reply_free(r);
		nl_message_free(m);
	} else {
		assert_null(m);
	}
	return rc;
}

/* Over the limit: NL_ERR_LIMIT, and the reason names the bound's number. */
static void assert_limit(const struct nl_buf *b, unsigned long bound, const char *word)
{
	char detail[NL_ERROR_DETAIL_MAX];
	enum nl_code rc = parse(b, detail);
	char num[32];
	snprintf(num, sizeof num, "%lu", bound);
	printf("  over the bound: %s (%s)\n", nl_strerror(rc), detail);
	assert_int_equal(rc, NL_ERR_LIMIT);
	assert_non_null(strstr(detail, num));
	assert_non_null(strstr(detail, word));
}

static void assert_ok(const struct nl_buf *b)
{
	char detail[NL_ERROR_DETAIL_MAX];
	enum nl_code rc = parse(b, detail);
	if (rc != NL_OK)
		fail_msg("at the bound: %s (%s)", nl_strerror(rc), detail);
}

static void head(struct nl_buf *b)
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\r\nTo: replies@example.test\r\nSubject: Re: hello\r\n");
}

/* ---- size ---- */

static void message_of_size(struct nl_buf *b, size_t size)
{
	head(b);
	nl_buf_puts(b, "\r\n");
	static const char line[] = "1 career, 2 four, 3 yes, and some more words to fill the line\r\n";
	while (b->len + sizeof line - 1 <= size)
		nl_buf_append(b, line, sizeof line - 1);
	while (b->len < size)
		nl_buf_putc(b, 'x');
	assert_int_equal(b->len, size);
}

static void test_size(void **state)
{
	(void)state;
	struct nl_buf b = NL_BUF_INIT;
	message_of_size(&b, NL_MESSAGE_MAX_SIZE);
	assert_ok(&b);
	nl_buf_putc(&b, 'x');
	assert_limit(&b, NL_MESSAGE_MAX_SIZE, "larger");
	nl_buf_free(&b);
}

/* ---- one header field ---- */

/* A field whose value (unfolded, line breaks not counted) is `n` bytes; folded into lines of at most
 * 900 bytes (each continuation's leading space is part of the value) when `folded`. */
static void long_field(struct nl_buf *b, size_t n, bool folded)
{
	head(b);
	nl_buf_puts(b, "X-Long: ");
	size_t done = 0, col = 0;
	while (done < n) {
		if (folded && col == 900) {
			nl_buf_puts(b, "\r\n ");
			col = 1;
			done++;
			continue;
		}
		nl_buf_putc(b, 'a');
		col++;
		done++;
	}
	nl_buf_puts(b, "\r\n\r\nbody\r\n");
}

static void test_header_line(void **state)
{
	(void)state;
	for (int folded = 0; folded <= 1; folded++) {
		struct nl_buf b = NL_BUF_INIT;
		long_field(&b, NL_MESSAGE_MAX_HEADER_LINE, folded);
		assert_ok(&b);
		nl_buf_reset(&b);
		long_field(&b, NL_MESSAGE_MAX_HEADER_LINE + 1, folded);
		assert_limit(&b, NL_MESSAGE_MAX_HEADER_LINE, "X-Long");
		nl_buf_free(&b);
	}
}

/* ---- number of header fields ---- */

static void many_fields(struct nl_buf *b, size_t n, bool in_part)
{
	if (in_part) {
		head(b);
		nl_buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n");
	} else {
		nl_buf_puts(b, "From: Ana <ana@example.test>\r\n");
	}
	for (size_t i = in_part ? 0 : 1; i < n; i++)
		nl_buf_printf(b, "X-F%zu: v\r\n", i);
	nl_buf_puts(b, "\r\nbody\r\n");
	if (in_part)
		nl_buf_puts(b, "--b--\r\n");
}

static void test_header_count(void **state)
{
	(void)state;
	for (int in_part = 0; in_part <= 1; in_part++) {
		struct nl_buf b = NL_BUF_INIT;
		many_fields(&b, NL_MESSAGE_MAX_HEADERS, in_part);
		assert_ok(&b);
		nl_buf_reset(&b);
		many_fields(&b, NL_MESSAGE_MAX_HEADERS + 1, in_part);
		assert_limit(&b, NL_MESSAGE_MAX_HEADERS, "header fields");
		nl_buf_free(&b);
	}
}

/* ---- MIME nesting ---- */

/* `levels` nested containers, the outermost being the message itself, with one text part in the
 * innermost: multiparts, or message/rfc822 wrappers when `embedded`. */
static void nested(struct nl_buf *b, int levels, bool embedded)
{
	head(b);
	for (int i = 0; i < levels; i++) {
		if (embedded)
			nl_buf_puts(b, "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n");
		else
			nl_buf_printf(b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	}
	nl_buf_puts(b, "Content-Type: text/plain\r\n\r\n1 career\r\n");
	if (!embedded)
		for (int i = levels - 1; i >= 0; i--)
			nl_buf_printf(b, "--b%d--\r\n", i);
}

static void test_depth(void **state)
{
	(void)state;
	for (int embedded = 0; embedded <= 1; embedded++) {
		struct nl_buf b = NL_BUF_INIT;
		nested(&b, NL_MESSAGE_MAX_DEPTH, embedded);
		assert_ok(&b);
		nl_buf_reset(&b);
		nested(&b, NL_MESSAGE_MAX_DEPTH + 1, embedded);
		assert_limit(&b, NL_MESSAGE_MAX_DEPTH, "deeper");
		nl_buf_free(&b);
	}
}

/* ---- number of parts ---- */

/* `n` leaf parts below the message, spread over `groups` nested-once multiparts (1 = all in the
 * top multipart); the containers are parts too and counted in `n`. */
static void many_parts(struct nl_buf *b, size_t n, size_t groups)
{
	head(b);
	nl_buf_puts(b, "Content-Type: multipart/mixed; boundary=top\r\n\r\n");
	size_t made = 0;
	if (groups <= 1) {
		for (; made < n; made++)
			nl_buf_printf(b, "--top\r\n\r\npart %zu\r\n", made);
	} else {
		size_t per = (n - groups + groups - 1) / groups;
		for (size_t g = 0; g < groups && made < n; g++) {
			nl_buf_printf(b, "--top\r\nContent-Type: multipart/mixed; boundary=g%zu\r\n\r\n", g);
			made++;
			for (size_t k = 0; k < per && made < n; k++, made++)
				nl_buf_printf(b, "--g%zu\r\n\r\npart %zu\r\n", g, made);
			nl_buf_printf(b, "--g%zu--\r\n", g);
		}
		assert_int_equal(made, n);
	}
	nl_buf_puts(b, "--top--\r\n");
}

static void test_parts(void **state)
{
	(void)state;
	for (size_t groups = 1; groups <= 10; groups += 9) {
		struct nl_buf b = NL_BUF_INIT;
		many_parts(&b, NL_MESSAGE_MAX_PARTS, groups);
		assert_ok(&b);
		nl_buf_reset(&b);
		many_parts(&b, NL_MESSAGE_MAX_PARTS + 1, groups);
		assert_limit(&b, NL_MESSAGE_MAX_PARTS, "parts");
		nl_buf_free(&b);
	}
}

/* ---- RFC 2047 encoded-words in one header ---- */

static void encoded_words(struct nl_buf *b, const char *field, size_t n)
{
	nl_buf_puts(b, "To: replies@example.test\r\n");
	if (strcmp(field, "From") == 0)
		nl_buf_puts(b, "Subject: hello\r\nFrom: \"");
	else
		nl_buf_puts(b, "From: Ana <ana@example.test>\r\nSubject: ");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, i % 2 ? " =?utf-8?q?caf=C3=A9?=" : " =?iso-8859-1?b?6Q==?=");
	if (strcmp(field, "From") == 0)
		nl_buf_puts(b, "\" <ana@example.test>");
	nl_buf_puts(b, "\r\n\r\nbody\r\n");
}

static void test_encoded_words(void **state)
{
	(void)state;
	const char *fields[] = {"Subject", "From"};
	for (size_t f = 0; f < 2; f++) {
		struct nl_buf b = NL_BUF_INIT;
		encoded_words(&b, fields[f], NL_MESSAGE_MAX_ENCODED_WORDS);
		assert_ok(&b);
		nl_buf_reset(&b);
		encoded_words(&b, fields[f], NL_MESSAGE_MAX_ENCODED_WORDS + 1);
		assert_limit(&b, NL_MESSAGE_MAX_ENCODED_WORDS, fields[f]);
		nl_buf_free(&b);
	}
	/* The decoder itself counts exactly. */
	struct nl_buf v = NL_BUF_INIT;
	for (size_t i = 0; i < NL_MESSAGE_MAX_ENCODED_WORDS + 1; i++)
		nl_buf_puts(&v, " =?utf-8?q?a?=");
	size_t words = 0;
	char *d = nl_header_decode_words(v.data, v.len, &words);
	assert_int_equal(words, NL_MESSAGE_MAX_ENCODED_WORDS + 1);
	free(d);
	nl_buf_free(&v);
}

/* ---- HTML nesting ---- */

static void nested_html(struct nl_buf *b, size_t n, const char *tag)
{
	head(b);
	nl_buf_puts(b, "Content-Type: text/html; charset=utf-8\r\n\r\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_printf(b, "<%s>", tag);
	nl_buf_puts(b, "1 career");
	for (size_t i = 0; i < n; i++)
		nl_buf_printf(b, "</%s>", tag);
	nl_buf_puts(b, "\r\n");
}

static void test_html_depth(void **state)
{
	(void)state;
	const char *tags[] = {"div", "blockquote"};
	for (size_t t = 0; t < 2; t++) {
		struct nl_buf b = NL_BUF_INIT;
		nested_html(&b, NL_MESSAGE_MAX_HTML_DEPTH, tags[t]);
		assert_ok(&b);
		nl_buf_reset(&b);
		nested_html(&b, NL_MESSAGE_MAX_HTML_DEPTH + 1, tags[t]);
		assert_limit(&b, NL_MESSAGE_MAX_HTML_DEPTH, "HTML");
		nl_buf_free(&b);
	}
	/* Inline elements are not tracked: any number of them is fine. */
	struct nl_buf b = NL_BUF_INIT;
	nested_html(&b, 10 * NL_MESSAGE_MAX_HTML_DEPTH, "span");
	assert_ok(&b);
	nl_buf_free(&b);
}

/* At the limit, the text really is read (the bound is not an off-by-one that drops the body). */
static void test_at_limit_reads_body(void **state)
{
	(void)state;
	struct nl_buf b = NL_BUF_INIT;
	nested(&b, NL_MESSAGE_MAX_DEPTH, false);
	struct nl_error err = {0};
	struct nl_message *m = NULL;
	assert_int_equal(nl_message_parse(b.data, b.len, &m, &err), NL_OK);
	assert_string_equal(m->text, "1 career\n");
	nl_message_free(m);
	nl_buf_reset(&b);
	nested_html(&b, NL_MESSAGE_MAX_HTML_DEPTH, "div");
	assert_int_equal(nl_message_parse(b.data, b.len, &m, &err), NL_OK);
	assert_non_null(strstr(m->text, "1 career"));
	nl_message_free(m);
	nl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),         cmocka_unit_test(test_header_line),
		cmocka_unit_test(test_header_count), cmocka_unit_test(test_depth),
		cmocka_unit_test(test_parts),        cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_html_depth),   cmocka_unit_test(test_at_limit_reads_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
