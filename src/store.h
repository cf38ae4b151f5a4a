/* store.h - the SQLite state (doc/DESIGN.md §5): campaigns, deliveries, suppressions, inbound
 * messages, answers, bounces and the inbox cursor.
 *
 * One file, WAL journal, every commit durable (synchronous=FULL, or a deferred sync that the caller
 * completes: nl_store_defer_sync), a versioned schema migrated on open.  No sqlite3 type
 * appears here.  Strings returned in structs are owned by the struct and freed by its *_clear().
 * Every call that writes is its own transaction unless the caller opened one with
 * nl_store_begin(); the sender groups several deliveries into one commit that way.
 */
#ifndef NL_STORE_H
#define NL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "token.h"

/* 1: the first.  2 (issue 12): campaigns.survey and .title, inbound.own_words, .contact and
 * .unread_words, answers.likely, .rule and .settled.  An older state is migrated on open. */
#define NL_STORE_SCHEMA_VERSION 2

struct nl_store;

/* Opens (creating if needed) the state file and migrates it to the current schema.  Returns
 * NL_OK, NL_ERR_STATE (corrupt, read-only, not a database: the detail says which) or NL_ERR_LOCKED
 * (another process holds it past the busy timeout). */
NL_MUST_USE enum nl_code nl_store_open(const char *path, struct nl_store **out, struct nl_error *err);
void nl_store_close(struct nl_store *store); /* NULL accepted */
/* The schema version found in the file (after open, always NL_STORE_SCHEMA_VERSION). */
int nl_store_schema_version(struct nl_store *store);

/* The HMAC secret for tokens: created with the database, never changes. */
NL_MUST_USE enum nl_code nl_store_secret(struct nl_store *store, unsigned char out[NL_SECRET_LEN], struct nl_error *err);

/* Explicit transactions (BEGIN IMMEDIATE … COMMIT); nesting is not supported. */
NL_MUST_USE enum nl_code nl_store_begin(struct nl_store *store, struct nl_error *err);
/* A read transaction (BEGIN): many lookups under one snapshot and one set of file locks; end it with
 * nl_store_rollback (or nl_store_commit). */
NL_MUST_USE enum nl_code nl_store_begin_read(struct nl_store *store, struct nl_error *err);
NL_MUST_USE enum nl_code nl_store_commit(struct nl_store *store, struct nl_error *err);
void nl_store_rollback(struct nl_store *store);
/* With `on`, commits no longer wait for the disk: nl_store_commit returns once the transaction is in
 * the WAL (visible, and safe from a crash of this process, not yet from a power cut), and
 * nl_store_sync makes everything committed until then durable.  For a caller that overlaps the
 * fsync with other work and acts on a commit only after its sync.  Off (the default) restores
 * commits that sync themselves.  NL_ERR_STATE if the WAL cannot be opened (commits stay synced),
 * or, when turning it off, if the WAL's name led to another file meanwhile. */
NL_MUST_USE enum nl_code nl_store_defer_sync(struct nl_store *store, bool on, struct nl_error *err);
/* One fdatasync of the WAL (nothing unless deferred).  The one store call that is safe from another
 * thread while this one uses the store. */
NL_MUST_USE enum nl_code nl_store_sync(struct nl_store *store, struct nl_error *err);

/* ---- Campaigns ---- */

struct nl_campaign {
	char *id;
	char *subject;
	char *article_path;
	char *source; /* the article file as sent (front matter + Markdown) */
	time_t due;
	time_t created;
	time_t completed; /* 0 while not complete */
	/* 0 until the collection window closed and `run` wrote (and, with report_to, mailed) the
	 * final report */
	time_t report_mailed;
	/* The parsed survey as sent (nl_survey_serialize) and the article's title; NULL for a
	 * campaign recorded before schema version 2, or before nl_store_campaign_set_survey. */
	char *survey;
	char *title;
};
void nl_campaign_clear(struct nl_campaign *c);

/* Inserts the campaign or refreshes subject, path and source of an existing one. */
NL_MUST_USE enum nl_code nl_store_campaign_ensure(struct nl_store *store, const char *id, const char *subject,
                                      const char *article_path, const char *source, time_t due,
                                      struct nl_error *err);
/* Stores the campaign's parsed survey (`survey_text`, nl_survey_serialize's text; NULL when the
 * article has none) and its `title` (may be NULL), replacing what was there.  NL_ERR_NOT_FOUND if
 * there is no such campaign. */
NL_MUST_USE enum nl_code nl_store_campaign_set_survey(struct nl_store *store, const char *id, const char *survey_text,
                                          const char *title, struct nl_error *err);
/* NL_ERR_NOT_FOUND if there is no such campaign. */
NL_MUST_USE enum nl_code nl_store_campaign_get(struct nl_store *store, const char *id, struct nl_campaign *out,
                                   struct nl_error *err);
