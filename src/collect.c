/* collect.c - the collect pipeline: inbox → message → reply → answers → store (DESIGN.md §2, §4, §5).
 *
 * Matching (DESIGN.md §4), strongest evidence first: a token in the To/Delivered-To plus-address,
 * our Message-ID in In-Reply-To/References, the mailto answer format in the subject (reply.c finds
 * them in that order); a token counts only when a delivery carries it.  Failing that, the From
 * address of a delivery is weaker evidence (NL_MATCH_FROM).  A person's message that matches
 * nothing is a stranger: recorded, never tallied.
 *
 * Effects (RELIABILITY.md §2.3): answers are stored with the message's Date so that the later
 * reply wins question by question whatever the collection order; an unsubscribe suppresses the
 * address; a failed delivery report suppresses at once when hard, after three soft ones in a row,
 * and never for a 5.7.x policy rejection (that is about us) — a report that maps to none of our
 * deliveries (backscatter) is ignored, as are delayed/delivered reports; an ARF complaint
 * suppresses and counts; auto-replies are recorded and never answered.
 *
 * Nothing lost: the message row (source, location, hash, class, reason) is written in the same
 * transaction as its effects, before them; the IMAP cursor moves in that transaction too, and the
 * mailbox is touched (\Seen, move) only after the commit.
 */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "inbox.h"
#include "message.h"
#include "reply.h"
#include "sha256.h"
#include "survey.h"
#include "util.h"

struct collect_survey {
	char *campaign;
	struct nl_article *article; /* NULL when the campaign's article cannot be read */
};

struct nl_collector {
	struct nl_store *store;
	char *unsubscribe_address;
	struct collect_survey *surveys;
	size_t n_surveys;
};

/* The addr-spec of "Name <addr>" or "addr", lower-cased; the caller frees. */
static char *collect_addr(const char *s)
{
	const char *lt = strchr(s, '<');
	if (lt)
		s = lt + 1;
	return nl_ascii_lower(nl_xstrndup(s, strcspn(s, "?> \t")));
}

struct nl_collector *nl_collector_new(struct nl_store *store, const char *unsubscribe_mailto,
                                      const char *reply_to)
{
	struct nl_collector *col = nl_xcalloc(1, sizeof *col);
	col->store = store;
	if (unsubscribe_mailto && *unsubscribe_mailto) {
		const char *a = unsubscribe_mailto;
		if (nl_ascii_ncasecmp(a, "mailto:", 7) == 0)
			a += 7;
		col->unsubscribe_address = collect_addr(a);
		char *r = reply_to ? collect_addr(reply_to) : NULL;
		if (r && strcmp(r, col->unsubscribe_address) == 0) { /* replies come here too */
			free(col->unsubscribe_address);
			col->unsubscribe_address = NULL;
		}
		free(r);
	}
	return col;
}

void nl_collector_free(struct nl_collector *col)
{
	if (!col)
		return;
	for (size_t i = 0; i < col->n_surveys; i++) {
		free(col->surveys[i].campaign);
		nl_article_free(col->surveys[i].article);
	}
	free(col->surveys);
	free(col->unsubscribe_address);
	free(col);
}

/* The survey of a campaign, from the article as it was sent (kept in the store). */
static const struct nl_survey *collect_survey(struct nl_collector *col, const char *campaign)
{
	for (size_t i = 0; i < col->n_surveys; i++)
		if (strcmp(col->surveys[i].campaign, campaign) == 0)
			return col->surveys[i].article ? col->surveys[i].article->survey : NULL;
	struct nl_campaign c = {0};
	struct nl_article *article = NULL;
	if (nl_store_campaign_get(col->store, campaign, &c, NULL) == NL_OK && c.source) {
		char *path = nl_xasprintf("%s.md", campaign); /* the campaign id is the article's base name */
		if (nl_article_parse(path, c.source, strlen(c.source), &article, NULL) != NL_OK)
			article = NULL;
		free(path);
	}
	nl_campaign_clear(&c);
	col->surveys = nl_xrealloc(col->surveys, (col->n_surveys + 1) * sizeof *col->surveys);
	col->surveys[col->n_surveys++] = (struct collect_survey){nl_xstrdup(campaign), article};
	return article ? article->survey : NULL;
}

