/* collect.c - the collect pipeline: inbox → message → reply → answers → store (doc/DESIGN.md §2, §4, §5).
 *
 * Matching (doc/DESIGN.md §4), strongest evidence first: a token in the To/Delivered-To plus-address,
 * our Message-ID in In-Reply-To/References, the mailto answer format in the subject (reply.c finds
 * them in that order); a token counts only when a delivery carries it.  Failing that, the From
 * address of a delivery is weaker evidence (NL_MATCH_FROM).  A person's message that matches
 * nothing is a stranger: recorded, never tallied.
 *
 * Effects: answers are stored with the time they were collected, so that the reply that reached
 * us later wins question by question (the sender's Date: is anyone's to write, issue 15), and a
 * From-only answer never replaces a token one (store.c); an unsubscribe suppresses the
 * address; a failed delivery report suppresses at once when hard, after three soft ones in a row,
 * and never for a 5.7.x policy rejection (that is about us) — a report that maps to none of our
 * deliveries (backscatter) is ignored, as are delayed/delivered reports; an ARF complaint
 * suppresses and counts; auto-replies are recorded and never answered.  Each answer is stored with
 * its level (answers.h) and the rule that read it: sure ones readable (tallied), likely ones with
 * their proposed value but not readable (the coach confirms them), unreadable ones with the
 * sentence only.  The own words (reply.h's new text) are kept bounded (store.h), beside the row.
 *
 * Nothing lost: the message row (source, location, hash, class, reason, the person's own words) is
 * written in the same transaction as its effects, before them; the IMAP cursor moves in that
 * transaction too, and the mailbox is touched (\Seen, move) only after the commit.
 *
 * One decision, two uses: collect_understand parses, analyses and decides a message (collect_decide:
 * class, match, own words, answers, what to suppress and count) reading the state but never
 * writing; collect_carry_out records that plan.  nl_collector_add does both; nl_collect_inspect
 * (`mailer inspect`) shows the plan instead, so what inspect says is what collect does.
 *
 * Two threads for a Maildir or an mbox (collect_ahead): one reads, hashes, parses and analyses
 * the next messages (collect_parse: the mailbox, message.c, reply.c, dsn.c, unsubscribe.c), the
 * other matches, reads the answers and records (the state, answers.c, prose.c): no module is used
 * by both.  The order of the messages, and so of their rows, is the mailbox's either way.
 */
#include "collect.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "buf.h"
#include "campaign_survey.h"
#include "inbox.h"
#include "message.h"
#include "reply.h"
#include "sha256.h"
#include "survey.h"
#include "util.h"

struct collect_survey {
	char *campaign;
	struct nl_survey *survey; /* owned; NULL when the campaign has none or it cannot be read */
};

struct nl_collector {
	struct nl_store *store; /* NULL for an inspection without a state: nothing matches */
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
		nl_survey_free(col->surveys[i].survey);
	}
	free(col->surveys);
	free(col->unsubscribe_address);
	free(col);
}

/* The survey of a campaign as it was sent (campaign_survey.h: stored with the campaign, or parsed
 * from an old campaign's article source), read once per collector.  A campaign whose survey cannot
 * be read counts as one without a survey: its replies are recorded, their answers not. */
static struct collect_survey *collect_survey_entry(struct nl_collector *col, const char *campaign)
{
	for (size_t i = 0; i < col->n_surveys; i++)
		if (strcmp(col->surveys[i].campaign, campaign) == 0)
			return &col->surveys[i];
	struct nl_campaign c = {0};
	struct nl_survey *survey = NULL;
	if (col->store && nl_store_campaign_get(col->store, campaign, &c, NULL) == NL_OK &&
	    nl_campaign_survey(&c, &survey, NULL, NULL) != NL_OK)
		survey = NULL;
	nl_campaign_clear(&c);
	col->surveys = nl_xrealloc(col->surveys, (col->n_surveys + 1) * sizeof *col->surveys);
	col->surveys[col->n_surveys] = (struct collect_survey){nl_xstrdup(campaign), survey};
	return &col->surveys[col->n_surveys++];
}

/* The delivery this message answers: by token first, then by From address.  *src gets where the
 * token was found (0 for a From match or none). */
