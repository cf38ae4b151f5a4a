/* tool.h - what the commands of the `mailer` tool share: global options, the configuration,
 * messages and exit codes (sysexits).  The library never prints; the tool does, here.
 */
#ifndef MAILER_TOOL_H
#define MAILER_TOOL_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "error.h"

/* sysexits(3) values, spelled out so no header is needed. */
enum {
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NOINPUT = 66,
	EXIT_NOUSER = 67, /* `settle`: the address has no delivery in the campaign */
	EXIT_UNAVAILABLE = 69,
	EXIT_SOFTWARE = 70,
	EXIT_CANTCREAT = 73,
	EXIT_IOERR = 74,
	EXIT_TEMPFAIL = 75,
	EXIT_CONFIG = 78,
};

struct tool {
	const char *config_path; /* -c FILE, default "mailer.conf" */
	bool config_given;       /* -c was used: the file must exist */
	bool verbose;            /* -v: a timestamped log on stderr */
	bool quiet;              /* -q: only errors */
	bool tty;                /* stdout is a terminal: progress lines */
	bool lock_held;          /* `run` holds the run lock: send and collect must not take it again */
	struct nl_config cfg;    /* loaded by tool_load_config() */
	bool cfg_loaded;
};

/* Loads the configuration once; prints the error and returns false on failure. */
bool tool_load_config(struct tool *t);

struct nl_store;
/* Opens the configured state, never creating one (report, settle, export, forget only read or
 * change what is there): NL_ERR_NOT_FOUND, saying nothing has been sent yet, when it does not exist. */
NL_MUST_USE enum nl_code tool_open_existing_state(const struct tool *t, struct nl_store **store,
                                                  struct nl_error *err);

/* The exit code for a library error code. */
int tool_exit_code(enum nl_code code);

/* "mailer: <detail or strerror>" on stderr; returns tool_exit_code(err->code). */
int tool_report_error(const struct nl_error *err);
/* "mailer: <printf>" on stderr. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With -v: "YYYY-MM-DDTHH:MM:SSZ <printf>" on stderr; otherwise nothing. */
void tool_log(const struct tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One usage line on stderr ("mailer send: <printf>; see mailer send --help"); returns EXIT_USAGE. */
int tool_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if argv[i] is "--help" or "-h" for any i in 1..argc-1. */
bool tool_wants_help(int argc, char **argv);


/* Each command: argv[0] is the command name; returns the exit code. */
int cmd_preview(struct tool *t, int argc, char **argv);
int cmd_send(struct tool *t, int argc, char **argv);
int cmd_collect(struct tool *t, int argc, char **argv);
int cmd_report(struct tool *t, int argc, char **argv);
int cmd_run(struct tool *t, int argc, char **argv);
int cmd_status(struct tool *t, int argc, char **argv);
int cmd_settle(struct tool *t, int argc, char **argv);
int cmd_inspect(struct tool *t, int argc, char **argv);
int cmd_export(struct tool *t, int argc, char **argv);
int cmd_forget(struct tool *t, int argc, char **argv);

#endif