/* The delivery this message answers: by token first, then by From address. */
static enum nl_code collect_match(struct nl_collector *col, const struct nl_reply *r,
                                  const struct nl_message *msg, bool returned_only, struct nl_delivery *d,
                                  enum nl_match *match, struct nl_error *err)
{
	*match = NL_MATCH_NONE;
	for (size_t i = 0; i < r->n_tokens; i++) {
		const struct nl_reply_token *t = &r->tokens[i];
		if (returned_only && t->source != NL_TOKEN_SRC_RETURNED)
			continue;
		nl_delivery_clear(d);
		enum nl_code rc = nl_store_delivery_by_token(col->store, t->token, d, err);
		if (rc == NL_ERR_NOT_FOUND)
			continue;
		if (rc != NL_OK)
			return rc;
		if (t->campaign && strcmp(t->campaign, d->campaign) != 0)
			continue; /* a token of ours under another campaign's name: not evidence */
		*match = NL_MATCH_TOKEN;
		return NL_OK;
	}
	nl_delivery_clear(d);
	if (returned_only || !msg->from_address)
		return NL_OK;
	enum nl_code rc = nl_store_delivery_by_email(col->store, msg->from_address, d, err);
	if (rc == NL_OK)
		*match = NL_MATCH_FROM;
	else if (rc != NL_ERR_NOT_FOUND)
		return rc;
	return NL_OK;
}

static enum nl_code collect_suppress(struct nl_collector *col, const char *email, enum nl_suppress_reason why,
                                     const char *detail, struct nl_collect_stats *stats, struct nl_error *err)
{
	bool already = false;
	enum nl_code rc = nl_store_is_suppressed(col->store, email, &already, err);
	if (rc == NL_OK && !already) {
		rc = nl_store_suppress(col->store, email, why, detail, err);
		if (rc == NL_OK && stats)
			stats->suppressed++;
	}
	return rc;
}

/* A failed recipient of a report, mapped to one of our deliveries. */
struct collect_bounce {
	const struct nl_bounce *b;
	struct nl_delivery d;
};

/* True if the header block has a Message-ID field. */
static bool collect_has_message_id(const char *headers)
{
	for (const char *p = headers; *p; p++)
		if ((p == headers || p[-1] == '\n') && nl_ascii_ncasecmp(p, "message-id:", 11) == 0)
			return true;
	return false;
}

/* Maps each failed recipient to a delivery: the returned original's token when it names that
 * recipient (or when there is only one), else the last delivery to the address, unless the returned
 * original shows the message was not ours. */
static enum nl_code collect_map_bounces(struct nl_collector *col, const struct nl_reply *r,
                                        const struct nl_message *msg, struct collect_bounce *out,
                                        size_t *n_out, struct nl_error *err)
{
	struct nl_delivery tok = {0};
	enum nl_match m;
	enum nl_code rc = collect_match(col, r, msg, false, &tok, &m, err);
	if (rc != NL_OK)
		return rc;
	if (m != NL_MATCH_TOKEN)
		nl_delivery_clear(&tok);
	/* The returned original is there, with its Message-ID, and carries no token of ours: a bounce
	 * for mail we never sent (backscatter, or forged to suppress someone).  The address alone is
	 * then no evidence (RELIABILITY.md §5 #19). */
	bool foreign = m != NL_MATCH_TOKEN && msg->returned_headers && collect_has_message_id(msg->returned_headers);
	size_t failed = 0;
	for (size_t i = 0; i < r->n_bounces; i++)
		failed += r->bounces[i].action == NL_DSN_FAILED;
	*n_out = 0;
	for (size_t i = 0; i < r->n_bounces && rc == NL_OK; i++) {
		const struct nl_bounce *b = &r->bounces[i];
		if (b->action != NL_DSN_FAILED)
			continue;
		struct collect_bounce *cb = &out[*n_out];
		memset(cb, 0, sizeof *cb);
		cb->b = b;
		if (tok.campaign &&
		    (failed == 1 || (b->recipient && nl_ascii_casecmp(b->recipient, tok.email) == 0))) {
			rc = nl_store_delivery_by_token(col->store, tok.token, &cb->d, err);
		} else if (b->recipient && !foreign) {
			rc = nl_store_delivery_by_email(col->store, b->recipient, &cb->d, err);
			if (rc == NL_ERR_NOT_FOUND) {
				nl_delivery_clear(&cb->d);
				rc = NL_OK;
				continue;
			}
		} else {
			continue;
		}
		if (rc == NL_OK && cb->d.campaign)
			(*n_out)++;
		else
			nl_delivery_clear(&cb->d);
	}
	nl_delivery_clear(&tok);
	return rc;
}