/* The campaign created last; NL_ERR_NOT_FOUND if there is none. */
NL_MUST_USE enum nl_code nl_store_campaign_latest(struct nl_store *store, struct nl_campaign *out, struct nl_error *err);
/* Calls `fn` for every campaign, oldest first; stops early if fn returns false. */
NL_MUST_USE enum nl_code nl_store_campaign_each(struct nl_store *store, bool (*fn)(const struct nl_campaign *, void *),
                                    void *ud, struct nl_error *err);
NL_MUST_USE enum nl_code nl_store_campaign_set_completed(struct nl_store *store, const char *id, time_t when,
                                             struct nl_error *err);
NL_MUST_USE enum nl_code nl_store_campaign_set_report_mailed(struct nl_store *store, const char *id, time_t when,
                                                 struct nl_error *err);

/* ---- Deliveries (one per campaign and address) ---- */

enum nl_delivery_state {
	NL_DELIVERY_NONE = 0,     /* no row yet */
	NL_DELIVERY_SENDING = 1,  /* written before the SMTP transaction starts */
	NL_DELIVERY_SENT = 2,     /* 2xx after the final dot; the server's reply is kept */
	NL_DELIVERY_DEFERRED = 3, /* 4xx, timeout before the dot, dropped connection: retried */
	NL_DELIVERY_FAILED = 4,   /* 5xx */
	NL_DELIVERY_UNKNOWN = 5,  /* no answer after the final dot: resent only on request */
};
#define NL_DELIVERY_STATES 6
const char *nl_delivery_state_name(enum nl_delivery_state state);

struct nl_delivery {
	char *campaign;
	char *email; /* as in the list; matched case-insensitively */
	char *name;
	char token[NL_TOKEN_LEN + 1];
	enum nl_delivery_state state;
	int attempts;
	time_t next_attempt; /* deferred only: not before this time */
	char *reply;         /* the server's last reply, or the error */
	time_t updated;
};
void nl_delivery_clear(struct nl_delivery *d);

/* Fills *out; out->state is NL_DELIVERY_NONE when there is no row. */
NL_MUST_USE enum nl_code nl_store_delivery_get(struct nl_store *store, const char *campaign, const char *email,
                                   struct nl_delivery *out, struct nl_error *err);
/* Marks the delivery `sending` (creating it) and counts an attempt. */
NL_MUST_USE enum nl_code nl_store_delivery_start(struct nl_store *store, const char *campaign, const char *email,
                                     const char *name, const char *token, struct nl_error *err);
/* Records the outcome: state, the server's reply or error text, and for deferred the retry time. */
NL_MUST_USE enum nl_code nl_store_delivery_finish(struct nl_store *store, const char *campaign, const char *email,
                                      enum nl_delivery_state state, const char *reply, time_t next_attempt,
                                      struct nl_error *err);
/* Counts per state for one campaign; counts[NL_DELIVERY_NONE] is unused. */
NL_MUST_USE enum nl_code nl_store_delivery_counts(struct nl_store *store, const char *campaign,
                                      long counts[NL_DELIVERY_STATES], struct nl_error *err);
/* The delivery whose token this is; NL_ERR_NOT_FOUND otherwise. */
NL_MUST_USE enum nl_code nl_store_delivery_by_token(struct nl_store *store, const char *token, struct nl_delivery *out,
                                        struct nl_error *err);
/* The most recent delivery (any campaign) to this address; NL_ERR_NOT_FOUND otherwise. */
NL_MUST_USE enum nl_code nl_store_delivery_by_email(struct nl_store *store, const char *email, struct nl_delivery *out,
                                        struct nl_error *err);
/* Calls `fn` for each delivery of a campaign in `state` (NL_DELIVERY_NONE = every state), in
 * insertion order; stops early if fn returns false. */
NL_MUST_USE enum nl_code nl_store_delivery_each(struct nl_store *store, const char *campaign,
                                    enum nl_delivery_state state,
                                    bool (*fn)(const struct nl_delivery *, void *), void *ud,
                                    struct nl_error *err);

/* ---- Suppressions ---- */

enum nl_suppress_reason {
	NL_SUPPRESS_UNSUBSCRIBED = 1,
	NL_SUPPRESS_BOUNCED = 2,    /* a hard bounce, or three soft ones in a row */
	NL_SUPPRESS_COMPLAINED = 3, /* an ARF complaint */
	NL_SUPPRESS_FORGOTTEN = 4,  /* `mailer forget`: kept as a keyed hash of the address only */
};
const char *nl_suppress_reason_name(enum nl_suppress_reason reason);

/* True in *out if the address (case-insensitive) is suppressed, also when it was forgotten (its
 * keyed hash is what is kept). */
