/* test_message.c - parsing one inbound message: headers and addresses, the body choice, transfer
 * encodings, format=flowed, report parts, each bound at its limit and one past, and every message
 * of the cpython, mimekit, sisimai and talon corpora read without a crash (with the expectations
 * their expected.tsv states that this layer can check). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"
#include "util.h"

static struct nl_message *parse_ok(const char *s)
{
	struct nl_message *m = NULL;
	struct nl_error err = {0};
	enum nl_code rc = nl_message_parse(s, strlen(s), &m, &err);
	if (rc != NL_OK)
		fail_msg("parse: %s", err.detail);
	return m;
}

static struct nl_message *parse_file(const char *rel, enum nl_code *rc_out, struct nl_error *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", NL_CORPUS, rel);
	struct nl_buf b = NL_BUF_INIT;
	if (nl_read_file(path, 0, &b, NULL) != NL_OK)
		fail_msg("cannot read %s", path);
	struct nl_message *m = NULL;
	*rc_out = nl_message_parse(b.data ? b.data : "", b.len, &m, err);
	nl_buf_free(&b);
	return m;
}

static struct nl_message *corpus_ok(const char *rel)
{
	enum nl_code rc;
	struct nl_error err = {0};
	struct nl_message *m = parse_file(rel, &rc, &err);
	if (rc != NL_OK)
		fail_msg("%s: %s", rel, err.detail);
	return m;
}

static void test_headers(void **state)
{
	struct nl_message *m =
	    parse_ok("From: =?utf-8?q?Ren=C3=A9e?= Dupont <Renee@Example.TEST>\r\n"
	             "To: \"Replies\" <replies+abcdefghijklmnop@news.test>, other@x.test\r\n"
	             "Cc: Group: a@g.test, b@g.test;\r\n"
	             "Delivered-To: replies+abcdefghijklmnop@news.test\r\n"
	             "Subject: Re: =?utf-8?b?Q2FycmnDqHJl?=\r\n\tfolded\r\n"
	             "Message-ID: <id.1@host>\r\n"
	             "In-Reply-To: <tok.camp@news.test>\r\n"
	             "References: <a@b> <tok.camp@news.test>\r\n"
	             "Return-Path: <>\r\n"
	             "Auto-Submitted: Auto-Replied\r\n"
	             "Precedence: bulk\r\n"
	             "Date: Wed, 25 Nov 2026 18:30:00 +0100\r\n"
	             "X-Autoreply: yes\r\n"
	             "\r\n"
	             "body\r\n");
	assert_string_equal(m->from_address, "renee@example.test");
	assert_string_equal(m->from_name, "Renée Dupont");
	assert_string_equal(m->subject, "Re: Carrière folded"); /* controls become spaces */
	assert_string_equal(m->message_id, "id.1@host");
	assert_string_equal(m->in_reply_to, "<tok.camp@news.test>");
	assert_string_equal(m->references, "<a@b> <tok.camp@news.test>");
	assert_string_equal(m->return_path, "");
	assert_string_equal(m->auto_submitted, "auto-replied");
	assert_string_equal(m->precedence, "bulk");
	assert_true(m->x_autoreply);
	assert_int_equal(m->date_time, 1795627800); /* 2026-11-25T17:30:00Z */
	assert_int_equal(m->n_recipients, 4);       /* the Delivered-To duplicate is dropped */
	assert_string_equal(m->recipients[0], "replies+abcdefghijklmnop@news.test");
	assert_string_equal(m->recipients[1], "other@x.test");
	assert_string_equal(m->recipients[2], "a@g.test");
	assert_string_equal(m->recipients[3], "b@g.test");
	assert_string_equal(m->text, "body\n");
	assert_string_equal(m->content_type, "text/plain");
	nl_message_free(m);
	nl_message_free(NULL);
}

