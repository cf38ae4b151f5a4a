/* collect.h - reading the inbox into the state: every message recorded, classified, matched to a
 * delivery, and acted on (answers stored, addresses suppressed, bounces counted) (doc/DESIGN.md §2, §4, §5).
 *
 * inbox → message → reply → survey answers → store.  Each message is recorded (source, location,
 * hash, class, reason; for a person's reply, an unsubscribe or an auto-reply also its own words,
 * and for a reply the request to be contacted in words and whether words were left unread) in the
 * same transaction as what it causes, so a crash never leaves an answer without its message or a
 * message half applied; a message already known by Message-ID or content hash is skipped, so
 * collecting the same mailbox twice changes nothing.  One unreadable message is recorded as such
 * and the batch goes on; only a failing mailbox or state stops it.  Answers are stored with their
 * level (answers.h): sure ones readable and tallied, likely ones with their proposed value for the
 * coach to confirm, unreadable ones with their sentence; each with the rule that read it.
 */
#ifndef NL_COLLECT_H
#define NL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "answers.h"
#include "config.h"
#include "error.h"
#include "store.h"
#include "survey.h"

/* What a run did; every message seen lands in exactly one of the class counters or `known`. */
struct nl_collect_stats {
	long seen;         /* messages read from the source */
	long known;        /* skipped: already recorded by an earlier run */
	long by_class[9];  /* recorded, by enum nl_inbound_class */
	long answers;      /* answers stored (one per question) */
	long matched_from; /* replies matched by From address only (weaker evidence) */
	long suppressed;   /* addresses newly put on the suppression list */
	long fetch_errors; /* messages the source could not hand over (recorded as unreadable) */
	double bytes;      /* raw bytes read */
};

struct nl_collector;

/* A collector applies messages to `store` (borrowed).  `unsubscribe_mailto` is the configured
 * List-Unsubscribe mailto ("mailto:…", may be NULL): mail sent to that address unsubscribes, unless
 * it is the `reply_to` address (may be NULL) that replies go to as well, where only the subject
 * and the first lines decide.  Free with nl_collector_free. */
struct nl_collector *nl_collector_new(struct nl_store *store, const char *unsubscribe_mailto,
                                      const char *reply_to);
void nl_collector_free(struct nl_collector *col); /* NULL accepted */

/* Handles one raw message (untrusted) from `source` at `location`: skips it if known, else parses,
 * classifies, matches and records it with its effects.  *cls (may be NULL) gets the class recorded,
 * or 0 when the message was already known.  The caller owns any transaction around it.  Returns
 * NL_OK whatever the message was (an unreadable one is recorded as such), or NL_ERR_STATE. */
NL_MUST_USE enum nl_code nl_collector_add(struct nl_collector *col, const char *source, const char *location,
                              const char *data, size_t len, struct nl_collect_stats *stats,
                              enum nl_inbound_class *cls, struct nl_error *err);
/* Records a message the source could not hand over (too large, vanished) as unreadable with the
 * reason, so it is not lost silently. */
NL_MUST_USE enum nl_code nl_collector_add_failed(struct nl_collector *col, const char *source, const char *location,
                                     const char *reason, struct nl_collect_stats *stats,
                                     struct nl_error *err);

/* ---- Inspection (`mailer inspect`): what collect would make of one message, recorded nowhere ---- */

struct nl_inspection {
	enum nl_inbound_class cls; /* the class collect would record */
	char *reason;              /* owned; why, as collect would record it */
	bool known;                /* the state already has this message: collect would skip it */
	enum nl_match match;
	/* static; "token in the plus-address", "Message-ID reference", "mailto subject", "token in the
	 * returned original" (bounces, complaints), "From address", or NULL when nothing matched */
	const char *match_how;
	char *campaign;  /* owned; the matched campaign, or NULL */
	char *email;     /* owned; the subscriber (or the address an unsubscribe names), or NULL */
	char *own_words; /* owned; as collect would store them (store.h), NULL when it keeps none */
	/* owned; the matched campaign's survey, which the answers' question indexes refer to; NULL
	 * when no campaign matched (then the answers, if any, were read with fallback_survey) or the
	 * campaign has none */
	struct nl_survey *survey;
	struct nl_answers answers; /* owned; with contact and unread_words */
};

/* Shows what nl_collector_add would make of one raw message (untrusted), through the same code:
 * classification, matching against `store` (borrowed, only read; NULL: nothing matches, and a
 * person's message is a reply matched to nobody rather than a stranger), the campaign's survey,
 * the readers.  A person's message that matches no campaign is read with `fallback_survey` (may be
 * NULL), which collect itself never does.  `unsubscribe_mailto` and `reply_to` as for
 * nl_collector_new.  A message that does not parse is NL_INBOUND_UNREADABLE with the reason.  *out
 * is filled (free with nl_inspection_clear) on NL_OK; returns NL_OK or the state's NL_ERR_STATE /
 * NL_ERR_LOCKED. */
NL_MUST_USE enum nl_code nl_collect_inspect(struct nl_store *store, const struct nl_survey *fallback_survey,
                                const char *unsubscribe_mailto, const char *reply_to, const char *data,
                                size_t len, struct nl_inspection *out, struct nl_error *err);
void nl_inspection_clear(struct nl_inspection *in); /* NULL accepted */

struct nl_collect_options {
	const char *url; /* the source: [inbox] url, or "maildir:DIR" / "mbox:FILE" from the command line */
	const char *user;
	const char *password; /* IMAP only */
	const char *ca_file;
	enum nl_inbox_after after;
	const char *move_to;
	long timeout; /* IMAP: seconds for each step (inbox.h); 0 = 60 */
	const char *unsubscribe_mailto;
	const char *reply_to;
	size_t batch; /* messages per transaction; 0 = 4096 */
	/* Called after each committed batch (may be NULL): what is done so far out of `total`. */
	void (*progress)(const struct nl_collect_stats *stats, size_t total, void *ud);
	void *ud;
};

/* Collects everything new from the source into `store`.  For IMAP the cursor (UIDVALIDITY, last
 * UID) moves with each committed batch and the `after` action follows the commit.  *stats is
 * filled (zeroed first).  Returns NL_OK, or the inbox's or store's error (NL_ERR_CONFIG, NL_ERR_NOT_FOUND,
 * NL_ERR_INBOX, NL_ERR_TLS, NL_ERR_AUTH, NL_ERR_STATE): what was committed before it stays. */
NL_MUST_USE enum nl_code nl_collect_run(struct nl_store *store, const struct nl_collect_options *opt,
                            struct nl_collect_stats *stats, struct nl_error *err);

#endif
