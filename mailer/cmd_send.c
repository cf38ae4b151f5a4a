/* cmd_send.c - `mailer send ARTICLE [--dry-run] [--limit N] [--to ADDRESS] [--resend-unknown]`:
 * the options, the run lock, a progress line on a terminal, the summary and the exit code.  The
 * work is nl_send_run (src/send.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "article.h"
#include "campaign_survey.h"
#include "compose.h"
#include "lock.h"
#include "send.h"
#include "store.h"
#include "subscribers.h"
#include "tool.h"
#include "transport.h"
#include "util.h"

static const char send_help[] =
    "usage: mailer send ARTICLE [--dry-run] [--limit N] [--to ADDRESS] [--resend-unknown]\n"
    "\n"
    "Composes ARTICLE for every subscriber of its list who is not suppressed and has not received it\n"
    "yet, and delivers it through the configured [smtp] url (the outbox directory by default).\n"
    "Every delivery is journaled in the state: a later run continues where this one stopped and\n"
    "never sends a message twice (only messages in flight during a crash can be repeated).\n"
    "\n"
    "  --dry-run         compose everything and report what would be sent; send and record nothing\n"
    "  --limit N         stop after N deliveries; the next run goes on from there\n"
    "  --to ADDRESS      send one test copy to ADDRESS, outside the campaign's journal\n"
    "  --resend-unknown  send again to deliveries whose outcome is unknown (the server did not answer\n"
    "                    after the message was transferred: it may have arrived)\n"
    "\n"
    "On a terminal a progress line shows count/total, rate, ETA and failures; otherwise nothing is\n"
    "printed on success.  A summary line ends the run (with -q, only when something went wrong).\n"
    "\n"
    "Exit status: 0 everything sent; 75 some deliveries deferred or unknown (run again later);\n"
    "69 the server cannot be reached; 65 a bad article or list, or recipients refused (5xx);\n"
    "78 a configuration problem (including TLS and login failures); 73/74 state or outbox trouble.\n";

struct send_opts {
	const char *article;
	bool dry_run;
	long limit;
	const char *to;
	bool resend_unknown;
};

struct send_ui {
	struct tool *t;
	const char *campaign;
	long total; /* subscribers in the list (counted first on a terminal), 0 if unknown */
	bool shown; /* a progress line is on the screen */
};

static int send_parse(int argc, char **argv, struct send_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--to") == 0 || strcmp(a, "--limit") == 0) && i + 1 >= argc)
			return tool_usage_error("send", "%s needs a value", a);
		if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = true;
		} else if (strcmp(a, "--resend-unknown") == 0) {
			o->resend_unknown = true;
		} else if (strcmp(a, "--to") == 0 || strncmp(a, "--to=", 5) == 0) {
			o->to = a[4] == '=' ? a + 5 : argv[++i];
		} else if (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0) {
			const char *v = a[7] == '=' ? a + 8 : argv[++i];
			char *end;
			errno = 0;
			o->limit = strtol(v, &end, 10);
			if (errno || *end || end == v || o->limit < 1)
				return tool_usage_error("send", "--limit wants a positive number, not '%s'",
				                        v);
		} else if (a[0] == '-' && a[1]) {
			return tool_usage_error("send", "unknown option '%s'", a);
		} else if (o->article) {
			return tool_usage_error("send", "one article at a time ('%s' and '%s')", o->article,
			                        a);
		} else {
			o->article = a;
		}
	}
	if (!o->article)
		return tool_usage_error("send", "which article?");
	if (o->to && (o->dry_run || o->limit || o->resend_unknown))
		return tool_usage_error("send", "--to sends one test copy and takes no other option");
	return 0;
}

static void send_clear_line(struct send_ui *ui)
{
	if (ui->shown) {
		fputs("\r\033[K", stdout);
		fflush(stdout);
		ui->shown = false;
	}
}

static void send_on_progress(const struct nl_send_stats *s, void *ud)
{
	struct send_ui *ui = ud;
	if (!ui->t->tty || ui->t->quiet)
		return;
	double rate = s->elapsed > 0 ? (double)(s->sent + s->composed) / s->elapsed : 0;
	char eta[32] = "?";
	if (ui->total > 0 && s->listed > 0 && s->elapsed > 0.5) {
		double per_row = s->elapsed / (double)s->listed;
		long left = (long)(per_row * (double)(ui->total - s->listed));
		if (left < 0)
			left = 0;
		snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
	}
	printf("\r\033[K%s: %ld/%ld  %.0f/s  ETA %s  sent %ld  deferred %ld  failed %ld  unknown %ld",
	       ui->campaign, s->listed, ui->total, rate, eta, s->sent, s->deferred, s->failed, s->unknown);
	fflush(stdout);
	ui->shown = true;
}

