/* test_unsubscribe.c - unsubscribe.c: requests to leave the list in prose, in twelve languages,
 * read from the labelled table tests/data/unsubscribe/requests.tsv (language, expected 1/0, text),
 * and the same through nl_reply_analyse for whole messages (the prose check comes after the
 * address, subject and command checks, on the person's own text only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "message.h"
#include "reply.h"
#include "unsubscribe.h"

/* "\n" in the table's text stands for a line break. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			*o++ = '\n';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

#define MAX_LANGS 16

static void table(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof path, "%s/unsubscribe/requests.tsv", NL_TEST_DATA);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct {
		char lang[8];
		int pos, neg, pos_ok, neg_ok;
	} langs[MAX_LANGS];
	size_t n_langs = 0;
	int wrong = 0, rows = 0;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		assert_non_null(t2);
		*t1 = *t2 = 0;
		char *lang = line, *text = t2 + 1;
		assert_true(t1[1] == '0' || t1[1] == '1');
		bool expect = t1[1] == '1';
		unescape(text);
		size_t li = 0;
		while (li < n_langs && strcmp(langs[li].lang, lang) != 0)
			li++;
		if (li == n_langs) {
			assert_true(n_langs < MAX_LANGS);
			memset(&langs[li], 0, sizeof langs[li]);
			assert_true(strlen(lang) < sizeof langs[li].lang);
			memcpy(langs[li].lang, lang, strlen(lang) + 1);
			n_langs++;
		}
		char *sentence = NULL;
		bool got = nl_unsubscribe_request(text, strlen(text), &sentence);
		rows++;
		if (expect) {
			langs[li].pos++;
			langs[li].pos_ok += got;
		} else {
			langs[li].neg++;
			langs[li].neg_ok += !got;
		}
		if (got != expect) {
			wrong++;
			printf("WRONG %s expected %d: %s%s%s\n", lang, expect, text, got ? "  <- read: " : "",
			       got ? sentence : "");
		}
		/* the sentence is part of the text */
		if (got) {
			assert_non_null(sentence);
			assert_non_null(strstr(text, sentence));
		} else {
			assert_null(sentence);
		}
		free(sentence);
	}
	fclose(f);
	printf("%-4s %9s %9s\n", "lang", "requests", "mentions");
	for (size_t i = 0; i < n_langs; i++) {
		printf("%-4s %4d/%-4d %4d/%-4d\n", langs[i].lang, langs[i].pos_ok, langs[i].pos,
		       langs[i].neg_ok, langs[i].neg);
		/* the table keeps its promise: enough rows of each kind per language */
		assert_true(langs[i].pos >= 12);
		assert_true(langs[i].neg >= 6);
	}
	printf("%d rows, %d wrong\n", rows, wrong);
	assert_int_equal(n_langs, 12);
	assert_int_equal(wrong, 0);
}

static void edges(void **state)
{
	(void)state;
	char *s = (char *)1;
	assert_false(nl_unsubscribe_request("", 0, &s));
	assert_null(s);
	assert_false(nl_unsubscribe_request(NULL, 0, &s));
	assert_false(nl_unsubscribe_request("Please take me off this list.", 0, NULL));
	/* the length bounds the text: the request after it is not read */
	const char *t = "Great issue. Please take me off this list.";
	assert_false(nl_unsubscribe_request(t, 12, NULL));
	assert_true(nl_unsubscribe_request(t, strlen(t), NULL));
	/* the sentence that asks, not the whole text */
	assert_true(nl_unsubscribe_request(
	    "Thanks for the years of work!\n\nPlease remove me from your list.\n\nBest",
	    strlen("Thanks for the years of work!\n\nPlease remove me from your list.\n\nBest"), &s));
	assert_string_equal(s, "Please remove me from your list.");
	free(s);
	/* invalid UTF-8 and control bytes do not break reading */
	const char bad[] = "\xff\xfe bitte \xc3 abmelden\x01 \xe3\x81";
	(void)nl_unsubscribe_request(bad, sizeof bad - 1, NULL);
	const char bad2[] = "\xff\xfe. Bitte abmelden.";
	assert_true(nl_unsubscribe_request(bad2, sizeof bad2 - 1, NULL));
}

/* A long reply of prose without a request, and one with the request at its end: linear time is
 * the module's promise (a quadratic reader takes minutes here under the sanitizers). */