static void test_body_choice(void **state)
{
	struct nl_message *m =
	    parse_ok("Content-Type: multipart/alternative; boundary=b\n\n"
	             "--b\nContent-Type: text/html\n\n<p>html</p>\n"
	             "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
	             "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nsoft=ZZ=3d\n--b--\n");
	assert_string_equal(m->text, "café soft=ZZ=\n");
	assert_false(m->text_from_html);
	nl_message_free(m);
	m = parse_ok(
	    "Content-Type: multipart/mixed; boundary=\"o\"\n\n--o\n"
	    "Content-Type: multipart/alternative; boundary=\"i\"\n\n--i\nContent-Type: text/html; "
	    "charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\nSGkuPGJyPjxibG9ja3F1b3RlPm9sZDwvYmxvY2txdW90ZT4\n--i--\n"
	    "--o\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nnot "
	    "me\n--o--\n");
	assert_string_equal(m->text, "Hi.\n> old\n");
	assert_true(m->text_from_html);
	nl_message_free(m);
	m = parse_ok("Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n");
	assert_string_equal(m->text, "");
	nl_message_free(m);
	/* CR-only line ends */
	m = parse_ok("Subject: mac\rFrom: a@b.test\r\rline one\rline two\r");
	assert_string_equal(m->subject, "mac");
	assert_string_equal(m->text, "line one\nline two\n");
	nl_message_free(m);
}

static void test_flowed(void **state)
{
	struct nl_message *m = parse_ok("Content-Type: text/plain; format=flowed\n\n"
	                                "This is \nflowed.\n"
	                                " >not a quote\n"
	                                "> quoted \n> more\n"
	                                ">> deep \n>> er\n"
	                                "-- \nsig\n");
	assert_string_equal(m->text, "This is flowed.\n>not a quote\n> quoted more\n> > deep er\n-- \nsig\n");
	nl_message_free(m);
	m = parse_ok("Content-Type: text/plain; format=\"Flowed\"; delsp=yes; charset=utf-8\n\n"
	             "\xe6\x97\xa5\xe6\x9c\xac \n\xe8\xaa\x9e\n");
	assert_string_equal(m->text, "日本語\n");
	nl_message_free(m);
	/* quote depth change ends a flowed paragraph */
	m = parse_ok("Content-Type: text/plain; format=flowed\n\nmine \n> theirs\n");
	assert_string_equal(m->text, "mine \n> theirs\n");
	nl_message_free(m);
}

static void test_reports(void **state)
{
	struct nl_message *m =
	    parse_ok("From: MAILER-DAEMON@mx.test\nContent-Type: MULTIPART/REPORT; "
	             "report-type=Delivery-Status; boundary=x\n\n"
	             "--x\nContent-Type: text/plain\n\nfailed\n"
	             "--x\nContent-Type: message/DELIVERY-STATUS\nContent-Transfer-Encoding: base64\n\n"
	             "UmVwb3J0aW5nLU1UQTogZG5zOyBteAoKRmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAYi50ZXN0CkFjdGlvbjo"
	             "gZmFpbGVkClN0YXR1czogNS4xLjEK\n"
	             "--x\nContent-Type: text/rfc822-headers\n\nMessage-ID: <tok.c@news.test>\n"
	             "--x--\n");
	assert_string_equal(m->content_type, "multipart/report");
	assert_string_equal(m->report_type, "delivery-status");
	assert_string_equal(m->text, "failed\n");
	assert_non_null(
	    strstr(m->delivery_status, "Final-Recipient: rfc822; a@b.test\nAction: failed\nStatus: 5.1.1"));
	assert_string_equal(m->returned_headers, "Message-ID: <tok.c@news.test>");
	nl_message_free(m);
}

/* ---- Bounds: at the limit parses, one past is NL_ERR_LIMIT with the reason ---- */

static enum nl_code parse_rc(const struct nl_buf *b, char *detail)
{
	struct nl_message *m = NULL;
	struct nl_error err = {0};
	enum nl_code rc = nl_message_parse(b->data, b->len, &m, &err);
	nl_message_free(m);
	if (detail)
		snprintf(detail, NL_ERROR_DETAIL_MAX, "%s", err.detail);
	return rc;
}

