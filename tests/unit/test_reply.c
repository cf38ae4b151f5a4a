/* test_reply.c - reply.c and dsn.c: classification, tokens, bounces, quote stripping, and the fixture
 * replies of tests/data/replies (fixtures.tsv) read end to end with answers.c. */
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
#include "dsn.h"
#include "message.h"
#include "answers.h"
#include "reply.h"
#include "survey.h"
#include "util.h"

#define TOK "k7qzm2xw4bnf5hty"

static struct nl_reply *analyse(const struct nl_message *m, const char *unsub)
{
	struct nl_reply_options o = {.unsubscribe_address = unsub};
	struct nl_reply *r = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_reply_analyse(m, &o, &r, &err), NL_OK);
	assert_non_null(r);
	return r;
}

/* A message as message.c leaves it, filled by hand. */
static struct nl_message msg_text(const char *subject, const char *text)
{
	struct nl_message m;
	memset(&m, 0, sizeof m);
	m.subject = (char *)subject;
	m.text = (char *)text;
	m.from_address = (char *)"sam@example.org";
	m.content_type = (char *)"text/plain";
	return m;
}

static void kinds_auto_reply(void **state)
{
	(void)state;
	struct nl_message m = msg_text("Re: Job or career", "1 career\n");
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);

	m.auto_submitted = (char *)"auto-replied";
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_AUTO);
	nl_reply_free(r);
	m.auto_submitted = (char *)"No";
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
	m.auto_submitted = NULL;

	m.x_autoreply = true;
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_AUTO);
	nl_reply_free(r);
	m.x_autoreply = false;

	const char *prec[] = {"bulk", "junk", "auto_reply", "Bulk"};
	for (size_t i = 0; i < 4; i++) {
		m.precedence = (char *)prec[i];
		r = analyse(&m, NULL);
		assert_int_equal(r->kind, NL_REPLY_AUTO);
		nl_reply_free(r);
	}
	m.precedence = (char *)"list"; /* a list is a person writing through a list */
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
	m.precedence = NULL;

	const char *subjects[] = {"Out of Office: Job or career",
	                          "Automatic reply: Job or career",
	                          "Abwesenheitsnotiz: Job or career",
	                          "Réponse automatique : Job or career",
	                          "Respuesta automática: Job",
	                          "Risposta automatica: Job",
	                          "Automatisch antwoord: Job",
	                          "Autosvar: Job",
	                          "Автоответ: Job",
	                          "On vacation until Monday"};
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
		m.subject = (char *)subjects[i];
		r = analyse(&m, NULL);
		if (r->kind != NL_REPLY_AUTO)
			fail_msg("subject %s: %s", subjects[i], nl_reply_kind_name(r->kind));
		nl_reply_free(r);
	}
	m.subject = (char *)"Re: My vacationing habits"; /* a word inside another is not one */
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
}

static void kinds_unsubscribe(void **state)
{
	(void)state;
	const char *subjects[] = {"unsubscribe", "Re: Unsubscribe", "STOP", "Please remove me",
	                          "Re: stop sending"};
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
		struct nl_message m = msg_text(subjects[i], "");
		struct nl_reply *r = analyse(&m, NULL);
		if (r->kind != NL_REPLY_UNSUBSCRIBE)
			fail_msg("subject %s: %s", subjects[i], nl_reply_kind_name(r->kind));
		nl_reply_free(r);
	}
	const char *not_unsub[] = {"Re: Stop working weekends?",
	                           "Re: How to unsubscribe from a career you hate, part 2",
	                           "Re: Job or career"};
	for (size_t i = 0; i < sizeof not_unsub / sizeof not_unsub[0]; i++) {
		struct nl_message m = msg_text(not_unsub[i], "1 career\n");
		struct nl_reply *r = analyse(&m, NULL);
		if (r->kind != NL_REPLY_PERSON)
			fail_msg("subject %s: %s", not_unsub[i], nl_reply_kind_name(r->kind));
		nl_reply_free(r);
	}
	/* the first lines of the new text, not the quoted original's "To unsubscribe, reply with…" */
	struct nl_message m = msg_text("Re: Job or career", "\nUnsubscribe me please\n\n> Hello\n");
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	nl_reply_free(r);
	m = msg_text("Re: Job or career",
	             "1 career\n\n> To unsubscribe, reply with \"unsubscribe\".\n> unsubscribe\n");
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
	/* sent to the List-Unsubscribe mailto address */
	char *rcpt[] = {(char *)"Unsubscribe@Example.test"};
	m = msg_text("Hello", "hi");
	m.recipients = rcpt;
	m.n_recipients = 1;
	r = analyse(&m, "unsubscribe@example.test");
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	nl_reply_free(r);
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
}

