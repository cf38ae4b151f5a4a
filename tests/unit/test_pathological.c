/* test_pathological.c - reading time grows linearly with hostile input (issue 7), in the style of
 * cmark's test/pathological_tests.py: each case is built at 10x, 100x and 1000x repetitions of a
 * unit and read the way collect reads a message (nl_message_parse -> nl_reply_analyse ->
 * nl_answers_read with the example survey).  The test compares CPU-time ratios, never
 * absolute times: 100 times the input may take at most PATHO_SLACK x 100 times as long
 * (t(1000x)/t(10x) < 300, 800 under AddressSanitizer; a quadratic step gives ~10,000).  Timings
 * are the best of several runs, in process CPU time, so other work on the machine does not decide
 * the result.
 *
 * Cases past a bound (e.g. 1000x nested <div> is over NL_MESSAGE_MAX_HTML_DEPTH) are still timed:
 * the bound must be found in linear time too.  The printed table is the figure for the report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "article.h"
#include "buf.h"
#include "message.h"
#include "answers.h"
#include "reply.h"
#include "survey.h"
#include "util.h"

/* Under AddressSanitizer every large allocation is a fresh mapping and every free goes through a
 * quarantine, so the 1000x inputs pay page faults the 10x ones never see: linear code measured
 * up to 450 there (100 KB of empty lines, before reply.c's line record shrank from 48 to 32
 * bytes; about 100 since).  A quadratic step still gives ~10,000, far over either bound. */
#if defined(__SANITIZE_ADDRESS__)
#define PATHO_SLACK 8.0
#else
#define PATHO_SLACK 3.0
#endif

static struct nl_article *patho_article;

struct patho_case {
	const char *name;
	size_t unit;                       /* repetitions at "1x" */
	void (*gen)(struct nl_buf *, size_t n);
};

static void patho_head(struct nl_buf *b, const char *extra)
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nTo: replies+abcdefghijklmnopqrstuvwxyz@example.test\n"
	               "Subject: Re: Job or career\nMessage-ID: <r1@example.test>\n"
	               "In-Reply-To: <abcdefghijklmnopqrstuvwxyz.career-2026-11@example.test>\n");
	nl_buf_puts(b, extra);
	nl_buf_puts(b, "\n");
}

/* ---- the generators: n repetitions of the unit ---- */

static void gen_quote_levels(struct nl_buf *b, size_t n) /* one line quoted n deep */
{
	patho_head(b, "");
	nl_buf_puts(b, "1 career\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_putc(b, '>');
	nl_buf_puts(b, " Is your work today a job or a career?\n");
}

static void gen_quote_lines(struct nl_buf *b, size_t n) /* n lines at rising, falling depth */
{
	patho_head(b, "");
	nl_buf_puts(b, "2 four\n");
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < i % 40; d++)
			nl_buf_puts(b, "> ");
		nl_buf_puts(b, "quoted text\n");
	}
}

static void gen_encoded_words(struct nl_buf *b, size_t n) /* n words in the Subject (1000x is over) */
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nSubject:");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, i % 2 ? " =?UTF-8?Q?z=E2=80?=" : " =?UTF-8?Q?=99z?=");
	nl_buf_puts(b, "\n\n3 yes\n");
}

static void gen_encoded_prefixes(struct nl_buf *b, size_t n) /* "=?x?b?" n times, one "?=" (Go #79217) */
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nSubject: ");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "=?x?b?");
	nl_buf_puts(b, "?=\n\n3 yes\n");
}

static void gen_mime_parts(struct nl_buf *b, size_t n) /* n tiny parts (1000x is at the bound) */
{
	patho_head(b, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=a\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "--a\nx:y\n\n");
	nl_buf_puts(b, "--a--\n");
}

static void gen_mime_parts_over(struct nl_buf *b, size_t n) /* 400 n parts: far past the bound */
{
	patho_head(b, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=a\n");
	for (size_t i = 0; i < 400 * n; i++)
		nl_buf_puts(b, "--a\nx:y\n\n");
}

static void html_head(struct nl_buf *b)
{
	patho_head(b, "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n");
}

static void gen_html_nested(struct nl_buf *b, size_t n) /* n nested <div> (100x and 1000x are over) */
{
	html_head(b);
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "<div>");
	nl_buf_puts(b, "1 career");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "</div>");
}