static void test_bound_size(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "Subject: big\n\n");
	size_t fill = NL_MESSAGE_MAX_SIZE - b.len;
	char *x = malloc(fill);
	memset(x, 'a', fill);
	for (size_t i = 999; i < fill; i += 1000)
		x[i] = '\n';
	nl_buf_append(&b, x, fill);
	free(x);
	assert_int_equal(b.len, NL_MESSAGE_MAX_SIZE);
	assert_int_equal(parse_rc(&b, NULL), NL_OK);
	nl_buf_putc(&b, 'a');
	char detail[NL_ERROR_DETAIL_MAX];
	assert_int_equal(parse_rc(&b, detail), NL_ERR_LIMIT);
	assert_non_null(strstr(detail, "larger than"));
	nl_buf_free(&b);
}

static void test_bound_header_line(void **state)
{
	for (int n = NL_MESSAGE_MAX_HEADER_LINE; n <= NL_MESSAGE_MAX_HEADER_LINE + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_buf_puts(&b, "X-Long: ");
		for (int i = 0; i < n; i++)
			nl_buf_putc(&b, 'b');
		nl_buf_puts(&b, "\n\nbody\n");
		char detail[NL_ERROR_DETAIL_MAX];
		assert_int_equal(parse_rc(&b, detail),
		                 n <= NL_MESSAGE_MAX_HEADER_LINE ? NL_OK : NL_ERR_LIMIT);
		if (n > NL_MESSAGE_MAX_HEADER_LINE)
			assert_non_null(strstr(detail, "X-Long"));
		nl_buf_free(&b);
	}
}

static void test_bound_header_folded(void **state)
{
	/* folded over many lines, the bound is on the unfolded field */
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "To: x");
	for (int i = 0; i < 2000; i++)
		nl_buf_puts(&b, "\n =?utf-8?q?aaaaaaaaaaaaaaaaaaaaaaa?=");
	nl_buf_puts(&b, "\n\nbody\n");
	char detail[NL_ERROR_DETAIL_MAX];
	assert_int_equal(parse_rc(&b, detail), NL_ERR_LIMIT);
	assert_non_null(strstr(detail, "header field To longer than"));
	nl_buf_free(&b);
}

static void test_bound_header_count(void **state)
{
	for (int n = NL_MESSAGE_MAX_HEADERS; n <= NL_MESSAGE_MAX_HEADERS + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		for (int i = 0; i < n; i++)
			nl_buf_printf(&b, "X-H%d: v\n", i);
		nl_buf_puts(&b, "\nbody\n");
		char detail[NL_ERROR_DETAIL_MAX];
		assert_int_equal(parse_rc(&b, detail), n <= NL_MESSAGE_MAX_HEADERS ? NL_OK : NL_ERR_LIMIT);
		if (n > NL_MESSAGE_MAX_HEADERS)
			assert_non_null(strstr(detail, "header fields"));
		nl_buf_free(&b);
	}
}

static void test_bound_depth(void **state)
{
	for (int n = NL_MESSAGE_MAX_DEPTH; n <= NL_MESSAGE_MAX_DEPTH + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		for (int i = 0; i < n; i++)
			nl_buf_printf(&b, "Content-Type: multipart/mixed; boundary=a%d\n\n--a%d\n", i, i);
		nl_buf_puts(&b, "Content-Type: text/plain\n\ndeep\n");
		char detail[NL_ERROR_DETAIL_MAX];
		enum nl_code rc = parse_rc(&b, detail);
		assert_int_equal(rc, n <= NL_MESSAGE_MAX_DEPTH ? NL_OK : NL_ERR_LIMIT);
		if (rc != NL_OK)
			assert_non_null(strstr(detail, "nested deeper"));
		nl_buf_free(&b);
	}
	/* 10,000 levels: stops at the bound, no stack overflow */
	struct nl_buf b = NL_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		nl_buf_printf(&b, "Content-Type: multipart/mixed; boundary=a%d\n\n--a%d\n", i, i);
	assert_int_equal(parse_rc(&b, NULL), NL_ERR_LIMIT);
	nl_buf_free(&b);
}

