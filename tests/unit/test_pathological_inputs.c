/* test_pathological_inputs.c - the twenty bad inputs of doc/RELIABILITY.md §5, each with the behaviour
 * the table states, through the library the way `mailer` uses it (no servers): the composing side
 * through article, subscribers, address and mime; the reading side through nl_message_parse ->
 * nl_reply_analyse -> nl_answers_read.  Where our policy differs from the table the test
 * says "POLICY:" and asserts our behaviour (README's list of deviations).
 *
 * Not here: #5 (a hostile SMTP server) and #6 (killing the sender around the final dot) need the
 * transport and a server; they are the sending-side fault tests of tests/send.cmake.  #3 is tested
 * here up to the composed message (CRLF, no "." line left for the transport to stuff); the SMTP
 * dot-stuffing itself belongs to the transport tests as well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "address.h"
#include "article.h"
#include "buf.h"
#include "message.h"
#include "mime.h"
#include "answers.h"
#include "reply.h"
#include "subscribers.h"
#include "survey.h"
#include "util.h"

static struct nl_article *example; /* the example article: its survey is the one replies answer */

/* ---- helpers ---- */

struct read {
	enum nl_code rc;
	char detail[NL_ERROR_DETAIL_MAX];
	struct nl_message *msg;
	struct nl_reply *reply;
	struct nl_answers answers;
	double cpu;
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads `len` bytes as collect does after the mailbox.  On NL_OK everything is filled. */
static void read_mail(struct read *r, const char *data, size_t len)
{
	memset(r, 0, sizeof *r);
	struct nl_error err = {0};
	double t0 = cpu_now();
	r->rc = nl_message_parse(data, len, &r->msg, &err);
	snprintf(r->detail, sizeof r->detail, "%s", err.detail);
	if (r->rc == NL_OK) {
		struct nl_reply_options opt = {.unsubscribe_address = "unsubscribe@example.test"};
		assert_int_equal(nl_reply_analyse(r->msg, &opt, &r->reply, &err), NL_OK);
		nl_answers_read(example->survey, r->reply->lines, r->reply->n_lines, &r->answers);
	}
	r->cpu = cpu_now() - t0;
}

static void read_str(struct read *r, const char *s)
{
	read_mail(r, s, strlen(s));
}

static void read_corpus(struct read *r, const char *rel)
{
	char *path = nl_xasprintf("%s/%s", NL_CORPUS, rel);
	struct nl_buf b = NL_BUF_INIT;
	struct nl_error err = {0};
	if (nl_read_file(path, 0, &b, &err) != NL_OK)
		fail_msg("%s", err.detail);
	read_mail(r, b.data, b.len);
	nl_buf_free(&b);
	free(path);
}

static void read_free(struct read *r)
{
	nl_answers_free(&r->answers);
	nl_reply_free(r->reply);
	nl_message_free(r->msg);
	memset(r, 0, sizeof *r);
}

static void assert_ok(const struct read *r)
{
	if (r->rc != NL_OK)
		fail_msg("unreadable: %s (%s)", nl_strerror(r->rc), r->detail);
}

/* The answer to question `id`, or NULL. */
static const struct nl_answer *answer(const struct read *r, const char *id)
{
	for (size_t i = 0; i < r->answers.count; i++)
		if (strcmp(example->survey->questions[r->answers.items[i].question].id, id) == 0)
			return &r->answers.items[i];
	return NULL;
}

static void assert_answer(const struct read *r, const char *id, const char *value)
{
	const struct nl_answer *a = answer(r, id);
	if (!a)
		fail_msg("no answer to %s (new text: \"%s\")", id, r->reply->new_text);
	assert_int_equal(a->status, NL_ANSWER_OK);
	assert_string_equal(a->value, value);
}

/* No C0 control character but LF and TAB, no encoded surrogate, valid UTF-8. */
static void assert_clean_text(const char *s)
{
	assert_true(nl_utf8_valid(s, strlen(s)));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 && *p != '\n' && *p != '\t')
			fail_msg("control character 0x%02x in \"%s\"", *p, s);
		if (p[0] == 0xED && p[1] >= 0xA0)
			fail_msg("surrogate in \"%s\"", s);
	}
}

/* Body text: valid UTF-8 (C strings cannot carry a NUL, so none can hide in it). */
static void assert_valid_body(const char *s)
{
	assert_true(nl_utf8_valid(s, strlen(s)));
}

static char *repeat(const char *unit, size_t n)
{
	struct nl_buf b = NL_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		nl_buf_puts(&b, unit);
	return nl_buf_detach(&b);
}

/* Whether any line of a CRLF message starts with `field` (a header line of its own). */
static bool has_line_starting(const char *s, size_t len, const char *field)
{
	size_t n = strlen(field);
	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || s[i - 1] == '\n' || s[i - 1] == '\r') && nl_ascii_ncasecmp(s + i, field, n) == 0)
			return true;
	return false;
}

