/* cmd_report.c - `mailer report [--campaign ID | --all] [--format FORMAT] [-o FILE] [--mail ADDRESS]`:
 * tally a campaign (the latest by default) and write its report; or mail it to the publisher, the
 * HTML version with the text version as its alternative, through the configured transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "report.h"
#include "store.h"
#include "tally.h"
#include "tool.h"
#include "transport.h"
#include "util.h"

static const char report_help[] =
    "usage: mailer report [--campaign ID | --all] [--format FORMAT] [-o FILE] [--mail ADDRESS]\n"
    "\n"
    "Tallies the survey answers of a campaign and writes the report: the follow-up list (who said\n"
    "yes to a follow-up question, then who asked to be contacted in their own words), delivery and\n"
    "reply figures, each question's results, the first choice question crossed with the scale\n"
    "question, the answers that need a person to read them, and every reply's own words (those that\n"
    "need a look first).\n"
    "\n"
    "  --campaign ID   the campaign (default: the latest one; 'mailer status' lists them)\n"
    "  --all           every campaign, each question's results side by side\n"
    "  --format F      text (default), md, html, csv (one row per respondent), csv-replies (one\n"
    "                  row per reply) or json\n"
    "  -o FILE         write to FILE (atomically) instead of standard output\n"
    "  --mail ADDRESS  send the report to ADDRESS through the configured [smtp] transport, as HTML\n"
    "                  with the text version as its alternative; with --mail the report is also\n"
    "                  written out only when --format or -o is given\n"
    "\n"
    "A respondent is a person with at least one readable answer; the response rate is respondents\n"
    "divided by delivered (sent) messages.  Replies from strangers are counted, never tallied.\n";

struct report_opts {
	const char *campaign;
	bool all;
	bool format_given;
	enum nl_report_format format;
	const char *output;
	const char *mail;
};

static int report_parse(int argc, char **argv, struct report_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		bool takes = strcmp(a, "--campaign") == 0 || strcmp(a, "--format") == 0 ||
		             strcmp(a, "-o") == 0 || strcmp(a, "--mail") == 0;
		if (takes) {
			if (i + 1 >= argc)
				return tool_usage_error("report", "%s needs a value", a);
			v = argv[++i];
		}
		if (strcmp(a, "--campaign") == 0) {
			o->campaign = v;
		} else if (strcmp(a, "--all") == 0) {
			o->all = true;
		} else if (strcmp(a, "--format") == 0) {
			if (!nl_report_format_parse(v, &o->format))
				return tool_usage_error(
				    "report",
				    "unknown format '%s' (text, md, html, csv, csv-replies or json)", v);
			o->format_given = true;
		} else if (strcmp(a, "-o") == 0) {
			o->output = v;
		} else if (strcmp(a, "--mail") == 0) {
			const char *reason = NULL;
			if (!nl_address_valid(v, &reason))
				return tool_usage_error("report", "--mail '%s' is not an address: %s", v,
				                        reason);
			o->mail = v;
		} else {
			return tool_usage_error("report", "unknown argument '%s'", a);
		}
	}
	if (o->all && o->campaign)
		return tool_usage_error("report", "--campaign and --all exclude each other");
	return 0;
}

static void report_render(struct nl_tally *const *t, size_t n, bool all, enum nl_report_format f,
                          struct nl_buf *b)
{
	if (all)
		nl_report_write_all(t, n, f, b);
	else
		nl_report_write(t[0], f, b);
}

/* Sends one message and waits for its outcome; the wait is bounded by the transport's timeout. */
static enum nl_code report_send(struct tool *t, const char *from, const char *to, struct nl_buf *msg,
                                struct nl_error *err)
{
	char *password = NULL;
	struct nl_transport *tp = NULL;
	enum nl_code rc = nl_transport_password(&t->cfg, &password, err);
	if (rc != NL_OK)
		goto out;
	struct nl_transport_options opt = {
	    .url = t->cfg.smtp_url,
	    .user = t->cfg.smtp_user,
	    .password = password,
	    .starttls = t->cfg.smtp_starttls,
	    .ca_file = t->cfg.smtp_ca_file,
	    .insecure = t->cfg.smtp_insecure,
	    .connections = 1,
	    .timeout = t->cfg.smtp_timeout,
	};
	if ((rc = nl_transport_open(&opt, &tp, err)) != NL_OK)
		goto out;
	if ((rc = nl_transport_submit(tp, from, to, msg, NULL, err)) != NL_OK)
		goto out;
	/* each SMTP step has the timeout; a whole transaction has a handful of them */
	long step = t->cfg.smtp_timeout > 0 ? t->cfg.smtp_timeout : 60;
	time_t deadline = time(NULL) + 8 * step + 10;
	struct nl_transport_result res;
	size_t got = 0;
	while (got == 0) {
		if (time(NULL) > deadline) {
			rc = nl_fail(err, NL_ERR_SMTP_TEMP, "report mail to %s: no outcome after %ld s", to,
			             (long)(8 * step + 10));
			goto out;
		}
		if ((rc = nl_transport_wait(tp, 1000, &res, 1, &got, err)) != NL_OK)
			goto out;
	}
	if (res.code != NL_OK) {
		rc = nl_fail(err, res.code, "report mail to %s: %s", to, res.reply);
		goto out;
	}
	tool_log(t, "report mailed to %s: %s", to, res.reply);
out:
	nl_transport_close(tp);
	nl_transport_password_free(password);
	return rc;
}