static void test_bound_parts(void **state)
{
	for (int n = NL_MESSAGE_MAX_PARTS; n <= NL_MESSAGE_MAX_PARTS + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_buf_puts(&b, "Content-Type: multipart/mixed; boundary=a\n\n");
		for (int i = 0; i < n; i++)
			nl_buf_puts(&b, "--a\nx:y\n\n");
		nl_buf_puts(&b, "--a--\n");
		char detail[NL_ERROR_DETAIL_MAX];
		assert_int_equal(parse_rc(&b, detail), n <= NL_MESSAGE_MAX_PARTS ? NL_OK : NL_ERR_LIMIT);
		if (n > NL_MESSAGE_MAX_PARTS)
			assert_non_null(strstr(detail, "MIME parts"));
		nl_buf_free(&b);
	}
	/* the 2 MB bomb of 4-byte parts (Snyk 2018) stops at the bound at once */
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "Content-Type: multipart/mixed; boundary=a\n\n");
	for (int i = 0; i < 500000; i++)
		nl_buf_puts(&b, "--a\n");
	clock_t t0 = clock();
	assert_int_equal(parse_rc(&b, NULL), NL_ERR_LIMIT);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	nl_buf_free(&b);
}

static void test_bound_encoded_words(void **state)
{
	for (int n = NL_MESSAGE_MAX_ENCODED_WORDS; n <= NL_MESSAGE_MAX_ENCODED_WORDS + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_buf_puts(&b, "Subject:");
		for (int i = 0; i < n; i++)
			nl_buf_puts(&b, " =?utf-8?q?a?=");
		nl_buf_puts(&b, "\n\nbody\n");
		char detail[NL_ERROR_DETAIL_MAX];
		assert_int_equal(parse_rc(&b, detail),
		                 n <= NL_MESSAGE_MAX_ENCODED_WORDS ? NL_OK : NL_ERR_LIMIT);
		if (n > NL_MESSAGE_MAX_ENCODED_WORDS)
			assert_non_null(strstr(detail, "encoded-words"));
		nl_buf_free(&b);
	}
}

static void test_bound_html_depth(void **state)
{
	for (int n = NL_MESSAGE_MAX_HTML_DEPTH; n <= NL_MESSAGE_MAX_HTML_DEPTH + 1; n++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_buf_puts(&b, "Content-Type: text/html\n\n");
		for (int i = 0; i < n; i++)
			nl_buf_puts(&b, "<div>");
		nl_buf_puts(&b, "x\n");
		assert_int_equal(parse_rc(&b, NULL), n <= NL_MESSAGE_MAX_HTML_DEPTH ? NL_OK : NL_ERR_LIMIT);
		nl_buf_free(&b);
	}
}