static char *write_temp(const char *content)
{
	char *path = nl_xstrdup("/tmp/nl-bad-input-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

/* ---- 1: header injection in operator- and subscriber-supplied text ---- */

static void bad_01_header_injection(void **state)
{
	(void)state;
	/* The operator's subject in the front matter: refused with the field named. */
	static const char *const subjects[] = {"\"Hi\\r\\nBcc: x@evil.test\"", "\"Hi\\rBcc: x@evil.test\"",
	                                       "\"Hi\\nBcc: x@evil.test\"", "\"Hi\\0Bcc\""};
	for (size_t i = 0; i < 4; i++) {
		char *md = nl_xasprintf("---\ntitle: T\nsubject: %s\ndate: 2026-11-30\n---\nBody\n", subjects[i]);
		struct nl_article *a = NULL;
		struct nl_error err = {0};
		assert_int_equal(nl_article_parse("articles/evil.md", md, strlen(md), &a, &err), NL_ERR_ARTICLE);
		assert_null(a);
		assert_non_null(strstr(err.detail, "subject"));
		free(md);
	}
	/* A subscriber's name with CR/LF (even quoted in the CSV): the row is refused, the batch goes on.
	 * A quoted field cannot span lines, so the CRLF row is refused as two rows (each half). */
	char *path = write_temp("email,name\n"
	                        "a@example.test,\"Ana\r\nBcc: x@evil.test\"\n"
	                        "b@example.test,\"Bob\rBcc: x@evil.test\"\n"
	                        "c@example.test,Cy\n");
	struct nl_subscribers *list = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &list, &err), NL_OK);
	int rejected = 0, accepted = 0;
	for (;;) {
		const struct nl_subscriber *sub = NULL;
		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
		if (rc == NL_ERR_SUBSCRIBER) {
			rejected++;
			continue;
		}
		assert_int_equal(rc, NL_OK);
		if (!sub)
			break;
		accepted++;
		assert_string_equal(sub->email, "c@example.test");
	}
	assert_int_equal(rejected, 3);
	assert_int_equal(accepted, 1);
	nl_subscribers_close(list);
	unlink(path);
	free(path);
	/* The writer, last line of defence: whatever reaches it never starts a header line.
	 * POLICY: mime.c replaces CR/LF/NUL by spaces instead of failing (callers refused them above). */
	static const char *const values[] = {"Hi\r\nBcc: x@evil.test", "Hi\rBcc: x@evil.test", "Hi\nBcc: x@evil.test",
	                                     "=?UTF-8?Q?=0A?=Bcc: x@evil.test"};
	for (size_t i = 0; i < 4; i++) {
		struct nl_buf out = NL_BUF_INIT;
		nl_mime_header_text(&out, "Subject", values[i], strlen(values[i]));
		nl_mime_header_mailbox(&out, "To", values[i], "a@example.test");
		nl_mime_header_raw(&out, "List-Unsubscribe", "<https://example.test/u?x=%0d%0aBcc:%20x@evil.test>");
		assert_false(has_line_starting(out.data, out.len, "Bcc:"));
		/* every line break is CRLF followed by a fold or a new field we wrote */
		for (size_t k = 0; k < out.len; k++)
			if (out.data[k] == '\n')
				assert_true(k > 0 && out.data[k - 1] == '\r');
		nl_buf_free(&out);
	}
	/* An encoded newline in the operator's text is written so that decoding gives the text back,
	 * never a newline (cpython #121650). */
	const char *v = values[3];
	struct nl_buf out = NL_BUF_INIT;
	nl_mime_header_text(&out, "Subject", v, strlen(v));
	char *decoded = nl_header_decode(out.data + 9, out.len - 11); /* after "Subject: ", before CRLF */
	char *unfolded = nl_xstrdup(decoded);
	size_t k = 0;
	for (char *p = decoded; *p; p++)
		if (*p != '\r' && *p != '\n')
			unfolded[k++] = *p;
	unfolded[k] = '\0';
	assert_null(strchr(decoded, '\n'));
	free(decoded);
	free(unfolded);
	nl_buf_free(&out);
}

/* ---- 2: SMTP command injection through an address ---- */

static void bad_02_address_injection(void **state)
{
	(void)state;
	static const char *const bad[] = {"a@b.com>\r\nRCPT TO:<c@d.com", "a@b.com>\nRCPT TO:<c@d.com", "a b@example.test",
	                                  "a@example.test ", "<a@example.test>", "a@exa mple.test", "a@b.com\rx"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *reason = NULL;
		assert_false(nl_address_valid(bad[i], &reason));
		assert_non_null(reason);
	}
	char nul[] = "a@example.test\0RCPT TO:<c@d.com>";
	assert_true(nl_address_valid(nul, NULL)); /* a C string ends at the NUL: only "a@example.test" */
	/* In a list, such rows are rejected before any message is made (a NUL byte included); the row
	 * whose quoted address spans two lines is refused line by line. */
	char *path = nl_xstrdup("/tmp/nl-bad-input-XXXXXX");
	int fd = mkstemp(path);
	static const char csv[] = "email,name\n\"a@b.com>\r\nRCPT TO:<c@d.com\",x\n\"a b@example.test\",y\n"
	                          "d@example.test\0RCPT,z\nok@example.test,w\n";
	assert_int_equal(write(fd, csv, sizeof csv - 1), (ssize_t)(sizeof csv - 1));
	close(fd);
	struct nl_subscribers *list = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &list, &err), NL_OK);
	int accepted = 0, rejected = 0;
	for (;;) {
		const struct nl_subscriber *sub = NULL;
		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
		if (rc == NL_ERR_SUBSCRIBER) {
			rejected++;
			continue;
		}
		assert_int_equal(rc, NL_OK);
		if (!sub)
			break;
		accepted++;
		assert_string_equal(sub->email, "ok@example.test");
	}
	assert_int_equal(accepted, 1);
	assert_int_equal(rejected, 4);
	nl_subscribers_close(list);
	unlink(path);
	free(path);
}

/* ---- 3 and 4: bodies that could end DATA early or break the line limit ---- */

static void assert_smtp_safe(const struct nl_buf *out)
{
	size_t line = 0;
	for (size_t i = 0; i < out->len; i++) {
		if (out->data[i] == '\r') {
			assert_true(i + 1 < out->len && out->data[i + 1] == '\n'); /* no bare CR */
			continue;
		}
		if (out->data[i] == '\n') {
			assert_true(i > 0 && out->data[i - 1] == '\r'); /* no bare LF */
			line = 0;
			continue;
		}
		if (line == 0)
			assert_true(out->data[i] != '.'); /* nothing for SMTP to stuff, no "." line */
		line++;
		assert_true(line <= 76); /* RFC 2045 §6.7; far below SMTP's 998 */
	}
}

