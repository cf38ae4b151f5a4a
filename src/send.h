/* send.h - sending a campaign: subscribers streamed, composed and delivered, every outcome journaled
 * (doc/DESIGN.md §2, §5).
 *
 * For each subscriber of the list, in order: skip the suppressed; skip those already `sent` or
 * `failed` for this campaign, those `unknown` (unless resend_unknown) and those `deferred` whose
 * back-off has not passed; compose; journal `sending`; deliver; journal the outcome.  Outcomes and
 * starts are committed together, once per turn of the loop (group commit), and always before the
 * transport slot that produced an outcome completes another message (the starts go out held and
 * their final dots follow the commit): after kill -9 the only deliveries that can be repeated are
 * those in flight.  A deferred delivery is retried within the
 * run with back-off (1 s, 2 s, 4 s …) a bounded number of times, and its row records when the next
 * run may try again.  One subscriber's failure never stops the others; an unreachable server, a
 * refused login, a certificate that does not verify or an unwritable outbox stops the run.
 */
#ifndef NL_SEND_H
#define NL_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "compose.h"
#include "error.h"
#include "ratelimit.h"
#include "store.h"
#include "subscribers.h"
#include "transport.h"

/* Bad rows whose reasons reach the log; the rest are counted. */
#define NL_SEND_BAD_ROWS_SHOWN 20

struct nl_send_stats {
	long listed;          /* valid subscribers read from the list so far */
	long bad_rows;        /* rows skipped as invalid or duplicate */
	long unsent_rows;     /* of them, the invalid ones (not duplicates): the campaign stays open */
	long suppressed;      /* skipped: unsubscribed, bounced or complained */
	long already_sent;    /* skipped: sent by an earlier run */
	long already_failed;  /* skipped: a 5xx in an earlier run */
	long unknown_skipped; /* skipped: unknown from an earlier run (see resend_unknown) */
	long waiting;         /* skipped: deferred, back-off not over yet */
	long attempted;       /* deliveries started in this run (first attempts; retries not counted) */
	long sent;            /* outcomes of this run */
	long deferred;        /* still deferred at the end of the run (retries exhausted or stopped) */
	long retried;         /* in-run retries */
	long failed;
	long unknown;
	long composed;  /* with dry_run: messages composed and not sent */
	/* The journal's group commits: how many, their total seconds, and how much of that went waiting
	 * (for the disk's fsync, mostly): what a slow disk costs the run. */
	long commits;
	long outcomes; /* journaled by those commits */
	double commit_secs;
	double commit_wait_secs;
	double elapsed; /* seconds since the run started */
	bool list_done; /* the whole list was read (no --limit cut, no fatal stop) */
	bool stopped;   /* a fatal error stopped the run early */
};

struct nl_send_options {
	const char *campaign; /* the campaign id (the article's) */
	bool dry_run;         /* compose everything, send and journal nothing (store may be NULL) */
	long limit;           /* stop after this many deliveries; 0 = no limit */
	bool resend_unknown;  /* send again to `unknown` deliveries */
	double rate;          /* messages per second, 0 = unlimited (token bucket, burst 1) */
	int retries;          /* in-run retries of a deferred delivery; < 0 means 3 */
	double retry_delay;   /* seconds before the first in-run retry, doubling after; <= 0 means 1 */
	/* Called about five times a second and once at the end (may be NULL). */
	void (*progress)(const struct nl_send_stats *stats, void *ud);
	/* Called with one line per notable event: a bad row, a deferred, failed or unknown delivery,
	 * and the protocol trace when the transport keeps one (may be NULL). */
	void (*log)(const char *line, void *ud);
	void *ud;
};

/* Sends `opt->campaign` to `list` (opened, nothing read yet) with `composer` through `transport`
 * (NULL only with dry_run), journaling in `store` (NULL only with dry_run).  *stats is filled even
 * on error.  Returns
 *   NL_OK                the run went through the list (the stats tell what happened to whom);
 *   NL_ERR_SMTP_CONNECT  the server could not be reached;
 *   NL_ERR_TLS, NL_ERR_AUTH  the connection was refused before any message: configuration;
 *   NL_ERR_IO            the outbox could not be written;
 *   NL_ERR_LIST, NL_ERR_STATE, NL_ERR_LIMIT, NL_ERR_INTERNAL  as the modules below report them.
 * Bad rows and single deliveries never stop the run. */
NL_MUST_USE enum nl_code nl_send_run(struct nl_store *store, struct nl_composer *composer, struct nl_subscribers *list,
                         struct nl_transport *transport, const struct nl_send_options *opt,
                         struct nl_send_stats *stats, struct nl_error *err);

/* Sends one test copy of the campaign to `address` without touching the journal: composed for that
 * subscriber's row when the list has it, else for a subscriber with only that address.  *reply gets
 * the server's reply or the error (NL_TRANSPORT_REPLY_MAX bytes).  Returns the outcome's code
 * (NL_OK when the server took it). */
NL_MUST_USE enum nl_code nl_send_test_copy(struct nl_composer *composer, struct nl_subscribers *list,
                               struct nl_transport *transport, const char *address, char *reply,
                               struct nl_error *err);

/* The back-off before the next run may retry a delivery deferred for the `attempts`-th time:
 * 5 minutes, doubling, at most 6 hours. */
long nl_send_backoff(int attempts);

#endif