static void test_malformed(void **state)
{
	/* inner multipart reusing the outer boundary; boundary never closed; empty multipart */
	struct nl_message *m = parse_ok("Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	                                "Content-Type: multipart/alternative; boundary=a\n\n--a\n"
	                                "Content-Type: text/plain\n\nhello\n");
	nl_message_free(m);
	m = parse_ok("Content-Type: multipart/mixed; boundary=a\n\npreamble\n--a  \n\nno end\n");
	assert_string_equal(m->text, "no end\n");
	nl_message_free(m);
	m = parse_ok("Content-Type: multipart/mixed; boundary=a\n\n");
	assert_string_equal(m->text, "");
	nl_message_free(m);
	m = parse_ok("Content-Type: multipart/mixed\n\nno boundary\n");
	assert_string_equal(m->text, "no boundary\n"); /* read as text, as mutt and Python's email do */
	assert_string_equal(m->content_type, "multipart/mixed");
	nl_message_free(m);
	/* a boundary that never starts a line: the body is text; a blank one stays empty */
	m = parse_ok("Content-Type: multipart/report; boundary=\"x\"\n\nintro\n--y\nStatus: 5.1.1\n--y--\n");
	assert_string_equal(m->text, "intro\n--y\nStatus: 5.1.1\n--y--\n");
	assert_null(m->delivery_status);
	nl_message_free(m);
	m = parse_ok("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; "
	             "boundary=b\n\n\n--a\nContent-Type: text/plain\n\nsecond\n--a--\n");
	assert_string_equal(m->text, "second\n");
	nl_message_free(m);
	m = parse_ok("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; "
	             "boundary=b\nContent-Disposition: attachment\n\nnot shown\n--a\n\nshown\n--a--\n");
	assert_string_equal(m->text, "shown\n");
	nl_message_free(m);
	/* a parameter at the margin after a field that ends in ';' is that field's fold */
	m = parse_ok("Content-Type: multipart/mixed;\nboundary=\"b\"\n\n--b\n\ninner\n--b--\n");
	assert_string_equal(m->text, "inner\n");
	nl_message_free(m);
	m = parse_ok("Subject: a;\nb=c\n\n"); /* only after a field ending in ';' ... */
	assert_string_equal(m->subject, "a;b=c");
	nl_message_free(m);
	m = parse_ok("Subject: a\nb=c\n\n"); /* ... otherwise the body starts there */
	assert_string_equal(m->text, "b=c\n\n");
	nl_message_free(m);
	m = parse_ok("");
	assert_string_equal(m->subject, "");
	nl_message_free(m);
	m = parse_ok(
	    "From: "
	    "=?utf-8?b?cG90dXNAd2hpdGVob3VzZS5nb3Y=?==?utf-8?Q?=00?==?utf-8?b?cG90dXNAd2hpdGVob3VzZS5nb3Y=?="
	    "@mailsploit.com\n\nx\n");
	/* the address is never taken from decoded text (Mailsploit) */
	assert_true(m->from_address == NULL || strstr(m->from_address, "@mailsploit.com") != NULL);
	nl_message_free(m);
	/* two From fields, the first without an address: only the first counts (a leak fuzz_dsn found) */
	m = parse_ok("From: =?utf-8?q?No_Address?=\nFrom: Second <second@example.test>\n\nx\n");
	assert_null(m->from_address);
	nl_message_free(m);
	/* control characters never reach the text (an undecodable ISO-2022 escape, BEL) */
	m = parse_ok("Content-Type: text/plain; charset=ISO-2022-CN-EXT\n\n\x1b$A a\x07\tb\n");
	assert_string_equal(m->text, "\xef\xbf\xbd$A a\xef\xbf\xbd\tb\n");
	nl_message_free(m);
	m = parse_ok("Content-Transfer-Encoding: base64\n\nYWJj ZGVm\n!!Z2g");
	assert_string_equal(m->text, "abcdefgh\n");
	nl_message_free(m);
}

/* ---- The corpora ---- */

static int corpus_walk(const char *dir, int *unreadable)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "LICENSE") ||
		    !strcmp(e->d_name, "expected.tsv"))
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct nl_buf b = NL_BUF_INIT;
		if (nl_read_file(path, 0, &b, NULL) != NL_OK) { /* a directory */
			nl_buf_free(&b);
			n += corpus_walk(path, unreadable);
			continue;
		}
		struct nl_message *m = NULL;
		struct nl_error err = {0};
		clock_t t0 = clock();
		enum nl_code rc = nl_message_parse(b.data ? b.data : "", b.len, &m, &err);
		if ((double)(clock() - t0) / CLOCKS_PER_SEC > 0.5)
			fail_msg("%s: too slow", path);
		if (rc != NL_OK) {
			assert_true(rc == NL_ERR_LIMIT || rc == NL_ERR_MESSAGE);
			assert_true(err.detail[0] != '\0');
			(*unreadable)++;
		} else {
			assert_non_null(m->text);
			assert_non_null(m->subject);
			assert_true(nl_utf8_valid(m->text, strlen(m->text)));
			assert_true(nl_utf8_valid(m->subject, strlen(m->subject)));
		}
		nl_message_free(m);
		nl_buf_free(&b);
		n++;
	}
	closedir(d);
	return n;
}

static void test_corpora_no_crash(void **state)
{
	static const char *sets[] = {"cpython-test_email",       "mimekit",
	                             "sisimai-set-of-emails",    "mailgun-talon",
	                             "crisp-email-reply-parser", "github-email_reply_parser"};
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
		char dir[512];
		snprintf(dir, sizeof dir, "%s/%s", NL_CORPUS, sets[s]);
		int unreadable = 0;
		int n = corpus_walk(dir, &unreadable);
		print_message("%s: %d files read, %d over a bound\n", sets[s], n, unreadable);
		assert_true(n > 0);
		/* only MimeKit's stack-overflow.txt (a 135 KB To: field) is over a bound */
		assert_int_equal(unreadable, strcmp(sets[s], "mimekit") == 0 ? 1 : 0);
	}
}