static void tokens(void **state)
{
	(void)state;
	char *rcpt[] = {(char *)"coach@example.test", (char *)"replies+" TOK "@example.test"};
	struct nl_message m =
	    msg_text("Re: Job or career [survey abcdefghijk2345m work=not sure]", "1 career\n");
	m.recipients = rcpt;
	m.n_recipients = 2;
	m.in_reply_to = (char *)"<mmmmmmmmmmmmmmmm.career-2026-11@example.test>";
	m.references = (char *)"<CAF=xyz@mail.gmail.com> <nnnnnnnnnnnnnnnn.other-campaign@example.test>\r\n "
	                       "<mmmmmmmmmmmmmmmm.career-2026-11@example.test>";
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->n_tokens, 4);
	assert_string_equal(r->tokens[0].token, TOK);
	assert_int_equal(r->tokens[0].source, NL_TOKEN_SRC_PLUS_ADDRESS);
	assert_null(r->tokens[0].campaign);
	assert_string_equal(r->tokens[1].token, "mmmmmmmmmmmmmmmm");
	assert_int_equal(r->tokens[1].source, NL_TOKEN_SRC_MESSAGE_ID);
	assert_string_equal(r->tokens[1].campaign, "career-2026-11");
	assert_string_equal(r->tokens[2].token, "nnnnnnnnnnnnnnnn");
	assert_string_equal(r->tokens[2].campaign, "other-campaign");
	assert_string_equal(r->tokens[3].token, "abcdefghijk2345m");
	assert_int_equal(r->tokens[3].source, NL_TOKEN_SRC_MAILTO);
	assert_string_equal(r->mailto_question, "work");
	assert_string_equal(r->mailto_value, "not sure");
	nl_reply_free(r);

	/* no token anywhere */
	m = msg_text("Re: hello", "hi");
	m.in_reply_to = (char *)"<CAF=xyz@mail.gmail.com>";
	r = analyse(&m, NULL);
	assert_int_equal(r->n_tokens, 0);
	nl_reply_free(r);
	nl_reply_free(NULL);
}

/* A DSN as message.c leaves it: delivery-status part text and the returned headers. */
static struct nl_reply *dsn(const char *status_part, const char *text)
{
	struct nl_message m = msg_text("Undelivered Mail Returned to Sender", text ? text : "");
	m.from_address = (char *)"mailer-daemon@mx.example.net";
	m.return_path = (char *)"";
	m.content_type = (char *)"multipart/report";
	m.report_type = (char *)"delivery-status";
	m.delivery_status = (char *)status_part;
	m.returned_headers = (char *)"From: Coach <replies+" TOK "@example.test>\nTo: sam@example.org\n"
	                             "Message-ID: <" TOK ".career-2026-11@example.test>\n";
	char *rcpt[] = {(char *)"replies+" TOK "@example.test"};
	m.recipients = rcpt;
	m.n_recipients = 1;
	m.auto_submitted = (char *)"auto-replied"; /* bounces carry it too: still a bounce */
	return analyse(&m, NULL);
}

static void bounces_rfc3464(void **state)
{
	(void)state;
	struct nl_reply *r =
	    dsn("Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; Sam@Example.org\n"
	        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n",
	        NULL);
	assert_int_equal(r->kind, NL_REPLY_BOUNCE);
	assert_int_equal(r->n_bounces, 1);
	assert_string_equal(r->bounces[0].recipient, "sam@example.org");
	assert_string_equal(r->bounces[0].status, "5.1.1");
	assert_true(r->bounces[0].hard);
	assert_false(r->bounces[0].policy);
	assert_string_equal(r->tokens[0].token, TOK); /* the VERP address */
	assert_true(r->n_tokens >= 1);
	nl_reply_free(r);

	/* no blank line between the groups (MimeKit #250), lower-case names, no space after ';' */
	r = dsn("Reporting-MTA: dns; mm1\nArrival-Date: Mon, 29 Jul 1996 02:12:50 -0700\n"
	        "final-recipient: RFC822;newsletter-request@imusic.com\naction: failed\nstatus: 5.0.0\n",
	        NULL);
	assert_int_equal(r->n_bounces, 1);
	assert_string_equal(r->bounces[0].recipient, "newsletter-request@imusic.com");
	assert_false(r->bounces[0].hard);
	nl_reply_free(r);

	/* several blank lines, two recipients, comment after the status, a delayed one */
	r = dsn(
	    "Reporting-MTA: dns;someserver.com\n\n\n\nFinal-Recipient: rfc822;a@example.org\nAction: failed\n"
	    "Status: 5.0.0 (recipient reached disk quota)\n\n\nFinal-Recipient: rfc822;b@example.org\n"
	    "Action: delayed\nStatus: 4.4.7\n",
	    NULL);
	assert_int_equal(r->kind, NL_REPLY_BOUNCE);
	assert_int_equal(r->n_bounces, 2);
	assert_string_equal(r->bounces[0].reason, "mailboxfull");
	assert_false(r->bounces[0].hard);
	assert_int_equal(r->bounces[1].action, NL_DSN_DELAYED);
	nl_reply_free(r);

	/* only delayed / delivered: not a failure */
	r = dsn("Final-Recipient: rfc822;a@example.org\nAction: delayed\nStatus: 4.4.7\n", NULL);
	assert_int_equal(r->kind, NL_REPLY_IGNORED);
	nl_reply_free(r);
	r = dsn("Final-Recipient: rfc822;a@example.org\nAction: delivered\nStatus: 2.1.5\n", NULL);
	assert_int_equal(r->kind, NL_REPLY_IGNORED);
	nl_reply_free(r);

	/* 5.7.x is about us: policy, never hard */
	r = dsn("Final-Recipient: rfc822;a@example.org\nAction: failed\nStatus: 5.7.1\n"
	        "Diagnostic-Code: smtp; 550 5.7.1 Service unavailable; client host blocked using Spamhaus\n",
	        NULL);
	assert_true(r->bounces[0].policy);
	assert_false(r->bounces[0].hard);
	nl_reply_free(r);

	/* a 5.1.1 whose words say the mailbox is full is a full mailbox (soft) */
	r = dsn("Final-Recipient: rfc822;a@example.org\nAction: failed\nStatus: 5.1.1\n"
	        "Diagnostic-Code: smtp; 552 mailbox full\n",
	        NULL);
	assert_string_equal(r->bounces[0].reason, "mailboxfull");
	assert_false(r->bounces[0].hard);
	nl_reply_free(r);

	/* the returned Message-ID gives the token and campaign */
	r = dsn("Final-Recipient: rfc822;a@example.org\nAction: failed\nStatus: 5.1.1\n", NULL);
	bool found = false;
	for (size_t i = 0; i < r->n_tokens; i++)
		found |= r->tokens[i].campaign && strcmp(r->tokens[i].campaign, "career-2026-11") == 0;
	assert_true(found);
	nl_reply_free(r);
}