static void bad_03_04_body_lines(void **state)
{
	(void)state;
	struct nl_buf body = NL_BUF_INIT;
	nl_buf_puts(&body, "first\n.\n.foo\nbare LF\nbare CR\rthen\r\n\n.\n");
	for (int i = 0; i < 1000; i++)
		nl_buf_puts(&body, "caf\xc3\xa9 "); /* a 5,000+ character line with 8-bit UTF-8 */
	nl_buf_puts(&body, "\nlast line");
	struct nl_buf out = NL_BUF_INIT;
	nl_mime_qp_encode(&out, body.data, body.len);
	assert_smtp_safe(&out);
	/* The receiver sees the original text: line ends as LF, and the bare CR kept as a byte (it is
	 * encoded as =0D, so no MTA can take it for a line end). */
	struct nl_buf back = NL_BUF_INIT;
	nl_mime_qp_decode(&back, out.data, out.len);
	struct nl_buf want = NL_BUF_INIT;
	for (size_t i = 0; i < body.len; i++) {
		if (body.data[i] == '\r' && i + 1 < body.len && body.data[i + 1] == '\n')
			continue;
		nl_buf_putc(&want, body.data[i]);
	}
	assert_int_equal(back.len, want.len);
	assert_memory_equal(back.data, want.data, want.len);
	nl_buf_free(&back);
	nl_buf_free(&want);
	nl_buf_free(&out);
	/* Headers too: a 5,000-character word in a subject or a display name, and the longest URL the
	 * composer accepts (900 characters, compose.c) as a raw value, never make a line over 998
	 * octets (RFC 5322 §2.1.1).  (nl_mime_header_raw itself does not break a longer unbreakable
	 * value: its callers bound what they pass.) */
	char *word = repeat("x", 5000);
	nl_mime_header_text(&out, "Subject", word, 5000);
	nl_mime_header_mailbox(&out, "To", word, "a@example.test");
	char *url = nl_xasprintf("<https://example.test/%.*s>", 900 - 21, word);
	nl_mime_header_raw(&out, "List-Unsubscribe", url);
	size_t col = 0, longest = 0;
	for (size_t i = 0; i < out.len; i++) {
		col = out.data[i] == '\n' ? 0 : col + 1;
		if (col > longest)
			longest = col;
	}
	printf("  longest header line for 5,000-character words: %zu octets\n", longest);
	assert_true(longest <= 998);
	free(url);
	free(word);
	nl_buf_free(&out);
	/* The same in a whole multipart/alternative body. */
	nl_mime_alternative(&out, "=_b", body.data, body.len, "<p>.</p>\n.\n", 11);
	assert_smtp_safe(&out);
	nl_buf_free(&out);
	nl_buf_free(&body);
}

/* ---- 7: nesting 10,000 deep ---- */

static void bad_07_deep_nesting(void **state)
{
	(void)state;
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "From: a@example.test\n");
	for (int i = 0; i < 10000; i++)
		nl_buf_printf(&b, "Content-Type: multipart/mixed; boundary=a%d\n\n--a%d\n", i, i);
	nl_buf_puts(&b, "\nx\n");
	struct read r;
	read_mail(&r, b.data, b.len);
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	assert_non_null(strstr(r.detail, "deeper than"));
	read_free(&r);
	/* The same with message/rfc822 wrappers, and with one boundary reused at every level. */
	nl_buf_reset(&b);
	nl_buf_puts(&b, "From: a@example.test\n");
	for (int i = 0; i < 10000; i++)
		nl_buf_puts(&b, "Content-Type: message/rfc822\n\n");
	read_mail(&r, b.data, b.len);
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	read_free(&r);
	nl_buf_reset(&b);
	nl_buf_puts(&b, "From: a@example.test\n");
	for (int i = 0; i < 10000; i++)
		nl_buf_puts(&b, "Content-Type: multipart/mixed; boundary=a\n\n--a\n");
	read_mail(&r, b.data, b.len);
	assert_true(r.rc == NL_OK || r.rc == NL_ERR_LIMIT); /* a reused boundary ends the inner part */
	read_free(&r);
	nl_buf_free(&b);
}

/* ---- 8: 500,000 four-byte parts ---- */

/* Runs read_mail on `b` in a child whose address space may grow by at most `mb` megabytes over
 * what it has at the start (RLIMIT_AS); nl_xmalloc aborts the child if the reading needs more.
 * Returns the child's verdict: the nl_code it read, or -1 if it died.  Under AddressSanitizer
 * (which reserves terabytes of shadow memory) the limit cannot be set: the read runs unlimited. */
