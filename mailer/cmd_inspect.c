/* cmd_inspect.c - `mailer inspect FILE... [--format text|json] [--article FILE]`: what collect would
 * make of each message, changing nothing (issue 12).
 *
 * Each file is one raw message (RFC 5322, as a Maildir holds it; "-" is standard input).  It goes
 * through the same classification, matching and answer readers as `mailer collect`
 * (nl_collect_inspect), against the configured state when one exists; a state is never created and
 * nothing is recorded in it.  (It is opened with nl_store_open, which upgrades a state of an older
 * schema, as every command does; a state of the current schema is left byte for byte as it was.)
 * For each message: its class and why, how it matched a delivery, the own words, each answer with
 * its level (sure / likely / unreadable), the sentence and the rule that read it, the request to be
 * contacted in words, and whether words were left unread.  The survey for a message that matched
 * no campaign: --article FILE, else the latest campaign's, else none.
 *
 * Message contents are untrusted: text output goes through nl_report_put_clean (control characters
 * and bidirectional overrides replaced: a reply cannot move the terminal's cursor or reorder what
 * it shows), JSON through nl_report_put_json_or_null.  A file that cannot be read is an error naming
 * it; the others are still inspected, and the exit status is 65 (66 when the files that failed are
 * only missing ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "answers.h"
#include "article.h"
#include "campaign_survey.h"
#include "collect.h"
#include "message.h"
#include "report.h"
#include "store.h"
#include "survey.h"
#include "tool.h"
#include "util.h"

static const char inspect_help[] =
    "usage: mailer inspect FILE... [--format text|json] [--article FILE]\n"
    "\n"
    "Shows what 'mailer collect' would make of each message file (one raw message per file, as in\n"
    "a Maildir; '-' reads standard input), without recording anything: its class (reply,\n"
    "unsubscribe, bounce, ...) and why, how it matched a delivery (a token in the plus-address,\n"
    "a Message-ID reference, the mailto subject, or only the From address), the reply's own words,\n"
    "and each answer read from them with its level (sure: tallied; likely: proposed, see 'mailer\n"
    "settle --confirm'; unreadable), the sentence it came from and the rule that read it, the\n"
    "sentence in which the person asks to be contacted, and whether words were left unread.\n"
    "\n"
    "Matching uses the configured state when it exists; nothing is recorded in it, and none is\n"
    "created.  A message that matches no campaign is read against the survey of --article, else of\n"
    "the latest campaign, else no survey.\n"
    "\n"
    "options:\n"
    "  --format F      text (default) or json: an array with one object per message, {file, class,\n"
    "                  reason, known, match, match_how, campaign, email, survey, own_words, contact,\n"
    "                  unread_words, answers: [{question, number, level, value, sentence, rule}]}\n"
    "  --article FILE  the survey for messages that match no campaign\n"
    "\n"
    "Exit status: 65 if any message could not be read or inspected, else 66 if a file is not\n"
    "there (each is named on stderr).\n";

struct inspect_opts {
	bool json;
	const char *article;
	const char **files;
	size_t n_files;
};

static int inspect_parse(int argc, char **argv, struct inspect_opts *o)
{
	bool options_end = false;
	o->files = nl_xcalloc((size_t)argc, sizeof *o->files);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes = !options_end && (strcmp(a, "--format") == 0 || strcmp(a, "--article") == 0);
		if (takes && i + 1 >= argc)
			return tool_usage_error("inspect", "%s needs a value", a);
		if (!options_end && strcmp(a, "--") == 0) {
			options_end = true;
		} else if (takes && strcmp(a, "--format") == 0) {
			const char *v = argv[++i];
			if (strcmp(v, "json") == 0)
				o->json = true;
			else if (strcmp(v, "text") == 0)
				o->json = false;
			else
				return tool_usage_error("inspect", "unknown format '%s' (text or json)", v);
		} else if (takes) {
			o->article = argv[++i];
		} else if (!options_end && a[0] == '-' && a[1] != '\0') {
			return tool_usage_error("inspect", "unknown option '%s'", a);
		} else {
			o->files[o->n_files++] = a;
		}
	}
	if (o->n_files == 0)
		return tool_usage_error("inspect", "give at least one message FILE");
	return 0;
}

static const char *inspect_match_name(enum nl_match m)
{
	switch (m) {
	case NL_MATCH_TOKEN:
		return "token";
	case NL_MATCH_FROM:
		return "from";
	case NL_MATCH_NONE:
		break;
	}
	return NULL;
}

/* The survey the answers were read against, and where it came from. */
struct inspect_survey {
	const struct nl_survey *survey;
	const char *from; /* "the campaign", "--article FILE", "the latest campaign ID", NULL */
};