static void bounces_plain(void **state)
{
	(void)state;
	struct nl_message m = msg_text(
	    "failure notice",
	    "Hi. This is the qmail-send program at mx.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
	    "<sam@example.org>:\n192.0.2.1 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <sam@example.org>: Recipient address rejected: User unknown\n\n"
	    "--- Below this line is a copy of the message.\n\nReturn-Path: <replies+" TOK "@example.test>\n"
	    "To: sam@example.org\n");
	m.from_address = (char *)"mailer-daemon@mx.example.net";
	char *rcpt[] = {(char *)"replies+" TOK "@example.test"};
	m.recipients = rcpt;
	m.n_recipients = 1;
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_BOUNCE);
	assert_int_equal(r->n_bounces, 1);
	assert_string_equal(r->bounces[0].recipient, "sam@example.org");
	assert_string_equal(r->bounces[0].status, "5.1.1");
	assert_true(r->bounces[0].hard);
	assert_string_equal(r->tokens[0].token, TOK);
	nl_reply_free(r);

	/* a person mentioning "undeliverable" is not a bounce */
	m = msg_text("Re: Job or career",
	             "1 career\nYour last mail was almost undeliverable, my filter hates links.\n");
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
}

/* Mail from a daemon address: a bounce only with failure wording; the address we sent to; the local
 * delivery agent's "unknown user". */
static void bounces_daemons_and_agents(void **state)
{
	(void)state;
	char *rcpt[] = {(char *)"replies+" TOK "@example.test"};
	/* a postmaster answering in person, no failure wording: a reply */
	struct nl_message m =
	    msg_text("Re: Job or career", "1 career\n2 4\nI run the mail here; 550s are rare for us.\n");
	m.from_address = (char *)"post_master@example.org";
	m.recipients = rcpt;
	m.n_recipients = 1;
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);
	m.from_address = (char *)"MAILER-DAEMON@example.org";
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);

	/* Apache James: "Re:" subject, no null sender, the refusal quoted; the From: line is not a
	 * recipient */
	m = msg_text("Re:Job or career",
	             "Error: Invalid user address\n\nError message below:\n"
	             "550 - Requested action not taken: no such user here\n\nMessage details:\n"
	             "  Subject: Job or career\n  MAIL FROM: replies+" TOK "@example.test\n"
	             "  RCPT TO: sam@example.org\n  From: coach@example.test\n");
	m.from_address = (char *)"post_master@example.org";
	m.recipients = rcpt;
	m.n_recipients = 1;
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_BOUNCE);
	assert_int_equal(r->n_bounces, 1);
	assert_string_equal(r->bounces[0].recipient, "sam@example.org");
	assert_true(r->bounces[0].hard);
	nl_reply_free(r);

	/* the Final-Recipient is the alias's expansion on the host: ours is the returned To: */
	r = dsn("Final-Recipient: rfc822; sam@mx1.example.org\nAction: failed\nStatus: 5.5.0\n", NULL);
	assert_string_equal(r->bounces[0].recipient, "sam@example.org");
	assert_false(r->bounces[0].hard);
	nl_reply_free(r);
	/* an Original-Recipient says it outright; another local part is another address */
	r = dsn(
	    "Original-Recipient: rfc822; sam@old.example.org\nFinal-Recipient: rfc822; sam@mx1.example.org\n"
	    "Action: failed\nStatus: 5.5.0\n",
	    NULL);
	assert_string_equal(r->bounces[0].recipient, "sam@old.example.org");
	nl_reply_free(r);
	r = dsn("Final-Recipient: rfc822; kim@example.org\nAction: failed\nStatus: 5.5.0\n", NULL);
	assert_string_equal(r->bounces[0].recipient, "kim@example.org");
	nl_reply_free(r);

	/* Sendmail's transcript: the local delivery agent knows no such user (hard); another user's line
	 * says nothing about this one */
	r = dsn("Final-Recipient: rfc822; <sam@example.org>\nAction: failed\nStatus: 5.5.0\n",
	        "   ----- The following addresses had permanent fatal errors -----\n<sam@example.org>\n\n"
	        "   ----- Transcript of session follows -----\nmail.local: unknown user: sam\n"
	        "554 <sam@example.org>... Service unavailable\n");
	assert_string_equal(r->bounces[0].reason, "userunknown");
	assert_true(r->bounces[0].hard);
	nl_reply_free(r);
	r = dsn("Final-Recipient: rfc822; <sam@example.org>\nAction: failed\nStatus: 5.5.0\n",
	        "   ----- The following addresses had permanent fatal errors -----\n<sam@example.org>\n\n"
	        "   ----- Transcript of session follows -----\nmail.local: unknown user: samuel\n"
	        "554 <sam@example.org>... Service unavailable\n");
	assert_false(r->bounces[0].hard);
	nl_reply_free(r);
}