static void gen_html_nested_blocks(struct nl_buf *b, size_t n) /* n runs of 200-deep blocks */
{
	html_head(b);
	for (size_t i = 0; i < n; i++) {
		for (int d = 0; d < 200; d++)
			nl_buf_puts(b, d % 3 ? "<div>" : "<blockquote>");
		nl_buf_puts(b, "x");
		for (int d = 199; d >= 0; d--)
			nl_buf_puts(b, d % 3 ? "</div>" : "</blockquote>");
	}
}

static void gen_html_unclosed_inline(struct nl_buf *b, size_t n) /* n unclosed inline tags */
{
	html_head(b);
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "<span><b>");
	nl_buf_puts(b, "1 career</p></td></li>");
}

static void gen_html_end_tags(struct nl_buf *b, size_t n) /* 255 open, then n stray end tags */
{
	html_head(b);
	for (int d = 0; d < 255; d++)
		nl_buf_puts(b, "<div>");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "</p></li></td>");
}

static void gen_html_open_brackets(struct nl_buf *b, size_t n) /* tag starts that never close */
{
	html_head(b);
	nl_buf_puts(b, "1 career ");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "<a href=\"x ");
}

static void gen_html_comments(struct nl_buf *b, size_t n) /* comment and script starts, never ended */
{
	html_head(b);
	nl_buf_puts(b, "1 career ");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "<!-- <script> <style> &#x");
}

static void gen_html_entities(struct nl_buf *b, size_t n) /* entities, some never ended */
{
	html_head(b);
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "&amp;&#233;&#x1F600;&nbsp&unknownentityname&#99999999999;&");
}

static void gen_html_attributes(struct nl_buf *b, size_t n) /* one tag with n attributes */
{
	html_head(b);
	nl_buf_puts(b, "<div");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, " class=\"gmail_quote x\" style='display:none'");
	nl_buf_puts(b, ">1 career</div>");
}

static void gen_numbered_answers(struct nl_buf *b, size_t n) /* the same answers over and over */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "1 career, 2 4, 3 yes, 4 fewer meetings\nwork: job\n\n");
}

static void gen_signature_lines(struct nl_buf *b, size_t n) /* sign-offs, dashes and bullets */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "Thanks,\n-- \n- a bullet\n--\nSent from my iPhone\n________________\n");
}

static void gen_blank_lines(struct nl_buf *b, size_t n) /* blank lines (iTop recursed on each) */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "\n\n\n\n\n\n\n\n\n\n");
	nl_buf_puts(b, "1 career\n");
}

static void gen_on_wrote(struct nl_buf *b, size_t n) /* "On … wrote:" lookalikes, none complete */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "On Tue, 3 Nov 2026 at 10:0" "0, Ana <ana@example.test>\n"
		               "On my side the answer is 2, career,\n"
		               "On 2026-11-03 Bob <bob@example.test> wrote\n"
		               "wrote: On\n");
}

static void gen_on_wrote_headers(struct nl_buf *b, size_t n) /* n real headers, each with a quote */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "1 career\nOn Tue, 3 Nov 2026 at 10:00, Ana <ana@example.test> wrote:\n> earlier\n");
}

static void gen_outlook_blocks(struct nl_buf *b, size_t n) /* Outlook header-block lookalikes */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "From: someone\nSent: sometime\n-----Original Message-----\nTo:\n\n");
}

static void gen_questions(struct nl_buf *b, size_t n) /* quoted questions, each with an answer */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "> Is your work today a job or a career?\ncareer\n"
		               "> How satisfied are you with where it is heading?\n4\n");
}

static void gen_recipients(struct nl_buf *b, size_t n) /* n distinct addresses in To: fields */
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nSubject: hi\n");
	for (size_t i = 0; i < n;) {
		nl_buf_puts(b, "To: ");
		for (size_t k = 0; k < 50 && i < n; k++, i++)
			nl_buf_printf(b, "%sa%zu@example.test", k ? ", " : "", i);
		nl_buf_puts(b, "\n");
	}
	nl_buf_puts(b, "\n1 career\n");
}

/* 16 base32 letters from i, so every token is distinct and well-shaped. */
static void patho_token(char out[17], size_t i)
{
	for (int k = 0; k < 16; k++, i /= 32)
		out[k] = "abcdefghijklmnopqrstuvwxyz234567"[i % 32];
	out[16] = '\0';
}

