/* bench_collect.c - benchmark helper for tests/bench/bench_collect.sh (not a test; prints figures).
 *
 *   bench_collect read MAILDIR   parse and analyse every file of MAILDIR/new (nl_message_parse +
 *                                nl_reply_analyse), printing "messages bytes seconds"
 *   bench_collect file PATH      the same for one file, best of 5, in milliseconds
 *   bench_collect scale PATH     PATH's longest line scaled to 0.1x, 1x and 10x of its length:
 *                                "bytes milliseconds" per size, to show reading time is linear
 *   bench_collect prose ARTICLE  a reply of prose (sentences of every kind the readers meet, in
 *                                several languages) of 10 KB, 100 KB and 1 MB, read as collect reads
 *                                it (own words, then the answers to ARTICLE's survey): "bytes
 *                                milliseconds" per size
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answers.h"
#include "article.h"
#include "message.h"
#include "reply.h"
#include "util.h"

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads one message as collect does; returns false if it is unreadable. */
static bool bench_read(const char *data, size_t len)
{
	struct nl_message *m = NULL;
	struct nl_reply *r = NULL;
	if (nl_message_parse(data, len, &m, NULL) != NL_OK)
		return false;
	bool ok = nl_reply_analyse(m, NULL, &r, NULL) == NL_OK;
	nl_reply_free(r);
	nl_message_free(m);
	return ok;
}

static int bench_dir(const char *maildir)
{
	char *dir = nl_xasprintf("%s/new", maildir);
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	struct nl_buf b = NL_BUF_INIT;
	long n = 0, bad = 0;
	double bytes = 0, t0 = bench_now();
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = nl_xasprintf("%s/%s", dir, e->d_name);
		nl_buf_reset(&b);
		if (nl_read_file(p, NL_MESSAGE_MAX_SIZE, &b, NULL) == NL_OK) {
			bad += !bench_read(nl_buf_cstr(&b), b.len);
			bytes += (double)b.len;
			n++;
		}
		free(p);
	}
	double secs = bench_now() - t0;
	closedir(d);
	printf("%ld %.0f %.6f %ld\n", n, bytes, secs, bad);
	nl_buf_free(&b);
	free(dir);
	return 0;
}

static double bench_best_ms(const char *data, size_t len)
{
	double best = 1e9;
	for (int i = 0; i < 5; i++) {
		double t0 = bench_now();
		if (!bench_read(data, len))
			fprintf(stderr, "bench_collect: unreadable input of %zu bytes\n", len);
		double ms = (bench_now() - t0) * 1000;
		if (ms < best)
			best = ms;
	}
	return best;
}

/* Sentences of the kinds the prose reader weighs, repeated to the size asked. */
static const char *const bench_sentences[] = {
    "Honestly mine is a job right now, not a career. ",
    "Satisfaction maybe a 2, some weeks a 3. ",
    "I'd love to take you up on the free consultation! ",
    "I would change the amount of travel, and the meetings that could have been emails. ",
    "C'est plutôt une carrière, je dirais 4 sur 5. ",
    "Kein Anruf nötig, danke. ",
    "Да, думаю сменить работу. Уверенность: 4 из 10. ",
    "仕事です。満足度は3です。電話で相談したいです。\n",
    "I have been there 8 years and have two kids, so flexibility matters.\n",
};

static int bench_prose(const char *article_path)
{
	struct nl_buf src = NL_BUF_INIT;
	struct nl_error err = {0};
	struct nl_article *art = NULL;
	if (nl_read_file(article_path, 0, &src, &err) != NL_OK ||
	    nl_article_parse(article_path, src.data, src.len, &art, &err) != NL_OK || !art->survey) {
		fprintf(stderr, "bench_collect: %s: %s\n", article_path,
		        err.detail[0] ? err.detail : "no survey");
		nl_buf_free(&src);
		return 1;
	}
	static const size_t sizes[] = {10 * 1024, 100 * 1024, 1024 * 1024};
	for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
		struct nl_buf m = NL_BUF_INIT;
		nl_buf_puts(
		    &m, "From: a@example.test\nSubject: Re: survey\nContent-Type: text/plain; charset=utf-8\n"
		        "Content-Transfer-Encoding: 8bit\n\n");
		for (size_t k = 0; m.len < sizes[z]; k++)
			nl_buf_puts(&m,
			            bench_sentences[k % (sizeof bench_sentences / sizeof *bench_sentences)]);
		double best = 1e9;
		for (int i = 0; i < 3; i++) {
			double t0 = bench_now();
			struct nl_message *msg = NULL;
			struct nl_reply *r = NULL;
			if (nl_message_parse(m.data, m.len, &msg, NULL) != NL_OK ||
			    nl_reply_analyse(msg, NULL, &r, NULL) != NL_OK) {
				fprintf(stderr,
				        "bench_collect: the prose reply of %zu bytes cannot be read\n",
				        m.len);
				exit(1); /* a failed read timed as a fast one would be a false figure */
			}
			struct nl_answers a;
			nl_answers_read(art->survey, r->lines, r->n_lines, &a);
			nl_answers_free(&a);
			nl_reply_free(r);
			nl_message_free(msg);
			double ms = (bench_now() - t0) * 1000;
			if (ms < best)
				best = ms;
		}
		printf("%zu %.3f\n", m.len, best);
		nl_buf_free(&m);
	}
	nl_article_free(art);
	nl_buf_free(&src);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr,
		        "usage: bench_collect read MAILDIR | file PATH | scale PATH | prose ARTICLE\n");
		return 64;
	}
	if (!strcmp(argv[1], "read"))
		return bench_dir(argv[2]);
	if (!strcmp(argv[1], "prose"))
		return bench_prose(argv[2]);
	struct nl_buf b = NL_BUF_INIT;
	struct nl_error err = {0};
	if (nl_read_file(argv[2], 0, &b, &err) != NL_OK) {
		fprintf(stderr, "bench_collect: %s\n", err.detail);
		return 1;
	}
	const char *d = nl_buf_cstr(&b);
	if (!strcmp(argv[1], "file")) {
		printf("%zu %.3f\n", b.len, bench_best_ms(d, b.len));
		return 0;
	}
	/* scale: the longest line (the quote) at 0.1x, 1x, 10x its length, the rest unchanged */
	size_t ls = 0, ll = 0;
	for (size_t i = 0; i < b.len;) {
		const char *nl = memchr(d + i, '\n', b.len - i);
		size_t e = nl ? (size_t)(nl - d) : b.len;
		if (e - i > ll) {
			ls = i;
			ll = e - i;
		}
		i = nl ? e + 1 : b.len;
	}
	static const double factors[] = {0.1, 1, 10};
	for (int f = 0; f < 3; f++) {
		size_t want = (size_t)((double)ll * factors[f]);
		struct nl_buf s = NL_BUF_INIT;
		nl_buf_append(&s, d, ls);
		for (size_t k = 0; k < want; k += ll)
			nl_buf_append(&s, d + ls, want - k < ll ? want - k : ll);
		nl_buf_append(&s, d + ls + ll, b.len - ls - ll);
		printf("%zu %.3f\n", s.len, bench_best_ms(s.data, s.len));
		nl_buf_free(&s);
	}
	nl_buf_free(&b);
	return 0;
}