static void complaints_and_receipts(void **state)
{
	(void)state;
	struct nl_message m = msg_text("Complaint", "This is an email abuse report");
	m.content_type = (char *)"multipart/report";
	m.report_type = (char *)"feedback-report";
	m.feedback_report =
	    (char *)"Feedback-Type: abuse\nUser-Agent: Yahoo!-Mail-Feedback/2.0\nVersion: 0.1\n"
	            "Original-Rcpt-To: Sam@example.org\n";
	struct nl_reply *r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_COMPLAINT);
	assert_string_equal(r->feedback_type, "abuse");
	assert_int_equal(r->n_bounces, 1);
	assert_string_equal(r->bounces[0].recipient, "sam@example.org");
	nl_reply_free(r);

	m = msg_text("Read: Job or career", "Your message was read");
	m.content_type = (char *)"multipart/report";
	m.report_type = (char *)"disposition-notification";
	r = analyse(&m, NULL);
	assert_int_equal(r->kind, NL_REPLY_IGNORED);
	nl_reply_free(r);
}

static struct nl_reply *parse_file(const char *path)
{
	struct nl_buf raw = NL_BUF_INIT;
	struct nl_error err = {0};
	struct nl_message *m = NULL;
	struct nl_reply *r = NULL;
	if (nl_read_file(path, 0, &raw, &err) != NL_OK ||
	    nl_message_parse(nl_buf_cstr(&raw), raw.len, &m, &err) != NL_OK)
		fail_msg("%s: %s", path, err.detail);
	r = analyse(m, NULL);
	nl_message_free(m);
	nl_buf_free(&raw);
	return r;
}

/* The DSN deviations of doc/RELIABILITY.md §2.2 in the MimeKit and CPython corpora. */
static void bounces_corpus_deviations(void **state)
{
	(void)state;
	struct {
		const char *file;
		const char *recipient;
		const char *status;
		enum nl_reply_kind kind;
	} cases[] = {
	    {"mimekit/messages/delivery-status-no-blank-line.txt", "newsletter-request@imusic.com", "5.0.0",
	     NL_REPLY_BOUNCE},
	    {"mimekit/messages/delivery-status-multiple-blank-lines.txt", "orig_recip@customer.com", "5.5.0",
	     NL_REPLY_BOUNCE},
	    {"mimekit/messages/bounce.txt", NULL, NULL, NL_REPLY_BOUNCE},
	    {"mimekit/messages/delivery-status2.txt", "source@domain.com", "5.0.0", NL_REPLY_BOUNCE},
	    {"cpython-test_email/msg_16.txt", NULL, "5.0.0", NL_REPLY_BOUNCE},
	    {"mimekit/messages/feedback-report.txt", NULL, NULL, NL_REPLY_COMPLAINT},
	    {"mimekit/messages/disposition-notification.txt", NULL, NULL, NL_REPLY_IGNORED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", NL_CORPUS, cases[i].file);
		struct nl_reply *r = parse_file(path);
		if (r->kind != cases[i].kind)
			fail_msg("%s: %s (%s)", cases[i].file, nl_reply_kind_name(r->kind), r->reason);
		if (cases[i].kind == NL_REPLY_BOUNCE) {
			if (r->n_bounces < 1)
				fail_msg("%s: no recipient", cases[i].file);
			if (cases[i].recipient &&
			    strcmp(r->bounces[0].recipient ? r->bounces[0].recipient : "",
			           cases[i].recipient))
				fail_msg("%s: recipient %s", cases[i].file, r->bounces[0].recipient);
			if (cases[i].status && strcmp(r->bounces[0].status, cases[i].status))
				fail_msg("%s: status %s", cases[i].file, r->bounces[0].status);
		}
		nl_reply_free(r);
	}
}

static void strip_text(void **state)
{
	(void)state;
	char *s = nl_reply_strip_text("Here’s a test.", strlen("Here’s a test."));
	assert_string_equal(s, "Here’s a test.");
	free(s);
	s = nl_reply_strip_text(NULL, 0);
	assert_string_equal(s, "");
	free(s);
	s = nl_reply_strip_text("> only a quote\n", 15);
	assert_string_equal(s, "");
	free(s);
	s = nl_reply_strip_text("\n\nSent from my iPhone\n", 22);
	assert_string_equal(s, "");
	free(s);

	/* the sender's own signature goes, answer lines naming the sender stay */
	const char *signed_body = "1 career\n2 4\n\nThanks,\nSam\n";
	s = nl_reply_strip_text_from(signed_body, strlen(signed_body), "Sam Lee <sam@example.org>");
	assert_string_equal(s, "1 career\n2 4");
	free(s);
	const char *named = "4 more pay for Sam\n\nSam\n";
	s = nl_reply_strip_text_from(named, strlen(named), "Sam Lee");
	assert_string_equal(s, "4 more pay for Sam");
	free(s);
	s = nl_reply_strip_text_from("Sam\n", 4, "Sam Lee");
	assert_string_equal(s, "Sam"); /* never the whole text */
	free(s);

	/* 100,000 quote levels on one line, and 50,000 short quoted lines: linear, well under 1 s */
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "top\n");
	for (int i = 0; i < 100000; i++)
		nl_buf_putc(&b, '>');
	nl_buf_puts(&b, " deep\n");
	for (int i = 0; i < 50000; i++)
		nl_buf_puts(&b, "> On Mon, 1 Jan 2024 at 10:00, x <a@b.c> wrote:\n");
	clock_t t0 = clock();
	s = nl_reply_strip_text(b.data, b.len);
	double dt = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_string_equal(s, "top");
	assert_true(dt < 1.0);
	free(s);
	nl_buf_free(&b);

	/* the line view: quoted lines without their markers */
	struct nl_reply_line *lines;
	size_t n;
	const char *body = "answer\r\n>> > deep quote\r\n";
	nl_reply_split(body, strlen(body), &lines, &n);
	assert_int_equal(n, 2);
	assert_false(lines[0].quoted);
	assert_int_equal(lines[0].len, 6);
	assert_true(lines[1].quoted);
	assert_int_equal(lines[1].len, 10);
	assert_memory_equal(lines[1].text, "deep quote", 10);
	free(lines);
}

