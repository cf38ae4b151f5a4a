/* test_corpus_text.c - the peer corpora's reply fixtures through nl_reply_strip_text.
 *
 * Reads tests/data/replies/corpus-text.tsv (expected visible text per fixture, restated from each
 * set's expected.tsv), prints the pass rate per set, and fails when
 *  - a fixture without a "policy:" note fails (a regression), or
 *  - a fixture with a "policy:" note passes (the list of deliberate differences is stale), or
 *  - a performance fixture (email_long_quote.txt, pathological.txt) takes 1 s or more.
 * The thresholds are thus exact: every set's rate must stay at the level printed in the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "message.h"
#include "reply.h"
#include "util.h"

#define MAX_SETS 8

struct set_stat {
	char name[32];
	int files, pass, policy, regress;
};

static struct set_stat sets[MAX_SETS];
static int n_sets;
static int failures;

static const char common_fragment[] =
    "Fusce bibendum, quam hendrerit sagittis tempor, dui turpis tempus erat, pharetra sodales ante sem sit "
    "amet metus.\nNulla malesuada, orci non vulputate lobortis, massa felis pharetra ex, convallis "
    "consectetur "
    "ex libero eget ante.\nNam vel turpis posuere, rhoncus ligula in, venenatis orci. Duis interdum "
    "venenatis "
    "ex a rutrum.\nDuis ut libero eu lectus consequat consequat ut vel lorem. Vestibulum convallis lectus "
    "urna,\net mollis ligula rutrum quis. Fusce sed odio id arcu varius aliquet nec nec nibh.";

static const char *set_dir(const char *set)
{
	if (strcmp(set, "github") == 0)
		return "github-email_reply_parser";
	if (strcmp(set, "crisp") == 0)
		return "crisp-email-reply-parser";
	if (strcmp(set, "talon") == 0)
		return "mailgun-talon";
	return set;
}

static struct set_stat *stat_for(const char *set)
{
	for (int i = 0; i < n_sets; i++)
		if (strcmp(sets[i].name, set) == 0)
			return &sets[i];
	if (n_sets == MAX_SETS)
		abort();
	snprintf(sets[n_sets].name, sizeof sets[n_sets].name, "%s", set);
	return &sets[n_sets++];
}

/* "\n" escapes to newlines, "@COMMON" to crisp's fragment. */
static char *unescape(const char *s)
{
	if (strcmp(s, "@COMMON") == 0)
		return nl_xstrdup(common_fragment);
	struct nl_buf b = NL_BUF_INIT;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			nl_buf_putc(&b, '\n');
			s++;
		} else {
			nl_buf_putc(&b, *s);
		}
	}
	return nl_buf_detach(&b);
}

/* The body with trailing blanks of each line and surrounding blank lines removed, CRs dropped. */
static char *whole_text(const char *body, size_t len)
{
	struct nl_buf b = NL_BUF_INIT;
	size_t i = 0;
	while (i < len) {
		size_t s = i;
		while (i < len && body[i] != '\n')
			i++;
		size_t e = i;
		while (e > s && (body[e - 1] == ' ' || body[e - 1] == '\t' || body[e - 1] == '\r'))
			e--;
		nl_buf_append(&b, body + s, e - s);
		nl_buf_putc(&b, '\n');
		if (i < len)
			i++;
	}
	char *all = nl_buf_detach(&b);
	char *p = all;
	while (*p == '\n')
		p++;
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '\n')
		n--;
	char *r = nl_xstrndup(p, n);
	free(all);
	return r;
}

static bool check(const char *kind, const char *got, const char *want, const char *body, size_t body_len)
{
	size_t gl = strlen(got), wl = strlen(want);
	if (strcmp(kind, "equals") == 0)
		return strcmp(got, want) == 0;
	if (strcmp(kind, "starts") == 0)
		return gl >= wl && memcmp(got, want, wl) == 0;
	if (strcmp(kind, "ends") == 0)
		return gl >= wl && memcmp(got + gl - wl, want, wl) == 0;
	if (strcmp(kind, "contains") == 0)
		return strstr(got, want) != NULL;
	if (strcmp(kind, "excludes") == 0)
		return strstr(got, want) == NULL;
	if (strcmp(kind, "nospace") == 0 || strcmp(kind, "nonempty-excludes") == 0) {
		if (kind[1] == 'o' && kind[2] == 'n' && kind[3] == 'e')
			return gl > 0 && strstr(got, want) == NULL;
		struct nl_buf a = NL_BUF_INIT, w = NL_BUF_INIT;
		for (const char *p = got; *p; p++)
			if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
				nl_buf_putc(&a, *p);
		for (const char *p = want; *p; p++)
			if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
				nl_buf_putc(&w, *p);
		bool ok = strcmp(nl_buf_cstr(&a), nl_buf_cstr(&w)) == 0;
		nl_buf_free(&a);
		nl_buf_free(&w);
		return ok;
	}
	if (strcmp(kind, "whole") == 0) {
		char *w = whole_text(body, body_len);
		bool ok = strcmp(got, w) == 0;
		free(w);
		return ok;
	}
	fprintf(stderr, "unknown check %s\n", kind);
	failures++;
	return false;
}