static int read_bounded(const struct nl_buf *b, size_t mb)
{
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
#ifndef __SANITIZE_ADDRESS__
		unsigned long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%lu", &pages) != 1)
			_exit(99);
		fclose(f);
		struct rlimit rl;
		rl.rlim_cur = rl.rlim_max = pages * (rlim_t)sysconf(_SC_PAGESIZE) + mb * 1024 * 1024;
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			_exit(98);
#endif
		struct read r;
		read_mail(&r, b->data, b->len);
		int rc = (int)r.rc;
		printf("  child: %s (%s), %.1f ms\n", nl_strerror(r.rc), r.detail, r.cpu * 1e3);
		fflush(stdout);
		read_free(&r);
		_exit(rc);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void bad_08_many_parts(void **state)
{
	(void)state;
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "From: a@example.test\nContent-Type: multipart/mixed; boundary=a\n\n");
	for (int i = 0; i < 500000; i++)
		nl_buf_puts(&b, "--a\nx:y\n\n");
	printf("  %zu bytes, 500,000 parts, at most 32 MB more memory:\n", b.len);
	assert_int_equal(read_bounded(&b, 32), NL_ERR_LIMIT); /* the part limit, not the allocator */
	struct read r;
	read_mail(&r, b.data, b.len);
	assert_non_null(strstr(r.detail, "parts"));
	read_free(&r);
	/* The largest message allowed, made of parts just under the bound, also reads in bounded memory
	 * (a few times its size: the copy for CR line ends, the decoded text). */
	nl_buf_reset(&b);
	nl_buf_puts(&b, "From: a@example.test\nContent-Type: multipart/mixed; boundary=a\n\n");
	char *line = repeat("2 four, a line of text in a part of a big message\n", 1);
	size_t per = (NL_MESSAGE_MAX_SIZE - 4096) / (NL_MESSAGE_MAX_PARTS - 1);
	for (int i = 0; i < NL_MESSAGE_MAX_PARTS - 1; i++) {
		nl_buf_puts(&b, "--a\nContent-Type: text/plain\n\n");
		for (size_t k = 0; k < per / strlen(line); k++)
			nl_buf_puts(&b, line);
	}
	free(line);
	printf("  %zu bytes in %d parts, at most 256 MB more memory:\n", b.len, NL_MESSAGE_MAX_PARTS - 1);
	assert_true(b.len <= NL_MESSAGE_MAX_SIZE);
	assert_int_equal(read_bounded(&b, 256), NL_OK);
	nl_buf_free(&b);
}

/* ---- 9: boundary trouble ---- */