/* "On … wrote:" in the languages of issue 4 and a few more; the unprefixed original below is hidden. */
static void quote_headers_languages(void **state)
{
	(void)state;
	static const char *const headers[] = {
	    "On Mon, Nov 30, 2026 at 9:00 AM Career Notes <news@example.test> wrote:",
	    "On Mon, Nov 30, 2026 at 9:00 AM Career Notes <\nnews@example.test> wrote:",
	    "Le lun. 30 nov. 2026 à 09:00, Career Notes <news@example.test> a écrit :",
	    "Am Mo., 30. Nov. 2026 um 09:00 Uhr schrieb Career Notes <news@example.test>:",
	    "El lun, 30 nov 2026 a las 09:00, Career Notes (<news@example.test>) escribió:",
	    "Il giorno lun 30 nov 2026 alle ore 09:00 Career Notes <news@example.test> ha scritto:",
	    "Op ma 30 nov. 2026 om 09:00 schreef Career Notes <news@example.test>:",
	    "Em seg., 30 de nov. de 2026 às 09:00, Career Notes <news@example.test> escreveu:",
	    "W dniu 30.11.2026 o 09:00, Career Notes <news@example.test> napisał(a):",
	    "pon., 30 lis 2026 o 09:00 Career Notes <news@example.test> napisał(a):",
	    "30 нояб. 2026 г., в 09:00, Career Notes <news@example.test> пишет:",
	    "пн, 30 нояб. 2026 г. в 09:00, Career Notes <news@example.test>:",
	    "Den mån 30 nov. 2026 kl 09:00 skrev Career Notes <news@example.test>:",
	    "2026年11月30日(月) 9:00 Career Notes <news@example.test>:",
	    "Career Notes <news@example.test> 于2026年11月30日周一 09:00写道：",
	};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char *body = nl_xasprintf("2 4\n\n%s\n1 job\n3 yes\n", headers[i]);
		char *s = nl_reply_strip_text(body, strlen(body));
		if (strcmp(s, "2 4") != 0)
			fail_msg("header not seen: %s (new text \"%s\")", headers[i], s);
		free(s);
		free(body);
	}
}

/* What a mail client in each of the twelve languages of issue 12 writes around a reply: Outlook's
 * header block, the "On … wrote:" header (two of them, one without an address), the mobile footer
 * (iPhone and Galaxy). */
