/* test_prose_set.c - scores mailer's readers against the labelled set of prose replies
 * (tests/data/prose, issue 12 "Proof").
 *
 * Each reply is read as collect reads it: nl_message_parse, nl_reply_analyse, then nl_answers_read
 * with its survey (the example article's, or tests/data/prose/survey-b.md), the mailto subject fed
 * first as "QID VALUE".  A reading with status NL_ANSWER_OK is a tally; labels.tsv holds what a
 * careful human would tally (README.md there).  The test prints, always, recall per question type,
 * language, shape and survey, precision, contact and unsubscribe recall and the own-words checks,
 * and lists every wrong or missed item.  It fails on any wrong tally, on a missed unsubscribe or an
 * unsubscribe nobody asked for, on quoted text in the own words, on own words lost, and on recall
 * below the floors just below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "answers.h"
#include "article.h"
#include "buf.h"
#include "message.h"
#include "reply.h"
#include "survey.h"
#include "util.h"

/* Floors: the targets of issue 12 (0.90 of the sure labels, every contact request).  Fixed here,
 * never taken from the environment. */
#define PROSE_MIN_RECALL 0.90        /* share of sure labels tallied */
#define PROSE_MIN_CONTACT_RECALL 1.0 /* share of contact requests seen: a yes to a follow-up, or in words */
/* A signature ("Sent from my iPhone") left in the own words is counted, listed and fails the test. */
#define PROSE_FAIL_ON_SIGNATURE 1

#define PROSE_MIN_SET 150
#define PROSE_MAX_Q 8

static const char *const type_names[] = {"choice", "scale", "yesno", "text"};

/* ---- figures, by key (a question type, a language, a shape, a survey) ---- */

struct figure {
	char key[32];
	int replies;
	int sure;    /* sure labels */
	int right;   /* of them tallied with the labelled value */
	int likely;  /* of them proposed (LIKELY) with the labelled value, not tallied */
	int wrong;   /* tallies that are wrong (a wrong value, or a tally where the label is ? or empty) */
	int ambig;   /* "?" labels */
	int contact; /* contact requests */
	int contact_seen;
};

struct figures {
	struct figure f[48];
	size_t n;
};

static struct figure *figure_of(struct figures *fs, const char *key)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].key, key) == 0)
			return &fs->f[i];
	assert_true(fs->n < sizeof fs->f / sizeof fs->f[0]);
	struct figure *f = &fs->f[fs->n++];
	memset(f, 0, sizeof *f);
	snprintf(f->key, sizeof f->key, "%s", key);
	return f;
}

static double share(int a, int b)
{
	return b ? (double)a / b : 0.0;
}

static void figures_print(const char *title, const struct figures *fs, bool with_replies)
{
	printf("%-18s %7s %6s %8s %7s %6s %6s %6s %8s\n", title, with_replies ? "replies" : "", "sure",
	       "tallied", "recall", "likely", "wrong", "?", "contact");
	for (size_t i = 0; i < fs->n; i++) {
		const struct figure *f = &fs->f[i];
		char rep[16] = "", con[24] = "";
		if (with_replies)
			snprintf(rep, sizeof rep, "%d", f->replies);
		if (f->contact)
			snprintf(con, sizeof con, "%d/%d", f->contact_seen, f->contact);
		printf("%-18s %7s %6d %8d %6.1f%% %6d %6d %6d %8s\n", f->key, rep, f->sure, f->right,
		       100.0 * share(f->right, f->sure), f->likely, f->wrong, f->ambig, con);
	}
}

/* ---- small text helpers ---- */

/* `hay` contains `needle`, runs of white space counting as one space on both sides. */
static bool contains_ws(const char *hay, const char *needle)
{
	struct nl_buf h = NL_BUF_INIT, n = NL_BUF_INIT;
	const char *src[2] = {hay, needle};
	struct nl_buf *dst[2] = {&h, &n};
	for (int k = 0; k < 2; k++) {
		bool space = false;
		for (const char *p = src[k]; *p; p++) {
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
				space = true;
				continue;
			}
			if (space && dst[k]->len)
				nl_buf_putc(dst[k], ' ');
			space = false;
			nl_buf_putc(dst[k], *p);
		}
		nl_buf_puts(dst[k], "");
	}
	bool found = strstr(nl_buf_cstr(&h), nl_buf_cstr(&n)) != NULL;
	nl_buf_free(&h);
	nl_buf_free(&n);
	return found;
}