struct current {
	char set[32];
	char file[256];
	bool ok, policy;
	char why[512];
};

static void finish(struct current *c)
{
	if (!c->file[0])
		return;
	struct set_stat *st = stat_for(c->set);
	st->files++;
	if (c->ok) {
		st->pass++;
		if (c->policy) {
			printf("STALE %s/%s passes but is listed as a policy difference\n", c->set, c->file);
			failures++;
		}
	} else if (c->policy) {
		st->policy++;
	} else {
		st->regress++;
		failures++;
		printf("FAIL %s/%s: %s\n", c->set, c->file, c->why);
	}
	c->file[0] = 0;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/replies/corpus-text.tsv", NL_TEST_DATA);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	struct current cur = {0};
	char *got = NULL;
	struct nl_buf body = NL_BUF_INIT;
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *cols[5] = {0};
		char *p = line;
		for (int i = 0; i < 5; i++) {
			cols[i] = p;
			char *t = p ? strchr(p, '\t') : NULL;
			if (t) {
				*t = 0;
				p = t + 1;
			} else {
				p = NULL;
			}
		}
		if (!cols[0] || !cols[1] || !cols[2]) {
			fprintf(stderr, "%s: bad row\n", path);
			failures++;
			continue;
		}
		if (strcmp(cur.set, cols[0]) != 0 || strcmp(cur.file, cols[1]) != 0) {
			finish(&cur);
			free(got);
			got = NULL;
			snprintf(cur.set, sizeof cur.set, "%s", cols[0]);
			snprintf(cur.file, sizeof cur.file, "%s", cols[1]);
			cur.ok = true;
			cur.policy = false;
			cur.why[0] = 0;
			char fp[1024];
			snprintf(fp, sizeof fp, "%s/%s/%s", NL_CORPUS, set_dir(cols[0]), cols[1]);
			nl_buf_reset(&body);
			struct nl_error err = {0};
			if (nl_read_file(fp, 0, &body, &err) != NL_OK) {
				printf("FAIL %s\n", err.detail);
				cur.ok = false;
				snprintf(cur.why, sizeof cur.why, "unreadable");
				continue;
			}
			double t0 = seconds();
			size_t fl = strlen(cols[1]);
			if (fl > 4 && strcmp(cols[1] + fl - 4, ".eml") == 0) {
				/* a whole message: its text as message.c gives it (talon takes the first
				 * text/plain) */
				struct nl_message *m = NULL;
				if (nl_message_parse(nl_buf_cstr(&body), body.len, &m, &err) == NL_OK) {
					got = nl_reply_strip_text(m->text, strlen(m->text));
					nl_message_free(m);
				} else {
					got = nl_xstrdup("");
				}
			} else if (fl > 5 && strcmp(cols[1] + fl - 5, ".html") == 0) {
				char *text = nl_html_to_text(nl_buf_cstr(&body), body.len);
				got = nl_reply_strip_text(text, strlen(text));
				free(text);
			} else if (fl > 5 && strcmp(cols[1] + fl - 5, "_body") == 0) {
				/* talon's signature set: <name>_body with <name>_sender */
				char sp[1024];
				snprintf(sp, sizeof sp, "%.*s_sender", (int)(strlen(fp) - 5), fp);
				struct nl_buf snd = NL_BUF_INIT;
				if (nl_read_file(sp, 0, &snd, &err) != NL_OK)
					nl_buf_reset(&snd); /* no sender file: none */
				got =
				    nl_reply_strip_text_from(nl_buf_cstr(&body), body.len, nl_buf_cstr(&snd));
				nl_buf_free(&snd);
			} else {
				got = nl_reply_strip_text(nl_buf_cstr(&body), body.len);
			}
			double dt = seconds() - t0;
			if (strstr(cols[1], "long_quote") || strstr(cols[1], "pathological")) {
				printf("time %s/%s (%zu bytes): %.2f ms\n", cols[0], cols[1], body.len,
				       dt * 1000);
				if (dt >= 1.0) {
					printf("FAIL %s takes %.2f s\n", cols[1], dt);
					failures++;
				}
			}
		}
		if (cols[4] && strncmp(cols[4], "policy", 6) == 0)
			cur.policy = true;
		if (!got)
			continue;
		char *want = unescape(cols[3] ? cols[3] : "");
		if (!check(cols[2], got, want, nl_buf_cstr(&body), body.len)) {
			if (cur.ok)
				snprintf(cur.why, sizeof cur.why, "%s \"%.80s\"; got \"%.200s\"", cols[2],
				         want, got);
			cur.ok = false;
		}
		free(want);
	}
	finish(&cur);
	free(got);
	nl_buf_free(&body);
	fclose(f);
	for (int i = 0; i < n_sets; i++) {
		struct set_stat *s = &sets[i];
		printf("%-8s %3d/%3d visible replies as expected (%.1f%%); %d deliberate policy differences; "
		       "%d regressions\n",
		       s->name, s->pass, s->files, s->files ? 100.0 * s->pass / s->files : 0.0, s->policy,
		       s->regress);
	}
	return failures ? 1 : 0;
}