static struct inspect_survey inspect_used_survey(const struct nl_inspection *in,
                                                 const struct nl_survey *fallback, const char *fallback_from)
{
	if (in->survey)
		return (struct inspect_survey){in->survey, in->campaign ? "the campaign" : fallback_from};
	if (!in->campaign && fallback)
		return (struct inspect_survey){fallback, fallback_from};
	return (struct inspect_survey){NULL, NULL};
}

static void inspect_text(struct nl_buf *b, const char *file, const struct nl_inspection *in, bool have_state,
                         struct inspect_survey su)
{
	nl_buf_puts(b, "message: ");
	nl_report_put_clean(b, file, " ");
	nl_buf_printf(b, "\n  class: %s", nl_inbound_class_name(in->cls));
	if (in->reason && *in->reason) {
		nl_buf_puts(b, " (");
		nl_report_put_clean(b, in->reason, " ");
		nl_buf_putc(b, ')');
	}
	if (in->known)
		nl_buf_puts(b, "\n  known: yes (already in the state: collect would skip it)");
	nl_buf_puts(b, "\n  match: ");
	if (!have_state)
		nl_buf_puts(b, "not tried (no state)");
	else if (in->match == NL_MATCH_NONE)
		nl_buf_puts(b, "none");
	else
		nl_buf_printf(b, "%s (%s)", inspect_match_name(in->match),
		              in->match_how ? in->match_how : "?");
	nl_buf_putc(b, '\n');
	if (in->campaign) {
		nl_buf_puts(b, "  campaign: ");
		nl_report_put_clean(b, in->campaign, " ");
		nl_buf_putc(b, '\n');
	}
	if (in->email) {
		nl_buf_puts(b, "  email: ");
		nl_report_put_clean(b, in->email, " ");
		nl_buf_putc(b, '\n');
	}
	if (su.survey) {
		nl_buf_puts(b, "  survey: ");
		nl_report_put_clean(b, su.survey->id ? su.survey->id : "(no id)", " ");
		if (su.from) {
			nl_buf_puts(b, ", from ");
			nl_report_put_clean(b, su.from, " ");
		}
		nl_buf_putc(b, '\n');
	} else if (in->cls == NL_INBOUND_ANSWER) { /* other classes are not read against one */
		nl_buf_puts(b, "  survey: none\n");
	}
	if (in->own_words && *in->own_words) {
		nl_buf_puts(b, in->own_words[0] == '\n' ? "  own words:\n    |" : "  own words:\n    | ");
		nl_report_put_clean(b, in->own_words, "\n    | ");
		if (b->len && b->data[b->len - 1] != '\n')
			nl_buf_putc(b, '\n');
	} else {
		nl_buf_puts(b, "  own words: none\n");
	}
	if (in->answers.count == 0)
		nl_buf_puts(b, "  answers: none\n");
	for (size_t i = 0; i < in->answers.count; i++) {
		const struct nl_answer *a = &in->answers.items[i];
		const char *qid = su.survey && a->question < su.survey->n_questions
		                      ? su.survey->questions[a->question].id
		                      : "?";
		nl_buf_printf(b, "  answer %zu ", a->question + 1);
		nl_report_put_clean(b, qid, " ");
		nl_buf_printf(b, ": %s", nl_answer_level_name(a->status));
		if (a->value) {
			nl_buf_puts(b, " \"");
			nl_report_put_clean(b, a->value, " ");
			nl_buf_putc(b, '"');
		}
		nl_buf_printf(b, ", rule %s", a->rule ? a->rule : "?");
		if (a->raw) {
			nl_buf_puts(b, ", from \"");
			nl_report_put_clean(b, a->raw, " ");
			nl_buf_putc(b, '"');
		}
		nl_buf_putc(b, '\n');
	}
	nl_buf_puts(b, "  contact: ");
	if (in->answers.contact) {
		nl_buf_putc(b, '"');
		nl_report_put_clean(b, in->answers.contact, " ");
		nl_buf_puts(b, "\"\n");
	} else {
		nl_buf_puts(b, "none\n");
	}
	nl_buf_printf(b, "  unread words: %s\n", in->answers.unread_words ? "yes" : "no");
}