static void test_cpython_expectations(void **state)
{
	struct nl_message *m = corpus_ok("cpython-test_email/msg_16.txt");
	assert_string_equal(m->content_type, "multipart/report");
	assert_non_null(strstr(m->delivery_status, "Final-recipient: rfc822;jangel1@cougar.noc.ucla.edu"));
	assert_non_null(strstr(m->delivery_status, "Status: 5.0.0 (recipient reached disk quota)"));
	assert_non_null(m->returned_headers);
	nl_message_free(m);
	m = corpus_ok("cpython-test_email/msg_35.txt");
	assert_string_equal(m->from_address, "aperson@dom.ain");
	assert_string_equal(m->subject, "here's something interesting");
	assert_non_null(strstr(m->text, "counter to RFC 5322"));
	nl_message_free(m);
	m = corpus_ok("cpython-test_email/msg_47.txt");
	assert_string_equal(m->from_address, "123@example.com");
	assert_int_equal(m->date_time, 0); /* 27:39:33 is no time */
	nl_message_free(m);
	m = parse_ok(
	    "Date: Mon, 1 Jan 2024 00:00:00 -1105788900\n\nx\n"); /* a zone past four digits (fuzz) */
	assert_int_equal(m->date_time, 0);
	nl_message_free(m);
	m = corpus_ok("cpython-test_email/msg_15.txt"); /* reused boundary: no loop */
	nl_message_free(m);
	m = corpus_ok("cpython-test_email/msg_02.txt"); /* digest: the first text part is the body */
	assert_true(strlen(m->text) > 0);
	nl_message_free(m);
}

static void test_mimekit_expectations(void **state)
{
	struct nl_message *m = corpus_ok("mimekit/messages/japanese.txt");
	assert_string_equal(m->subject, "日本語メールテスト (testing Japanese emails)");
	assert_string_equal(
	    m->text,
	    "Let's see if both subject and body works fine...\n\n日本語が\n正常に\n送れているか\nテスト.\n");
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/issue1130.txt");
	assert_string_equal(
	    m->text, "We should have access, and apparently did a few months ago, but now there isa "
	             "\"You do not currently have access to this content.\" at the bottom of therecord\n\n"
	             "The URL in question URL:\nhttps://example.com/\n");
	nl_message_free(m);
	for (int i = 1; i <= 9; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "mimekit/messages/body.%d.txt", i);
		m = corpus_ok(rel);
		bool html = i == 2 || i == 4 || i == 9;
		assert_int_equal(m->text_from_html, html);
		assert_string_equal(m->text, html ? "This is an html body.\n" : "This is the text body.\n");
		nl_message_free(m);
	}
	m = corpus_ok("mimekit/messages/bounce.txt");
	assert_string_equal(m->report_type, "delivery-status");
	assert_non_null(strstr(m->delivery_status, "Reporting-MTA: dns; hmail.jitbit.com"));
	assert_non_null(strstr(m->delivery_status, "Final-Recipient: rfc822; netec.test@netecgc.com"));
	assert_non_null(strstr(m->delivery_status, "Status: 5.1.1"));
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/delivery-status-no-blank-line.txt");
	assert_non_null(strstr(m->delivery_status, "Final-Recipient: RFC822; newsletter-request@imusic.com"));
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/delivery-status-multiple-blank-lines.txt");
	assert_non_null(strstr(m->delivery_status, "Status:5.5.0"));
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/feedback-report.txt");
	assert_string_equal(m->report_type, "feedback-report");
	assert_non_null(m->feedback_report);
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/disposition-notification.txt");
	assert_string_equal(m->report_type, "disposition-notification");
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/issue358.txt"); /* a fold without its space: the header goes on */
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_true(strlen(m->text) > 0);
	nl_message_free(m);
	m = corpus_ok("mimekit/messages/empty-multipart.txt");
	nl_message_free(m);
	m = corpus_ok("mimekit/dkim/multipart-no-end-boundary.msg");
	assert_true(strlen(m->text) > 0);
	nl_message_free(m);
	enum nl_code rc;
	struct nl_error err = {0};
	m = parse_file("mimekit/messages/stack-overflow.txt", &rc, &err);
	assert_int_equal(rc, NL_ERR_LIMIT);
	assert_non_null(strstr(err.detail, "To"));
	nl_message_free(m);
}