static const struct client_words {
	const char *lang;
	const char *block[4]; /* From, Sent, To, Subject */
	const char *wrote[2];
	const char *mobile[2];
} client_words[] = {
    {"en",
     {"From: Career Notes <news@example.test>", "Sent: Monday, November 30, 2026 9:00 AM",
      "To: Sam Lee <sam@example.org>", "Subject: Job or career?"},
     {"On Mon, Nov 30, 2026 at 9:00 AM Career Notes <news@example.test> wrote:",
      "On 30 Nov 2026, at 09:00, Career Notes wrote:"},
     {"Sent from my iPhone", "Sent from my Galaxy"}},
    {"fr",
     {"De : Career Notes <news@example.test>", "Envoyé : lundi 30 novembre 2026 09:00",
      "À : Sam Lee <sam@example.org>", "Objet : Job or career?"},
     {"Le lun. 30 nov. 2026 à 09:00, Career Notes <news@example.test> a écrit :",
      "Le 30 nov. 2026 à 09:00, Career Notes a écrit :"},
     {"Envoyé de mon iPhone", "Envoyé depuis mon appareil Galaxy"}},
    {"de",
     {"Von: Career Notes <news@example.test>", "Gesendet: Montag, 30. November 2026 09:00",
      "An: Sam Lee <sam@example.org>", "Betreff: Job or career?"},
     {"Am Mo., 30. Nov. 2026 um 09:00 Uhr schrieb Career Notes <news@example.test>:",
      "Am 30.11.2026 um 09:00 schrieb Career Notes:"},
     {"Von meinem iPhone gesendet", "Von meinem Galaxy gesendet"}},
    {"es",
     {"De: Career Notes <news@example.test>", "Enviado: lunes, 30 de noviembre de 2026 9:00",
      "Para: Sam Lee <sam@example.org>", "Asunto: Job or career?"},
     {"El lun, 30 nov 2026 a las 9:00, Career Notes (<news@example.test>) escribió:",
      "El 30 nov 2026, a las 9:00, Career Notes escribió:"},
     {"Enviado desde mi iPhone", "Enviado desde mi Galaxy"}},
    {"pt",
     {"De: Career Notes <news@example.test>", "Enviada em: segunda-feira, 30 de novembro de 2026 09:00",
      "Para: Sam Lee <sam@example.org>", "Assunto: Job or career?"},
     {"Em seg., 30 de nov. de 2026 às 09:00, Career Notes <news@example.test> escreveu:",
      "Em 30 de nov. de 2026, às 09:00, Career Notes escreveu:"},
     {"Enviado do meu iPhone", "Enviado do meu Galaxy"}},
    {"it",
     {"Da: Career Notes <news@example.test>", "Inviato: lunedì 30 novembre 2026 09:00",
      "A: Sam Lee <sam@example.org>", "Oggetto: Job or career?"},
     {"Il giorno lun 30 nov 2026 alle ore 09:00 Career Notes <news@example.test> ha scritto:",
      "Il giorno 30 nov 2026, alle ore 09:00, Career Notes ha scritto:"},
     {"Inviato da iPhone", "Inviato dal mio Galaxy"}},
    {"nl",
     {"Van: Career Notes <news@example.test>", "Verzonden: maandag 30 november 2026 09:00",
      "Aan: Sam Lee <sam@example.org>", "Onderwerp: Job or career?"},
     {"Op ma 30 nov. 2026 om 09:00 schreef Career Notes <news@example.test>:",
      "Op 30 nov. 2026 om 09:00 heeft Career Notes het volgende geschreven:"},
     {"Verzonden vanaf mijn iPhone", "Verzonden vanaf mijn Galaxy"}},
    {"pl",
     {"Od: Career Notes <news@example.test>", "Wysłano: poniedziałek, 30 listopada 2026 09:00",
      "Do: Sam Lee <sam@example.org>", "Temat: Job or career?"},
     {"W dniu 30.11.2026 o 09:00, Career Notes <news@example.test> pisze:",
      "pon., 30 lis 2026 o 09:00 Career Notes napisał(a):"},
     {"Wysłane z iPhone'a", "Wysłane z mojego Galaxy"}},
    {"ru",
     {"От: Career Notes <news@example.test>", "Отправлено: 30 ноября 2026 г. 9:00",
      "Кому: Sam Lee <sam@example.org>", "Тема: Job or career?"},
     {"30 нояб. 2026 г., в 9:00, Career Notes <news@example.test> написал(а):",
      "пн, 30.11.2026 в 09:00, Career Notes пишет:"},
     {"Отправлено с iPhone", "Отправлено с Galaxy"}},
    {"uk",
     {"Від: Career Notes <news@example.test>", "Надіслано: понеділок, 30 листопада 2026 р. 09:00",
      "Кому: Sam Lee <sam@example.org>", "Тема: Job or career?"},
     {"пн, 30 лист. 2026 р. о 09:00 Career Notes <news@example.test> пише:",
      "30 лист. 2026 р. о 09:00 Career Notes написав(ла):"},
     {"Надіслано з iPhone", "Надіслано з Galaxy"}},
    {"tr",
     {"Kimden: Career Notes <news@example.test>", "Gönderildi: 30 Kasım 2026 Pazartesi 09:00",
      "Kime: Sam Lee <sam@example.org>", "Konu: Job or career?"},
     {"30 Kas 2026 Pzt, 09:00 tarihinde Career Notes <news@example.test> şunu yazdı:",
      "30 Kas 2026 tarihinde 09:00 saatinde, Career Notes şunları yazdı:"},
     {"iPhone'umdan gönderildi", "Galaxy'imden gönderildi"}},
    {"ja",
     {"差出人: Career Notes <news@example.test>", "送信日時: 2026年11月30日 9:00",
      "宛先: Sam Lee <sam@example.org>", "件名: Job or career?"},
     {"2026/11/30 9:00、Career Notes <news@example.test>のメッセージ:",
      "2026/11/30 9:00 に Career Notes は書きました:"},
     {"iPhoneから送信", "Galaxyから送信"}},
};

static void expect_own(const char *what, const char *lang, const char *body, const char *own)
{
	char *s = nl_reply_strip_text(body, strlen(body));
	if (strcmp(s, own) != 0)
		fail_msg("%s (%s) not seen: own words \"%s\" in\n%s", what, lang, s, body);
	free(s);
}

/* The header block in each language, with the unprefixed original below it (hidden) or ">" quoted
 * below it; the field names in capitals too ("ОТ:"), and with the full-width colon. */
static void quote_blocks_languages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof client_words / sizeof client_words[0]; i++) {
		const struct client_words *c = &client_words[i];
		char *block =
		    nl_xasprintf("%s\n%s\n%s\n%s", c->block[0], c->block[1], c->block[2], c->block[3]);
		char *body = nl_xasprintf("2 4\n\n%s\n\nJob or career?\n1 job\n3 yes\n", block);
		expect_own("header block", c->lang, body, "2 4");
		free(body);
		body = nl_xasprintf("2 4\n\n%s\n\n> Job or career?\n> 1 job\n\n3 yes\n", block);
		expect_own("header block over a quote", c->lang, body, "2 4\n\n3 yes");
		free(body);
		/* the names in capitals, as some clients write them */
		struct nl_buf up = NL_BUF_INIT;
		for (int k = 0; k < 4; k++) {
			const char *colon = strchr(c->block[k], ':');
			assert_non_null(colon);
			char *name = nl_xstrndup(c->block[k], (size_t)(colon - c->block[k]));
			/* ASCII and two-byte Cyrillic capitals */
			for (unsigned char *p = (unsigned char *)name; *p; p++) {
				if (*p >= 'a' && *p <= 'z')
					*p = (unsigned char)(*p - 32);
				else if (p[0] == 0xD0 && p[1] >= 0xB0 && p[1] <= 0xBF)
					p[1] = (unsigned char)(p[1] - 0x20), p++;
				else if (p[0] == 0xD1 && p[1] >= 0x80 && p[1] <= 0x8F)
					p[0] = 0xD0, p[1] = (unsigned char)(p[1] + 0x20), p++;
			}
			nl_buf_printf(&up, "%s%s\n", name, colon);
			free(name);
		}
		body = nl_xasprintf("2 4\n\n%s\nJob or career?\n1 job\n", nl_buf_cstr(&up));
		expect_own("header block in capitals", c->lang, body, "2 4");
		free(body);
		nl_buf_free(&up);
		free(block);
	}
	/* Japanese Outlook with the full-width colon */
	expect_own("header block", "ja",
	           "2 4\n\n差出人： Career Notes <news@example.test>\n送信日時： 2026年11月30日 9:00\n"
	           "宛先： Sam Lee <sam@example.org>\n件名： Job or career?\n\n1 job\n",
	           "2 4");
	/* field-like words in a person's text are not a block */
	expect_own("no block", "pl", "Od: jutra szukam pracy.\nDo: końca roku.\n",
	           "Od: jutra szukam pracy.\nDo: końca roku.");
}