static void inspect_json(struct nl_buf *b, const char *file, const struct nl_inspection *in,
                         struct inspect_survey su)
{
	nl_buf_puts(b, "  {\n    \"file\": ");
	nl_report_put_json_or_null(b, file);
	nl_buf_puts(b, ",\n    \"class\": ");
	nl_report_put_json_or_null(b, nl_inbound_class_name(in->cls));
	nl_buf_puts(b, ",\n    \"reason\": ");
	nl_report_put_json_or_null(b, in->reason);
	nl_buf_printf(b, ",\n    \"known\": %s", in->known ? "true" : "false");
	nl_buf_puts(b, ",\n    \"match\": ");
	nl_report_put_json_or_null(b, inspect_match_name(in->match));
	nl_buf_puts(b, ",\n    \"match_how\": ");
	nl_report_put_json_or_null(b, in->match == NL_MATCH_NONE ? NULL : in->match_how);
	nl_buf_puts(b, ",\n    \"campaign\": ");
	nl_report_put_json_or_null(b, in->campaign);
	nl_buf_puts(b, ",\n    \"email\": ");
	nl_report_put_json_or_null(b, in->email);
	nl_buf_puts(b, ",\n    \"survey\": ");
	nl_report_put_json_or_null(b, su.survey ? su.survey->id : NULL);
	nl_buf_puts(b, ",\n    \"own_words\": ");
	nl_report_put_json_or_null(b, in->own_words ? in->own_words : "");
	nl_buf_puts(b, ",\n    \"contact\": ");
	nl_report_put_json_or_null(b, in->answers.contact);
	nl_buf_printf(b, ",\n    \"unread_words\": %s", in->answers.unread_words ? "true" : "false");
	nl_buf_puts(b, ",\n    \"answers\": [");
	for (size_t i = 0; i < in->answers.count; i++) {
		const struct nl_answer *a = &in->answers.items[i];
		const char *qid = su.survey && a->question < su.survey->n_questions
		                      ? su.survey->questions[a->question].id
		                      : NULL;
		nl_buf_puts(b, i ? ",\n      {\"question\": " : "\n      {\"question\": ");
		nl_report_put_json_or_null(b, qid);
		nl_buf_printf(b, ", \"number\": %zu, \"level\": ", a->question + 1);
		nl_report_put_json_or_null(b, nl_answer_level_name(a->status));
		nl_buf_puts(b, ", \"value\": ");
		nl_report_put_json_or_null(b, a->value);
		nl_buf_puts(b, ", \"sentence\": ");
		nl_report_put_json_or_null(b, a->raw);
		nl_buf_puts(b, ", \"rule\": ");
		nl_report_put_json_or_null(b, a->rule);
		nl_buf_putc(b, '}');
	}
	nl_buf_puts(b, in->answers.count ? "\n    ]\n  }" : "]\n  }");
}

/* Opens the configured state when it exists (never creating one).  Returns false on an error. */
static bool inspect_open_state(struct tool *t, struct nl_store **store, struct nl_error *err)
{
	struct stat st;
	*store = NULL;
	if (!t->cfg.state || stat(t->cfg.state, &st) != 0)
		return true;
	return nl_store_open(t->cfg.state, store, err) == NL_OK;
}

/* The fallback survey: --article's, else the latest campaign's.  *owned gets what to free. */
static bool inspect_fallback(const struct inspect_opts *o, struct nl_store *store,
                             struct nl_article **article, struct nl_survey **owned, char **from,
                             struct nl_error *err)
{
	if (o->article) {
		if (nl_article_load(o->article, article, err) != NL_OK)
			return false;
		if (!(*article)->survey)
			tool_warn("inspect: %s has no survey", o->article);
		*from = nl_xasprintf("--article %s", o->article);
		return true;
	}
	if (!store)
		return true;
	struct nl_campaign c = {0};
	enum nl_code rc = nl_store_campaign_latest(store, &c, err);
	if (rc == NL_ERR_NOT_FOUND) {
		memset(err, 0, sizeof *err);
		return true;
	}
	if (rc != NL_OK)
		return false;
	rc = nl_campaign_survey(&c, owned, NULL, err);
	if (rc == NL_OK && *owned)
		*from = nl_xasprintf("the latest campaign %s", c.id);
	else if (rc != NL_OK)
		tool_warn("inspect: the survey of campaign %s cannot be read: %s", c.id,
		          err->detail[0] ? err->detail : nl_strerror(err->code));
	nl_campaign_clear(&c);
	return true;
}

