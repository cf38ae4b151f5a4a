/* cmd_preview.c - `mailer preview ARTICLE [--to ADDRESS] [-o DIR]`: one subscriber's message as a
 * .eml file and its HTML part as a .html page, so a person can open both before sending. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "article.h"
#include "compose.h"
#include "store.h"
#include "subscribers.h"
#include "tool.h"
#include "util.h"

static const char preview_help[] =
    "usage: mailer preview ARTICLE [--to ADDRESS] [-o DIR]\n"
    "\n"
    "Composes ARTICLE for one subscriber, exactly as `mailer send` would, and writes it to DIR\n"
    "(default: the current directory) as CAMPAIGN.eml (the whole message) and CAMPAIGN.html (its\n"
    "HTML part), then prints the two paths.  Nothing is sent.\n"
    "\n"
    "  --to ADDRESS  the subscriber to preview (default: the first one in the list)\n"
    "  -o DIR        where to write the two files\n"
    "\n"
    "The list is the article's `list`, or the configuration's `subscribers`.  The tokens in the\n"
    "links are the real ones when the state database exists (they match what send will use).\n";

struct preview_opts {
	const char *article;
	const char *to;
	const char *dir;
};

static int preview_parse(int argc, char **argv, struct preview_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--to") == 0 || strcmp(a, "-o") == 0) && i + 1 >= argc)
			return tool_usage_error("preview", "%s needs a value", a);
		if (strcmp(a, "--to") == 0)
			o->to = argv[++i];
		else if (strcmp(a, "-o") == 0)
			o->dir = argv[++i];
		else if (strncmp(a, "--to=", 5) == 0)
			o->to = a + 5;
		else if (a[0] == '-' && a[1])
			return tool_usage_error("preview", "unknown option '%s'", a);
		else if (o->article)
			return tool_usage_error("preview", "one article at a time ('%s' and '%s')",
			                        o->article, a);
		else
			o->article = a;
	}
	if (!o->article)
		return tool_usage_error("preview", "which article?");
	return 0;
}

/* The token secret of the state database if there is one; zeros otherwise (a preview never creates
 * the state). */
static enum nl_code preview_secret(struct tool *t, unsigned char secret[NL_SECRET_LEN], struct nl_error *err)
{
	struct stat st;
	memset(secret, 0, NL_SECRET_LEN);
	if (!t->cfg.state || stat(t->cfg.state, &st) != 0) {
		tool_log(t, "no state database yet: preview tokens use a zero secret");
		return NL_OK;
	}
	struct nl_store *store = NULL;
	enum nl_code rc = nl_store_open(t->cfg.state, &store, err);
	if (rc == NL_OK)
		rc = nl_store_secret(store, secret, err);
	nl_store_close(store);
	return rc;
}

/* Streams the list to the subscriber wanted; *found stays NULL if there is none. */
static enum nl_code preview_find(struct tool *t, struct nl_subscribers *list, const char *to,
                                 const struct nl_subscriber **found, struct nl_error *err)
{
	for (;;) {
		const struct nl_subscriber *sub;
		enum nl_code rc = nl_subscribers_next(list, &sub, err);
		if (rc == NL_ERR_SUBSCRIBER) {
			if (!t->quiet)
				tool_warn("%s", err->detail);
			continue;
		}
		if (rc != NL_OK)
			return rc;
		*found = sub;
		if (!sub || !to || nl_ascii_casecmp(sub->email, to) == 0)
			return NL_OK;
	}
}

int cmd_preview(struct tool *t, int argc, char **argv)
{
	struct preview_opts o = {0};
	struct nl_error err = {0};
	struct nl_article *article = NULL;
	struct nl_subscribers *list = NULL;
	struct nl_composer *composer = NULL;
	struct nl_buf msg = NL_BUF_INIT, html = NL_BUF_INIT;
	char *list_path = NULL, *eml = NULL, *page = NULL;
	enum nl_code rc = NL_OK;
	int code;

	if (tool_wants_help(argc, argv)) {
		fputs(preview_help, stdout);
		return 0;
	}
	if ((code = preview_parse(argc, argv, &o)) != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	if ((rc = nl_article_load(o.article, &article, &err)) != NL_OK)
		goto out;
	list_path =
	    article->list ? nl_path_relative_to(o.article, article->list) : nl_xstrdup(t->cfg.subscribers);
	if ((rc = nl_subscribers_open(list_path, &list, &err)) != NL_OK)
		goto out;
	unsigned char secret[NL_SECRET_LEN];
	if ((rc = preview_secret(t, secret, &err)) != NL_OK)
		goto out;
	size_t n_columns;
	const char *const *columns = nl_subscribers_columns(list, &n_columns);
	if ((rc = nl_compose_new(&t->cfg, article, secret, columns, n_columns, &composer, &err)) != NL_OK)
		goto out;
	const struct nl_subscriber *sub = NULL;
	if ((rc = preview_find(t, list, o.to, &sub, &err)) != NL_OK)
		goto out;
	if (!sub) {
		rc = o.to ? nl_fail(&err, NL_ERR_NOT_FOUND, "%s: %s is not in the list", list_path, o.to)
		          : nl_fail(&err, NL_ERR_LIST, "%s: no valid subscriber in the list", list_path);
		goto out;
	}
	struct nl_envelope env;
	if ((rc = nl_compose_message(composer, sub, &msg, &env, &err)) != NL_OK ||
	    (rc = nl_compose_html(composer, sub, &html, &err)) != NL_OK)
		goto out;
	const char *dir = o.dir ? o.dir : ".";
	if ((rc = nl_mkdirs(dir, &err)) != NL_OK)
		goto out;
	eml = nl_xasprintf("%s/%s.eml", dir, article->campaign);
	page = nl_xasprintf("%s/%s.html", dir, article->campaign);
	if ((rc = nl_write_file_atomic(eml, msg.data, msg.len, &err)) != NL_OK ||
	    (rc = nl_write_file_atomic(page, html.data, html.len, &err)) != NL_OK)
		goto out;
	tool_log(t, "previewed %s for %s (token %s)", article->campaign, sub->email, env.token);
	printf("%s\n%s\n", eml, page);
out:
	code = rc == NL_OK ? 0 : tool_report_error(&err);
	nl_buf_free(&msg);
	nl_buf_free(&html);
	nl_compose_free(composer);
	nl_subscribers_close(list);
	nl_article_free(article);
	free(list_path);
	free(eml);
	free(page);
	return code;
}