/* The "On … wrote:" header in each language: on one line, wrapped by the client before or after the
 * '<' of the address (or between words when there is none), above a ">" quote or the unprefixed
 * original. */
static void quote_wrote_languages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof client_words / sizeof client_words[0]; i++) {
		const struct client_words *c = &client_words[i];
		for (int h = 0; h < 2; h++) {
			const char *hd = c->wrote[h];
			char *body = nl_xasprintf("2 4\n\n%s\n> Job or career?\n> 1 job\n", hd);
			expect_own("quote header", c->lang, body, "2 4");
			free(body);
			body = nl_xasprintf("2 4\n\n%s\n\nJob or career?\n1 job\n", hd);
			expect_own("quote header over the unprefixed original", c->lang, body, "2 4");
			free(body);
			/* wrapped over two lines */
			const char *lt = strchr(hd, '<');
			size_t cuts[2];
			size_t n_cuts = 0;
			if (lt) {
				cuts[n_cuts++] = (size_t)(lt - hd); /* "… Career Notes\n<news@…> wrote:" */
				cuts[n_cuts++] =
				    (size_t)(lt - hd) + 1; /* "… Career Notes <\nnews@…> wrote:" */
			} else {
				const char *sp = strstr(hd, " Career");
				assert_non_null(sp);
				cuts[n_cuts++] = (size_t)(sp - hd) + 7; /* "… Career\nNotes wrote:" */
			}
			for (size_t k = 0; k < n_cuts; k++) {
				body = nl_xasprintf("2 4\n\n%.*s\n%s\n> Job or career?\n> 1 job\n",
				                    (int)cuts[k], hd, hd + cuts[k] + (hd[cuts[k]] == ' '));
				expect_own("wrapped quote header", c->lang, body, "2 4");
				free(body);
				/* a reply address with digits in its second line (a date there by chance) */
				const char *at = strstr(hd + cuts[k], "news@");
				if (!at)
					continue;
				body = nl_xasprintf(
				    "2 4\n\n%.*s\n%.*sreplies+7vp4gk35zx2e7w%s\n> Job or career?\n",
				    (int)cuts[k], hd, (int)(at - hd - cuts[k] - (hd[cuts[k]] == ' ')),
				    hd + cuts[k] + (hd[cuts[k]] == ' '), at + 4);
				expect_own("wrapped quote header, address with digits", c->lang, body, "2 4");
				free(body);
			}
		}
	}
}

/* The mobile footer in each language: not the person's words, in any case; a line that only looks
 * like one stays. */
static void mobile_signatures_languages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof client_words / sizeof client_words[0]; i++) {
		const struct client_words *c = &client_words[i];
		for (int m = 0; m < 2; m++) {
			char *body = nl_xasprintf("2 4\n\n%s\n\n%s\n> Job or career?\n> 1 job\n",
			                          c->mobile[m], c->wrote[0]);
			expect_own("mobile footer", c->lang, body, "2 4");
			free(body);
			body = nl_xasprintf("2 4\n\n%s\n", c->mobile[m]);
			expect_own("mobile footer at the end", c->lang, body, "2 4");
			free(body);
			/* the line view: the footer is not own, the answer is */
			struct nl_reply_line *lines;
			size_t n;
			body = nl_xasprintf("2 4\n%s\n", c->mobile[m]);
			nl_reply_split(body, strlen(body), &lines, &n);
			assert_int_equal(n, 2);
			assert_false(lines[0].quoted);
			if (!lines[1].quoted)
				fail_msg("mobile footer (%s) kept: %s", c->lang, c->mobile[m]);
			assert_false(lines[1].marked);
			free(lines);
			free(body);
		}
	}
	expect_own("mobile footer in capitals", "ru", "2 4\n\nОТПРАВЛЕНО С IPHONE\n", "2 4");
	expect_own("mobile footer", "ja", "2 4\n\nAndroid端末から送信\n", "2 4");
	/* a person's line, not a footer */
	static const char *const own[] = {
	    "Mesajım dün gönderildi", /* no device named */
	    "Envoyé de mon bureau, je pense que 3.",
	    "iPhone'umdan bu sabah sana uzun bir e-posta yazıp gönderildi", /* too many words */
	};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		char *body = nl_xasprintf("2 4\n%s\n", own[i]);
		char *want = nl_xasprintf("2 4\n%s", own[i]);
		expect_own("a person's line kept", "-", body, want);
		free(want);
		free(body);
	}
}

/* ---- the fixture replies ---- */