static void test_sisimai_line_ends(void **state)
{
	/* the same bounce with LF, CRLF and CR-only line ends reads alike */
	struct nl_message *a = corpus_ok("sisimai-set-of-emails/bsd/rfc3464-01.eml");
	struct nl_message *b = corpus_ok("sisimai-set-of-emails/dos/rfc3464-01.eml");
	assert_non_null(a->delivery_status);
	assert_non_null(b->delivery_status);
	assert_string_equal(a->delivery_status, b->delivery_status);
	assert_string_equal(a->from_address, b->from_address);
	nl_message_free(a);
	nl_message_free(b);
	DIR *d = opendir(NL_CORPUS "/sisimai-set-of-emails/mac");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char rel[512], bsd[512];
		snprintf(rel, sizeof rel, "sisimai-set-of-emails/mac/%s", e->d_name);
		snprintf(bsd, sizeof bsd, "sisimai-set-of-emails/bsd/%s", e->d_name);
		a = corpus_ok(rel);
		b = corpus_ok(bsd);
		assert_string_equal(a->text, b->text);
		assert_string_equal(a->subject, b->subject);
		nl_message_free(a);
		nl_message_free(b);
	}
	closedir(d);
	/* multipart trouble read as a mail reader would: an unindented boundary parameter, a boundary
	 * that never comes, one that does not match the parts */
	a = corpus_ok("sisimai-set-of-emails/bsd/lhost-apachejames-01.eml");
	assert_non_null(strstr(a->text, "RCPT TO: 000000000000@vtext.example.com"));
	nl_message_free(a);
	a = corpus_ok("sisimai-set-of-emails/bsd/rfc3464-04.eml");
	assert_non_null(strstr(a->text, "Final-Recipient: RFC822; kijitora@mailx-53.neko.example.edu"));
	assert_string_equal(a->report_type, "delivery-status");
	nl_message_free(a);
	a = corpus_ok("sisimai-set-of-emails/bsd/rhost-google-02.eml");
	assert_non_null(strstr(a->text, "Final-Recipient: rfc822; neko-nyaan@example.org"));
	nl_message_free(a);
}

static void test_talon_standard(void **state)
{
	/* every standard reply starts with the person's "Hello" */
	static const char *files[] = {"android", "aol",     "apple_mail",  "apple_mail_2",
	                              "comcast", "gmail",   "hotmail",     "iphone",
	                              "outlook", "sparrow", "thunderbird", "yahoo"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char rel[256];
		snprintf(rel, sizeof rel, "mailgun-talon/standard_replies/%s.eml", files[i]);
		struct nl_message *m = corpus_ok(rel);
		/* the new text "Hello" is there, unquoted (Thunderbird's is below the quote) */
		const char *t = strstr(m->text, "Hello");
		if (!t || (t > m->text && t[-1] != '\n'))
			fail_msg("%s: text \"%.40s\"", files[i], m->text);
		nl_message_free(m);
	}
	struct nl_message *m = corpus_ok("mailgun-talon/standard_replies/android.eml");
	assert_non_null(strstr(m->text, "пользователь")); /* base64 UTF-8 */
	nl_message_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_body_choice),
	    cmocka_unit_test(test_flowed),
	    cmocka_unit_test(test_reports),
	    cmocka_unit_test(test_bound_size),
	    cmocka_unit_test(test_bound_header_line),
	    cmocka_unit_test(test_bound_header_folded),
	    cmocka_unit_test(test_bound_header_count),
	    cmocka_unit_test(test_bound_depth),
	    cmocka_unit_test(test_bound_parts),
	    cmocka_unit_test(test_bound_encoded_words),
	    cmocka_unit_test(test_bound_html_depth),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_corpora_no_crash),
	    cmocka_unit_test(test_cpython_expectations),
	    cmocka_unit_test(test_mimekit_expectations),
	    cmocka_unit_test(test_sisimai_line_ends),
	    cmocka_unit_test(test_talon_standard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