static void collect_hash(const char *data, size_t len, char out[2 * NL_SHA256_LEN + 1])
{
	unsigned char h[NL_SHA256_LEN];
	nl_sha256(data, len, h);
	nl_hex(h, sizeof h, out);
}

static enum nl_code collect_record(struct nl_collector *col, struct nl_inbound *in, int64_t *id,
                                   struct nl_collect_stats *stats, struct nl_error *err)
{
	in->received = nl_now();
	enum nl_code rc = nl_store_inbound_add(col->store, in, id, err);
	if (rc == NL_OK && stats)
		stats->by_class[in->cls]++;
	return rc;
}

/* Reads the answers of a person's reply (before the message is recorded: the count goes with it). */
static void collect_read_answers(struct nl_collector *col, const struct nl_reply *r,
                                 const struct nl_delivery *d, const struct nl_survey **survey,
                                 struct nl_answers *ans)
{
	memset(ans, 0, sizeof *ans);
	*survey = collect_survey(col, d->campaign);
	if (!*survey)
		return;
	/* The mailto answer format puts the answer in the subject: read it as a line of its own,
	 * "QID VALUE", before the body's lines. */
	size_t n = r->n_lines, k = 0;
	struct nl_reply_line *lines = nl_xcalloc(n + 1, sizeof *lines);
	char *mailto = NULL;
	if (r->mailto_question && r->mailto_value) {
		mailto = nl_xasprintf("%s %s", r->mailto_question, r->mailto_value);
		lines[k++] = (struct nl_reply_line){mailto, strlen(mailto), false};
	}
	if (n)
		memcpy(lines + k, r->lines, n * sizeof *lines);
	nl_survey_read_answers(*survey, lines, n + k, ans);
	free(lines);
	free(mailto);
}

static enum nl_code collect_store_answers(struct nl_collector *col, const struct nl_survey *survey,
                                          const struct nl_answers *ans, const struct nl_message *msg,
                                          const struct nl_delivery *d, enum nl_match match,
                                          int64_t inbound_id, struct nl_collect_stats *stats,
                                          struct nl_error *err)
{
	time_t now = nl_now();
	time_t when = msg->date_time && msg->date_time <= now + 86400 ? msg->date_time : now;
	enum nl_code rc = NL_OK;
	for (size_t i = 0; i < ans->count && rc == NL_OK; i++) {
		const struct nl_answer *a = &ans->items[i];
		if (a->question >= survey->n_questions)
			continue;
		struct nl_stored_answer sa = {
		    .campaign = d->campaign,
		    .email = d->email,
		    .name = d->name,
		    .question = survey->questions[a->question].id,
		    .readable = a->status == NL_ANSWER_OK,
		    .value = a->status == NL_ANSWER_OK ? a->value : NULL,
		    .raw = a->raw,
		    .match = match,
		    .inbound_id = inbound_id,
		    .answered = when,
		};
		rc = nl_store_answer_put(col->store, &sa, err);
		if (rc == NL_OK && stats)
			stats->answers++;
	}
	return rc;
}

