/* cmd_settle.c - `mailer settle EMAIL QUESTION VALUE [--campaign ID]` and `mailer settle --confirm
 * EMAIL [--campaign ID]`: the coach settles what the machine could not read (issue 12).
 *
 * The first form records an answer a person read, validated against the campaign's survey exactly
 * like an answer read from a reply (nl_answers_read_value), tallied, and marked "settled by hand".
 * The second accepts that person's likely readings (nl_store_answer_confirm).  A settled answer is
 * stored with answered = now (or just after the answer it replaces, if that one is dated later), so
 * a later reply from the same person still overrides it, question by question.  Exit codes: 64
 * usage, 65 no such question / a value the question does not take / a campaign without a survey,
 * 66 no state or no such campaign, 67 no delivery to that address in the campaign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "answers.h"
#include "campaign_survey.h"
#include "store.h"
#include "survey.h"
#include "tool.h"
#include "util.h"

static const char settle_help[] =
    "usage: mailer settle EMAIL QUESTION VALUE [--campaign ID]\n"
    "       mailer settle --confirm EMAIL [--campaign ID]\n"
    "\n"
    "Records an answer that a person read in a reply the machine could not read with certainty\n"
    "(mailer report lists those under Replies).  QUESTION is the question's id or its number\n"
    "(1 for the first question); VALUE is checked like any answer: an option or one of its aliases\n"
    "for a choice question, a whole number in range for a scale, yes or no, or any text.  The\n"
    "answer is tallied and marked \"settled by hand\" in every report, beside the sentence it was\n"
    "read from; a later reply from the same person still overrides it, question by question.\n"
    "\n"
    "With --confirm, accepts every likely reading of that person's replies in the campaign (the\n"
    "proposed values the report shows) as sure answers.\n"
    "\n"
    "options:\n"
    "  --campaign ID  the campaign (default: the latest one; 'mailer status' lists them)\n"
    "  --confirm      accept the likely readings instead of giving a value\n"
    "\n"
    "Exit status: 65 when the question does not exist or does not take that value (the message\n"
    "says what it takes), 66 when there is no such campaign, 67 when nothing was sent to EMAIL\n"
    "in the campaign.\n";

struct settle_opts {
	const char *campaign;
	bool confirm;
	const char *args[3]; /* EMAIL QUESTION VALUE */
	int n_args;
};

static int settle_parse(int argc, char **argv, struct settle_opts *o)
{
	bool options_end = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!options_end && strcmp(a, "--") == 0) {
			options_end = true;
		} else if (!options_end && strcmp(a, "--campaign") == 0) {
			if (i + 1 >= argc)
				return tool_usage_error("settle", "--campaign needs a value");
			o->campaign = argv[++i];
		} else if (!options_end && strcmp(a, "--confirm") == 0) {
			o->confirm = true;
		} else if (!options_end && a[0] == '-' && a[1] != '\0') {
			return tool_usage_error("settle", "unknown option '%s'", a);
		} else {
			if (o->n_args == 3)
				return tool_usage_error("settle", "too many arguments ('%s')", a);
			o->args[o->n_args++] = a;
		}
	}
	if (o->confirm && o->n_args != 1)
		return tool_usage_error("settle", "--confirm takes one EMAIL and no question or value");
	if (!o->confirm && o->n_args != 3)
		return tool_usage_error("settle", "give EMAIL QUESTION VALUE, or --confirm EMAIL");
	const char *reason = NULL;
	if (!nl_address_valid(o->args[0], &reason))
		return tool_usage_error("settle", "'%s' is not an address: %s", o->args[0], reason);
	if (!o->confirm && o->args[2][0] == '\0')
		return tool_usage_error("settle", "VALUE is empty");
	return 0;
}

/* The question `q` names: its id first, else its 1-based number.  Returns false if neither. */
static bool settle_question(const struct nl_survey *s, const char *q, size_t *out)
{
	const struct nl_question *byid = nl_survey_find(s, q);
	if (byid) {
		*out = (size_t)(byid - s->questions);
		return true;
	}
	char *end = NULL;
	long n = *q >= '0' && *q <= '9' ? strtol(q, &end, 10) : 0;
	if (end && *end == '\0' && n >= 1 && (size_t)n <= s->n_questions) {
		*out = (size_t)n - 1;
		return true;
	}
	return false;
}

/* "1 work, 2 satisfaction, 3 consult" */
static void settle_list_questions(const struct nl_survey *s, struct nl_buf *b)
{
	for (size_t i = 0; i < s->n_questions; i++)
		nl_buf_printf(b, "%s%zu %s", i ? ", " : "", i + 1, s->questions[i].id);
}

/* What a question takes, as a phrase after "it takes ". */
static void settle_accepts(const struct nl_question *q, struct nl_buf *b)
{
	switch (q->type) {
	case NL_Q_CHOICE:
		nl_buf_puts(b, "one of ");
		for (size_t i = 0; i < q->n_options; i++) {
			if (i > 0)
				nl_buf_puts(b, i + 1 == q->n_options ? " or " : ", ");
			nl_buf_printf(b, "'%s'", q->options[i]);
		}
		if (q->n_aliases)
			nl_buf_puts(b, " (or one of their aliases)");
		break;
	case NL_Q_SCALE:
		nl_buf_printf(b, "a whole number from %d to %d", q->min, q->max);
		break;
	case NL_Q_YESNO:
		nl_buf_puts(b, "yes or no");
		break;
	case NL_Q_TEXT:
		nl_buf_puts(b, "any text that is not empty");
		break;
	}
}