static enum nl_code collect_match(struct nl_collector *col, const struct nl_reply *r,
                                  const struct nl_message *msg, bool returned_only, struct nl_delivery *d,
                                  enum nl_match *match, enum nl_token_source *src, struct nl_error *err)
{
	*match = NL_MATCH_NONE;
	*src = 0;
	if (!col->store)
		return NL_OK;
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
		*src = t->source;
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

/* How a message matched, for people (nl_inspection.match_how). */
static const char *collect_match_how(enum nl_match match, enum nl_token_source src)
{
	if (match == NL_MATCH_FROM)
		return "From address";
	if (match != NL_MATCH_TOKEN)
		return NULL;
	switch (src) {
	case NL_TOKEN_SRC_PLUS_ADDRESS:
		return "token in the plus-address";
	case NL_TOKEN_SRC_MESSAGE_ID:
		return "Message-ID reference";
	case NL_TOKEN_SRC_MAILTO:
		return "mailto subject";
	case NL_TOKEN_SRC_RETURNED:
		return "token in the returned original";
	}
	return "token";
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
	*n_out = 0;
	if (!col->store)
		return NL_OK;
	struct nl_delivery tok = {0};
	enum nl_match m;
	enum nl_token_source src;
	enum nl_code rc = collect_match(col, r, msg, false, &tok, &m, &src, err);
	if (rc != NL_OK)
		return rc;
	if (m != NL_MATCH_TOKEN)
		nl_delivery_clear(&tok);
	/* The returned original is there, with its Message-ID, and carries no token of ours: a bounce
	 * for mail we never sent (backscatter, or forged to suppress someone).  The address alone is
	 * then no evidence (doc/RELIABILITY.md §5 #19). */
	bool foreign =
	    m != NL_MATCH_TOKEN && msg->returned_headers && collect_has_message_id(msg->returned_headers);
	size_t failed = 0;
	for (size_t i = 0; i < r->n_bounces; i++)
		failed += r->bounces[i].action == NL_DSN_FAILED;
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

/* The own words to keep (store.h): `text` whole when it fits NL_STORE_OWN_WORDS_MAX bytes, else its
 * start, cut before a UTF-8 character (never inside one) and marked with how much was left out, the
 * whole at most NL_STORE_OWN_WORDS_MAX bytes.  NULL for NULL. */
static char *collect_own_words(const char *text)
{
	if (!text)
		return NULL;
	size_t len = strlen(text);
	if (len <= NL_STORE_OWN_WORDS_MAX)
		return nl_xstrdup(text);
	/* room for the mark: "\n[… cut: " (11 bytes), at most 20 digits, " more bytes]" (12) */
	size_t keep = nl_utf8_cut(text, len, NL_STORE_OWN_WORDS_MAX - 48);
	return nl_xasprintf("%.*s\n[\xe2\x80\xa6 cut: %zu more bytes]", (int)keep, text, len - keep);
}

/* ---- Deciding what a message is and what it causes (reads the state, never writes) ---- */

/* Everything collect will record for one message, and everything it will do because of it.
 * Computed by collect_decide, carried out by collect_carry_out; nl_collect_inspect shows it. */
struct collect_plan {
	enum nl_inbound_class cls;
	char *reason; /* owned */
	enum nl_match match;
	enum nl_token_source match_src; /* with NL_MATCH_TOKEN: where the token was */
	struct nl_delivery d;           /* the delivery matched (d.campaign NULL when none) */
	char *campaign, *email;         /* owned; as the message row records them */
	char *own_words;                /* owned; NULL when not kept */
	/* The survey the answers were read with: borrowed from the collector (the campaign's), or
	 * the inspection's fallback; NULL when none. */
	const struct nl_survey *survey;
	bool survey_is_campaigns;
	struct nl_answers answers; /* a person's reply: read with `survey` (contact/unread_words only
	                            * when it is NULL) */
	int n_answers;             /* answers to record: the count on the message row */
	bool record_answers;       /* a matched reply whose campaign has a survey */
	const char *suppress;      /* borrowed; the address to suppress, or NULL */
	enum nl_suppress_reason suppress_why;
	struct collect_bounce *bounces; /* owned; failed recipients mapped to our deliveries */
	size_t n_bounces;
};

static void collect_plan_clear(struct collect_plan *p)
{
	free(p->reason);
	nl_delivery_clear(&p->d);
	free(p->campaign);
	free(p->email);
	free(p->own_words);
	nl_answers_free(&p->answers);
	for (size_t i = 0; i < p->n_bounces; i++)
		nl_delivery_clear(&p->bounces[i].d);
	free(p->bounces);
	memset(p, 0, sizeof *p);
}

/* Reads the answers of a person's reply with `survey` (may be NULL). */
static void collect_read_answers(const struct nl_reply *r, const struct nl_survey *survey,
                                 struct nl_answers *ans)
{
	memset(ans, 0, sizeof *ans);
	/* The mailto answer format puts the answer in the subject: read it as a line of its own,
	 * "QID VALUE", before the body's lines. */
	size_t n = r->n_lines, k = 0;
	struct nl_reply_line *lines = nl_xcalloc(n + 1, sizeof *lines);
	char *mailto = NULL;
	if (survey && r->mailto_question && r->mailto_value) {
		mailto = nl_xasprintf("%s %s", r->mailto_question, r->mailto_value);
		lines[k++] = (struct nl_reply_line){.text = mailto, .len = strlen(mailto)};
	}
	if (n)
		memcpy(lines + k, r->lines, n * sizeof *lines);
	nl_answers_read(survey, lines, n + k, ans);
	free(lines);
	free(mailto);
}

static void collect_plan_answers(struct collect_plan *p, const struct nl_reply *r,
                                 const struct nl_survey *survey)
{
	p->survey = survey;
	collect_read_answers(r, survey, &p->answers);
	for (size_t i = 0; i < p->answers.count; i++)
		p->n_answers += survey && p->answers.items[i].question < survey->n_questions;
}

static enum nl_code collect_decide_bounce(struct nl_collector *col, const struct nl_reply *r,
                                          const struct nl_message *msg, struct collect_plan *p,
                                          struct nl_error *err)
{
	p->cls = NL_INBOUND_BOUNCE;
	p->bounces = nl_xcalloc(r->n_bounces ? r->n_bounces : 1, sizeof *p->bounces);
	enum nl_code rc = collect_map_bounces(col, r, msg, p->bounces, &p->n_bounces, err);
	if (rc != NL_OK)
		return rc;
	if (!p->n_bounces) {
		p->cls = NL_INBOUND_IGNORED;
		p->reason = nl_xstrdup(!col->store ? "bounce (no state to map its recipients to deliveries)"
		                       : r->n_bounces ? "bounce for mail we never sent (no delivery matches)"
		                                      : "bounce naming no recipient");
		return NL_OK;
	}
	/* the message is recorded under the first mapped delivery */
	p->campaign = nl_xstrdup(p->bounces[0].d.campaign);
	p->email = nl_xstrdup(p->bounces[0].d.email);
	p->match = NL_MATCH_TOKEN;
	p->match_src = NL_TOKEN_SRC_RETURNED;
	const struct nl_bounce *b0 = p->bounces[0].b;
	p->reason =
	    nl_xasprintf("%s %s%s%s%s",
	                 b0->hard     ? "hard"
	                 : b0->policy ? "policy"
	                              : "soft",
	                 b0->status[0] ? b0->status : "(no status)", b0->reason ? " " : "",
	                 b0->reason ? b0->reason : "", p->n_bounces > 1 ? " (and more recipients)" : "");
	return NL_OK;
}

/* Decides what an analysed message is and what it causes: its class and reason, the delivery it
 * matches, its own words, the answers it carries, the address to suppress, the bounces to count.
 * Reads the state (matching, the campaign's survey), never writes.  `fallback` (may be NULL) is
 * the survey a person's message that matches no campaign is read with: only inspections pass one;
 * collect never reads answers it cannot attribute. */
static enum nl_code collect_decide(struct nl_collector *col, const struct nl_reply *r,
                                   const struct nl_message *msg, const struct nl_survey *fallback,
                                   struct collect_plan *p, struct nl_error *err)
{
	if (r->kind == NL_REPLY_BOUNCE)
		return collect_decide_bounce(col, r, msg, p, err);
	bool returned_only = r->kind == NL_REPLY_COMPLAINT;
	enum nl_code rc = collect_match(col, r, msg, returned_only, &p->d, &p->match, &p->match_src, err);
	if (rc != NL_OK)
		return rc;
	if (p->match != NL_MATCH_NONE) {
		p->campaign = nl_xstrdup(p->d.campaign);
		p->email = nl_xstrdup(p->d.email);
	}
	switch (r->kind) {
	case NL_REPLY_PERSON:
		p->own_words = collect_own_words(r->new_text);
		if (p->match == NL_MATCH_NONE) {
			/* without a state nothing can match: the class is that of a reply, unattributed */
			p->cls = col->store ? NL_INBOUND_STRANGER : NL_INBOUND_ANSWER;
			p->reason = nl_xstrdup(col->store ? "no token of ours and no delivery to the sender"
			                                  : "a reply (no state to match it against)");
			if (fallback)
				collect_plan_answers(p, r, fallback);
			break;
		}
		p->cls = NL_INBOUND_ANSWER;
		struct collect_survey *cs = collect_survey_entry(col, p->d.campaign);
		collect_plan_answers(p, r, cs->survey);
		p->survey_is_campaigns = cs->survey != NULL;
		p->record_answers = cs->survey != NULL;
		p->reason =
		    nl_xasprintf("%s%s", p->match == NL_MATCH_FROM ? "matched by From address only; " : "",
		                 p->n_answers ? "answers read"
		                 : cs->survey ? "no answers (a reply, not a respondent)"
		                              : "the campaign has no survey");
		break;
	case NL_REPLY_UNSUBSCRIBE: {
		p->cls = NL_INBOUND_UNSUBSCRIBE;
		p->own_words = collect_own_words(r->new_text);
		const char *who = p->match != NL_MATCH_NONE ? p->d.email : msg->from_address;
		if (!p->email && who)
			p->email = nl_xstrdup(who);
		p->reason = nl_xstrdup(r->reason ? r->reason : "unsubscribe request");
		p->suppress = who;
		p->suppress_why = NL_SUPPRESS_UNSUBSCRIBED;
		break;
	}
	case NL_REPLY_COMPLAINT: {
		p->cls = NL_INBOUND_COMPLAINT;
		const char *who = p->match != NL_MATCH_NONE                 ? p->d.email
		                  : r->n_bounces && r->bounces[0].recipient ? r->bounces[0].recipient
		                                                            : NULL;
		if (!p->email && who)
			p->email = nl_xstrdup(who);
		p->reason = nl_xasprintf("complaint (%s)%s", r->feedback_type ? r->feedback_type : "abuse",
		                         who ? "" : ": names no address");
		p->suppress = who;
		p->suppress_why = NL_SUPPRESS_COMPLAINED;
		break;
	}
	case NL_REPLY_AUTO:
		p->cls = NL_INBOUND_AUTO_REPLY;
		p->own_words = collect_own_words(r->new_text);
		p->reason = nl_xstrdup(r->reason ? r->reason : "auto-reply");
		break;
	case NL_REPLY_IGNORED:
	default:
		p->cls = NL_INBOUND_IGNORED;
		p->reason = nl_xstrdup(r->reason ? r->reason : "report that is not a failure");
		break;
	}
	return NL_OK;
}

/* One raw message as collect understands it: parsed, analysed and decided, nothing written. */
struct collect_view {
	struct nl_message *msg; /* owned; NULL when it does not parse */
	struct nl_reply *r;     /* owned; NULL when not analysed */
	char hash[2 * NL_SHA256_LEN + 1];
	bool known; /* already in the state (by Message-ID or content hash) */
	struct collect_plan plan;
};

static void collect_view_clear(struct collect_view *v)
{
	collect_plan_clear(&v->plan);
	nl_reply_free(v->r);
	nl_message_free(v->msg);
	memset(v, 0, sizeof *v);
}

/* The first part of understanding a message, touching neither the state nor the mailbox, so that
 * a second thread can do it ahead (collect_ahead): its hash, its parse and the analysis of the
 * reply (message.c, reply.c, dsn.c and unsubscribe.c, which nothing on this thread's side uses). */
struct collect_parsed {
	char hash[2 * NL_SHA256_LEN + 1];
	struct nl_message *msg; /* owned; NULL when it does not parse */
	enum nl_code prc;       /* nl_message_parse's result */
	struct nl_error perr;
	struct nl_reply *r;     /* owned; NULL when not analysed */
	enum nl_code rrc;       /* nl_reply_analyse's result */
	struct nl_error rerr;
};

static void collect_parse(const char *unsubscribe_address, const char *data, size_t len, struct collect_parsed *p)
{
	memset(p, 0, sizeof *p);
	collect_hash(data, len, p->hash);
	p->prc = nl_message_parse(data, len, &p->msg, &p->perr);
	if (p->prc != NL_OK) {
		nl_message_free(p->msg);
		p->msg = NULL;
		return;
	}
	struct nl_reply_options ropt = {.unsubscribe_address = unsubscribe_address};
	p->rrc = nl_reply_analyse(p->msg, &ropt, &p->r, &p->rerr);
	if (p->rrc != NL_OK) {
		nl_reply_free(p->r);
		p->r = NULL;
	}
}

static void collect_parsed_clear(struct collect_parsed *p)
{
	nl_reply_free(p->r);
	nl_message_free(p->msg);
	p->r = NULL;
	p->msg = NULL;
}

/* Analyses and decides a parsed message (untrusted), taking its parse.  With `stop_if_known`, a
 * message already in the state is left there (v->known, no plan).  A message that cannot be
 * parsed or analysed is planned as unreadable, with the reason.  Returns NL_OK or the state's
 * error. */
static enum nl_code collect_understand_parsed(struct nl_collector *col, struct collect_parsed *p,
                                              const struct nl_survey *fallback, bool stop_if_known,
                                              struct collect_view *v, struct nl_error *err)
{
	memset(v, 0, sizeof *v);
	memcpy(v->hash, p->hash, sizeof v->hash);
	v->msg = p->msg;
	v->r = p->r;
	p->msg = NULL;
	p->r = NULL;
	if (col->store) {
		enum nl_code rc = nl_store_inbound_known(col->store, v->msg ? v->msg->message_id : NULL,
		                                         v->hash, &v->known, err);
		if (rc != NL_OK || (v->known && stop_if_known))
			return rc;
	}
	if (p->prc != NL_OK) {
		v->plan.cls = NL_INBOUND_UNREADABLE;
		v->plan.reason = nl_xasprintf("unreadable: %s", p->perr.detail[0] ? p->perr.detail : nl_strerror(p->prc));
		return NL_OK;
	}
	if (p->rrc != NL_OK) {
		v->plan.cls = NL_INBOUND_UNREADABLE;
		v->plan.reason = nl_xasprintf("cannot analyse: %s", p->rerr.detail);
		return NL_OK;
	}
	return collect_decide(col, v->r, v->msg, fallback, &v->plan, err);
}

/* Parses, analyses and decides one raw message (collect_parse, collect_understand_parsed). */
static enum nl_code collect_understand(struct nl_collector *col, const char *data, size_t len,
                                       const struct nl_survey *fallback, bool stop_if_known,
                                       struct collect_view *v, struct nl_error *err)
{
	struct collect_parsed p;
	collect_parse(col->unsubscribe_address, data, len, &p);
	return collect_understand_parsed(col, &p, fallback, stop_if_known, v, err);
}

/* ---- Carrying the plan out (writes; the caller owns the transaction) ---- */

static enum nl_code collect_record(struct nl_collector *col, struct nl_inbound *in, int64_t *id,
                                   struct nl_collect_stats *stats, struct nl_error *err)
{
	in->received = nl_now();
	enum nl_code rc = nl_store_inbound_add(col->store, in, id, err);
	if (rc == NL_OK && stats)
		stats->by_class[in->cls]++;
	return rc;
}

static enum nl_code collect_store_answers(struct nl_collector *col, const struct collect_plan *p,
                                          int64_t inbound_id,
                                          struct nl_collect_stats *stats, struct nl_error *err)
{
	/* When it reached us, not the Date: the sender wrote (store.c orders answers by it). */
	time_t when = nl_now();
	const struct nl_survey *survey = p->survey;
	enum nl_code rc = NL_OK;
	for (size_t i = 0; i < p->answers.count && rc == NL_OK; i++) {
		const struct nl_answer *a = &p->answers.items[i];
		if (a->question >= survey->n_questions)
			continue;
		/* sure: tallied; likely: the proposed value kept for the coach, not tallied */
		bool sure = a->status == NL_ANSWER_OK, likely = a->status == NL_ANSWER_LIKELY;
		struct nl_stored_answer sa = {
		    .campaign = p->d.campaign,
		    .email = p->d.email,
		    .name = p->d.name,
		    .question = survey->questions[a->question].id,
		    .readable = sure,
		    .value = sure || likely ? a->value : NULL,
		    .raw = a->raw,
		    .match = p->match,
		    .inbound_id = inbound_id,
		    .answered = when,
		    .likely = likely,
		    .rule = NL_UNCONST(a->rule),
		    .settled = false,
		};
		rc = nl_store_answer_put(col->store, &sa, err);
		if (rc == NL_OK && stats)
			stats->answers++;
	}
	return rc;
}

static enum nl_code collect_count_bounces(struct nl_collector *col, const struct collect_plan *p, int64_t id,
                                          struct nl_collect_stats *stats, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	for (size_t i = 0; i < p->n_bounces && rc == NL_OK; i++) {
		const struct nl_bounce *b = p->bounces[i].b;
		const struct nl_delivery *d = &p->bounces[i].d;
		if (b->policy)
			continue; /* about our sending, not the recipient (doc/RELIABILITY.md §2.2) */
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
	return rc;
}

/* Records the message row (`in` has source, location, hash, and the message's Message-ID, From and
 * subject when it parsed) with what the plan decided, then its effects, in the caller's
 * transaction. */
static enum nl_code collect_carry_out(struct nl_collector *col, const struct collect_plan *p,
                                      const struct nl_message *msg, struct nl_inbound *in,
                                      struct nl_collect_stats *stats, struct nl_error *err)
{
	in->cls = p->cls;
	in->match = p->match;
	in->campaign = p->campaign;
	in->email = p->email;
	in->reason = p->reason;
	in->answers = p->n_answers;
	in->own_words = p->own_words;
	in->contact = p->answers.contact;
	in->unread_words = p->answers.unread_words;
	int64_t id = 0;
	enum nl_code rc = collect_record(col, in, &id, stats, err);
	if (rc == NL_OK && p->cls == NL_INBOUND_ANSWER && p->match == NL_MATCH_FROM && stats)
		stats->matched_from++;
	if (rc == NL_OK && p->record_answers)
		rc = collect_store_answers(col, p, id, stats, err);
	if (rc == NL_OK && p->suppress)
		rc = collect_suppress(col, p->suppress, p->suppress_why, p->reason, stats, err);
	if (rc == NL_OK && p->n_bounces)
		rc = collect_count_bounces(col, p, id, stats, err);
	return rc;
}

/* nl_collector_add with the parse done already (by collect_ahead); takes p's message. */
static enum nl_code collector_add_parsed(struct nl_collector *col, const char *source, const char *location,
                                         size_t len, struct collect_parsed *p, struct nl_collect_stats *stats,
                                         enum nl_inbound_class *cls, struct nl_error *err)
{
	if (cls)
		*cls = 0;
	if (stats) {
		stats->seen++;
		stats->bytes += (double)len;
	}
	/* the row borrows every string: from the caller, the message and the plan */
	struct nl_inbound in = {.source = NL_UNCONST(source), .location = NL_UNCONST(location)};
	struct collect_view v;
	enum nl_code rc = collect_understand_parsed(col, p, NULL, true, &v, err);
	if (rc != NL_OK || v.known) {
		if (rc == NL_OK && stats)
			stats->known++;
		goto out;
	}
	memcpy(in.hash, v.hash, sizeof in.hash);
	if (v.msg) {
		in.message_id = v.msg->message_id;
		in.from_address = v.msg->from_address;
		in.subject = v.msg->subject;
	}
	rc = collect_carry_out(col, &v.plan, v.msg, &in, stats, err);
	if (rc == NL_OK && cls)
		*cls = in.cls;
out:
	collect_view_clear(&v);
	return rc;
}

enum nl_code nl_collector_add(struct nl_collector *col, const char *source, const char *location,
                              const char *data, size_t len, struct nl_collect_stats *stats,
                              enum nl_inbound_class *cls, struct nl_error *err)
{
	struct collect_parsed p;
	collect_parse(col->unsubscribe_address, data, len, &p);
	return collector_add_parsed(col, source, location, len, &p, stats, cls, err);
}

enum nl_code nl_collector_add_failed(struct nl_collector *col, const char *source, const char *location,
                                     const char *reason, struct nl_collect_stats *stats, struct nl_error *err)
{
	struct nl_inbound in = {
	    .source = NL_UNCONST(source), .location = NL_UNCONST(location), .cls = NL_INBOUND_UNREADABLE};
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

/* ---- Inspection: the same understanding, shown instead of recorded ---- */

enum nl_code nl_collect_inspect(struct nl_store *store, const struct nl_survey *fallback_survey,
                                const char *unsubscribe_mailto, const char *reply_to, const char *data,
                                size_t len, struct nl_inspection *out, struct nl_error *err)
{
	memset(out, 0, sizeof *out);
	struct nl_collector *col = nl_collector_new(store, unsubscribe_mailto, reply_to);
	struct collect_view v;
	enum nl_code rc = collect_understand(col, data, len, fallback_survey, false, &v, err);
	if (rc == NL_OK) {
		struct collect_plan *p = &v.plan;
		out->cls = p->cls;
		out->known = v.known;
		out->match = p->match;
		out->match_how = collect_match_how(p->match, p->match_src);
		/* the strings move to the inspection */
		out->reason = p->reason;
		out->campaign = p->campaign;
		out->email = p->email;
		out->own_words = p->own_words;
		out->answers = p->answers;
		p->reason = p->campaign = p->email = p->own_words = NULL;
		memset(&p->answers, 0, sizeof p->answers);
		if (p->survey_is_campaigns) { /* taken from the collector, which goes now */
			struct collect_survey *cs = collect_survey_entry(col, p->d.campaign);
			out->survey = cs->survey;
			cs->survey = NULL;
		}
	}
	collect_view_clear(&v);
	nl_collector_free(col);
	return rc;
}

void nl_inspection_clear(struct nl_inspection *in)
{
	if (!in)
		return;
	free(in->reason);
	free(in->campaign);
	free(in->email);
	free(in->own_words);
	nl_survey_free(in->survey);
	nl_answers_free(&in->answers);
	memset(in, 0, sizeof *in);
}

/* ---- The run ---- */

/* ---- Reading ahead: a Maildir or an mbox is read, hashed, parsed and analysed by a second
 * thread while this one matches and records the messages before.  The other thread touches only
 * the mailbox and the modules collect_parse names, this one only the state and the rest; they meet
 * in a queue of at most COLLECT_AHEAD messages and COLLECT_AHEAD_BYTES.  IMAP is read ahead too
 * when `after` is keep, so that a fetch overlaps the recording of the batch before (2,000 replies
 * through Dovecot on loopback: 12,300-14,100/s read here, 16,100/s ahead); otherwise its session
 * also serves the `after` commands between batches, from this thread, and is read here.
 * ---- */

#define COLLECT_AHEAD 64
/* ...and no more bytes than this waiting (but one message, whatever its size): memory stays
 * bounded with messages near the 25 MB bound (issue 15: a 1 GB mbox under 64 MB). */
#define COLLECT_AHEAD_BYTES (8u << 20)

struct collect_ahead_item {
	enum nl_code nrc; /* nl_inbox_next's: NL_OK, NL_ERR_NOT_FOUND at the end, or a failure */
	struct nl_error ierr;
	char *location;
	uint32_t uid; /* IMAP */
	char *data;
	size_t len;
	struct collect_parsed parsed; /* when nrc is NL_OK */
};

struct collect_ahead {
	struct nl_inbox *inbox;
	const char *unsubscribe_address; /* the collector's, for nl_reply_analyse */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct collect_ahead_item items[COLLECT_AHEAD];
	size_t head, tail; /* items [tail, head) are ready, modulo COLLECT_AHEAD */
	size_t bytes;      /* their sizes */
	bool stop;         /* this thread wants no more */
};

static void collect_ahead_item_free(struct collect_ahead_item *it)
{
	free(it->location);
	free(it->data);
	collect_parsed_clear(&it->parsed);
	memset(it, 0, sizeof *it);
}

static void *collect_ahead_run(void *arg)
{
	struct collect_ahead *a = arg;
	for (bool last = false; !last;) {
		struct collect_ahead_item it = {0};
		struct nl_inbox_message m;
		it.nrc = nl_inbox_next(a->inbox, &m, &it.ierr);
		if (it.nrc != NL_ERR_NOT_FOUND) {
			it.location = nl_xstrdup(m.location ? m.location : "?");
			it.uid = m.uid;
		}
		if (it.nrc == NL_OK) {
			it.data = nl_xmalloc(m.len + 1);
			memcpy(it.data, m.data, m.len);
			it.data[m.len] = '\0';
			it.len = m.len;
			collect_parse(a->unsubscribe_address, it.data, it.len, &it.parsed);
		}
		last = it.nrc == NL_ERR_NOT_FOUND || it.nrc == NL_ERR_INBOX;
		pthread_mutex_lock(&a->lock);
		while ((a->head - a->tail == COLLECT_AHEAD ||
		        (a->head != a->tail && a->bytes + it.len > COLLECT_AHEAD_BYTES)) &&
		       !a->stop)
			pthread_cond_wait(&a->changed, &a->lock);
		bool stop = a->stop;
		if (!stop) {
			a->items[a->head % COLLECT_AHEAD] = it;
			a->head++;
			a->bytes += it.len;
			pthread_cond_signal(&a->changed);
		}
		pthread_mutex_unlock(&a->lock);
		if (stop) {
			collect_ahead_item_free(&it);
			break;
		}
	}
	return NULL;
}

/* Starts reading `inbox` ahead; NULL when the thread cannot start (then read it here). */
static struct collect_ahead *collect_ahead_start(struct nl_inbox *inbox, const char *unsubscribe_address)
{
	struct collect_ahead *a = nl_xcalloc(1, sizeof *a);
	a->inbox = inbox;
	a->unsubscribe_address = unsubscribe_address;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	if (nl_thread_start(&a->thread, collect_ahead_run, a) != 0) {
		pthread_cond_destroy(&a->changed);
		pthread_mutex_destroy(&a->lock);
		free(a);
		return NULL;
	}
	return a;
}

/* The next message read ahead, in mailbox order (waits for it). */
static void collect_ahead_next(struct collect_ahead *a, struct collect_ahead_item *out)
{
	pthread_mutex_lock(&a->lock);
	while (a->head == a->tail)
		pthread_cond_wait(&a->changed, &a->lock);
	*out = a->items[a->tail % COLLECT_AHEAD];
	a->tail++;
	a->bytes -= out->len;
	pthread_cond_signal(&a->changed);
	pthread_mutex_unlock(&a->lock);
}

/* Stops the other thread (it may be in the middle of a message) and frees what it read. */
static void collect_ahead_stop(struct collect_ahead *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->changed);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	for (; a->tail != a->head; a->tail++)
		collect_ahead_item_free(&a->items[a->tail % COLLECT_AHEAD]);
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

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
	    .timeout = opt->timeout,
	};
	struct nl_inbox *inbox = NULL;
	struct nl_collector *col = NULL;
	struct collect_ahead *ahead = NULL;
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
	size_t total = nl_inbox_count(inbox), batch = opt->batch ? opt->batch : 4096;
	col = nl_collector_new(store, opt->unsubscribe_mailto, opt->reply_to);
	uids = nl_xmalloc(batch * sizeof *uids);
	if (!imap || opt->after == NL_AFTER_KEEP)
		ahead = collect_ahead_start(inbox, col->unsubscribe_address);
	bool more = true;
	while (more) {
		size_t n_uids = 0, n = 0;
		if ((rc = nl_store_begin(store, err)) != NL_OK)
			goto out;
		enum nl_code inbox_rc = NL_OK;
		struct nl_error ierr = {0};
		while (n < batch) {
			struct nl_inbox_message m = {0};
			struct collect_ahead_item it = {0};
			enum nl_code nrc;
			if (ahead) {
				collect_ahead_next(ahead, &it);
				nrc = it.nrc;
				ierr = it.ierr;
				m.location = it.location;
				m.uid = it.uid;
				m.len = it.len;
			} else {
				nrc = nl_inbox_next(inbox, &m, &ierr);
			}
			if (nrc == NL_ERR_NOT_FOUND || nrc == NL_ERR_INBOX) {
				/* the end, or the mailbox failed: keep what is done, report */
				if (nrc == NL_ERR_INBOX)
					inbox_rc = nrc;
				collect_ahead_item_free(&it);
				more = false;
				break;
			}
			n++;
			if (nrc == NL_OK && ahead)
				rc = collector_add_parsed(col, source, m.location, m.len, &it.parsed, stats,
				                          NULL, err);
			else if (nrc == NL_OK)
				rc = nl_collector_add(col, source, m.location, m.data, m.len, stats, NULL,
				                      err);
			else
				rc = nl_collector_add_failed(col, source, m.location ? m.location : "?",
				                             ierr.detail, stats, err);
			collect_ahead_item_free(&it);
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
	collect_ahead_stop(ahead); /* before the inbox it reads goes */
	free(uids);
	nl_collector_free(col);
	nl_inbox_close(inbox);
	return rc;
}
