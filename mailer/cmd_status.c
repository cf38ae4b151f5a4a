/* cmd_status.c - `mailer status`: each campaign with its counts and state, the next due article,
 * the last collection, the suppression list by reason, and whether a run holds the lock. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "article.h"
#include "lock.h"
#include "store.h"
#include "tool.h"
#include "util.h"

static const char status_help[] =
    "usage: mailer status\n"
    "\n"
    "Lists each campaign with its delivery counts and state, the next article that is due, the time\n"
    "of the last collection, how many addresses are suppressed and why, and whether a run holds the\n"
    "lock. Reads the state only; changes nothing.\n";

static void status_time(time_t t, char out[32])
{
	if (!t) {
		snprintf(out, 32, "never");
		return;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

struct status_ctx {
	struct nl_store *store;
	int campaigns;
	enum nl_code rc;
	struct nl_error err;
};

static const char *status_campaign_state(const struct nl_campaign *c, const long counts[NL_DELIVERY_STATES])
{
	if (c->completed)
		return "complete";
	if (counts[NL_DELIVERY_SENDING] || counts[NL_DELIVERY_DEFERRED])
		return "sending";
	if (counts[NL_DELIVERY_SENT] || counts[NL_DELIVERY_FAILED] || counts[NL_DELIVERY_UNKNOWN])
		return "incomplete";
	return c->due > nl_now() ? "scheduled" : "due";
}

static bool status_campaign(const struct nl_campaign *c, void *ud)
{
	struct status_ctx *ctx = ud;
	long counts[NL_DELIVERY_STATES], inbound[9];
	if ((ctx->rc = nl_store_delivery_counts(ctx->store, c->id, counts, &ctx->err)) != NL_OK ||
	    (ctx->rc = nl_store_inbound_counts(ctx->store, c->id, inbound, &ctx->err)) != NL_OK)
		return false;
	if (ctx->campaigns++ == 0)
		printf("Campaigns\n");
	char due[32];
	status_time(c->due, due);
	printf("  %s  %s  (due %s)\n", c->id, status_campaign_state(c, counts), due);
	printf("    sent %ld, sending %ld, deferred %ld, failed %ld, unknown %ld\n", counts[NL_DELIVERY_SENT],
	       counts[NL_DELIVERY_SENDING], counts[NL_DELIVERY_DEFERRED], counts[NL_DELIVERY_FAILED],
	       counts[NL_DELIVERY_UNKNOWN]);
	printf("    replies %ld, unsubscribes %ld, bounces %ld, complaints %ld, auto-replies %ld\n",
	       inbound[NL_INBOUND_ANSWER], inbound[NL_INBOUND_UNSUBSCRIBE], inbound[NL_INBOUND_BOUNCE],
	       inbound[NL_INBOUND_COMPLAINT], inbound[NL_INBOUND_AUTO_REPLY]);
	return true;
}

/* The article in the articles directory with the earliest date whose campaign is not complete. */
static void status_next_due(struct tool *t, struct nl_store *store)
{
	DIR *dir = opendir(t->cfg.articles);
	if (!dir) {
		printf("Next due: none (%s cannot be read)\n", t->cfg.articles);
		return;
	}
	char *best_path = NULL, *best_subject = NULL;
	time_t best = 0;
	int bad = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 3, ".md") != 0 || de->d_name[0] == '.')
			continue;
		char *path = nl_xasprintf("%s/%s", t->cfg.articles, de->d_name);
		struct nl_article *a = NULL;
		struct nl_error err = {0};
		if (nl_article_load(path, &a, &err) != NL_OK) {
			bad++;
			fprintf(stderr, "mailer: %s\n", err.detail);
			free(path);
			continue;
		}
		struct nl_campaign c = {0};
		bool complete =
		    store && nl_store_campaign_get(store, a->campaign, &c, &err) == NL_OK && c.completed;
		nl_campaign_clear(&c);
		if (!complete && (!best_path || a->date < best)) {
			free(best_path);
			free(best_subject);
			best_path = path;
			best_subject = nl_xstrdup(a->subject);
			best = a->date;
			path = NULL;
		}
		free(path);
		nl_article_free(a);
	}
	closedir(dir);
	if (best_path) {
		char when[32];
		status_time(best, when);
		printf("Next due: %s \"%s\" %s %s\n", best_path, best_subject,
		       best <= nl_now() ? "due since" : "at", when);
	} else {
		printf("Next due: none%s\n", bad ? " (some articles have errors, see above)" : "");
	}
	free(best_path);
	free(best_subject);
}

int cmd_status(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(status_help, stdout);
		return 0;
	}
	if (argc > 1)
		return tool_usage_error("status", "unexpected argument '%s'", argv[1]);
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct stat st;
	int rc = 0;
	if (stat(t->cfg.state, &st) != 0) {
		printf("No campaigns yet (%s does not exist).\n", t->cfg.state);
	} else if (nl_store_open(t->cfg.state, &store, &err) != NL_OK) {
		return tool_report_error(&err);
	} else {
		struct status_ctx ctx = {.store = store};
		if (nl_store_campaign_each(store, status_campaign, &ctx, &err) != NL_OK)
			rc = tool_report_error(&err);
		else if (ctx.rc != NL_OK)
			rc = tool_report_error(&ctx.err);
		else if (!ctx.campaigns)
			printf("No campaigns yet.\n");
	}
	status_next_due(t, store);
	if (store) {
		time_t last;
		long sup[4];
		char when[32];
		if (nl_store_last_collect(store, &last, &err) == NL_OK) {
			status_time(last, when);
			printf("Last collection: %s\n", when);
		}
		if (nl_store_suppress_counts(store, sup, &err) == NL_OK)
			printf("Suppressed: %ld (unsubscribed %ld, bounced %ld, complained %ld)\n",
			       sup[1] + sup[2] + sup[3], sup[NL_SUPPRESS_UNSUBSCRIBED],
			       sup[NL_SUPPRESS_BOUNCED], sup[NL_SUPPRESS_COMPLAINED]);
	}
	struct nl_lock_holder h;
	if (nl_lock_state_held(t->cfg.state, &h)) {
		char since[32];
		status_time(h.since, since);
		printf("Lock: held by a running mailer %s (pid %ld) since %s\n", h.what, (long)h.pid, since);
	} else {
		printf("Lock: free\n");
	}
	nl_store_close(store);
	return rc;
}
