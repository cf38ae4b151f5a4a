/* tool.c - messages, exit codes and the configuration for the commands. */
#include "tool.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store.h"
#include "util.h"

bool tool_load_config(struct tool *t)
{
	if (t->cfg_loaded)
		return true;
	struct nl_error err = {0};
	if (nl_config_load(&t->cfg, t->config_path, t->config_given, &err) != NL_OK) {
		tool_report_error(&err);
		nl_config_free(&t->cfg); /* the defaults and whatever was read before the bad line */
		return false;
	}
	t->cfg_loaded = true;
	return true;
}

int tool_exit_code(enum nl_code code)
{
	switch (code) {
	case NL_OK:
		return 0;
	case NL_ERR_USAGE:
		return EXIT_USAGE;
	case NL_ERR_CONFIG:
		return EXIT_CONFIG;
	case NL_ERR_ARTICLE:
	case NL_ERR_TEMPLATE:
	case NL_ERR_SUBSCRIBER:
	case NL_ERR_LIST:
	case NL_ERR_MESSAGE:
	case NL_ERR_LIMIT:
		return EXIT_DATAERR;
	case NL_ERR_NOT_FOUND:
		return EXIT_NOINPUT;
	case NL_ERR_SMTP_TEMP:
	case NL_ERR_SMTP_UNKNOWN:
	case NL_ERR_LOCKED:
		return EXIT_TEMPFAIL;
	case NL_ERR_SMTP_CONNECT:
	case NL_ERR_INBOX:
		return EXIT_UNAVAILABLE;
	case NL_ERR_TLS:
	case NL_ERR_AUTH:
		return EXIT_CONFIG;
	case NL_ERR_SMTP_PERM:
		return EXIT_DATAERR;
	case NL_ERR_IO:
	case NL_ERR_STATE:
		return EXIT_IOERR;
	case NL_ERR_INTERNAL:
		return EXIT_SOFTWARE;
	}
	return EXIT_SOFTWARE;
}

int tool_report_error(const struct nl_error *err)
{
	fprintf(stderr, "mailer: %s\n", err->detail[0] ? err->detail : nl_strerror(err->code));
	return tool_exit_code(err->code);
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mailer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void tool_log(const struct tool *t, const char *fmt, ...)
{
	if (!t->verbose)
		return;
	char stamp[32];
	nl_format_iso8601(time(NULL), stamp);
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s ", stamp);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int tool_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mailer %s: ", command);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "; see 'mailer %s --help'\n", command);
	va_end(ap);
	return EXIT_USAGE;
}

bool tool_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

enum nl_code tool_open_existing_state(const struct tool *t, struct nl_store **store, struct nl_error *err)
{
	*store = NULL;
	struct stat st;
	if (!t->cfg.state || stat(t->cfg.state, &st) != 0)
		return nl_fail(err, NL_ERR_NOT_FOUND, "no state database at %s: nothing has been sent yet",
		               t->cfg.state ? t->cfg.state : "(unset)");
	return nl_store_open(t->cfg.state, store, err);
}