static enum nl_code collect_bounce(struct nl_collector *col, const struct nl_reply *r,
                                   const struct nl_message *msg, struct nl_inbound *in,
                                   struct nl_collect_stats *stats, struct nl_error *err)
{
	struct collect_bounce *map = nl_xcalloc(r->n_bounces ? r->n_bounces : 1, sizeof *map);
	size_t n = 0;
	enum nl_code rc = collect_map_bounces(col, r, msg, map, &n, err);
	if (rc != NL_OK)
		goto out;
	int64_t id = 0;
	if (!n) {
		in->cls = NL_INBOUND_IGNORED;
		in->reason = nl_xstrdup(r->n_bounces ? "bounce for mail we never sent (no delivery matches)"
		                                     : "bounce naming no recipient");
		rc = collect_record(col, in, &id, stats, err);
		goto out;
	}
	/* the message is recorded under the first mapped delivery */
	in->campaign = nl_xstrdup(map[0].d.campaign);
	in->email = nl_xstrdup(map[0].d.email);
	in->match = NL_MATCH_TOKEN;
	const struct nl_bounce *b0 = map[0].b;
	in->reason = nl_xasprintf("%s %s%s%s%s",
	                          b0->hard     ? "hard"
	                          : b0->policy ? "policy"
	                                       : "soft",
	                          b0->status[0] ? b0->status : "(no status)", b0->reason ? " " : "",
	                          b0->reason ? b0->reason : "", n > 1 ? " (and more recipients)" : "");
	rc = collect_record(col, in, &id, stats, err);
	for (size_t i = 0; i < n && rc == NL_OK; i++) {
		const struct nl_bounce *b = map[i].b;
		const struct nl_delivery *d = &map[i].d;
		if (b->policy)
			continue; /* about our sending, not the recipient (RELIABILITY.md §2.2) */
		int soft = 0;
		rc = nl_store_bounce_add(col->store, d->campaign, d->email, b->status[0] ? b->status : NULL,
		                         b->hard, id, &soft, err);
		if (rc == NL_OK && (b->hard || soft >= 3)) {
			char *why =
			    nl_xasprintf("%s bounce %s", b->hard ? "hard" : "3rd soft in a row", b->status);
			rc = collect_suppress(col, d->email, NL_SUPPRESS_BOUNCED, why, stats, err);
			free(why);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		nl_delivery_clear(&map[i].d);
	free(map);
	return rc;
}

/* Applies one analysed message; `in` has source, location, hash, Message-ID, From and subject. */
static enum nl_code collect_apply(struct nl_collector *col, const struct nl_reply *r,
                                  const struct nl_message *msg, struct nl_inbound *in,
                                  struct nl_collect_stats *stats, struct nl_error *err)
{
	if (r->kind == NL_REPLY_BOUNCE) {
		in->cls = NL_INBOUND_BOUNCE;
		return collect_bounce(col, r, msg, in, stats, err);
	}
	struct nl_delivery d = {0};
	enum nl_match match = NL_MATCH_NONE;
	bool returned_only = r->kind == NL_REPLY_COMPLAINT;
	enum nl_code rc = collect_match(col, r, msg, returned_only, &d, &match, err);
	if (rc != NL_OK)
		goto out;
	in->match = match;
	if (match != NL_MATCH_NONE) {
		in->campaign = nl_xstrdup(d.campaign);
		in->email = nl_xstrdup(d.email);
	}
	int64_t id = 0;
	switch (r->kind) {
	case NL_REPLY_PERSON:
		if (match == NL_MATCH_NONE) {
			in->cls = NL_INBOUND_STRANGER;
			in->reason = nl_xstrdup("no token of ours and no delivery to the sender");
			rc = collect_record(col, in, &id, stats, err);
			break;
		}
		in->cls = NL_INBOUND_ANSWER;
		if (match == NL_MATCH_FROM && stats)
			stats->matched_from++;
		const struct nl_survey *survey = NULL;
		struct nl_answers ans;
		collect_read_answers(col, r, &d, &survey, &ans);
		for (size_t i = 0; i < ans.count; i++)
			in->answers += survey && ans.items[i].question < survey->n_questions;
		in->reason =
		    nl_xasprintf("%s%s", match == NL_MATCH_FROM ? "matched by From address only; " : "",
		                 in->answers ? "answers read"
		                 : survey    ? "no answers (a reply, not a respondent)"
		                             : "the campaign has no survey");
		rc = collect_record(col, in, &id, stats, err);
		if (rc == NL_OK && survey)
			rc = collect_store_answers(col, survey, &ans, msg, &d, match, id, stats, err);
		nl_answers_free(&ans);
		break;
	case NL_REPLY_UNSUBSCRIBE: {
		in->cls = NL_INBOUND_UNSUBSCRIBE;
		const char *who = match != NL_MATCH_NONE ? d.email : msg->from_address;
		if (!in->email && who)
			in->email = nl_xstrdup(who);
		in->reason = nl_xstrdup(r->reason ? r->reason : "unsubscribe request");
		rc = collect_record(col, in, &id, stats, err);
		if (rc == NL_OK && who)
			rc = collect_suppress(col, who, NL_SUPPRESS_UNSUBSCRIBED, in->reason, stats, err);
		break;
	}
	case NL_REPLY_COMPLAINT: {
		in->cls = NL_INBOUND_COMPLAINT;
		const char *who = match != NL_MATCH_NONE                    ? d.email
		                  : r->n_bounces && r->bounces[0].recipient ? r->bounces[0].recipient
		                                                            : NULL;
		if (!in->email && who)
			in->email = nl_xstrdup(who);
		in->reason = nl_xasprintf("complaint (%s)%s", r->feedback_type ? r->feedback_type : "abuse",
		                          who ? "" : ": names no address");
		rc = collect_record(col, in, &id, stats, err);
		if (rc == NL_OK && who)
			rc = collect_suppress(col, who, NL_SUPPRESS_COMPLAINED, in->reason, stats, err);
		break;
	}
	case NL_REPLY_AUTO:
		in->cls = NL_INBOUND_AUTO_REPLY;
		in->reason = nl_xstrdup(r->reason ? r->reason : "auto-reply");
		rc = collect_record(col, in, &id, stats, err);
		break;
	case NL_REPLY_IGNORED:
	default:
		in->cls = NL_INBOUND_IGNORED;
		in->reason = nl_xstrdup(r->reason ? r->reason : "report that is not a failure");
		rc = collect_record(col, in, &id, stats, err);
		break;
	}
out:
	nl_delivery_clear(&d);
	return rc;
}

enum nl_code nl_collector_add(struct nl_collector *col, const char *source, const char *location,
                              const char *data, size_t len, struct nl_collect_stats *stats,
                              enum nl_inbound_class *cls, struct nl_error *err)
{
	if (cls)
		*cls = 0;
	if (stats) {
		stats->seen++;
		stats->bytes += (double)len;
	}
	struct nl_inbound in = {.source = (char *)source, .location = (char *)location};
	collect_hash(data, len, in.hash);
	struct nl_message *msg = NULL;
	struct nl_reply *r = NULL;
	struct nl_error perr = {0};
	enum nl_code prc = nl_message_parse(data, len, &msg, &perr);
	bool known = false;
	enum nl_code rc =
	    nl_store_inbound_known(col->store, msg ? msg->message_id : NULL, in.hash, &known, err);
	if (rc != NL_OK || known) {
		if (rc == NL_OK && stats)
			stats->known++;
		goto out;
	}
	if (prc != NL_OK) {
		in.cls = NL_INBOUND_UNREADABLE;
		in.reason = nl_xasprintf("unreadable: %s", perr.detail[0] ? perr.detail : nl_strerror(prc));
		int64_t id;
		rc = collect_record(col, &in, &id, stats, err);
		if (rc == NL_OK && cls)
			*cls = in.cls;
		free(in.reason);
		goto out;
	}
	in.message_id = msg->message_id;
	in.from_address = msg->from_address;
	in.subject = msg->subject;
	struct nl_reply_options ropt = {.unsubscribe_address = col->unsubscribe_address};
	struct nl_error rerr = {0};
	if (nl_reply_analyse(msg, &ropt, &r, &rerr) != NL_OK) {
		in.cls = NL_INBOUND_UNREADABLE;
		in.reason = nl_xasprintf("cannot analyse: %s", rerr.detail);
		int64_t id;
		rc = collect_record(col, &in, &id, stats, err);
	} else {
		rc = collect_apply(col, r, msg, &in, stats, err);
	}
	if (rc == NL_OK && cls)
		*cls = in.cls;
	free(in.campaign);
	free(in.email);
	free(in.reason);
out:
	nl_reply_free(r);
	nl_message_free(msg);
	return rc;
}

enum nl_code nl_collector_add_failed(struct nl_collector *col, const char *source, const char *location,
                                     const char *reason, struct nl_collect_stats *stats, struct nl_error *err)
{
	struct nl_inbound in = {
	    .source = (char *)source, .location = (char *)location, .cls = NL_INBOUND_UNREADABLE};
	/* no content to hash: the place stands in for it, so a second run does not record it twice */
	char *key = nl_xasprintf("unfetchable\n%s\n%s", source, location);
	collect_hash(key, strlen(key), in.hash);
	free(key);
	if (stats) {
		stats->seen++;
		stats->fetch_errors++;
	}
	bool known = false;
	enum nl_code rc = nl_store_inbound_known(col->store, NULL, in.hash, &known, err);
	if (rc != NL_OK || known) {
		if (rc == NL_OK && stats)
			stats->known++;
		return rc;
	}
	in.reason = nl_xasprintf("unreadable: %s", reason);
	int64_t id;
	rc = collect_record(col, &in, &id, stats, err);
	free(in.reason);
	return rc;
}

/* ---- The run ---- */

enum nl_code nl_collect_run(struct nl_store *store, const struct nl_collect_options *opt,
                            struct nl_collect_stats *stats, struct nl_error *err)
{
	memset(stats, 0, sizeof *stats);
	struct nl_inbox_options io = {
	    .url = opt->url,
	    .user = opt->user,
	    .password = opt->password,
	    .ca_file = opt->ca_file,
	    .after = opt->after,
	    .move_to = opt->move_to,
	};
	struct nl_inbox *inbox = NULL;
	struct nl_collector *col = NULL;
	uint32_t *uids = NULL;
	enum nl_code rc = nl_inbox_open(&io, &inbox, err);
	if (rc != NL_OK)
		return rc;
	const char *source = nl_inbox_source(inbox);
	bool imap = nl_inbox_is_imap(inbox);
	uint32_t validity = 0, last_uid = 0, validity_now = 0;
	if (imap && (rc = nl_store_cursor_get(store, source, &validity, &last_uid, err)) != NL_OK)
		goto out;
	if ((rc = nl_inbox_scan(inbox, validity, last_uid, &validity_now, err)) != NL_OK)
		goto out;
	if (imap && validity_now != validity)
		last_uid = 0;
	size_t total = nl_inbox_count(inbox), batch = opt->batch ? opt->batch : 256;
	col = nl_collector_new(store, opt->unsubscribe_mailto, opt->reply_to);
	uids = nl_xmalloc(batch * sizeof *uids);
	bool more = true;
	while (more) {
		size_t n_uids = 0, n = 0;
		if ((rc = nl_store_begin(store, err)) != NL_OK)
			goto out;
		enum nl_code inbox_rc = NL_OK;
		struct nl_error ierr = {0};
		while (n < batch) {
			struct nl_inbox_message m;
			enum nl_code nrc = nl_inbox_next(inbox, &m, &ierr);
			if (nrc == NL_ERR_NOT_FOUND) {
				more = false;
				break;
			}
			if (nrc == NL_ERR_INBOX) { /* the mailbox failed: keep what is done, report */
				inbox_rc = nrc;
				more = false;
				break;
			}
			n++;
			if (nrc == NL_OK)
				rc = nl_collector_add(col, source, m.location, m.data, m.len, stats, NULL,
				                      err);
			else
				rc = nl_collector_add_failed(col, source, m.location ? m.location : "?",
				                             ierr.detail, stats, err);
			if (rc != NL_OK) {
				nl_store_rollback(store);
				goto out;
			}
			if (imap && m.uid) {
				uids[n_uids++] = m.uid;
				if (m.uid > last_uid)
					last_uid = m.uid;
			}
		}
		if (imap && n_uids)
			rc = nl_store_cursor_set(store, source, validity_now, last_uid, err);
		if (rc == NL_OK)
			rc = nl_store_set_last_collect(store, nl_now(), err);
		if (rc == NL_OK)
			rc = nl_store_commit(store, err);
		else
			nl_store_rollback(store);
		if (rc != NL_OK)
			goto out;
		if (n_uids && (rc = nl_inbox_after(inbox, uids, n_uids, err)) != NL_OK)
			goto out;
		if (opt->progress)
			opt->progress(stats, total, opt->ud);
		if (inbox_rc != NL_OK) {
			rc = nl_fail(err, inbox_rc, "%s", ierr.detail);
			goto out;
		}
	}
out:
	free(uids);
	nl_collector_free(col);
	nl_inbox_close(inbox);
	return rc;
}
