/* cmd_person.c - a subscriber's requests (issue 16): `mailer export EMAIL` prints everything the
 * state holds about an address as JSON; `mailer forget EMAIL` erases it, keeping only a keyed
 * hash that stops the address being mailed again (store.h: nl_store_forget). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "lock.h"
#include "report.h"
#include "store.h"
#include "tool.h"
#include "util.h"

static const char export_help[] =
    "usage: mailer export EMAIL\n"
    "\n"
    "Prints, as JSON, everything the state holds about EMAIL (case-insensitive): its deliveries\n"
    "(campaign, state, attempts, the server's reply, times), the messages it sent (when they came,\n"
    "what they were, their own words), its answers (value, level, settled by hand or not), bounces\n"
    "and suppression.  Times are ISO 8601 UTC.  Exit 66 when the state holds nothing about it.\n";

static const char forget_help[] =
    "usage: mailer forget EMAIL [--allow-resubscribe]\n"
    "\n"
    "Erases EMAIL from the state in one transaction: its deliveries, answers, bounces and\n"
    "suppression, and every field of the messages it sent that names or quotes it (what they were\n"
    "and their content hash stay, so collecting them again does not bring it back).  Only a\n"
    "keyed hash of the address is kept, as a suppression, so a list that still holds it is not\n"
    "mailed again by accident; --allow-resubscribe drops that too.  Reports made afterwards no\n"
    "longer show the address.  Says what it removed; a second run says there is nothing left.\n";

/* EMAIL [--allow-resubscribe]; *email gets the address. */
static int person_parse(const char *command, int argc, char **argv, bool allow_flag, const char **email,
                        bool *allow)
{
	*email = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (allow_flag && strcmp(a, "--allow-resubscribe") == 0)
			*allow = true;
		else if (a[0] == '-' && a[1] != '\0')
			return tool_usage_error(command, "unknown option '%s'", a);
		else if (*email)
			return tool_usage_error(command, "too many arguments ('%s')", a);
		else
			*email = a;
	}
	if (!*email)
		return tool_usage_error(command, "give the EMAIL");
	const char *reason = NULL;
	if (!nl_address_valid(*email, &reason))
		return tool_usage_error(command, "'%s' is not an address: %s", *email, reason);
	return 0;
}

/* The parts of the JSON, in the order nl_store_person_each gives their rows; "suppression" is
 * one object (or null), the others lists. */
static const char *const export_tables[] = {"deliveries", "replies", "answers", "bounces", "suppression"};
#define EXPORT_TABLES (sizeof export_tables / sizeof *export_tables)

struct export_ctx {
	struct nl_buf *out;
	size_t open;     /* the part being written; EXPORT_TABLES before the first */
	size_t in_table; /* rows written in it */
};

static bool export_is_time(const char *column)
{
	static const char *const times[] = {"updated", "next_attempt", "received", "answered", "at"};
	for (size_t i = 0; i < sizeof times / sizeof *times; i++)
		if (strcmp(column, times[i]) == 0)
			return true;
	return false;
}

/* A value as JSON: times as ISO 8601 (0: null), states, classes and matches by name, other
 * integers as numbers, text as strings. */
static void export_value(struct nl_buf *b, const char *table, const char *column, const char *v, bool is_int)
{
	if (!v || !is_int) {
		nl_report_put_json_or_null(b, v);
		return;
	}
	long long n = strtoll(v, NULL, 10);
	const char *name = NULL;
	if (export_is_time(column)) {
		char iso[32];
		nl_format_iso8601((time_t)n, iso);
		nl_report_put_json_or_null(b, n ? iso : NULL);
		return;
	}
	if (strcmp(column, "state") == 0)
		name = nl_delivery_state_name((enum nl_delivery_state)n);
	else if (strcmp(column, "class") == 0)
		name = nl_inbound_class_name((enum nl_inbound_class)n);
	else if (strcmp(column, "reason") == 0 && strcmp(table, "suppression") == 0)
		name = nl_suppress_reason_name((enum nl_suppress_reason)n);
	else if (strcmp(column, "match") == 0)
		name = n == NL_MATCH_TOKEN ? "token" : n == NL_MATCH_FROM ? "from" : "none";
	if (name)
		nl_report_put_json_or_null(b, name);
	else
		nl_buf_printf(b, "%lld", n);
}

static bool export_is_object(size_t table)
{
	return strcmp(export_tables[table], "suppression") == 0;
}