static void gen_references(struct nl_buf *b, size_t n) /* n distinct token Message-IDs */
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nSubject: Re: hi\nReferences:");
	char tok[17];
	for (size_t i = 0; i < n; i++) {
		patho_token(tok, i);
		nl_buf_printf(b, "%s<%s.career-2026-11@example.test>", i % 4 ? " " : "\n ", tok);
	}
	nl_buf_puts(b, "\n\n1 career\n");
}

static void gen_plus_addresses(struct nl_buf *b, size_t n) /* n distinct plus-addresses in Cc */
{
	nl_buf_puts(b, "From: Ana <ana@example.test>\nSubject: Re: hi\n");
	char tok[17];
	for (size_t i = 0; i < n;) {
		nl_buf_puts(b, "Cc: ");
		for (size_t k = 0; k < 40 && i < n; k++, i++) {
			patho_token(tok, i);
			nl_buf_printf(b, "%sreplies+%s@example.test", k ? ", " : "", tok);
		}
		nl_buf_puts(b, "\n");
	}
	nl_buf_puts(b, "\n1 career\n");
}

static void gen_bounce_addresses(struct nl_buf *b, size_t n) /* a plain bounce naming n addresses */
{
	nl_buf_puts(b, "From: MAILER-DAEMON@mx.example.test\nReturn-Path: <>\n"
	               "Subject: Undelivered Mail Returned to Sender\n\n"
	               "This is the mail system at host mx.example.test.\n"
	               "I'm sorry to have to inform you that your message could not be delivered.\n\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_printf(b, "<u%zu@example.test>: host mx.example.test said: 550 5.1.1 user unknown, "
		                 "no quota, no policy, nothing else to see here\n",
		              i);
}

static void gen_long_line(struct nl_buf *b, size_t n) /* one body line of n words, no line end */
{
	patho_head(b, "");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "career yes 4 ");
}

