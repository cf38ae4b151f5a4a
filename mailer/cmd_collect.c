/* cmd_collect.c - `mailer collect [--maildir DIR | --mbox FILE]`: read replies, bounces, complaints
 * and unsubscribe requests from the inbox into the state (the library's nl_collect_run), under the
 * run lock, with a progress line on a terminal and a summary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "inbox.h"
#include "lock.h"
#include "store.h"
#include "tool.h"
#include "util.h"

static const char collect_help[] =
    "usage: mailer collect [--maildir DIR | --mbox FILE]\n"
    "\n"
    "Reads every new message from the inbox ([inbox] url: imap://, imaps://, maildir:DIR or mbox:FILE),\n"
    "or from the Maildir or mbox given, and records each one in the state: survey answers, unsubscribe\n"
    "requests, bounces, complaints, auto-replies, strangers and unreadable messages. Collecting the\n"
    "same mail twice changes nothing. Over IMAP only new messages are fetched, and [inbox] after\n"
    "(keep | seen | move:FOLDER) is applied once they are recorded; nothing is ever deleted.\n"
    "The IMAP password comes from [inbox] password_cmd or MAILER_IMAP_PASSWORD. The server's\n"
    "certificate is checked against the system CAs and [inbox] ca_file (or [smtp] ca_file); plain\n"
    "imap:// upgrades with STARTTLS and is allowed without it only on loopback.\n"
    "\n"
    "options:\n"
    "  --maildir DIR  read this Maildir instead of the configured inbox\n"
    "  --mbox FILE    read this mbox file instead of the configured inbox\n";

struct collect_progress {
	const struct tool *t;
	time_t start;
	bool shown;
};

static void collect_progress(const struct nl_collect_stats *s, size_t total, void *ud)
{
	struct collect_progress *p = ud;
	tool_log(p->t, "collect: %ld of %zu messages read", s->seen, total);
	if (!p->t->tty || p->t->quiet)
		return;
	double secs = difftime(time(NULL), p->start);
	double rate = secs > 0 ? (double)s->seen / secs : 0;
	long left = (long)total - s->seen;
	printf("\rcollect: %ld/%zu messages", s->seen, total);
	if (rate > 0 && left > 0)
		printf(", %.0f/s, about %.0f s left", rate, (double)left / rate);
	printf("   ");
	fflush(stdout);
	p->shown = true;
}

static void collect_summary(FILE *out, const struct nl_collect_stats *s)
{
	const long *c = s->by_class;
	fprintf(out, "collect: %ld message%s", s->seen, s->seen == 1 ? "" : "s");
	if (s->known)
		fprintf(out, " (%ld already recorded)", s->known);
	fprintf(out, ": %ld repl%s (%ld answer%s", c[NL_INBOUND_ANSWER],
	        c[NL_INBOUND_ANSWER] == 1 ? "y" : "ies", s->answers, s->answers == 1 ? "" : "s");
	if (s->matched_from)
		fprintf(out, ", %ld matched by From only", s->matched_from);
	fprintf(out,
	        "), %ld unsubscribe%s, %ld bounce%s, %ld complaint%s, %ld auto-repl%s, %ld stranger%s, "
	        "%ld unreadable, %ld ignored",
	        c[NL_INBOUND_UNSUBSCRIBE], c[NL_INBOUND_UNSUBSCRIBE] == 1 ? "" : "s", c[NL_INBOUND_BOUNCE],
	        c[NL_INBOUND_BOUNCE] == 1 ? "" : "s", c[NL_INBOUND_COMPLAINT],
	        c[NL_INBOUND_COMPLAINT] == 1 ? "" : "s", c[NL_INBOUND_AUTO_REPLY],
	        c[NL_INBOUND_AUTO_REPLY] == 1 ? "y" : "ies", c[NL_INBOUND_STRANGER],
	        c[NL_INBOUND_STRANGER] == 1 ? "" : "s", c[NL_INBOUND_UNREADABLE], c[NL_INBOUND_IGNORED]);
	if (s->suppressed)
		fprintf(out, "; %ld address%s suppressed", s->suppressed, s->suppressed == 1 ? "" : "es");
	fprintf(out, "\n");
}

int cmd_collect(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(collect_help, stdout);
		return 0;
	}
	const char *maildir = NULL, *mbox = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--maildir") == 0 && i + 1 < argc)
			maildir = argv[++i];
		else if (strcmp(argv[i], "--mbox") == 0 && i + 1 < argc)
			mbox = argv[++i];
		else
			return tool_usage_error("collect", "unknown or incomplete option '%s'", argv[i]);
	}
	if (maildir && mbox)
		return tool_usage_error("collect", "give --maildir or --mbox, not both");
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	/* a server that drops the connection must give an error, not kill the process */
	signal(SIGPIPE, SIG_IGN);
	const struct nl_config *cfg = &t->cfg;
	char *url = maildir          ? nl_xasprintf("maildir:%s", maildir)
	            : mbox           ? nl_xasprintf("mbox:%s", mbox)
	            : cfg->inbox_url ? nl_xstrdup(cfg->inbox_url)
	                             : NULL;
	struct nl_error err = {0};
	struct nl_lock *lock = NULL;
	struct nl_store *store = NULL;
	char *password = NULL;
	int rc = 0;
	if (!url) {
		tool_warn("collect: no inbox configured: set [inbox] url in %s, or give --maildir or --mbox",
		          t->config_path);
		rc = EXIT_CONFIG;
		goto out;
	}
	bool imap = strncmp(url, "imap://", 7) == 0 || strncmp(url, "imaps://", 8) == 0;
	if (imap && nl_inbox_password(cfg->inbox_password_cmd, &password, &err) != NL_OK) {
		rc = tool_report_error(&err);
		goto out;
	}
	if ((!t->lock_held && nl_lock_state(cfg->state, "collect", &lock, NULL, &err) != NL_OK) ||
	    nl_store_open(cfg->state, &store, &err) != NL_OK) {
		rc = tool_report_error(&err);
		goto out;
	}
	struct collect_progress prog = {t, time(NULL), false};
	struct nl_collect_options opt = {
	    .url = url,
	    .user = cfg->inbox_user,
	    .password = password,
	    .ca_file = cfg->inbox_ca_file ? cfg->inbox_ca_file : cfg->smtp_ca_file, /* often one private CA */
	    .after = cfg->inbox_after,
	    .move_to = cfg->inbox_move_to,
	    .timeout = cfg->inbox_timeout,
	    .unsubscribe_mailto = cfg->unsubscribe_mailto,
	    .reply_to = cfg->reply_to,
	    .progress = collect_progress,
	    .ud = &prog,
	};
	struct nl_collect_stats stats;
	tool_log(t, "collect: reading %s", url);
	enum nl_code code = nl_collect_run(store, &opt, &stats, &err);
	if (prog.shown)
		printf("\r\033[K");
	bool trouble =
	    (code != NL_OK && stats.seen) || stats.by_class[NL_INBOUND_UNREADABLE] || stats.fetch_errors;
	if (t->tty && !t->quiet)
		collect_summary(stdout, &stats);
	else if (trouble && !t->quiet)
		collect_summary(stderr, &stats);
	if (code != NL_OK)
		rc = tool_report_error(&err);
	else if (stats.by_class[NL_INBOUND_UNREADABLE])
		tool_warn("collect: %ld message%s could not be read (kept with the reason; mailer report "
		          "shows them)",
		          stats.by_class[NL_INBOUND_UNREADABLE],
		          stats.by_class[NL_INBOUND_UNREADABLE] == 1 ? "" : "s");
out:
	nl_password_free(password);
	nl_store_close(store);
	nl_lock_release(lock);
	free(url);
	return rc;
}