static struct nl_survey *design_survey(void)
{
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	s->id = nl_xstrdup("career-2026-11");
	s->n_questions = 4;
	s->questions = nl_xcalloc(4, sizeof *s->questions);
	struct nl_question *q = s->questions;
	q[0] = (struct nl_question){.id = nl_xstrdup("work"),
	                            .type = NL_Q_CHOICE,
	                            .text = nl_xstrdup("Is your work today a job or a career?"),
	                            .options = nl_xcalloc(3, sizeof(char *)),
	                            .n_options = 3,
	                            .min = 0,
	                            .max = 0};
	q[0].options[0] = nl_xstrdup("job");
	q[0].options[1] = nl_xstrdup("career");
	q[0].options[2] = nl_xstrdup("not sure");
	q[1] = (struct nl_question){.id = nl_xstrdup("satisfaction"),
	                            .type = NL_Q_SCALE,
	                            .text = nl_xstrdup("How satisfied are you with where it is heading?"),
	                            .options = NULL,
	                            .n_options = 0,
	                            .min = 1,
	                            .max = 5};
	q[2] = (struct nl_question){.id = nl_xstrdup("consult"),
	                            .type = NL_Q_YESNO,
	                            .text = nl_xstrdup("Would you like a free 15-minute consultation?"),
	                            .options = NULL,
	                            .n_options = 0,
	                            .min = 0,
	                            .max = 0};
	q[3] = (struct nl_question){.id = nl_xstrdup("change"),
	                            .type = NL_Q_TEXT,
	                            .text = nl_xstrdup("What one thing would you change about your work?"),
	                            .options = NULL,
	                            .n_options = 0,
	                            .min = 0,
	                            .max = 0};
	return s;
}

static const char *source_name(enum nl_token_source s)
{
	switch (s) {
	case NL_TOKEN_SRC_PLUS_ADDRESS:
		return "plus-address";
	case NL_TOKEN_SRC_MESSAGE_ID:
		return "message-id";
	case NL_TOKEN_SRC_MAILTO:
		return "mailto";
	case NL_TOKEN_SRC_RETURNED:
		return "returned";
	}
	return "?";
}

/* Answers as collect reads them: the mailto subject as "QID VALUE" first, then the lines. */
static char *answers_of(const struct nl_survey *survey, const struct nl_reply *r)
{
	size_t n = r->n_lines, k = 0;
	struct nl_reply_line *lines = nl_xcalloc(n + 1, sizeof *lines);
	char *mailto = NULL;
	if (r->mailto_question && r->mailto_value) {
		mailto = nl_xasprintf("%s %s", r->mailto_question, r->mailto_value);
		lines[k++] = (struct nl_reply_line){.text = mailto, .len = strlen(mailto)};
	}
	if (n)
		memcpy(lines + k, r->lines, n * sizeof *lines);
	struct nl_answers a;
	nl_answers_read(survey, lines, n + k, &a);
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "");
	for (size_t i = 0; i < a.count; i++) {
		const struct nl_answer *x = &a.items[i];
		if (x->status == NL_ANSWER_LIKELY) /* a proposal, never tallied (test_prose checks them) */
			continue;
		nl_buf_printf(&b, "%s%s=", b.len ? ";" : "", survey->questions[x->question].id);
		if (x->status == NL_ANSWER_OK)
			nl_buf_puts(&b, x->value);
		else
			nl_buf_printf(&b, "?[%s]", x->raw);
	}
	nl_answers_free(&a);
	free(lines);
	free(mailto);
	return nl_buf_detach(&b);
}

static void fixtures(void **state)
{
	(void)state;
	struct nl_survey *survey = design_survey();
	char path[1024];
	snprintf(path, sizeof path, "%s/replies/fixtures.tsv", NL_TEST_DATA);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int files = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *c[5] = {0};
		char *p = line;
		for (int i = 0; i < 5 && p; i++) {
			c[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (!c[3]) {
			printf("bad row in fixtures.tsv: %s\n", line);
			bad++;
			continue;
		}
		char fp[1024];
		snprintf(fp, sizeof fp, "%s/replies/%s", NL_TEST_DATA, c[0]);
		struct nl_reply *r = parse_file(fp);
		files++;
		char *got = answers_of(survey, r);
		const char *src = r->n_tokens ? source_name(r->tokens[0].source) : "-";
		bool ok = strcmp(nl_reply_kind_name(r->kind), c[1]) == 0 && strcmp(src, c[2]) == 0;
		/* answers are read only from a person's reply */
		if (r->kind == NL_REPLY_PERSON)
			ok = ok && strcmp(got, c[3]) == 0;
		else
			ok = ok && c[3][0] == 0;
		if (c[4] && c[4][0])
			ok = ok && strncmp(r->new_text, c[4], strlen(c[4])) == 0;
		if (!ok) {
			printf(
			    "FIXTURE %s: kind %s (%s), token source %s, answers \"%s\", new text \"%.60s\"\n",
			    c[0], nl_reply_kind_name(r->kind), r->reason, src, got, r->new_text);
			bad++;
		}
		free(got);
		nl_reply_free(r);
	}
	fclose(f);
	nl_survey_free(survey);
	printf("fixture replies: %d of %d as expected\n", files - bad, files);
	assert_true(files >= 20);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kinds_auto_reply),
	    cmocka_unit_test(kinds_unsubscribe),
	    cmocka_unit_test(tokens),
	    cmocka_unit_test(bounces_rfc3464),
	    cmocka_unit_test(bounces_plain),
	    cmocka_unit_test(bounces_daemons_and_agents),
	    cmocka_unit_test(complaints_and_receipts),
	    cmocka_unit_test(bounces_corpus_deviations),
	    cmocka_unit_test(strip_text),
	    cmocka_unit_test(quote_headers_languages),
	    cmocka_unit_test(quote_blocks_languages),
	    cmocka_unit_test(quote_wrote_languages),
	    cmocka_unit_test(mobile_signatures_languages),
	    cmocka_unit_test(fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
