/* cmd_run.c - `mailer run`, the cron entry point: send every due article whose campaign is not
 * complete (resuming an interrupted one and retrying deferred deliveries whose back-off has passed),
 * collect the replies, write each active campaign's HTML and JSON reports, and mail the closing
 * report once.  One run at a time: an flock beside the state (lock.h); an overlapping run exits 0
 * at once, unless the holder has held the lock past stale_lock (then once: exit 75 and a line).
 *
 * The steps are the other commands, run in-process with the lock already held, so `run` does
 * exactly what `send`, `collect` and `report` do by hand.  Quiet on success; the exit code is the
 * worst step's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "lock.h"
#include "store.h"
#include "tool.h"
#include "util.h"

static const char run_help[] =
    "usage: mailer run\n"
    "\n"
    "What cron runs, e.g. every ten minutes:\n"
    "  1. send every article in the articles directory whose date has come and whose campaign is\n"
    "     not complete (an interrupted one resumes; deferred deliveries are retried once their\n"
    "     back-off has passed);\n"
    "  2. collect replies from the configured inbox ([inbox] url), if there is one;\n"
    "  3. write each active campaign's report as HTML and JSON into the reports directory;\n"
    "  4. when a campaign's collection window ([newsletter] report_after after its date) closes,\n"
    "     write its final reports and, if [newsletter] report_to is set, mail it there, once.\n"
    "\n"
    "Takes a lock beside the state file: a run that finds another one running exits 0 at once\n"
    "(and says so with -v). Prints nothing when all is well, so cron mails only trouble; -v logs\n"
    "each step with a timestamp. The exit code is the worst step's (see mailer(1)).\n";

/* How bad an exit code is, for "the worst step" (sysexits are not ordered by number). */
static int run_rank(int code)
{
	switch (code) {
	case 0:
		return 0;
	case EXIT_TEMPFAIL:
		return 1;
	case EXIT_DATAERR:
	case EXIT_NOINPUT:
		return 2;
	case EXIT_UNAVAILABLE:
		return 3;
	case EXIT_IOERR:
	case EXIT_CANTCREAT:
		return 4;
	case EXIT_CONFIG:
		return 5;
	default:
		return 6;
	}
}

static void run_note(int *worst, int code)
{
	if (run_rank(code) > run_rank(*worst))
		*worst = code;
}

static int run_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs a command as if its arguments had been typed: the commands take char ** (as main gives it),
 * so the words are copied into writable strings. */
static int run_command(struct tool *t, int (*cmd)(struct tool *, int, char **), const char *const *words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	char **argv = nl_xcalloc((size_t)argc + 1, sizeof *argv);
	for (int i = 0; i < argc; i++)
		argv[i] = nl_xstrdup(words[i]);
	int code = cmd(t, argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return code;
}

/* Step 1: every due, incomplete article, oldest name first. */
static void run_send_due(struct tool *t, struct nl_store *store, int *worst)
{
	DIR *dir = opendir(t->cfg.articles);
	if (!dir) {
		tool_warn("run: cannot read the articles directory %s", t->cfg.articles);
		run_note(worst, EXIT_NOINPUT);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] != '.' && len > 3 && strcmp(de->d_name + len - 3, ".md") == 0) {
			names = nl_xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = nl_xasprintf("%s/%s", t->cfg.articles, de->d_name);
		}
	}
	closedir(dir);
	qsort(names, n, sizeof *names, run_by_name);
	for (size_t i = 0; i < n; i++) {
		struct nl_error err = {0};
		struct nl_article *a = NULL;
		if (nl_article_load(names[i], &a, &err) != NL_OK) {
			run_note(worst,
			         tool_report_error(&err)); /* one bad article does not stop the others */
		} else if (a->date > nl_now()) {
			tool_log(t, "run: %s is due at %s, not yet", a->campaign, a->date_text);
		} else {
			struct nl_campaign c = {0};
			bool complete =
			    nl_store_campaign_get(store, a->campaign, &c, &err) == NL_OK && c.completed;
			nl_campaign_clear(&c);
			if (complete) {
				tool_log(t, "run: %s is complete", a->campaign);
			} else {
				tool_log(t, "run: sending %s", a->campaign);
				run_note(worst, run_command(t, cmd_send, (const char *const[]){"send", names[i], NULL}));
			}
		}
		nl_article_free(a);
		free(names[i]);
	}
	free(names);
}

/* Step 2: collect, when an inbox is configured. */
static void run_collect(struct tool *t, int *worst)
{
	if (!t->cfg.inbox_url) {
		tool_log(t, "run: no [inbox] url configured, nothing to collect");
		return;
	}
	tool_log(t, "run: collecting from %s", t->cfg.inbox_url);
	run_note(worst, run_command(t, cmd_collect, (const char *const[]){"collect", NULL}));
}

struct run_reports {
	struct tool *t;
	int worst;
	char **closed; /* campaigns whose window closed in this run */
	size_t n_closed;
	char **active;
	size_t n_active;
};

static bool run_pick_campaign(const struct nl_campaign *c, void *ud)
{
	struct run_reports *r = ud;
	if (c->report_mailed)
		return true; /* closed in an earlier run: its final reports are written */
	r->active = nl_xrealloc(r->active, (r->n_active + 1) * sizeof *r->active);
	r->active[r->n_active++] = nl_xstrdup(c->id);
	if (nl_now() >= c->due + r->t->cfg.report_after) {
		r->closed = nl_xrealloc(r->closed, (r->n_closed + 1) * sizeof *r->closed);
		r->closed[r->n_closed++] = nl_xstrdup(c->id);
	}
	return true;
}