static char *file_text(const char *path)
{
	struct nl_buf b = NL_BUF_INIT;
	struct nl_error err = {0};
	if (nl_read_file(path, 0, &b, &err) != NL_OK)
		fail_msg("%s", err.detail);
	nl_buf_puts(&b, "");
	return nl_buf_detach(&b);
}

static struct nl_article *load_article(const char *path)
{
	char *data = file_text(path);
	struct nl_article *a = NULL;
	struct nl_error err = {0};
	if (nl_article_parse(path, data, strlen(data), &a, &err) != NL_OK)
		fail_msg("%s", err.detail);
	free(data);
	if (!a->survey || a->survey->n_questions == 0 || a->survey->n_questions > PROSE_MAX_Q)
		fail_msg("%s: no usable survey", path);
	return a;
}

/* ---- one row of labels.tsv ---- */

enum {
	COL_FILE,
	COL_SURVEY,
	COL_LANG,
	COL_SHAPE,
	COL_LABELS,
	COL_OWN,
	COL_NOT_OWN,
	COL_SIG,
	COL_NOTE,
	N_COLS
};

struct labels {
	bool addressed[PROSE_MAX_Q];
	const char *value[PROSE_MAX_Q]; /* NULL for "?" */
	bool contact, unsub;
};

/* Parses "qid=value;qid=?;contact=1" into `l`; values point into `text`, which is modified. */
static bool labels_parse(const struct nl_survey *s, char *text, struct labels *l, const char *file)
{
	memset(l, 0, sizeof *l);
	for (char *item = text; item && *item;) {
		char *next = strchr(item, ';');
		if (next)
			*next++ = 0;
		char *eq = strchr(item, '=');
		if (!eq) {
			printf("BAD LABEL %s: \"%s\"\n", file, item);
			return false;
		}
		*eq = 0;
		const char *v = eq + 1;
		if (strcmp(item, "contact") == 0) {
			l->contact = true;
		} else if (strcmp(item, "unsub") == 0) {
			l->unsub = true;
		} else {
			size_t q = 0;
			while (q < s->n_questions && strcmp(s->questions[q].id, item) != 0)
				q++;
			if (q == s->n_questions) {
				printf("BAD LABEL %s: no question \"%s\"\n", file, item);
				return false;
			}
			l->addressed[q] = true;
			l->value[q] = strcmp(v, "?") == 0 ? NULL : v;
		}
		item = next;
	}
	return true;
}

/* A reading's value against a sure label: text answers must contain the labelled snippet, the
 * others equal it (ASCII case aside). */
static bool value_matches(const struct nl_question *q, const char *got, const char *want)
{
	if (!got)
		return false;
	if (q->type == NL_Q_TEXT)
		return contains_ws(got, want);
	return strcasecmp(got, want) == 0;
}

/* Answers as collect reads them: the mailto subject as "QID VALUE" first, then the lines. */
static void read_answers(const struct nl_survey *s, const struct nl_reply *r, struct nl_answers *a)
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
	nl_answers_read(s, lines, n + k, a);
	free(lines);
	free(mailto);
}

struct totals {
	int rows, failures_parse, bad_rows;
	int sure, right, wrong, likely_right, likely_wrong, ambig, missed_invisible;
	int contact, contact_seen, contact_words, contact_yes, contact_false;
	int unsub, unsub_seen, unsub_false, other_kind;
	int own_checked, own_kept, quoted_in_own, sig_checked, sig_in_own;
	int tallies;
};

static void score_row(char **c, const struct nl_survey *surveys[2], struct totals *t, struct figures *by_type,
                      struct figures *by_lang, struct figures *by_shape, struct figures *by_survey)
{
	const char *file = c[COL_FILE];
	int si = strcmp(c[COL_SURVEY], "b") == 0 ? 1 : 0;
	if (strcmp(c[COL_SURVEY], "a") != 0 && si != 1) {
		printf("BAD ROW %s: survey \"%s\"\n", file, c[COL_SURVEY]);
		t->bad_rows++;
		return;
	}
	const struct nl_survey *s = surveys[si];
	struct labels l;
	if (!labels_parse(s, c[COL_LABELS], &l, file)) {
		t->bad_rows++;
		return;
	}
	struct figure *fl = figure_of(by_lang, c[COL_LANG]), *fsh = figure_of(by_shape, c[COL_SHAPE]),
	              *fsu = figure_of(by_survey, si ? "b" : "a");
	struct figure *per_row[3] = {fl, fsh, fsu};
	for (int k = 0; k < 3; k++)
		per_row[k]->replies++;
	t->rows++;