NL_MUST_USE enum nl_code nl_store_is_suppressed(struct nl_store *store, const char *email, bool *out,
                                    struct nl_error *err);
/* Suppresses the address; a second call keeps the first reason. */
NL_MUST_USE enum nl_code nl_store_suppress(struct nl_store *store, const char *email, enum nl_suppress_reason reason,
                               const char *detail, struct nl_error *err);
/* Number of suppressed addresses per reason (index = reason). */
NL_MUST_USE enum nl_code nl_store_suppress_counts(struct nl_store *store, long counts[4], struct nl_error *err);

/* ---- Inbound messages: every one seen is recorded, whatever it was ---- */

enum nl_inbound_class {
	NL_INBOUND_ANSWER = 1, /* a reply from a subscriber (with or without answers) */
	NL_INBOUND_UNSUBSCRIBE = 2,
	NL_INBOUND_BOUNCE = 3,
	NL_INBOUND_COMPLAINT = 4,
	NL_INBOUND_AUTO_REPLY = 5,
	NL_INBOUND_STRANGER = 6,
	NL_INBOUND_UNREADABLE = 7,
	NL_INBOUND_IGNORED = 8, /* delayed/delivered reports, bounces for mail we never sent */
};
const char *nl_inbound_class_name(enum nl_inbound_class c);

enum nl_match {
	NL_MATCH_NONE = 0,
	NL_MATCH_TOKEN = 1, /* a valid token: plus-address, Message-ID reference or mailto format */
	NL_MATCH_FROM = 2,  /* only the From address matched a delivery: weaker evidence */
};

struct nl_inbound {
	char *source;          /* "imap://host/INBOX", "maildir:/path", "mbox:/path" */
	char *location;        /* "UIDVALIDITY:UID", a file name, or a byte offset */
	char *message_id;      /* may be NULL */
	char hash[2 * 32 + 1]; /* hex SHA-256 of the raw bytes */
	enum nl_inbound_class cls;
	enum nl_match match;
	char *campaign; /* NULL if not matched */
	char *email;    /* the subscriber or bounced address; NULL if none */
	char *from_address;
	char *subject;
	char *reason; /* why it was classified so (unreadable: the parse error) */
	int answers;  /* answers read from it */
	time_t received;
	/* The person's own words (what is left after quotes, quote headers, signatures and footers),
	 * at most NL_STORE_OWN_WORDS_MAX bytes, cut at a UTF-8 character boundary and then marked
	 * "\n[… cut: N more bytes]"; "" when they wrote nothing of their own; NULL when not kept
	 * (bounces, complaints, messages recorded before schema version 2). */
	char *own_words;
	char *contact;     /* the sentence in which they ask to be contacted, or NULL */
	bool unread_words; /* own words that no reader turned into an answer: a person should look */
	int64_t id;        /* the row id (answers' inbound_id); filled by nl_store_inbound_each only */
};
#define NL_STORE_OWN_WORDS_MAX 16384
void nl_inbound_clear(struct nl_inbound *in);

/* True in *out if a message with this Message-ID (when not NULL) or this content hash is known. */
NL_MUST_USE enum nl_code nl_store_inbound_known(struct nl_store *store, const char *message_id, const char *hash,
                                    bool *out, struct nl_error *err);
/* Records a message; *id_out (may be NULL) gets its row id for answers and bounces. */
NL_MUST_USE enum nl_code nl_store_inbound_add(struct nl_store *store, const struct nl_inbound *in, int64_t *id_out,
                                  struct nl_error *err);
/* Calls `fn` for each inbound message of a campaign (NULL = those matched to none), oldest first. */
NL_MUST_USE enum nl_code nl_store_inbound_each(struct nl_store *store, const char *campaign,
                                   bool (*fn)(const struct nl_inbound *, void *), void *ud,
                                   struct nl_error *err);
/* Counts per class for one campaign (index = class; NULL campaign = unmatched messages). */
NL_MUST_USE enum nl_code nl_store_inbound_counts(struct nl_store *store, const char *campaign, long counts[9],
                                     struct nl_error *err);

/* The IMAP cursor: what was seen of a mailbox, so only new mail is fetched. */
NL_MUST_USE enum nl_code nl_store_cursor_get(struct nl_store *store, const char *mailbox, uint32_t *uidvalidity,
                                 uint32_t *last_uid, struct nl_error *err);
NL_MUST_USE enum nl_code nl_store_cursor_set(struct nl_store *store, const char *mailbox, uint32_t uidvalidity,
                                 uint32_t last_uid, struct nl_error *err);
