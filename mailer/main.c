/* main.c - `mailer [-c FILE] [-v|-q] [--now TIME] COMMAND [options]`: global options, then
 * dispatch to cmd_*.  Exit codes follow sysexits (README: Exit codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"
#include "util.h"

static const struct {
	const char *name;
	int (*run)(struct tool *, int, char **);
	const char *summary;
} main_commands[] = {
    {"send", cmd_send, "compose and send an article to every subscriber"},
    {"preview", cmd_preview, "write one subscriber's message as .eml and .html"},
    {"collect", cmd_collect, "read replies, bounces and unsubscribes from the inbox"},
    {"report", cmd_report, "tally the survey answers of a campaign"},
    {"run", cmd_run, "what cron runs: send what is due, retry, collect, write reports"},
    {"status", cmd_status, "campaigns, suppressions, the next due article, the lock"},
    {"settle", cmd_settle, "record an answer read by a person, or confirm the likely ones"},
    {"inspect", cmd_inspect, "show what collect would make of messages, changing nothing"},
    {"export", cmd_export, "print everything the state holds about one address, as JSON"},
    {"forget", cmd_forget, "erase one address from the state, keeping only a keyed hash"},
};

static void main_usage(FILE *out)
{
	fprintf(out, "usage: mailer [-c FILE] [-v | -q] COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++)
		fprintf(out, "  %-8s %s\n", main_commands[i].name, main_commands[i].summary);
	fprintf(out, "\noptions:\n"
	             "  -c FILE     configuration file (default mailer.conf)\n"
	             "  -v          log each step with a timestamp on stderr\n"
	             "  -q          print only errors\n"
	             "  --now TIME  pretend the time is TIME (ISO 8601); for tests only\n"
	             "\n'mailer COMMAND --help' describes each command.\n");
}

/* The clock can be pinned for tests only: --now, or MAILER_NOW in the environment. */
static bool main_pin_clock(const char *value)
{
	time_t t;
	if (!nl_parse_iso8601(value, &t))
		return false;
	nl_now_set(t);
	return true;
}

int main(int argc, char **argv)
{
	/* Passwords (the configuration's, password_cmd's, the environment's) and the state's secret
	 * pass through this process: no core dump, and no other process of the same user may read
	 * its memory or environment (/proc/PID/mem, environ become root's). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Everything mailer creates holds subscribers' data or the token secret (the state, its
	 * journal and lock, reports, previews, the outbox): no one but the owner may read it, whatever
	 * the umask (SQLite makes the journals with the state's own mode). */
	umask(umask(0) | 077);
	struct tool t = {.config_path = "mailer.conf", .tty = isatty(STDOUT_FILENO)};
	int i = 1;
	const char *now = getenv("MAILER_NOW");
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 && i + 1 < argc) {
			t.config_path = argv[++i];
			t.config_given = true;
		} else if (strcmp(a, "-v") == 0) {
			t.verbose = true;
		} else if (strcmp(a, "-q") == 0) {
			t.quiet = true;
		} else if (strcmp(a, "--now") == 0 && i + 1 < argc) {
			now = argv[++i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			main_usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			puts("mailer 0.1.0");
			return 0;
		} else {
			fprintf(stderr, "mailer: unknown option '%s'; see 'mailer --help'\n", a);
			return EXIT_USAGE;
		}
	}
	if (now && *now && !main_pin_clock(now)) {
		fprintf(stderr, "mailer: --now/MAILER_NOW '%s' is not an ISO 8601 time\n", now);
		return EXIT_USAGE;
	}
	if (i >= argc) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	int rc = -1;
	for (size_t c = 0; c < sizeof main_commands / sizeof main_commands[0]; c++)
		if (strcmp(argv[i], main_commands[c].name) == 0)
			rc = main_commands[c].run(&t, argc - i, argv + i);
	if (rc < 0) {
		fprintf(stderr, "mailer: unknown command '%s'; see 'mailer --help'\n", argv[i]);
		rc = EXIT_USAGE;
	}
	if (t.cfg_loaded)
		nl_config_free(&t.cfg);
	return rc;
}