	char path[1024];
	snprintf(path, sizeof path, "%s/prose/%s", NL_TEST_DATA, file);
	struct nl_buf raw = NL_BUF_INIT;
	struct nl_error err = {0};
	struct nl_message *m = NULL;
	if (nl_read_file(path, 0, &raw, &err) != NL_OK ||
	    nl_message_parse(nl_buf_cstr(&raw), raw.len, &m, &err) != NL_OK) {
		printf("UNREADABLE %s: %s\n", file, err.detail);
		t->failures_parse++;
		nl_buf_free(&raw);
		return;
	}
	struct nl_reply *r = NULL;
	if (nl_reply_analyse(m, NULL, &r, &err) != NL_OK) {
		printf("UNREADABLE %s: %s\n", file, err.detail);
		t->failures_parse++;
		nl_message_free(m);
		nl_buf_free(&raw);
		return;
	}

	/* what kind of message it is */
	if (l.unsub) {
		t->unsub++;
		if (r->kind == NL_REPLY_UNSUBSCRIBE)
			t->unsub_seen++;
		else
			printf("MISSED UNSUBSCRIBE %s: read as %s (%s)\n", file, nl_reply_kind_name(r->kind),
			       r->reason ? r->reason : "");
	} else if (r->kind == NL_REPLY_UNSUBSCRIBE) {
		t->unsub_false++;
		printf("FALSE UNSUBSCRIBE %s: %s\n", file, r->reason ? r->reason : "");
	} else if (r->kind != NL_REPLY_PERSON) {
		t->other_kind++;
		printf("NOT A PERSON %s: read as %s (%s)\n", file, nl_reply_kind_name(r->kind),
		       r->reason ? r->reason : "");
	}

	/* own words */
	const char *own = r->new_text ? r->new_text : "";
	if (c[COL_OWN][0]) {
		t->own_checked++;
		if (contains_ws(own, c[COL_OWN]))
			t->own_kept++;
		else
			printf("OWN WORDS LOST %s: \"%s\" not in \"%.120s\"\n", file, c[COL_OWN], own);
	}
	for (char *q = c[COL_NOT_OWN]; q && *q;) {
		char *next = strchr(q, '|');
		if (next)
			*next++ = 0;
		if (*q && contains_ws(own, q)) {
			t->quoted_in_own++;
			printf("QUOTED TEXT IN OWN WORDS %s: \"%s\"\n", file, q);
		}
		q = next;
	}
	if (c[COL_SIG][0]) {
		t->sig_checked++;
		if (contains_ws(own, c[COL_SIG])) {
			t->sig_in_own++;
			printf("SIGNATURE IN OWN WORDS %s: \"%s\"\n", file, c[COL_SIG]);
		}
	}