static void gen_flowed(struct nl_buf *b, size_t n) /* format=flowed: n soft breaks in one paragraph */
{
	patho_head(b, "Content-Type: text/plain; format=flowed; delsp=yes\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "> > one soft line \n");
	nl_buf_puts(b, "\n");
}

static void gen_qp(struct nl_buf *b, size_t n) /* quoted-printable soft breaks and "=ZZ" */
{
	patho_head(b, "Content-Transfer-Encoding: quoted-printable\n");
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(b, "caf=C3=A9 =ZZ =\n");
}

static const struct patho_case patho_cases[] = {
	{"quote levels on one line", 100, gen_quote_levels},
	{"quote depth changes", 10, gen_quote_lines},
	{"encoded-words (split UTF-8)", 1, gen_encoded_words},
	{"encoded-word prefixes =?x?b?", 10, gen_encoded_prefixes},
	{"tiny MIME parts", 1, gen_mime_parts},
	{"tiny MIME parts past the bound", 1, gen_mime_parts_over},
	{"nested <div>", 1, gen_html_nested},
	{"runs of 200-deep blocks", 1, gen_html_nested_blocks},
	{"unclosed inline tags", 10, gen_html_unclosed_inline},
	{"stray end tags under 255 open", 10, gen_html_end_tags},
	{"unclosed tag starts", 10, gen_html_open_brackets},
	{"unended comments and scripts", 10, gen_html_comments},
	{"HTML entities", 10, gen_html_entities},
	{"one tag, many attributes", 1, gen_html_attributes},
	{"\"On ... wrote:\" lookalikes", 3, gen_on_wrote},
	{"\"On ... wrote:\" headers", 3, gen_on_wrote_headers},
	{"Outlook header lookalikes", 3, gen_outlook_blocks},
	{"quoted questions with answers", 3, gen_questions},
	{"numbered answers repeated", 3, gen_numbered_answers},
	{"sign-offs, dashes and bullets", 3, gen_signature_lines},
	{"blank lines", 10, gen_blank_lines},
	{"distinct To: addresses", 20, gen_recipients},
	{"token Message-IDs in References", 1, gen_references},
	{"distinct plus-addresses in Cc", 10, gen_plus_addresses},
	{"bounce naming many addresses", 3, gen_bounce_addresses},
	{"one long body line", 10, gen_long_line},
	{"format=flowed soft breaks", 10, gen_flowed},
	{"quoted-printable", 10, gen_qp},
};
#define PATHO_N (sizeof patho_cases / sizeof patho_cases[0])

static double patho_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What collect does with one message after the mailbox (no store). */
static void patho_read(const struct nl_buf *b)
{
	struct nl_error err = {0};
	struct nl_message *m = NULL;
	if (nl_message_parse(b->data, b->len, &m, &err) != NL_OK)
		return; /* unreadable (a bound): reaching that verdict is what was timed */
	struct nl_reply *r = NULL;
	assert_int_equal(nl_reply_analyse(m, NULL, &r, &err), NL_OK);
	struct nl_answers a;
	nl_answers_read(patho_article->survey, r->lines, r->n_lines, &a);
	nl_answers_free(&a);
	nl_reply_free(r);
	nl_message_free(m);
}

static double patho_time(const struct nl_buf *b, int runs)
{
	double best = 1e9;
	for (int i = 0; i < runs; i++) {
		double t0 = patho_cpu();
		patho_read(b);
		double dt = patho_cpu() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

static void test_linear(void **state)
{
	(void)state;
	static const size_t mult[3] = {10, 100, 1000};
	int failures = 0;
	printf("%-34s %10s %10s %10s %10s %8s %8s\n", "case", "bytes@1000", "t(10x)", "t(100x)", "t(1000x)",
	       "100/10", "1000/10");
	for (size_t c = 0; c < PATHO_N; c++) {
		const struct patho_case *pc = &patho_cases[c];
		double t[3];
		size_t bytes = 0;
		for (int k = 0; k < 3; k++) {
			struct nl_buf b = NL_BUF_INIT;
			pc->gen(&b, pc->unit * mult[k]);
			bytes = b.len;
			t[k] = patho_time(&b, k < 2 ? 7 : 3);
			nl_buf_free(&b);
		}
		double floor = 1e-6; /* the clock's practical resolution */
		double r1 = t[1] / (t[0] > floor ? t[0] : floor), r2 = t[2] / (t[0] > floor ? t[0] : floor);
		bool bad = r2 > 100 * PATHO_SLACK;
		failures += bad;
		printf("%-34s %10zu %9.2fms %9.2fms %9.2fms %8.1f %8.1f%s\n", pc->name, bytes, t[0] * 1e3,
		       t[1] * 1e3, t[2] * 1e3, r1, r2, bad ? "  NOT LINEAR" : "");
	}
	printf("pass: t(1000x)/t(10x) < %.0f (100 x slack %.0f)\n", 100 * PATHO_SLACK, PATHO_SLACK);
	assert_int_equal(failures, 0);
}

/* The 767 KB quoted reply and pathological.txt of the github corpus, and 100,000 '>' on one line
 * (doc/RELIABILITY.md §5 #18): each in well under a second; here, within 20 times reading the same
 * number of bytes of ordinary prose (a ratio again, not a wall-clock limit). */
static void test_corpus_traps(void **state)
{
	(void)state;
	const char *files[] = {NL_CORPUS "/github-email_reply_parser/emails/email_long_quote.txt",
	                       NL_CORPUS "/github-email_reply_parser/emails/pathological.txt"};
	for (size_t i = 0; i < 3; i++) {
		struct nl_buf b = NL_BUF_INIT, ref = NL_BUF_INIT;
		struct nl_error err = {0};
		if (i < 2) {
			nl_buf_puts(&b, "From: Ana <ana@example.test>\nSubject: Re: x\n\n");
			assert_int_equal(nl_read_file(files[i], 0, &b, &err), NL_OK);
		} else {
			gen_quote_levels(&b, 100000);
		}
		patho_head(&ref, "");
		while (ref.len < b.len)
			nl_buf_puts(&ref, "Plain prose, as a person writes it, nothing quoted here at all.\n");
		double t = patho_time(&b, 3), tr = patho_time(&ref, 3);
		printf("%-40s %8zu bytes %8.2f ms, %5.1fx plain text of that size\n",
		       i < 2 ? strrchr(files[i], '/') + 1 : "100,000 '>' on one line", b.len, t * 1e3,
		       t / (tr > 1e-6 ? tr : 1e-6));
		assert_true(t < 20 * (tr > 1e-4 ? tr : 1e-4));
		nl_buf_free(&b);
		nl_buf_free(&ref);
	}
}

static int setup(void **state)
{
	(void)state;
	struct nl_error err = {0};
	if (nl_article_load(NL_SOURCE_DIR "/articles/2026-11-job-or-career.md", &patho_article, &err) != NL_OK)
		fail_msg("%s", err.detail);
	assert_non_null(patho_article->survey);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_article_free(patho_article);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_corpus_traps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