/* The answer stored before: the sentence it was read from (the coach settles what was read there,
 * and the report keeps showing it as the evidence) and its time (a reply dated a little in the
 * future must not make the settled answer lose against it). */
struct settle_prior {
	const char *email;
	const char *question;
	char *raw; /* owned */
	time_t answered;
};

static bool settle_prior_each(const struct nl_stored_answer *a, void *ud)
{
	struct settle_prior *p = ud;
	if (strcmp(a->question, p->question) != 0 || nl_ascii_casecmp(a->email, p->email) != 0)
		return true;
	if (a->raw && *a->raw) {
		free(p->raw);
		p->raw = nl_xstrdup(a->raw);
	}
	p->answered = a->answered;
	return false;
}

int cmd_settle(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(settle_help, stdout);
		return 0;
	}
	struct settle_opts o = {0};
	int code = settle_parse(argc, argv, &o);
	if (code != 0)
		return code;
	if (!tool_load_config(t))
		return EXIT_CONFIG;

	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct nl_campaign c = {0};
	struct nl_delivery d = {0};
	struct nl_survey *survey = NULL;
	struct nl_answer ans = {0};
	struct nl_buf msg = NL_BUF_INIT;
	const char *email = o.args[0];
	code = 0;

	if (tool_open_existing_state(t, &store, &err) != NL_OK)
		goto fail;
	enum nl_code rc = o.campaign ? nl_store_campaign_get(store, o.campaign, &c, &err)
	                             : nl_store_campaign_latest(store, &c, &err);
	if (rc == NL_ERR_NOT_FOUND) {
		if (o.campaign)
			nl_fail(&err, NL_ERR_NOT_FOUND, "no campaign '%s' ('mailer status' lists them)",
			        o.campaign);
		else
			nl_fail(&err, NL_ERR_NOT_FOUND, "no campaign yet: nothing has been sent");
	}
	if (rc != NL_OK)
		goto fail;
	if (nl_store_delivery_get(store, c.id, email, &d, &err) != NL_OK)
		goto fail;
	if (d.state == NL_DELIVERY_NONE) {
		tool_warn("settle: nothing was sent to %s in campaign %s", email, c.id);
		code = EXIT_NOUSER;
		goto out;
	}

	if (o.confirm) {
		long n = 0;
		if (nl_store_answer_confirm(store, c.id, d.email, &n, &err) != NL_OK)
			goto fail;
		if (n == 0 && !t->quiet)
			tool_warn("settle: %s has no likely answers in campaign %s; nothing confirmed",
			          d.email, c.id);
		else if (t->tty && !t->quiet)
			printf("settled: %s, campaign %s: %ld likely answer%s confirmed\n", d.email, c.id, n,
			       n == 1 ? "" : "s");
		tool_log(t, "settle: %s, campaign %s: %ld likely answer%s confirmed", d.email, c.id, n,
		         n == 1 ? "" : "s");
		goto out;
	}

	if (nl_campaign_survey(&c, &survey, NULL, &err) != NL_OK)
		goto fail;
	if (!survey) {
		tool_warn("settle: campaign %s has no survey", c.id);
		code = EXIT_DATAERR;
		goto out;
	}
	size_t qi;
	if (!settle_question(survey, o.args[1], &qi)) {
		settle_list_questions(survey, &msg);
		tool_warn("settle: campaign %s has no question '%s'; its questions are %s", c.id, o.args[1],
		          nl_buf_cstr(&msg));
		code = EXIT_DATAERR;
		goto out;
	}
	const struct nl_question *q = &survey->questions[qi];
	const char *value = o.args[2];
	if (!nl_answers_read_value(survey, qi, value, strlen(value), &ans) || !ans.value) {
		settle_accepts(q, &msg);
		tool_warn("settle: '%s' is not an answer to question %zu (%s, %s: \"%s\"): it takes %s",
		          value, qi + 1, q->id, nl_question_type_name(q->type), q->text, nl_buf_cstr(&msg));
		code = EXIT_DATAERR;
		goto out;
	}
	struct settle_prior prior = {d.email, q->id, NULL, 0};
	enum nl_code prc = nl_store_answer_each(store, c.id, settle_prior_each, &prior, &err);
	if (prior.raw) {
		free(ans.raw);
		ans.raw = prior.raw;
	}
	if (prc != NL_OK)
		goto fail;
	struct nl_stored_answer sa = {
	    .campaign = c.id,
	    .email = d.email,
	    .name = d.name,
	    .question = q->id,
	    .readable = true,
	    .value = ans.value,
	    .raw = ans.raw,
	    .match = NL_MATCH_TOKEN,
	    .inbound_id = 0,
	    .answered = prior.answered >= nl_now() ? prior.answered + 1 : nl_now(),
	    .likely = false,
	    .rule = NL_UNCONST("settled by hand"),
	    .settled = true,
	};
	if (nl_store_answer_put(store, &sa, &err) != NL_OK)
		goto fail;
	if (t->tty && !t->quiet)
		printf("settled: %s, campaign %s, question %zu (%s) = %s\n", d.email, c.id, qi + 1, q->id,
		       ans.value);
	tool_log(t, "settle: %s, campaign %s, question %zu (%s) = %s", d.email, c.id, qi + 1, q->id,
	         ans.value);
	goto out;

fail:
	code = tool_report_error(&err);
out:
	nl_buf_free(&msg);
	free(ans.value);
	free(ans.raw);
	nl_survey_free(survey);
	nl_delivery_clear(&d);
	nl_campaign_clear(&c);
	nl_store_close(store);
	return code;
}