static void bad_09_boundaries(void **state)
{
	(void)state;
	struct read r;
	/* CPython msg_15: the inner multipart reuses the outer boundary. */
	read_corpus(&r, "cpython-test_email/msg_15.txt");
	assert_ok(&r);
	assert_string_equal(r.msg->content_type, "multipart/mixed");
	read_free(&r);
	/* MimeKit empty-multipart: the empty alternative does not swallow the text part after it. */
	read_corpus(&r, "mimekit/messages/empty-multipart.txt");
	assert_ok(&r);
	assert_true(strlen(r.msg->text) > 0);
	read_free(&r);
	/* MimeKit multipart-no-end-boundary: both parts read, the text one is the body. */
	read_corpus(&r, "mimekit/dkim/multipart-no-end-boundary.msg");
	assert_ok(&r);
	assert_false(r.msg->text_from_html);
	assert_true(strlen(r.msg->text) > 0);
	read_free(&r);
	/* Delimiters with transport padding (RFC 2046 §5.1.1), and a closing one that never comes. */
	read_str(&r, "From: a@example.test\nContent-Type: multipart/alternative; boundary=\"b\"\n\n"
	             "preamble\n--b  \t\nContent-Type: text/plain\n\n1 career\n--b-- \nepilogue\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "1 career\n");
	read_free(&r);
	read_str(&r, "From: a@example.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n2 four\n--b\n\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "2 four\n");
	read_free(&r);
}

/* ---- 10: huge and pathological header blocks ---- */

static void bad_10_headers(void **state)
{
	(void)state;
	struct read r;
	char *big = repeat("a", 1024 * 1024);
	char *m = nl_xasprintf("From: a@example.test\nX-Big: %s\n\nbody\n", big);
	read_str(&r, m);
	/* POLICY: over the field bound the message is unreadable (the table allows a size defect). */
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	assert_non_null(strstr(r.detail, "X-Big"));
	read_free(&r);
	free(m);
	free(big);
	char *fields = repeat("X-F: v\n", 100000);
	m = nl_xasprintf("From: a@example.test\n%s\nbody\n", fields);
	read_str(&r, m);
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	assert_non_null(strstr(r.detail, "header fields"));
	read_free(&r);
	free(m);
	free(fields);
	char *folds = repeat(" =?utf-8?q?a?=\n", 50000);
	m = nl_xasprintf("From: a@example.test\nTo: x@example.test,\n%sSubject: hi\n\nbody\n", folds);
	read_str(&r, m);
	assert_int_equal(r.rc, NL_ERR_LIMIT); /* 50,000 continuation lines: 750 KB in one field */
	read_free(&r);
	free(m);
	free(folds);
	/* MimeKit stack-overflow.txt (135 KB To: of encoded-words) and issue358 (a badly folded huge
	 * Exchange header): a clear verdict either way, quickly. */
	read_corpus(&r, "mimekit/messages/stack-overflow.txt");
	printf("  stack-overflow.txt: %s %s, %.1f ms\n", nl_strerror(r.rc), r.detail, r.cpu * 1e3);
	assert_true(r.rc == NL_OK || r.rc == NL_ERR_LIMIT);
	assert_true(r.cpu < 1.0);
	read_free(&r);
	/* MimeKit issue358: a colon-less line inside the header block followed by more fields is a fold
	 * that lost its space, so the MIME structure after it is kept. */
	read_corpus(&r, "mimekit/messages/issue358.txt");
	assert_ok(&r);
	assert_string_equal(r.msg->content_type, "multipart/alternative");
	read_free(&r);
	/* CPython msg_35: no blank line; the colon-less line is the body, the fields still read. */
	read_corpus(&r, "cpython-test_email/msg_35.txt");
	assert_ok(&r);
	assert_non_null(r.msg->from_address);
	assert_true(strlen(r.msg->subject) > 0);
	assert_true(strlen(r.msg->text) > 0);
	read_free(&r);
}

/* ---- 11: Mailsploit ---- */

static void bad_11_mailsploit(void **state)
{
	(void)state;
	struct read r;
	read_str(&r, "From: =?utf-8?b?cG90dXNAd2hpdGVob3VzZS5nb3Y=?==?utf-8?Q?=00?==?utf-8?b?cG90dXNAd2hpdGVob3VzZS5nb3Y=?="
	             "@mailsploit.com\nTo: replies@example.test\nSubject: 1 career\n\n1 career\n");
	assert_ok(&r);
	/* The address is never the decoded text. */
	if (r.msg->from_address) {
		assert_null(strstr(r.msg->from_address, "whitehouse.gov"));
		assert_non_null(strstr(r.msg->from_address, "@mailsploit.com"));
	}
	if (r.msg->from_name)
		assert_clean_text(r.msg->from_name);
	/* No token: the respondent cannot be identified, whatever the From says. */
	assert_int_equal(r.reply->n_tokens, 0);
	read_free(&r);
	/* The same trick in a display name: decoded for display only, without the NUL. */
	read_str(&r, "From: \"=?utf-8?b?cG90dXNAd2hpdGVob3VzZS5nb3Y=?==?utf-8?Q?=00=0A?=\" <x@mailsploit.com>\n\nhi\n");
	assert_ok(&r);
	assert_string_equal(r.msg->from_address, "x@mailsploit.com");
	assert_non_null(r.msg->from_name);
	assert_clean_text(r.msg->from_name);
	read_free(&r);
}

/* ---- 12: encoded-word prefixes and undecodable words ---- */

static void bad_12_encoded_words(void **state)
{
	(void)state;
	struct read r;
	char *pre = repeat("=?x?b?", 10000);
	char *m = nl_xasprintf("From: a@example.test\nSubject: %s?=\n\nhi\n", pre);
	read_str(&r, m);
	assert_ok(&r);
	assert_non_null(strstr(r.msg->subject, "=?x?b?=?x?b?")); /* kept as raw text */
	assert_true(r.cpu < 1.0);
	read_free(&r);
	free(m);
	free(pre);
	/* POLICY: 100,000 of them (600 KB) pass the header field bound: unreadable, quickly. */
	pre = repeat("=?x?b?", 100000);
	m = nl_xasprintf("From: a@example.test\nSubject: %s?=\n\nhi\n", pre);
	read_str(&r, m);
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	assert_true(r.cpu < 1.0);
	read_free(&r);
	free(m);
	free(pre);
	/* Unknown charset (read as Windows-1252), invalid QP, missing base64 padding, unknown encoding,
	 * an RFC 2231 language: decoded leniently or kept raw, never a crash, always clean UTF-8. */
	static const struct {
		const char *word, *want;
	} words[] = {
		{"=?x-unknown?q?caf=E9?=", "caf\xc3\xa9"}, {"=?utf-8?q?=ZZ=?=", "=ZZ="},
		{"=?utf-8?b?Y2Fmw6k?=", "caf\xc3\xa9"},    {"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
		{"=?utf-8*fr?q?caf=C3=A9?=", "caf\xc3\xa9"}, {"a =?utf-8?q?=00=0D=0A=1B?= b", NULL},
		/* POLICY: a B word whose payload is all garbage decodes to nothing (base64 is read as
		 * RFC 2045 §6.8 says, skipping what is not in the alphabet) instead of staying raw. */
		{"=?utf-8?b?!!!*?=", ""},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char *s = nl_header_decode(words[i].word, strlen(words[i].word));
		assert_clean_text(s);
		if (words[i].want)
			assert_string_equal(s, words[i].want);
		free(s);
	}
}

/* ---- 13: characters split across encoded-words ---- */

static void bad_13_split_words(void **state)
{
	(void)state;
	static const char w[] = "=?UTF-8?Q?z=E2=80?= =?UTF-8?Q?=99z?=";
	char *s = nl_header_decode(w, sizeof w - 1);
	assert_string_equal(s, "z\xe2\x80\x99z");
	free(s);
	struct read r;
	read_corpus(&r, "mimekit/messages/japanese.txt");
	assert_ok(&r);
	assert_string_equal(r.msg->subject, "日本語メールテスト (testing Japanese emails)");
	assert_non_null(strstr(r.msg->text, "日本語が"));
	read_free(&r);
}

/* ---- 14: charsets ---- */

static void bad_14_charsets(void **state)
{
	(void)state;
	char *s = nl_charset_to_utf8("iso-8859-1", "\x93quoted\x94 \x80 caf\xe9", 15);
	assert_string_equal(s, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac caf\xc3\xa9");
	free(s);
	s = nl_charset_to_utf8("utf-8", "a\xc0\xafz\xed\xa0\x80y\xf4\x90\x80\x80x\xff", 15);
	assert_clean_text(s);
	assert_non_null(strstr(s, "\xef\xbf\xbd")); /* U+FFFD */
	assert_int_equal(s[0], 'a');
	free(s);
	assert_false(nl_charset_known("ISO-2022-CN-EXT"));
	assert_false(nl_charset_known("x-unknown"));
	assert_true(nl_charset_known("iso-8859-1"));
	static const char cn[] = "\x1b$A\x1b$)A\x0e\x3b\x3b\x0fhello \x1b$+I\x1bO!!";
	s = nl_charset_to_utf8("ISO-2022-CN-EXT", cn, sizeof cn - 1); /* falls back to Windows-1252 */
	assert_valid_body(s);
	assert_non_null(strstr(s, "hello"));
	free(s);
	s = nl_charset_to_utf8("x-unknown", "caf\xe9 \x80", 6);
	assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac");
	free(s);
	/* Through a whole message. */
	struct read r;
	read_str(&r, "From: a@example.test\nContent-Type: text/plain; charset=iso-8859-1\n"
	             "Content-Transfer-Encoding: 8bit\n\n\x93" "career\x94 \x80" "5\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "\xe2\x80\x9c" "career\xe2\x80\x9d \xe2\x82\xac" "5\n");
	read_free(&r);
}

/* ---- 15: transfer encodings ---- */

static void bad_15_transfer_encodings(void **state)
{
	(void)state;
	struct read r;
	read_str(&r, "From: a@example.test\nContent-Transfer-Encoding: quoted-printable\n\n"
	             "a=ZZb caf=c3=a9 soft=\nbreak last=\r\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "a=ZZb café softbreak last\n");
	read_free(&r);
	read_str(&r, "From: a@example.test\nContent-Transfer-Encoding: quoted-printable\n\nends with =");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "ends with \n");
	read_free(&r);
	/* base64 with spaces, missing padding, garbage after the end */
	read_str(&r, "From: a@example.test\nContent-Transfer-Encoding: base64\n\nMSBj YXJl\nZXI\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "1 career\n");
	read_free(&r);
	/* POLICY: text after the padding is decoded too (its letters are base64), not dropped */
	read_str(&r, "From: a@example.test\nContent-Transfer-Encoding: BASE64\n\nMSBjYXJlZXI=\n!!garbage");
	assert_ok(&r);
	assert_valid_body(r.msg->text);
	assert_int_equal(strncmp(r.msg->text, "1 career", 8), 0);
	read_free(&r);
	/* unknown encoding: read as 8bit */
	read_str(&r, "From: a@example.test\nContent-Transfer-Encoding: x-uuencode\n\n3 yes\n");
	assert_ok(&r);
	assert_string_equal(r.msg->text, "3 yes\n");
	read_free(&r);
	/* POLICY: no list of defects is kept; the lenient decoding is the whole behaviour. */
}

/* ---- 16: HTML-only replies ---- */

static void bad_16_html(void **state)
{
	(void)state;
	struct read r;
	struct nl_buf b = NL_BUF_INIT;
	struct nl_error err = {0};
	nl_buf_puts(&b, "From: Alex <alex@example.test>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n");
	assert_int_equal(nl_read_file(NL_CORPUS "/mailgun-talon/html_replies/ms_outlook_2010.html", 0, &b, &err), NL_OK);
	read_mail(&r, b.data, b.len);
	assert_ok(&r);
	assert_true(r.msg->text_from_html);
	/* The HTML becomes the reply and the quoted original (talon's "Hi. I am fine. Thanks, Alex")... */
	char squeezed[256];
	size_t k = 0;
	for (const char *p = r.msg->text; *p && *p != '>' && k + 1 < sizeof squeezed; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t' && (unsigned char)*p != 0xC2 && (unsigned char)*p != 0xA0)
			squeezed[k++] = *p;
	squeezed[k] = '\0';
	assert_string_equal(squeezed, "Hi.Iamfine.Thanks,Alex");
	/* ...and POLICY: the sign-off "Thanks,\nAlex" is a signature, not new text (no answer in it). */
	assert_string_equal(r.reply->new_text, "Hi. I am fine.");
	read_free(&r);
	nl_buf_free(&b);
	read_str(&r, "From: a@example.test\nContent-Type: text/html\n\n<html><head><title>T</title><style>p{}</style>"
	             "<script>alert('1 job')</script></head><body><p>2 four</p><p>&#0;&#xD800;&#55296;&#x110000;</p>"
	             "<div style=\"display:none\">1 job</div><p>1 career</p>"
	             "<div class=\"gmail_quote\">On Mon, Ana wrote:<br>1 job<br>3 no</div></body></html>");
	assert_ok(&r);
	assert_clean_text(r.msg->text);
	assert_null(strstr(r.reply->new_text, "alert"));
	assert_null(strstr(r.reply->new_text, "job"));
	assert_answer(&r, "work", "career");
	assert_answer(&r, "satisfaction", "4");
	assert_null(answer(&r, "consult"));
	read_free(&r);
	/* POLICY: 10,000 nested <div> pass NL_MESSAGE_MAX_HTML_DEPTH: the message is unreadable. */
	char *open = repeat("<div>", 10000);
	char *m = nl_xasprintf("From: a@example.test\nContent-Type: text/html\n\n%s1 career", open);
	read_str(&r, m);
	assert_int_equal(r.rc, NL_ERR_LIMIT);
	assert_non_null(strstr(r.detail, "HTML"));
	read_free(&r);
	free(m);
	free(open);
}

/* ---- 17: where the new text is ---- */

static void bad_17_reply_text(void **state)
{
	(void)state;
	static const struct {
		const char *file, *want;
	} cases[] = {
		{"github-email_reply_parser/emails/email_1_3.txt", "Oh thanks.\n\nHaving the function would be great."},
		{"github-email_reply_parser/emails/email_1_8.txt", "I will reply under this one\n\nand under this."},
		{"github-email_reply_parser/emails/greedy_on.txt",
		 "On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis should connect to TextMate (on "
		 "your Mac, via the tunnel). If that\nfails, the tunnel is not working."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nl_buf b = NL_BUF_INIT;
		struct nl_error err = {0};
		char *path = nl_xasprintf("%s/%s", NL_CORPUS, cases[i].file);
		assert_int_equal(nl_read_file(path, 0, &b, &err), NL_OK);
		char *t = nl_reply_strip_text(b.data, b.len);
		assert_string_equal(t, cases[i].want);
		free(t);
		free(path);
		nl_buf_free(&b);
	}
	/* Interleaved answers under the quoted questions map to those questions. */
	struct read r;
	read_str(&r, "From: Ana <ana@example.test>\nSubject: Re: Job or career\n\n"
	             "Hi, my answers are below.\n\n"
	             "On Mon, 30 Nov 2026 at 09:00, Career Notes <news@example.test> wrote:\n"
	             "> 1. Is your work today a job or a career?\n"
	             "> (job / career / not sure)\n"
	             "A career, I think\n\n"
	             "> 2. How satisfied are you with where it is heading?\n"
	             "four\n\n"
	             "> 3. Would you like a free 15-minute consultation?\n"
	             "> 4. What one thing would you change about your work?\n"
	             "Fewer meetings.\n");
	assert_ok(&r);
	assert_answer(&r, "work", "career");
	assert_answer(&r, "satisfaction", "4");
	assert_null(answer(&r, "consult"));
	assert_answer(&r, "change", "Fewer meetings.");
	read_free(&r);
	/* Non-English quote headers: the quoted "1 job" below is never read as an answer. */
	static const char *const headers[] = {
		"Le lun. 30 nov. 2026 à 09:00, Career Notes <news@example.test> a écrit :",
		"Am Mo., 30. Nov. 2026 um 09:00 Uhr schrieb Career Notes <news@example.test>:",
		"El lun, 30 nov 2026 a las 09:00, Career Notes (<news@example.test>) escribió:",
		"Il giorno lun 30 nov 2026 alle ore 09:00 Career Notes <news@example.test> ha scritto:",
		"W dniu 30.11.2026 o 09:00, Career Notes pisze <news@example.test> napisał(a):",
		"30 нояб. 2026 г., в 09:00, Career Notes <news@example.test> пишет:",
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char *m = nl_xasprintf("From: a@example.test\nSubject: Re: x\n\n1 career\n\n%s\n1 job\n3 yes\n", headers[i]);
		read_str(&r, m);
		assert_ok(&r);
		if (!answer(&r, "work") || answer(&r, "consult"))
			fail_msg("quote header not seen: %s (new text \"%s\")", headers[i], r.reply->new_text);
		read_free(&r);
		free(m);
	}
}

/* ---- 18: the performance traps ---- */

static void bad_18_traps(void **state)
{
	(void)state;
	struct read r;
	read_corpus(&r, "github-email_reply_parser/emails/email_long_quote.txt");
	assert_ok(&r);
	printf("  email_long_quote.txt: %.1f ms\n", r.cpu * 1e3);
	assert_true(r.cpu < 1.0);
	read_free(&r);
	read_corpus(&r, "github-email_reply_parser/emails/pathological.txt");
	assert_ok(&r);
	assert_true(r.cpu < 1.0);
	read_free(&r);
	char *q = repeat(">", 100000);
	char *m = nl_xasprintf("From: a@example.test\n\n1 career\n%s x\n", q);
	read_str(&r, m);
	assert_ok(&r);
	printf("  100,000 '>' on one line: %.1f ms\n", r.cpu * 1e3);
	assert_true(r.cpu < 1.0);
	assert_answer(&r, "work", "career");
	read_free(&r);
	free(m);
	free(q);
}

/* ---- 19: delivery status notifications ---- */

static const struct nl_bounce *failed_for(const struct read *r, const char *addr)
{
	for (size_t i = 0; i < r->reply->n_bounces; i++)
		if (r->reply->bounces[i].recipient && strcmp(r->reply->bounces[i].recipient, addr) == 0)
			return &r->reply->bounces[i];
	return NULL;
}

static void assert_bounce(const char *file, const char *addr, char status_class)
{
	struct read r;
	read_corpus(&r, file);
	assert_ok(&r);
	if (r.reply->kind != NL_REPLY_BOUNCE)
		fail_msg("%s: %s (%s)", file, nl_reply_kind_name(r.reply->kind), r.reply->reason);
	const struct nl_bounce *b = failed_for(&r, addr);
	if (!b)
		fail_msg("%s: no bounce for %s (%s)", file, addr, r.reply->reason);
	assert_int_equal(b->action, NL_DSN_FAILED);
	assert_int_equal(b->status[0], status_class);
	read_free(&r);
}

static void bad_19_dsn(void **state)
{
	(void)state;
	assert_bounce("mimekit/messages/delivery-status-no-blank-line.txt", "newsletter-request@imusic.com", '5');
	assert_bounce("mimekit/messages/bounce.txt", "netec.test@netecgc.com", '5'); /* base64 status part */
	assert_bounce("cpython-test_email/msg_16.txt", "jangel1@cougar.noc.ucla.edu", '5'); /* upper case, 5.0.0 (comment) */
	struct read r;
	read_corpus(&r, "mimekit/messages/delivery-status-multiple-blank-lines.txt");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_BOUNCE);
	assert_true(r.reply->n_bounces >= 1);
	assert_string_equal(r.reply->bounces[0].status, "5.5.0");
	read_free(&r);
	/* qmail and Exim plain-text bounces (sisimai): a failed recipient with the status class. */
	static const char *const plain[] = {"sisimai-set-of-emails/bsd/lhost-qmail-01.eml",
	                                    "sisimai-set-of-emails/bsd/lhost-exim-02.eml"};
	for (size_t i = 0; i < 2; i++) {
		read_corpus(&r, plain[i]);
		assert_ok(&r);
		if (r.reply->kind != NL_REPLY_BOUNCE || r.reply->n_bounces == 0)
			fail_msg("%s: %s (%s)", plain[i], nl_reply_kind_name(r.reply->kind), r.reply->reason);
		assert_int_equal(r.reply->bounces[0].status[0], '5');
		assert_non_null(r.reply->bounces[0].recipient);
		read_free(&r);
	}
	/* Action: delayed and delivered are not failures. */
	static const char *const actions[] = {"delayed", "delivered"};
	for (size_t i = 0; i < 2; i++) {
		char *m = nl_xasprintf(
			"From: MAILER-DAEMON@mx.example.test\nTo: replies+abcdefghijklmnop@example.test\n"
			"Subject: Delivery Status Notification\nMIME-Version: 1.0\n"
			"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
			"--r\n\nYour message is %s.\n--r\nContent-Type: message/delivery-status\n\n"
			"Reporting-MTA: dns; mx.example.test\n\nFinal-Recipient: rfc822; ana@example.test\n"
			"Action: %s\nStatus: %s\n--r--\n", actions[i], actions[i], i ? "2.0.0" : "4.4.7");
		read_str(&r, m);
		assert_ok(&r);
		assert_int_equal(r.reply->kind, NL_REPLY_IGNORED);
		read_free(&r);
		free(m);
	}
	/* A bounce for a message we never sent: no token of ours, so collect can match it to no
	 * delivery and ignores it (backscatter); the library reports what it is and finds no token. */
	read_str(&r, "From: MAILER-DAEMON@mx.example.test\nTo: someone@example.test\nReturn-Path: <>\n"
	             "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
	             "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
	             "--r\n\nfailed\n--r\nContent-Type: message/delivery-status\n\n"
	             "Reporting-MTA: dns; mx.example.test\n\nFinal-Recipient: rfc822; victim@example.test\n"
	             "Action: failed\nStatus: 5.1.1\n--r\nContent-Type: text/rfc822-headers\n\n"
	             "From: spammer@elsewhere.test\nTo: victim@example.test\nMessage-ID: <x@elsewhere.test>\n--r--\n");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_BOUNCE);
	assert_int_equal(r.reply->n_tokens, 0);
	read_free(&r);
}

/* ---- 20: auto-replies and non-answers ---- */

static void bad_20_non_answers(void **state)
{
	(void)state;
	struct read r;
	for (int i = 1; i <= 5; i++) {
		char *f = nl_xasprintf("sisimai-set-of-emails/bsd/rfc3834-0%d.eml", i);
		read_corpus(&r, f);
		assert_ok(&r);
		if (r.reply->kind != NL_REPLY_AUTO)
			fail_msg("%s: %s (%s)", f, nl_reply_kind_name(r.reply->kind), r.reply->reason);
		read_free(&r);
		free(f);
	}
	read_corpus(&r, "sisimai-set-of-emails/bsd/arf-01.eml");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_COMPLAINT);
	assert_string_equal(r.reply->feedback_type, "abuse");
	read_free(&r);
	read_corpus(&r, "mimekit/messages/disposition-notification.txt");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_IGNORED); /* a read receipt is not an answer */
	read_free(&r);
	/* An empty reply over the quoted newsletter (its survey block as compose.c writes it). */
	read_str(&r, "From: Ana <ana@example.test>\nSubject: Re: Job or career\n\n\nSent from my iPhone\n\n"
	             "> On 30 Nov 2026, at 09:00, Career Notes <news@example.test> wrote:\n>\n"
	             "> Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes\n>\n"
	             "> 1. Is your work today a job or a career?\n>    job / career / not sure\n>\n"
	             "> 2. How satisfied are you with where it is heading?\n>    1 2 3 4 5   (1 = least, 5 = most)\n>\n"
	             "> 3. Would you like a free 15-minute consultation?\n>    yes / no\n>\n"
	             "> 4. What one thing would you change about your work?\n"
	             ">    (reply with 4 and your answer in your own words)\n");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_PERSON);
	assert_string_equal(r.reply->new_text, "");
	for (size_t i = 0; i < r.answers.count; i++)
		printf("  unexpected answer: q%zu status %d value %s raw %s\n", r.answers.items[i].question,
		       (int)r.answers.items[i].status, r.answers.items[i].value ? r.answers.items[i].value : "-",
		       r.answers.items[i].raw ? r.answers.items[i].raw : "-");
	assert_int_equal(r.answers.count, 0); /* "no answer" */
	read_free(&r);
	read_str(&r, "From: Ana <ana@example.test>\nSubject: unsubscribe\n\n\n");
	assert_ok(&r);
	assert_int_equal(r.reply->kind, NL_REPLY_UNSUBSCRIBE);
	read_free(&r);
	/* Nothing in the library can answer mail: classification is all that happens (no
	 * auto-response exists to be sent back). */
}

static int setup(void **state)
{
	(void)state;
	struct nl_error err = {0};
	if (nl_article_load(NL_SOURCE_DIR "/articles/2026-11-job-or-career.md", &example, &err) != NL_OK)
		fail_msg("%s", err.detail);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_article_free(example);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_01_header_injection), cmocka_unit_test(bad_02_address_injection),
		cmocka_unit_test(bad_03_04_body_lines),    cmocka_unit_test(bad_07_deep_nesting),
		cmocka_unit_test(bad_08_many_parts),       cmocka_unit_test(bad_09_boundaries),
		cmocka_unit_test(bad_10_headers),          cmocka_unit_test(bad_11_mailsploit),
		cmocka_unit_test(bad_12_encoded_words),    cmocka_unit_test(bad_13_split_words),
		cmocka_unit_test(bad_14_charsets),         cmocka_unit_test(bad_15_transfer_encodings),
		cmocka_unit_test(bad_16_html),             cmocka_unit_test(bad_17_reply_text),
		cmocka_unit_test(bad_18_traps),            cmocka_unit_test(bad_19_dsn),
		cmocka_unit_test(bad_20_non_answers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
