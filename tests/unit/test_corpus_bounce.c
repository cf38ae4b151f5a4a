/* test_corpus_bounce.c - every sisimai set-of-emails message through nl_message_parse and
 * nl_reply_analyse, checked against the peer's table (tests/data/corpus/sisimai-set-of-emails/
 * expected.tsv: hard/soft flag, reason class) and our recipient table
 * (tests/data/replies/sisimai-recipients.tsv, read off each file's Final-Recipient or text).
 *
 * Prints the pass rate; fails on any row that is not listed in sisimai-recipients.tsv as a
 * deliberate difference ("policy:") or a known failure of another module ("known:"), and when a
 * listed row starts to pass (so the list stays true).
 * Also checks that no bounce, auto-reply or ARF report is ever a person's reply (never answers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "reply.h"
#include "util.h"

struct want {
	char file[128];
	int index;
	char recipient[256];
	char note[256];
};

static struct want wants[512];
static size_t n_wants;

static void load_recipients(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/replies/sisimai-recipients.tsv", NL_TEST_DATA);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	char line[1024];
	while (fgets(line, sizeof line, f) && n_wants < 512) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		struct want *w = &wants[n_wants];
		char *c[4] = {0};
		char *p = line;
		for (int i = 0; i < 4 && p; i++) {
			c[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (!c[0] || !c[1] || !c[2])
			continue;
		snprintf(w->file, sizeof w->file, "%s", c[0]);
		w->index = atoi(c[1]);
		snprintf(w->recipient, sizeof w->recipient, "%s", c[2]);
		snprintf(w->note, sizeof w->note, "%s", c[3] ? c[3] : "");
		n_wants++;
	}
	fclose(f);
}

static const struct want *want_for(const char *file, int index)
{
	for (size_t i = 0; i < n_wants; i++)
		if (strcmp(wants[i].file, file) == 0 && wants[i].index == index)
			return &wants[i];
	return NULL;
}

int main(int argc, char **argv)
{
	bool verbose = argc > 1;
	(void)argv;
	load_recipients();
	char path[1024];
	snprintf(path, sizeof path, "%s/sisimai-set-of-emails/expected.tsv", NL_CORPUS);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	int rows = 0, pass = 0, policy = 0, known_rows = 0, failures = 0, files = 0, never_answers = 0;
	char line[2048], last_file[256] = "";
	struct nl_reply *r = NULL;
	bool header_seen = false;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (!header_seen) {
			header_seen = true; /* the column names */
			continue;
		}
		char *c[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			c[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (!c[6])
			continue;
		const char *file = c[0], *reason = c[4], *hard = c[5], *extra = c[6];
		int idx = atoi(c[1]);
		if (strcmp(file, last_file) != 0) {
			nl_reply_free(r);
			r = NULL;
			snprintf(last_file, sizeof last_file, "%s", file);
			char fp[1024];
			snprintf(fp, sizeof fp, "%s/sisimai-set-of-emails/%s", NL_CORPUS, file);
			struct nl_buf raw = NL_BUF_INIT;
			struct nl_error err = {0};
			struct nl_message *m = NULL;
			if (nl_read_file(fp, 0, &raw, &err) == NL_OK &&
			    nl_message_parse(nl_buf_cstr(&raw), raw.len, &m, &err) == NL_OK &&
			    nl_reply_analyse(m, NULL, &r, &err) != NL_OK)
				r = NULL; /* reported as a FAIL below */
			if (!r)
				printf("FAIL %s: %s\n", file, err.detail);
			nl_message_free(m);
			nl_buf_free(&raw);
			files++;
			/* nothing in this set is a person's reply with answers */
			bool not_bounce = strcmp(reason, "not-a-bounce") == 0;
			const struct want *w0 = want_for(file, idx);
			bool known = w0 && strncmp(w0->note, "known", 5) == 0;
			if (r && !not_bounce && !known && r->kind == NL_REPLY_PERSON) {
				printf("FAIL %s read as a person's reply (%s)\n", file, r->reason);
				failures++;
			} else if (!not_bounce) {
				never_answers++;
			}
		}
		rows++;
		bool ok = false;
		char got[512] = "";
		const struct want *w = want_for(file, idx);
		if (!r) {
			snprintf(got, sizeof got, "unparsed");
		} else if (strcmp(reason, "feedback") == 0) {
			const char *who =
			    r->n_bounces >= 1 && r->bounces[0].recipient ? r->bounces[0].recipient : "-";
			ok = r->kind == NL_REPLY_COMPLAINT && r->feedback_type &&
			     strcmp(r->feedback_type, extra) == 0 && w && strcmp(who, w->recipient) == 0;
			snprintf(got, sizeof got, "%s %s %s", nl_reply_kind_name(r->kind),
			         r->feedback_type ? r->feedback_type : "-",
			         r->n_bounces && r->bounces[0].recipient ? r->bounces[0].recipient : "-");
		} else if (strcmp(reason, "vacation") == 0) {
			ok = r->kind == NL_REPLY_AUTO;
			snprintf(got, sizeof got, "%s (%s)", nl_reply_kind_name(r->kind),
			         r->reason ? r->reason : "");
		} else if (strcmp(reason, "not-a-bounce") == 0) {
			ok = r->kind != NL_REPLY_BOUNCE && r->kind != NL_REPLY_COMPLAINT;
			snprintf(got, sizeof got, "%s (%s)", nl_reply_kind_name(r->kind),
			         r->reason ? r->reason : "");
		} else {
			const struct nl_bounce *b = (size_t)idx <= r->n_bounces ? &r->bounces[idx - 1] : NULL;
			bool want_hard = strcmp(hard, "true") == 0;
			bool delivered = strcmp(reason, "delivered") == 0;
			if (b) {
				ok = w && b->recipient && strcmp(b->recipient, w->recipient) == 0 &&
				     b->hard == want_hard &&
				     (delivered
				          ? (r->kind == NL_REPLY_IGNORED && b->action == NL_DSN_DELIVERED)
				          : r->kind == NL_REPLY_BOUNCE);
				snprintf(got, sizeof got, "%s %s %s %s %s%s", nl_reply_kind_name(r->kind),
				         b->recipient ? b->recipient : "-", b->status[0] ? b->status : "-",
				         b->reason, b->hard ? "hard" : "soft", b->policy ? " policy" : "");
			} else {
				snprintf(got, sizeof got, "%s with %zu recipients",
				         nl_reply_kind_name(r->kind), r->n_bounces);
			}
		}
		bool listed = w && (strncmp(w->note, "policy", 6) == 0 || strncmp(w->note, "known", 5) == 0);
		if (ok) {
			pass++;
			if (listed) {
				printf("STALE %s #%d passes but is listed as a policy difference\n", file,
				       idx);
				failures++;
			}
		} else if (listed) {
			if (strncmp(w->note, "known", 5) == 0)
				known_rows++;
			else
				policy++;
		} else {
			failures++;
			printf("FAIL %s #%d: want %s %s %s (%s); got %s\n", file, idx,
			       w ? w->recipient : "(no recipient row)", c[2], hard, reason, got);
		}
		if (verbose) {
			const struct nl_bounce *b =
			    r && idx >= 1 && (size_t)idx <= r->n_bounces ? &r->bounces[idx - 1] : NULL;
			printf("%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.160s\n", file, idx, ok ? "ok" : "NO", got, c[2],
			       reason, hard, b && b->diagnostic ? b->diagnostic : "");
		}
	}
	nl_reply_free(r);
	fclose(f);
	printf("sisimai  %3d/%3d rows as expected (recipient, hard/soft, kind) (%.1f%%) in %d files; "
	       "%d deliberate policy differences; %d known failures (see their notes); "
	       "%d bounces/auto-replies/complaints, none read as a person's reply\n",
	       pass, rows, rows ? 100.0 * pass / rows : 0.0, files, policy, known_rows, never_answers);
	return failures ? 1 : 0;
}