static enum nl_code report_mail(struct tool *t, struct nl_tally *const *list, size_t n, bool all,
                                const char *to, struct nl_error *err)
{
	struct nl_buf msg = NL_BUF_INIT;
	char *name = NULL, *addr = NULL;
	enum nl_code rc;
	if (!t->cfg.from || !*t->cfg.from) {
		rc = nl_fail(err, NL_ERR_CONFIG, "--mail needs [newsletter] from in %s",
		             t->cfg.path ? t->cfg.path : "the configuration");
		goto out;
	}
	if ((rc = nl_address_parse_mailbox(t->cfg.from, &name, &addr, err)) != NL_OK)
		goto out;
	if ((rc = nl_report_mail_message(list, n, all, name, addr, to, &msg, err)) != NL_OK)
		goto out;
	rc = report_send(t, addr, to, &msg, err);
out:
	nl_buf_free(&msg);
	free(name);
	free(addr);
	return rc;
}

static enum nl_code report_output(const struct report_opts *o, const struct nl_buf *b, struct nl_error *err)
{
	if (o->output)
		return nl_write_file_atomic(o->output, b->data ? b->data : "", b->len, err);
	if (fwrite(b->data ? b->data : "", 1, b->len, stdout) != b->len || fflush(stdout) != 0)
		return nl_fail(err, NL_ERR_IO, "standard output: write failed");
	return NL_OK;
}

int cmd_report(struct tool *t, int argc, char **argv)
{
	struct report_opts o = {.format = NL_REPORT_TEXT};
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct nl_tally **list = NULL;
	struct nl_tally *one = NULL;
	struct nl_buf out = NL_BUF_INIT;
	size_t n = 0;
	enum nl_code rc = NL_OK;
	int code;

	if (tool_wants_help(argc, argv)) {
		fputs(report_help, stdout);
		return 0;
	}
	if ((code = report_parse(argc, argv, &o)) != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;
	if ((rc = tool_open_existing_state(t, &store, &err)) != NL_OK) /* a report never creates it */
		goto out;
	if (o.all) {
		if ((rc = nl_tally_all(store, &list, &n, &err)) != NL_OK)
			goto out;
	} else {
		if ((rc = nl_tally_campaign(store, o.campaign, &one, &err)) != NL_OK)
			goto out;
		list = &one;
		n = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (list[i]->note && !t->quiet)
			tool_warn("%s: %s", list[i]->campaign, list[i]->note);
	tool_log(t, "tallied %zu campaign%s", n, n == 1 ? "" : "s");
	if (!o.mail || o.format_given || o.output) {
		report_render(list, n, o.all, o.format, &out);
		if ((rc = report_output(&o, &out, &err)) != NL_OK)
			goto out;
	}
	if (o.mail)
		rc = report_mail(t, list, n, o.all, o.mail, &err);
out:
	code = rc == NL_OK ? 0 : tool_report_error(&err);
	nl_buf_free(&out);
	if (o.all)
		nl_tally_free_all(list, n);
	nl_tally_free(one);
	nl_store_close(store);
	return code;
}