static void send_on_log(const char *line, void *ud)
{
	struct send_ui *ui = ud;
	bool detail = strncmp(line, "> ", 2) == 0 || strncmp(line, "< ", 2) == 0 ||
	              strncmp(line, "deferred:", 9) == 0 || strncmp(line, "failed:", 7) == 0 ||
	              strncmp(line, "unknown:", 8) == 0;
	if (detail && !ui->t->verbose)
		return;
	send_clear_line(ui);
	if (detail)
		tool_log(ui->t, "%s", line);
	else
		tool_warn("%s", line); /* a bad row: always said, even with -q */
}

/* Counts the list's valid rows for the progress line (only on a terminal; the list is streamed). */
static long send_count(const char *path)
{
	struct nl_subscribers *list = NULL;
	struct nl_error err = {0};
	if (nl_subscribers_open(path, &list, &err) != NL_OK)
		return 0;
	const struct nl_subscriber *sub;
	enum nl_code rc;
	while ((rc = nl_subscribers_next(list, &sub, &err)) == NL_ERR_SUBSCRIBER || (rc == NL_OK && sub))
		;
	long n = (long)nl_subscribers_stats(list).accepted;
	nl_subscribers_close(list);
	return n;
}

static void send_print_summary(FILE *out, const char *campaign, bool dry, const struct nl_send_stats *s)
{
	double rate = s->elapsed > 0 ? (double)(s->sent + s->composed) / s->elapsed : 0;
	if (dry)
		fprintf(out, "send %s (dry run): would send %ld message%s", campaign, s->composed,
		        s->composed == 1 ? "" : "s");
	else
		fprintf(out, "send %s: %ld sent, %ld deferred, %ld failed, %ld unknown", campaign, s->sent,
		        s->deferred, s->failed, s->unknown);
	long skipped = s->suppressed + s->already_sent + s->already_failed + s->unknown_skipped + s->waiting;
	fprintf(out, "; %ld skipped", skipped);
	if (skipped)
		fprintf(
		    out,
		    " (%ld suppressed, %ld already sent, %ld failed before, %ld unknown before, %ld deferred "
		    "not yet due)",
		    s->suppressed, s->already_sent, s->already_failed, s->unknown_skipped, s->waiting);
	if (s->bad_rows)
		fprintf(out, "; %ld bad row%s", s->bad_rows, s->bad_rows == 1 ? "" : "s");
	fprintf(out, "; %.1f s, %.0f/s\n", s->elapsed, rate);
}

/* The state for this run: always for a real send; for a dry run only if it exists already (a dry
 * run writes nothing).  The token secret comes from it, or is zero. */
static enum nl_code send_open_state(struct tool *t, bool dry, struct nl_store **store,
                                    unsigned char secret[NL_SECRET_LEN], struct nl_error *err)
{
	struct stat st;
	memset(secret, 0, NL_SECRET_LEN);
	*store = NULL;
	if (dry && stat(t->cfg.state, &st) != 0)
		return NL_OK;
	enum nl_code rc = nl_store_open(t->cfg.state, store, err);
	if (rc == NL_OK)
		rc = nl_store_secret(*store, secret, err);
	return rc;
}

static int send_exit_code(const struct nl_send_stats *s)
{
	/* Unknown outcomes of earlier runs were reported then and wait for a person's decision
	 * (--resend-unknown); they do not make every later run a failure. */
	if (s->deferred || s->unknown || s->waiting)
		return EXIT_TEMPFAIL;
	if (s->failed || s->unsent_rows)
		return EXIT_DATAERR;
	return 0;
}