/* Ends the open part and opens the next ones up to `want` (those between stay empty). */
static void export_advance(struct export_ctx *c, size_t want)
{
	while (c->open == EXPORT_TABLES || c->open < want) {
		if (c->open != EXPORT_TABLES)
			nl_buf_puts(c->out, export_is_object(c->open) ? (c->in_table ? "" : "null")
			                                              : (c->in_table ? "\n  ]" : "]"));
		c->open = c->open == EXPORT_TABLES ? 0 : c->open + 1;
		c->in_table = 0;
		if (c->open == EXPORT_TABLES)
			return;
		nl_buf_printf(c->out, ",\n  \"%s\": %s", export_tables[c->open],
		              export_is_object(c->open) ? "" : "[");
	}
}

static void export_row(const struct nl_person_row *row, void *ud)
{
	struct export_ctx *c = ud;
	size_t t = 0;
	while (t < EXPORT_TABLES && strcmp(export_tables[t], row->table) != 0)
		t++;
	if (t == EXPORT_TABLES)
		return;
	export_advance(c, t);
	if (export_is_object(t) && c->in_table)
		return; /* the address's own suppression; its keyed hash besides adds nothing */
	nl_buf_puts(c->out, export_is_object(t) ? "{" : c->in_table ? ",\n    {" : "\n    {");
	for (size_t i = 0; i < row->n; i++) {
		nl_buf_printf(c->out, "%s\"%s\": ", i ? ", " : "", row->names[i]);
		export_value(c->out, row->table, row->names[i], row->values[i], row->is_int[i]);
	}
	nl_buf_puts(c->out, "}");
	c->in_table++;
}

int cmd_export(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(export_help, stdout);
		return 0;
	}
	const char *email = NULL;
	bool unused = false;
	int code = person_parse("export", argc, argv, false, &email, &unused);
	if (code != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct nl_buf out = NL_BUF_INIT;
	long rows = 0;
	if (tool_open_existing_state(t, &store, &err) != NL_OK) {
		code = tool_report_error(&err);
		goto out;
	}
	nl_buf_puts(&out, "{\n  \"email\": ");
	nl_report_put_json_or_null(&out, email);
	struct export_ctx c = {&out, EXPORT_TABLES, 0};
	if (nl_store_person_each(store, email, export_row, &c, &rows, &err) != NL_OK) {
		code = tool_report_error(&err);
		goto out;
	}
	if (rows == 0) {
		tool_warn("export: the state holds nothing about %s", email);
		code = EXIT_NOINPUT;
		goto out;
	}
	export_advance(&c, EXPORT_TABLES - 1);
	nl_buf_puts(&out,
	            export_is_object(c.open) ? (c.in_table ? "" : "null") : (c.in_table ? "\n  ]" : "]"));
	nl_buf_puts(&out, "\n}\n");
	fwrite(out.data, 1, out.len, stdout);
	if (fflush(stdout) != 0) {
		tool_warn("export: standard output: write failed");
		code = EXIT_IOERR;
	}
out:
	nl_buf_free(&out);
	nl_store_close(store);
	return code;
}

int cmd_forget(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(forget_help, stdout);
		return 0;
	}
	const char *email = NULL;
	bool allow = false;
	int code = person_parse("forget", argc, argv, true, &email, &allow);
	if (code != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	struct nl_error err = {0};
	struct nl_lock *lock = NULL;
	struct nl_store *store = NULL;
	struct nl_forgotten f;
	if ((!t->lock_held && nl_lock_state(t->cfg.state, "forget", &lock, NULL, &err) != NL_OK) ||
	    tool_open_existing_state(t, &store, &err) != NL_OK || nl_store_forget(store, email, allow, &f, &err) != NL_OK) {
		code = tool_report_error(&err);
		goto out;
	}
	long total = f.deliveries + f.replies + f.answers + f.bounces + f.suppressions;
	if (total == 0) {
		printf("forget: nothing left about %s%s\n", email,
		       f.hash_kept ? " (only the keyed hash that keeps it from being mailed)" : "");
	} else {
		printf("forget: %s erased: %ld deliveries, %ld messages cleared, %ld answers, %ld bounces, "
		       "%ld suppressions; %s\n",
		       email, f.deliveries, f.replies, f.answers, f.bounces, f.suppressions,
		       f.hash_kept ? "a keyed hash of the address is kept so that it is not mailed again"
		                   : "nothing kept: a list that holds it will mail it again");
	}
	if (fflush(stdout) != 0)
		code = EXIT_IOERR;
out:
	nl_store_close(store);
	nl_lock_release(lock);
	return code;
}