static void long_text(void **state)
{
	(void)state;
	const char *s = "I almost unsubscribed last year, but this issue was great and I read it twice. ";
	size_t sl = strlen(s), n = 0, cap = 1024 * 1024;
	char *buf = malloc(cap + 64);
	assert_non_null(buf);
	while (n + sl < cap) {
		memcpy(buf + n, s, sl);
		n += sl;
	}
	buf[n] = 0;
	assert_false(nl_unsubscribe_request(buf, n, NULL));
	/* one sentence of 1 MB without punctuation */
	memset(buf, 'a', cap);
	for (size_t i = 7; i < cap; i += 8)
		buf[i] = ' ';
	assert_false(nl_unsubscribe_request(buf, cap, NULL));
	free(buf);
}

static struct nl_reply *analyse(const char *subject, const char *text)
{
	struct nl_message m;
	memset(&m, 0, sizeof m);
	m.subject = (char *)subject;
	m.text = (char *)text;
	m.from_address = (char *)"sam@example.org";
	m.from_name = (char *)"Sam Reader";
	m.content_type = (char *)"text/plain";
	struct nl_reply_options o = {.unsubscribe_address = "unsubscribe@news.example"};
	struct nl_reply *r = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_reply_analyse(&m, &o, &r, &err), NL_OK);
	assert_non_null(r);
	return r;
}

static void through_reply(void **state)
{
	(void)state;
	/* the example: counted as a plain reply before */
	struct nl_reply *r = analyse(
	    "Re: Job or career?", "Hi Dana,\n\nI've enjoyed these for a while, but my inbox is overflowing.\n"
	                          "Please take me off this list.\n\nThanks,\nSam\n\n"
	                          "On Mon, 30 Nov 2026 at 09:00, Dana <dana@news.example> wrote:\n"
	                          "> 1. Is your work a job or a career?\n"
	                          "> To unsubscribe, reply with \"unsubscribe\".\n");
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	assert_non_null(strstr(r->reason, "unsubscribe request in words: "));
	assert_non_null(strstr(r->reason, "Please take me off this list."));
	assert_null(strchr(r->reason, '\n'));
	nl_reply_free(r);

	/* a mention is a reply; the footer in the quoted original never counts */
	r = analyse("Re: Job or career?", "I almost unsubscribed, but this issue was great. 1 career\n\n"
	                                  "> To unsubscribe, reply with \"unsubscribe\".\n"
	                                  "> Please take me off this list\n");
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);

	/* the same footer pasted unquoted is an instruction, not a request */
	r = analyse("Re: Job or career?",
	            "1 career\n2 4\n\nTo unsubscribe, reply with \"unsubscribe\" or click here.\n");
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);

	/* other languages, anywhere in the own text */
	r = analyse("AW: Job oder Karriere?",
	            "Hallo,\n\ndanke für alles. Ich möchte mich bitte vom Newsletter "
	            "abmelden.\n\nGruß\nSam\n");
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	assert_non_null(strstr(r->reason, "abmelden"));
	nl_reply_free(r);
	r = analyse("Re: 仕事", "いつもありがとうございます。\n配信停止をお願いします。\n");
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	nl_reply_free(r);
	r = analyse("Re: работа", "Спасибо! Чуть не отписался, но этот выпуск отличный.\n");
	assert_int_equal(r->kind, NL_REPLY_PERSON);
	nl_reply_free(r);

	/* the earlier checks keep their reasons */
	r = analyse("unsubscribe", "Please take me off this list.");
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	assert_string_equal(r->reason, "subject: unsubscribe");
	nl_reply_free(r);

	/* a long sentence is quoted in the reason only in part, cut at a character boundary */
	char text[2048];
	snprintf(text, sizeof text, "Please remove me from your list %s", "");
	size_t n = strlen(text);
	while (n < 1500) {
		memcpy(text + n, "é ", 3);
		n += 3;
	}
	text[n] = 0;
	r = analyse("Re: hi", text);
	assert_int_equal(r->kind, NL_REPLY_UNSUBSCRIBE);
	assert_true(strlen(r->reason) <= strlen("unsubscribe request in words: ") + 200);
	nl_reply_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table),
	    cmocka_unit_test(edges),
	    cmocka_unit_test(long_text),
	    cmocka_unit_test(through_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