int cmd_send(struct tool *t, int argc, char **argv)
{
	struct send_opts o = {0};
	struct nl_error err = {0};
	struct nl_article *article = NULL;
	struct nl_subscribers *list = NULL;
	struct nl_composer *composer = NULL;
	struct nl_store *store = NULL;
	struct nl_transport *transport = NULL;
	struct nl_lock *lock = NULL;
	char *list_path = NULL, *password = NULL;
	enum nl_code rc = NL_OK;
	int code;

	if (tool_wants_help(argc, argv)) {
		fputs(send_help, stdout);
		return 0;
	}
	if ((code = send_parse(argc, argv, &o)) != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	/* A server that closes its end must cost one delivery (an error), not the process. */
	signal(SIGPIPE, SIG_IGN);
	const struct nl_config *cfg = &t->cfg;
	if ((rc = nl_article_load(o.article, &article, &err)) != NL_OK)
		goto out;
	list_path =
	    article->list ? nl_path_relative_to(o.article, article->list) : nl_xstrdup(cfg->subscribers);
	if ((rc = nl_subscribers_open(list_path, &list, &err)) != NL_OK)
		goto out;
	if (!o.dry_run && (rc = nl_transport_password(cfg, &password, &err)) != NL_OK)
		goto out;
	if (!o.dry_run && !o.to && !t->lock_held) { /* `run` holds it already */
		if ((rc = nl_lock_state(cfg->state, "send", &lock, NULL, &err)) != NL_OK)
			goto out;
	}
	unsigned char secret[NL_SECRET_LEN];
	if ((rc = send_open_state(t, o.dry_run, &store, secret, &err)) != NL_OK)
		goto out;
	size_t n_columns;
	const char *const *columns = nl_subscribers_columns(list, &n_columns);
	if ((rc = nl_compose_new(cfg, article, secret, columns, n_columns, &composer, &err)) != NL_OK)
		goto out;
	if (!o.dry_run) {
		if (cfg->smtp_insecure)
			tool_warn("tls_verify is off: certificates are NOT checked; anyone on the path can "
			          "read and "
			          "change this mail");
		struct nl_transport_options topt = {
		    .url = cfg->smtp_url,
		    .user = cfg->smtp_user,
		    .password = password,
		    .starttls = cfg->smtp_starttls,
		    .ca_file = cfg->smtp_ca_file,
		    .insecure = cfg->smtp_insecure,
		    .connections = cfg->smtp_connections > 0 ? cfg->smtp_connections : 1,
		    .timeout = cfg->smtp_timeout,
		    .trace = t->verbose,
		    .settle = true, /* nl_send_run settles each outcome once it is journalled */
		};
		if (o.to)
			topt.connections = 1;
		if ((rc = nl_transport_open(&topt, &transport, &err)) != NL_OK)
			goto out;
		tool_log(t, "send %s: through %s, %d connection%s", article->campaign, cfg->smtp_url,
		         topt.connections, topt.connections == 1 ? "" : "s");
	}
	if (o.to) {
		char reply[NL_TRANSPORT_REPLY_MAX];
		if ((rc = nl_send_test_copy(composer, list, transport, o.to, reply, &err)) != NL_OK)
			goto out;
		if (!t->quiet && t->tty)
			printf("send %s: test copy to %s: %s\n", article->campaign, o.to, reply);
		goto out;
	}
	/* The campaign with its parsed survey and title: reports read them, not the article again. */
	if (store && !o.dry_run && (rc = nl_campaign_record(store, article, o.article, &err)) != NL_OK)
		goto out;

	struct send_ui ui = {t, article->campaign, 0, false};
	if (t->tty && !t->quiet)
		ui.total = send_count(list_path);
	struct nl_send_options sopt = {
	    .campaign = article->campaign,
	    .dry_run = o.dry_run,
	    .limit = o.limit,
	    .resend_unknown = o.resend_unknown,
	    .rate = cfg->smtp_rate,
	    .retries = -1,
	    .progress = send_on_progress,
	    .log = send_on_log,
	    .ud = &ui,
	};
	struct nl_send_stats stats;
	rc = nl_send_run(store, composer, list, transport, &sopt, &stats, &err);
	send_clear_line(&ui);
	if (stats.commits > 0)
		tool_log(t,
		         "journal: %ld commits for %ld outcomes, %.2f ms each on average, %.2f ms of it "
		         "waiting (fsync)",
		         stats.commits, stats.outcomes, 1e3 * stats.commit_secs / (double)stats.commits,
		         1e3 * stats.commit_wait_secs / (double)stats.commits);
	int status = rc == NL_OK ? send_exit_code(&stats) : tool_exit_code(rc);
	bool trouble = status != 0 || stats.bad_rows;
	if (o.dry_run || (t->tty && !t->quiet))
		send_print_summary(stdout, article->campaign, o.dry_run, &stats);
	else if (trouble)
		send_print_summary(stderr, article->campaign, o.dry_run, &stats);
	if (rc == NL_OK) {
		code = status;
		goto done;
	}
out:
	code = rc == NL_OK ? 0 : tool_report_error(&err);
done:
	nl_transport_close(transport);
	nl_transport_password_free(password);
	nl_compose_free(composer);
	nl_store_close(store);
	nl_lock_release(lock);
	nl_subscribers_close(list);
	nl_article_free(article);
	free(list_path);
	return code;
}