	/* answers, from a person's reply only (as collect) */
	struct nl_answers a = {0};
	if (r->kind == NL_REPLY_PERSON)
		read_answers(s, r, &a);
	const struct nl_answer *by_q[PROSE_MAX_Q] = {0};
	for (size_t i = 0; i < a.count; i++)
		if (a.items[i].question < s->n_questions)
			by_q[a.items[i].question] = &a.items[i];
	bool yes_to_follow_up = false;
	for (size_t q = 0; q < s->n_questions; q++) {
		const struct nl_question *qq = &s->questions[q];
		const struct nl_answer *x = by_q[q];
		struct figure *ft = figure_of(by_type, type_names[qq->type]);
		struct figure *fs[4] = {ft, fl, fsh, fsu};
		bool ok = x && x->status == NL_ANSWER_OK;
		if (ok)
			t->tallies++;
		if (ok && qq->type == NL_Q_YESNO && qq->follow_up && x->value && strcmp(x->value, "yes") == 0)
			yes_to_follow_up = true;
		if (l.addressed[q] && !l.value[q]) {
			t->ambig++;
			for (int k = 0; k < 4; k++)
				fs[k]->ambig++;
		}
		if (l.addressed[q] && l.value[q]) {
			t->sure++;
			for (int k = 0; k < 4; k++)
				fs[k]->sure++;
			if (ok && value_matches(qq, x->value, l.value[q])) {
				t->right++;
				for (int k = 0; k < 4; k++)
					fs[k]->right++;
				continue;
			}
			if (!ok) {
				bool likely = x && x->status == NL_ANSWER_LIKELY &&
				              value_matches(qq, x->value, l.value[q]);
				if (likely) {
					t->likely_right++;
					for (int k = 0; k < 4; k++)
						fs[k]->likely++;
				}
				bool visible = x || a.unread_words;
				if (!visible)
					t->missed_invisible++;
				printf("MISSED %s %s: want \"%s\", got %s%s%s%s%s\n", file, qq->id,
				       l.value[q], x ? nl_answer_level_name(x->status) : "nothing",
				       x && x->value ? " \"" : "", x && x->value ? x->value : "",
				       x && x->value ? "\"" : "",
				       visible ? "" : " (and not flagged for a person)");
				continue;
			}
		} else if (!ok) {
			if (x && x->status == NL_ANSWER_LIKELY && l.addressed[q] == false) {
				t->likely_wrong++;
				printf("LIKELY BUT NOT ASKED %s %s: \"%s\" from \"%.80s\"\n", file, qq->id,
				       x->value ? x->value : "", x->raw ? x->raw : "");
			}
			continue;
		}
		/* a tally that is wrong */
		t->wrong++;
		for (int k = 0; k < 4; k++)
			fs[k]->wrong++;
		printf("WRONG TALLY %s %s: tallied \"%s\" (rule %s, from \"%.80s\"), label %s\n", file,
		       qq->id, x->value ? x->value : "", x->rule ? x->rule : "?", x->raw ? x->raw : "",
		       !l.addressed[q] ? "none" : (l.value[q] ? l.value[q] : "?"));
	}

	/* contact */
	bool contact_seen = yes_to_follow_up || a.contact != NULL;
	if (l.contact) {
		t->contact++;
		fl->contact++;
		fsh->contact++;
		fsu->contact++;
		if (contact_seen) {
			t->contact_seen++;
			fl->contact_seen++;
			fsh->contact_seen++;
			fsu->contact_seen++;
			if (yes_to_follow_up)
				t->contact_yes++;
			else
				t->contact_words++;
		} else {
			printf("MISSED CONTACT %s\n", file);
		}
	} else if (contact_seen) {
		t->contact_false++;
		printf("CONTACT NOT ASKED %s: %s\n", file,
		       a.contact ? a.contact : "a yes to a follow-up question");
	}

	nl_answers_free(&a);
	nl_reply_free(r);
	nl_message_free(m);
	nl_buf_free(&raw);
}