static int run_write_report(struct tool *t, const char *id, const char *format)
{
	char *path = nl_xasprintf("%s/%s.%s", t->cfg.reports, id, format);
	int code = run_command(t, cmd_report,
	                       (const char *const[]){"report", "--campaign", id, "--format", format, "-o", path, NULL});
	tool_log(t, "run: wrote %s", path);
	free(path);
	return code;
}

/* Steps 3 and 4: reports of the active campaigns; the closing report once. */
static void run_reports(struct tool *t, struct nl_store *store, int *worst)
{
	struct nl_error err = {0};
	struct run_reports r = {.t = t};
	if (nl_store_campaign_each(store, run_pick_campaign, &r, &err) != NL_OK) {
		run_note(worst, tool_report_error(&err));
		return;
	}
	if (r.n_active && nl_mkdirs(t->cfg.reports, &err) != NL_OK) {
		run_note(worst, tool_report_error(&err));
		goto out;
	}
	for (size_t i = 0; i < r.n_active; i++) {
		run_note(worst, run_write_report(t, r.active[i], "html"));
		run_note(worst, run_write_report(t, r.active[i], "json"));
	}
	for (size_t i = 0; i < r.n_closed; i++) {
		int code = 0;
		if (t->cfg.report_to) {
			code = run_command(t, cmd_report,
			                   (const char *const[]){"report", "--campaign", r.closed[i], "--mail",
			                                         t->cfg.report_to, NULL});
			tool_log(t, "run: closing report of %s mailed to %s", r.closed[i], t->cfg.report_to);
		}
		run_note(worst, code);
		/* marked only once it went out, so a failed mail is tried again by the next run */
		if (code == 0 &&
		    nl_store_campaign_set_report_mailed(store, r.closed[i], nl_now(), &err) != NL_OK)
			run_note(worst, tool_report_error(&err));
	}
out:
	for (size_t i = 0; i < r.n_active; i++)
		free(r.active[i]);
	for (size_t i = 0; i < r.n_closed; i++)
		free(r.closed[i]);
	free(r.active);
	free(r.closed);
}

/* Another process holds the lock.  Overlapping cron runs are normal (a long send): exit 0 quietly.
 * One that has held it longer than stale_lock may be hung, and then nothing sends or collects until
 * it ends: say so once for that holder (the marker file remembers which) and exit 75, so cron mails
 * it rather than every later run passing in silence. */
static int run_locked(struct tool *t, const char *lock_path, const char *marker,
                      const struct nl_lock_holder *h)
{
	time_t now = time(NULL);
	if (!h->since || now - h->since < t->cfg.stale_lock) {
		tool_log(t, "run: another run holds %s; nothing to do", lock_path);
		return 0;
	}
	char rec[64], seen[64] = "";
	snprintf(rec, sizeof rec, "%ld %lld\n", (long)h->pid, (long long)h->since);
	int fd = open(marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		ssize_t n = read(fd, seen, sizeof seen - 1);
		seen[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strcmp(rec, seen) == 0) {
		tool_log(t, "run: %s is still held by pid %ld (reported already)", lock_path, (long)h->pid);
		return EXIT_TEMPFAIL;
	}
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (write(fd, rec, strlen(rec)) < 0) {
			/* then the next run reports it again: noisy, not silent */
		}
		close(fd);
	}
	char since[32];
	struct tm tm;
	gmtime_r(&h->since, &tm);
	strftime(since, sizeof since, "%Y-%m-%d %H:%M UTC", &tm);
	tool_warn("run: %s (pid %ld) has held %s since %s, %.1f hours, longer than stale_lock: it may be "
	          "hung, and nothing sends or collects until it ends; see what it is doing, and stop it "
	          "if it is stuck (kill %ld)",
	          h->what[0] ? h->what : "a mailer", (long)h->pid, lock_path, since,
	          (double)(now - h->since) / 3600.0, (long)h->pid);
	return EXIT_TEMPFAIL;
}

int cmd_run(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(run_help, stdout);
		return 0;
	}
	if (argc > 1)
		return tool_usage_error("run", "unexpected argument '%s'", argv[1]);
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	struct nl_error err = {0};
	char *lock_path = nl_lock_path(t->cfg.state);
	char *marker = nl_xasprintf("%s.reported", lock_path);
	struct nl_lock *lock = NULL;
	struct nl_lock_holder holder;
	struct nl_store *store = NULL;
	int worst = 0;
	enum nl_code rc = nl_lock_state(t->cfg.state, "run", &lock, &holder, &err);
	if (rc == NL_ERR_LOCKED) {
		worst = run_locked(t, lock_path, marker, &holder);
		goto out;
	}
	if (rc != NL_OK || nl_store_open(t->cfg.state, &store, &err) != NL_OK) {
		worst = tool_report_error(&err);
		goto out;
	}
	unlink(marker); /* a hung holder reported earlier is gone */
	t->lock_held = true;
	tool_log(t, "run: started");
	run_send_due(t, store, &worst);
	run_collect(t, &worst);
	run_reports(t, store, &worst);
	tool_log(t, "run: finished, exit %d", worst);
out:
	t->lock_held = false;
	nl_store_close(store);
	nl_lock_release(lock);
	free(marker);
	free(lock_path);
	return worst;
}