/* The time of the last collection (0 if never) and recording it. */
NL_MUST_USE enum nl_code nl_store_last_collect(struct nl_store *store, time_t *out, struct nl_error *err);
NL_MUST_USE enum nl_code nl_store_set_last_collect(struct nl_store *store, time_t when, struct nl_error *err);

/* ---- Answers: one per campaign, person and question; a later reply overrides ---- */

struct nl_stored_answer {
	char *campaign;
	char *email;
	char *name;     /* from the delivery, may be NULL */
	char *question; /* question id */
	bool readable;  /* true: sure, tallied.  false: `raw` needs a person to settle it */
	char *value;    /* sure: the value; likely: the proposed value; NULL when unreadable */
	char *raw;      /* the line or sentence it was read from */
	enum nl_match match;
	int64_t inbound_id; /* 0 when settled by hand */
	time_t answered;    /* when it was collected (or settled), never the message's Date: */
	/* Schema version 2.  The level is sure when readable; likely when !readable && likely &&
	 * value != NULL (proposed, not tallied, for the coach to confirm); unreadable otherwise. */
	bool likely;
	char *rule;   /* the reader that read it ("numbered", "prose", …, "settled by hand"); NULL
	               * for answers recorded before version 2 */
	bool settled; /* a person settled it (mailer settle) or confirmed a likely reading */
};
void nl_stored_answer_clear(struct nl_stored_answer *a);

/* Stores an answer unless a later one for the same (campaign, email, question) is already there
 * (`answered`, the collection time, decides, then `inbound_id`; 0 means now), or unless `a` is
 * matched by From only and the stored one is not.  `name` is not stored (it comes from the
 * delivery). */
NL_MUST_USE enum nl_code nl_store_answer_put(struct nl_store *store, const struct nl_stored_answer *a,
                                 struct nl_error *err);
/* Confirms the likely answers of `email` (case-insensitive) in `campaign`: each becomes readable
 * (sure, tallied) and settled, keeping its value, raw sentence and rule.  *n_confirmed (may be
 * NULL) gets how many; 0 is not an error. */
NL_MUST_USE enum nl_code nl_store_answer_confirm(struct nl_store *store, const char *campaign, const char *email,
                                     long *n_confirmed, struct nl_error *err);
/* Calls `fn` for each answer of a campaign, ordered by question then email. */
NL_MUST_USE enum nl_code nl_store_answer_each(struct nl_store *store, const char *campaign,
                                  bool (*fn)(const struct nl_stored_answer *, void *), void *ud,
                                  struct nl_error *err);

/* ---- Bounces ---- */

/* Records a bounce for (campaign, email).  *soft_in_a_row (may be NULL) gets the number of
 * consecutive soft bounces for that address, counting this one (0 for a hard one). */
NL_MUST_USE enum nl_code nl_store_bounce_add(struct nl_store *store, const char *campaign, const char *email,
                                 const char *status, bool hard, int64_t inbound_id, int *soft_in_a_row,
                                 struct nl_error *err);
/* Bounced addresses of a campaign. */
NL_MUST_USE enum nl_code nl_store_bounce_count(struct nl_store *store, const char *campaign, long *out,
                                   struct nl_error *err);

/* ---- A person's data (issue 16: `mailer export`, `mailer forget`) ---- */

/* One row about a person: its table ("deliveries", "replies", "answers", "bounces",
 * "suppression"), its columns' names and values as text (NULL for SQL NULL); is_int[i] when the
 * value is an integer (a time, a count, a state). */
struct nl_person_row {
	const char *table;
	size_t n;
	const char *const *names;
	const char *const *values;
	const bool *is_int;
};

/* Calls `fn` for every row the state holds about `email` (case-insensitive): its deliveries, the
 * inbound messages it sent or was matched to, its answers, bounces and suppression (also the
 * keyed hash kept by `forget`).  *rows gets how many. */
NL_MUST_USE enum nl_code nl_store_person_each(struct nl_store *store, const char *email,
                                              void (*fn)(const struct nl_person_row *, void *), void *ud,
                                              long *rows, struct nl_error *err);

/* What nl_store_forget removed. */
struct nl_forgotten {
	long deliveries, replies, answers, bounces, suppressions;
	bool hash_kept; /* the keyed hash that keeps the address from being mailed again */
};

/* Erases `email` from every table in one transaction: its deliveries, answers, bounces and
 * suppression are deleted, and the inbound messages it sent are kept only as what they were and
 * their content hash (so collecting them again does not bring the person back), every field that
 * names or quotes them cleared.  Unless `allow_resubscribe`, a suppression of the address's keyed
 * hash (HMAC with the state's secret) stays, so a list that still holds it is not mailed again. */
NL_MUST_USE enum nl_code nl_store_forget(struct nl_store *store, const char *email, bool allow_resubscribe,
                                         struct nl_forgotten *out, struct nl_error *err);

#endif
