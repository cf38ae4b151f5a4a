/* compose_pycheck.c - helper of compose_python_email.py: composes ARTICLE for every subscriber of the
 * configuration's list and writes, per subscriber N (1-based, in list order), OUTDIR/N.eml (the whole
 * message), N.txt and N.html (the two parts before encoding), and OUTDIR/manifest.tsv with
 * "N<TAB>email<TAB>token<TAB>mail_from<TAB>rcpt_to" lines.  Bad rows are reported on stderr and skipped.
 * The token secret is all zeros, as for `mailer preview` without a state database.
 *
 * usage: compose_pycheck CONFIG ARTICLE OUTDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "compose.h"
#include "config.h"
#include "subscribers.h"
#include "util.h"

static int pycheck_write(const char *dir, size_t n, const char *ext, const struct nl_buf *b)
{
	char *path = nl_xasprintf("%s/%zu.%s", dir, n, ext);
	struct nl_error err = {0};
	enum nl_code rc = nl_write_file_atomic(path, b->data ? b->data : "", b->len, &err);
	if (rc != NL_OK)
		fprintf(stderr, "compose_pycheck: %s\n", err.detail);
	free(path);
	return rc == NL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: compose_pycheck CONFIG ARTICLE OUTDIR\n");
		return 64;
	}
	struct nl_config cfg;
	struct nl_error err = {0};
	struct nl_article *article = NULL;
	struct nl_subscribers *list = NULL;
	struct nl_composer *c = NULL;
	struct nl_buf msg = NL_BUF_INIT, part = NL_BUF_INIT;
	unsigned char secret[NL_SECRET_LEN] = {0};
	int status = 1;
	FILE *manifest = NULL;
	if (nl_config_load(&cfg, argv[1], true, &err) != NL_OK ||
	    nl_article_load(argv[2], &article, &err) != NL_OK ||
	    nl_subscribers_open(cfg.subscribers, &list, &err) != NL_OK)
		goto out;
	size_t n_columns;
	const char *const *columns = nl_subscribers_columns(list, &n_columns);
	if (nl_compose_new(&cfg, article, secret, columns, n_columns, &c, &err) != NL_OK)
		goto out;
	char *mpath = nl_xasprintf("%s/manifest.tsv", argv[3]);
	manifest = fopen(mpath, "w");
	free(mpath);
	if (!manifest)
		goto out;
	size_t n = 0;
	for (;;) {
		const struct nl_subscriber *sub;
		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
		if (rc == NL_ERR_SUBSCRIBER) {
			fprintf(stderr, "compose_pycheck: skipped: %s\n", err.detail);
			continue;
		}
		if (rc != NL_OK)
			goto out;
		if (!sub)
			break;
		struct nl_envelope env;
		n++;
		if (nl_compose_message(c, sub, &msg, &env, &err) != NL_OK ||
		    pycheck_write(argv[3], n, "eml", &msg) || nl_compose_text(c, sub, &part, &err) != NL_OK ||
		    pycheck_write(argv[3], n, "txt", &part) ||
		    nl_compose_html(c, sub, &part, &err) != NL_OK || pycheck_write(argv[3], n, "html", &part))
			goto out;
		fprintf(manifest, "%zu\t%s\t%s\t%s\t%s\n", n, sub->email, env.token, env.mail_from,
		        env.rcpt_to);
	}
	status = 0;
out:
	if (status && err.detail[0])
		fprintf(stderr, "compose_pycheck: %s\n", err.detail);
	if (manifest && fclose(manifest) != 0)
		status = 1;
	nl_buf_free(&msg);
	nl_buf_free(&part);
	nl_compose_free(c);
	nl_subscribers_close(list);
	nl_article_free(article);
	nl_config_free(&cfg);
	return status;
}