static void prose_set(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof path, "%s/articles/2026-11-job-or-career.md", NL_SOURCE_DIR);
	struct nl_article *art_a = load_article(path);
	snprintf(path, sizeof path, "%s/prose/survey-b.md", NL_TEST_DATA);
	struct nl_article *art_b = load_article(path);
	const struct nl_survey *surveys[2] = {art_a->survey, art_b->survey};
	for (int k = 0; k < 2; k++) {
		printf("survey %c (%s): follow-up questions:", 'a' + k, surveys[k]->id);
		int n = 0;
		for (size_t q = 0; q < surveys[k]->n_questions; q++)
			if (surveys[k]->questions[q].follow_up) {
				printf(" %s", surveys[k]->questions[q].id);
				n++;
			}
		printf("%s\n", n ? "" : " none");
	}

	snprintf(path, sizeof path, "%s/prose/labels.tsv", NL_TEST_DATA);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct totals t;
	memset(&t, 0, sizeof t);
	struct figures by_type = {0}, by_lang = {0}, by_shape = {0}, by_survey = {0};
	for (size_t i = 0; i < 4; i++)
		figure_of(&by_type, type_names[i]);
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = 0;
		char *c[N_COLS] = {0};
		char *p = line;
		int n = 0;
		for (; n < N_COLS && p; n++) {
			c[n] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (n < COL_NOTE) {
			printf("BAD ROW in labels.tsv: %s\n", line);
			t.bad_rows++;
			continue;
		}
		for (; n < N_COLS; n++)
			c[n] = "";
		score_row(c, surveys, &t, &by_type, &by_lang, &by_shape, &by_survey);
	}
	fclose(f);

	printf("\n==== prose set (tests/data/prose): %d replies ====\n", t.rows);
	figures_print("question type", &by_type, false);
	printf("\n");
	figures_print("language", &by_lang, true);
	printf("\n");
	figures_print("shape", &by_shape, true);
	printf("\n");
	figures_print("survey", &by_survey, true);
	double recall = share(t.right, t.sure), precision = share(t.right, t.right + t.wrong);
	double contact_recall = share(t.contact_seen, t.contact);
	printf(
	    "\nsure labels tallied (recall): %d of %d = %.1f%% (floor %.1f%%); %d more proposed as likely\n",
	    t.right, t.sure, 100.0 * recall, 100.0 * PROSE_MIN_RECALL, t.likely_right);
	printf("tallies: %d, wrong %d, precision %.1f%%\n", t.right + t.wrong, t.wrong, 100.0 * precision);
	printf("ambiguous labels: %d (a tally of one is a wrong tally)\n", t.ambig);
	printf("misses not flagged for a person (no reading, no unread words): %d\n", t.missed_invisible);
	printf("likely readings where the person did not answer: %d\n", t.likely_wrong);
	printf("contact requests seen: %d of %d = %.1f%% (floor %.1f%%): %d as a yes, %d in words; %d where "
	       "none was asked\n",
	       t.contact_seen, t.contact, 100.0 * contact_recall, 100.0 * PROSE_MIN_CONTACT_RECALL,
	       t.contact_yes, t.contact_words, t.contact_false);
	printf(
	    "unsubscribe requests acted on: %d of %d; unsubscribes nobody asked for: %d; other kinds: %d\n",
	    t.unsub_seen, t.unsub, t.unsub_false, t.other_kind);
	printf("own words kept: %d of %d; quoted text in own words: %d; signatures in own words: %d of %d\n",
	       t.own_kept, t.own_checked, t.quoted_in_own, t.sig_in_own, t.sig_checked);
	if (t.failures_parse || t.bad_rows)
		printf("unreadable files: %d, bad rows: %d\n", t.failures_parse, t.bad_rows);

	fflush(stdout);
	nl_article_free(art_a);
	nl_article_free(art_b);

	/* every reason to fail, named, then one failure */
	struct nl_buf why = NL_BUF_INIT;
	if (t.rows < PROSE_MIN_SET)
		nl_buf_printf(&why, "; only %d replies (at least %d)", t.rows, PROSE_MIN_SET);
	if (t.bad_rows || t.failures_parse)
		nl_buf_printf(&why, "; %d bad rows, %d unreadable files", t.bad_rows, t.failures_parse);
	if (t.wrong)
		nl_buf_printf(&why, "; %d wrong tallies", t.wrong);
	if (t.unsub_seen != t.unsub)
		nl_buf_printf(&why, "; %d unsubscribe requests missed", t.unsub - t.unsub_seen);
	if (t.unsub_false)
		nl_buf_printf(&why, "; %d unsubscribes nobody asked for", t.unsub_false);
	if (t.quoted_in_own)
		nl_buf_printf(&why, "; quoted text in the own words %d times", t.quoted_in_own);
	if (t.own_kept != t.own_checked)
		nl_buf_printf(&why, "; own words lost in %d replies", t.own_checked - t.own_kept);
	if (PROSE_FAIL_ON_SIGNATURE && t.sig_in_own)
		nl_buf_printf(&why, "; %d signatures in the own words", t.sig_in_own);
	if (recall < PROSE_MIN_RECALL)
		nl_buf_printf(&why, "; recall %.1f%% below the floor", 100.0 * recall);
	if (contact_recall < PROSE_MIN_CONTACT_RECALL)
		nl_buf_printf(&why, "; contact recall %.1f%% below the floor", 100.0 * contact_recall);
	if (why.len) {
		printf("PROSE SET FAILS%s\n", nl_buf_cstr(&why));
		fflush(stdout);
		nl_buf_free(&why);
		fail();
	}
	nl_buf_free(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(prose_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