int cmd_inspect(struct tool *t, int argc, char **argv)
{
	if (tool_wants_help(argc, argv)) {
		fputs(inspect_help, stdout);
		return 0;
	}
	struct inspect_opts o = {0};
	int code = inspect_parse(argc, argv, &o);
	if (code != 0) {
		free(o.files);
		return code;
	}
	if (!tool_load_config(t)) {
		free(o.files);
		return EXIT_CONFIG;
	}
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	struct nl_article *article = NULL;
	struct nl_survey *latest = NULL;
	char *from = NULL;
	struct nl_buf out = NL_BUF_INIT;
	if (!inspect_open_state(t, &store, &err) ||
	    !inspect_fallback(&o, store, &article, &latest, &from, &err)) {
		code = tool_report_error(&err);
		goto out;
	}
	const struct nl_survey *fallback = article ? article->survey : latest;
	tool_log(t, "inspect: %zu file%s, %s, fallback survey %s", o.n_files, o.n_files == 1 ? "" : "s",
	         store ? "with the state" : "without a state",
	         fallback && fallback->id ? fallback->id : "none");

	/* a message that cannot be read as mail; a file not there; a file that cannot be read */
	bool failed = false, missing = false, unreadable = false;
	size_t shown = 0;
	if (o.json)
		nl_buf_puts(&out, "[");
	for (size_t i = 0; i < o.n_files; i++) {
		const char *file = o.files[i];
		struct nl_buf raw = NL_BUF_INIT;
		struct nl_inspection in;
		memset(&in, 0, sizeof in);
		memset(&err, 0, sizeof err);
		const char *path = strcmp(file, "-") == 0 ? "/dev/stdin" : file;
		enum nl_code rc = nl_read_file(path, NL_MESSAGE_MAX_SIZE, &raw, &err);
		if (rc == NL_OK)
			rc = nl_collect_inspect(store, fallback, t->cfg.unsubscribe_mailto, t->cfg.reply_to,
			                        raw.data ? raw.data : "", raw.len, &in, &err);
		if (rc != NL_OK) {
			if (err.detail[0] && strstr(err.detail, path))
				tool_warn("inspect: %s", err.detail); /* the detail names the file */
			else
				tool_warn("inspect: %s: %s", file,
				          err.detail[0] ? err.detail : nl_strerror(err.code));
			if (rc == NL_ERR_NOT_FOUND)
				missing = true;
			else if (rc == NL_ERR_IO)
				unreadable = true;
			else
				failed = true;
		} else {
			struct inspect_survey su = inspect_used_survey(&in, fallback, from);
			if (o.json) {
				nl_buf_puts(&out, shown ? ",\n" : "\n");
				inspect_json(&out, file, &in, su);
			} else {
				if (shown)
					nl_buf_putc(&out, '\n');
				inspect_text(&out, file, &in, store != NULL, su);
				/* text goes out message by message */
				fwrite(out.data, 1, out.len, stdout);
				nl_buf_reset(&out);
			}
			shown++;
		}
		nl_inspection_clear(&in);
		nl_buf_free(&raw);
	}
	if (o.json)
		nl_buf_puts(&out, shown ? "\n]\n" : "]\n");
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	if (fflush(stdout) != 0) {
		tool_warn("inspect: standard output: write failed");
		code = EXIT_IOERR;
	} else if (unreadable) {
		code = EXIT_IOERR;
	} else if (failed) {
		code = EXIT_DATAERR;
	} else if (missing) {
		code = EXIT_NOINPUT;
	}
out:
	nl_buf_free(&out);
	free(from);
	nl_survey_free(latest);
	nl_article_free(article);
	nl_store_close(store);
	free(o.files);
	return code;
}
