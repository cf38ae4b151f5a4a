/* send.c - sending a campaign: list → skip → compose → journal → transport → journal (see send.h).
 *
 * Never twice, never lost (doc/DESIGN.md §5): a delivery is journaled `sending` before its final dot
 * can leave, and its outcome before the transport slot that produced it can complete another
 * message.  To stay fast although every commit must reach the disk (one fsync), every turn of the
 * loop writes the outcomes that arrived and the starts about to be made in ONE transaction.  The
 * starts are submitted held (envelope and body go out, the final dot waits), the main thread
 * commits, a syncer thread makes the commit durable (nl_store_defer_sync: an fdatasync of the
 * WAL) while the main thread serves the connections, and the starts are released when it is: no
 * server can take a message before its dot, so the fsync overlaps the network and kill -9 or a
 * power cut can still repeat only the messages in flight.  Composing runs after the releases,
 * while the server works on them, and keeps up to one message per slot ready.
 *
 * A delivery deferred in the run is recomposed for its retry from a copy of its row (the message
 * bytes went to the transport), so the list is still read only once and never held.
 */
#include "send.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define SEND_DEFAULT_RETRIES 3
#define SEND_MAX_RETRY_HELD 1024 /* deliveries waiting for an in-run retry; more wait for the next run */
#define SEND_PROGRESS_EVERY 0.2
/* Commits whose sync waits less for the disk (on average: tmpfs) sync on the main thread, and
 * outcomes are not gathered for them. */
#define SEND_INLINE_WAIT 0.00005
#define SEND_RATE_GUARD 0.002     /* seconds added to each message's share of the rate */
#define SEND_GATHER_MIN 0.001     /* bounds on waiting for more outcomes before a commit */
#define SEND_GATHER_MAX 0.005

struct send_job {
	struct send_job *next;
	struct send_job *all_next; /* every job ever made, so a stopped run frees those still in flight */
	struct nl_buf msg; /* the composed message until submitted */
	struct nl_envelope env;
	/* A copy of the subscriber's row, to compose again for a retry. */
	struct nl_buf row;        /* email NUL name NUL value NUL value NUL … */
	const char **values;      /* n_columns pointers into row */
	struct nl_subscriber sub; /* points into row */
	int tries;                /* attempts in this run */
	int attempts;             /* attempts ever, as the journal counts them */
	bool retry_planned;       /* deferred, to be tried again in this run */
	double due;               /* monotonic time before which a retry may not start */
};

struct send_queue {
	struct send_job *head, *tail;
	long n;
};

/* Outcomes and starts journaled in one transaction. */
struct send_batch {
	struct nl_transport_result *results;
	size_t nresults;
	struct send_job **starts;
	size_t nstarts;
};

struct send_run {
	struct nl_store *store;
	struct nl_composer *composer;
	struct nl_subscribers *list;
	struct nl_transport *t;
	const struct nl_send_options *opt;
	struct nl_send_stats *stats;
	struct nl_error *err;
	size_t n_columns;
	const char *const *columns;
	struct send_queue free_jobs, ready, retry;
	struct send_job *all; /* every job made, linked by all_next */
	long jobs_alive;
	struct nl_ratelimit rl;
	double started, last_progress;
	int retries;
	double retry_delay;
	bool hold;          /* submit held, release after the commit (no rate limit) */
	bool deferred_sync; /* commits do not sync themselves: the syncer does (nl_store_defer_sync) */
	double acc_since;  /* when the first outcome of the gathering batch came */
	enum nl_code stop; /* the fatal outcome that stopped the run, or NL_OK */
	char stop_detail[NL_TRANSPORT_REPLY_MAX];
	int connect_streak; /* connection failures in a row */
	/* The batch being gathered (outcomes collected, starts picked) and the one being committed. */
	struct send_batch acc, commit;
	/* The syncer thread and its hand-over (it touches only the WAL's descriptor, never SQLite). */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool committing;          /* main thread's view: the commit batch is not durable yet */
	bool request, done, quit; /* under mu */
	enum nl_code commit_rc;
	struct nl_error commit_err;
	double commit_secs;     /* how long the last commit took, its sync included */
	double commit_avg;      /* its moving average */
	double commit_waited;   /* how much of it went waiting for the disk */
	double commit_wait_avg; /* its moving average: decides whether the syncer is worth it */
	double sync_secs;       /* the syncer's part of the last commit (under mu) */
	char line[NL_TRANSPORT_REPLY_MAX + 600];
};

static void send_push(struct send_queue *q, struct send_job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
}

static struct send_job *send_pop(struct send_queue *q)
{
	struct send_job *j = q->head;
	if (!j)
		return NULL;
	q->head = j->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	j->next = NULL;
	return j;
}

/* Frees every job: those queued and those a stopped run left with the transport or in a batch. */
static void send_free_jobs(struct send_run *r)
{
	struct send_job *j = r->all, *next;
	for (; j; j = next) {
		next = j->all_next;
		nl_buf_free(&j->msg);
		nl_buf_free(&j->row);
		free(j->values);
		free(j);
	}
	r->all = NULL;
}

static struct send_job *send_job_get(struct send_run *r)
{
	struct send_job *j = send_pop(&r->free_jobs);
	if (!j) {
		j = nl_xcalloc(1, sizeof *j);
		j->all_next = r->all;
		r->all = j;
		nl_buf_init(&j->msg, NL_COMPOSE_MAX_MESSAGE);
		nl_buf_init(&j->row, 0);
		j->values = nl_xcalloc(r->n_columns ? r->n_columns : 1, sizeof *j->values);
	}
	j->tries = 0;
	j->attempts = 0;
	j->due = 0;
	r->jobs_alive++;
	return j;
}

static void send_job_put(struct send_run *r, struct send_job *j)
{
	nl_buf_reset(&j->msg);
	r->jobs_alive--;
	send_push(&r->free_jobs, j);
}

static void send_log(struct send_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_log(struct send_run *r, const char *fmt, ...)
{
	if (!r->opt->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->line, sizeof r->line, fmt, ap);
	va_end(ap);
	r->opt->log(r->line, r->opt->ud);
}

/* A row skipped: its reason goes to the log for the first NL_SEND_BAD_ROWS_SHOWN (a list with
 * 50,000 bad rows must not write 50,000 lines for cron to mail); the rest are counted, and
 * send_bad_rows_end says how many were not shown.  `unsent` rows (not duplicates) keep the
 * campaign open. */
static void send_bad_row(struct send_run *r, bool unsent)
{
	r->stats->bad_rows++;
	r->stats->unsent_rows += unsent;
	if (r->stats->bad_rows <= NL_SEND_BAD_ROWS_SHOWN)
		send_log(r, "%s", r->err->detail);
}

static void send_bad_rows_end(struct send_run *r)
{
	if (r->stats->bad_rows > NL_SEND_BAD_ROWS_SHOWN)
		send_log(r, "... and %ld more bad rows (only the first %d are shown)",
		         r->stats->bad_rows - NL_SEND_BAD_ROWS_SHOWN, NL_SEND_BAD_ROWS_SHOWN);
}

static void send_progress(struct send_run *r, bool force)
{
	double now = nl_monotonic();
	r->stats->elapsed = now - r->started;
	if (!r->opt->progress || (!force && now - r->last_progress < SEND_PROGRESS_EVERY))
		return;
	r->last_progress = now;
	r->opt->progress(r->stats, r->opt->ud);
}

/* Copies the subscriber's row into the job, so it can be composed again for a retry. */
static void send_job_keep_row(struct send_run *r, struct send_job *j, const struct nl_subscriber *sub)
{
	nl_buf_reset(&j->row);
	size_t offs[2 + NL_SUBSCRIBERS_MAX_COLUMNS];
	size_t n = sub->n_columns < NL_SUBSCRIBERS_MAX_COLUMNS ? sub->n_columns : NL_SUBSCRIBERS_MAX_COLUMNS;
	offs[0] = j->row.len;
	nl_buf_append(&j->row, sub->email, strlen(sub->email) + 1);
	offs[1] = j->row.len;
	nl_buf_append(&j->row, sub->name, strlen(sub->name) + 1);
	for (size_t i = 0; i < n; i++) {
		offs[2 + i] = j->row.len;
		nl_buf_append(&j->row, sub->values[i], strlen(sub->values[i]) + 1);
	}
	/* Only now are the addresses stable (the buffer no longer grows). */
	for (size_t i = 0; i < n && i < r->n_columns; i++)
		j->values[i] = j->row.data + offs[2 + i];
	j->sub.email = j->row.data + offs[0];
	j->sub.name = j->row.data + offs[1];
	j->sub.line = sub->line;
	j->sub.n_columns = n;
	j->sub.columns = sub->columns;
	j->sub.values = j->values;
}

/* Decides whether a subscriber is due for a delivery in this run; *attempts gets the journal's count. */
static enum nl_code send_due(struct send_run *r, const char *email, bool *due, int *attempts)
{
	*due = false;
	*attempts = 0;
	if (!r->store) {
		*due = true;
		return NL_OK;
	}
	bool suppressed = false;
	enum nl_code rc = nl_store_is_suppressed(r->store, email, &suppressed, r->err);
	if (rc != NL_OK)
		return rc;
	if (suppressed) {
		r->stats->suppressed++;
		return NL_OK;
	}
	struct nl_delivery d;
	rc = nl_store_delivery_get(r->store, r->opt->campaign, email, &d, r->err);
	if (rc != NL_OK)
		return rc;
	*attempts = d.attempts;
	switch (d.state) {
	case NL_DELIVERY_SENT:
		r->stats->already_sent++;
		break;
	case NL_DELIVERY_FAILED:
		r->stats->already_failed++;
		break;
	case NL_DELIVERY_UNKNOWN:
		if (r->opt->resend_unknown)
			*due = true;
		else
			r->stats->unknown_skipped++;
		break;
	case NL_DELIVERY_DEFERRED:
		if (d.next_attempt <= nl_now())
			*due = true;
		else
			r->stats->waiting++;
		break;
	case NL_DELIVERY_NONE:
	case NL_DELIVERY_SENDING: /* in flight when an earlier run died: it may or may not have arrived */
		*due = true;
		break;
	}
	nl_delivery_clear(&d);
	return NL_OK;
}

/* Reads the list until one message is composed into the ready queue, or the list ends.  Returns
 * false (with r->stop set) only on a fatal error. */
static bool send_compose_next(struct send_run *r, bool *list_end)
{
	*list_end = false;
	for (;;) {
		const struct nl_subscriber *sub = NULL;
		enum nl_code rc = nl_subscribers_next(r->list, &sub, r->err);
		if (rc == NL_ERR_SUBSCRIBER) {
			send_bad_row(r, !nl_subscribers_last_was_duplicate(r->list));
			continue;
		}
		if (rc != NL_OK) {
			r->stop = rc;
			return false;
		}
		if (!sub) {
			*list_end = true;
			return true;
		}
		r->stats->listed++;
		bool due;
		int attempts;
		if ((rc = send_due(r, sub->email, &due, &attempts)) != NL_OK) {
			r->stop = rc;
			return false;
		}
		if (!due)
			continue;
		struct send_job *j = send_job_get(r);
		rc = nl_compose_message(r->composer, sub, &j->msg, &j->env, r->err);
		if (rc == NL_ERR_SUBSCRIBER) {
			send_bad_row(r, true);
			send_job_put(r, j);
			continue;
		}
		if (rc != NL_OK) {
			send_job_put(r, j);
			r->stop = rc;
			return false;
		}
		j->attempts = attempts;
		send_job_keep_row(r, j, sub);
		send_push(&r->ready, j);
		return true;
	}
}

/* Keeps one composed message per free slot ready (and one per slot beyond, so a slot that frees
 * up finds its next message waiting). */
static void send_fill(struct send_run *r)
{
	if (r->stats->list_done || r->stop != NL_OK)
		return;
	long want = nl_transport_slots(r->t);
	if (r->ready.n >= want)
		return;
	/* The lookups of a whole fill under one read transaction: SQLite takes its file locks once. */
	struct nl_error ignored;
	bool reading = r->store && nl_store_begin_read(r->store, &ignored) == NL_OK;
	while (r->ready.n < want) {
		if (r->opt->limit > 0 && r->stats->attempted + r->ready.n >= r->opt->limit)
			break; /* --limit: the rest waits for a later run */
		bool end;
		if (!send_compose_next(r, &end))
			break;
		if (end) {
			r->stats->list_done = true;
			break;
		}
	}
	if (reading)
		nl_store_rollback(r->store);
}

static enum nl_delivery_state send_state_of(enum nl_code code)
{
	switch (code) {
	case NL_OK:
		return NL_DELIVERY_SENT;
	case NL_ERR_SMTP_PERM:
		return NL_DELIVERY_FAILED;
	case NL_ERR_SMTP_UNKNOWN:
		return NL_DELIVERY_UNKNOWN;
	default:
		return NL_DELIVERY_DEFERRED;
	}
}

static bool send_fatal(enum nl_code code)
{
	return code == NL_ERR_TLS || code == NL_ERR_AUTH || code == NL_ERR_IO;
}

/* Notes one outcome: stats, a possible stop, a possible in-run retry.  The journal is written by
 * send_journal, for all of them at once. */
static void send_outcome(struct send_run *r, struct nl_transport_result *res)
{
	struct send_job *j = res->tag;
	enum nl_delivery_state st = send_state_of(res->code);
	if (res->code == NL_ERR_SMTP_CONNECT)
		r->connect_streak++;
	else if (res->code != NL_ERR_SMTP_TEMP)
		r->connect_streak = 0;
	if (send_fatal(res->code) && r->stop == NL_OK) {
		r->stop = res->code;
		snprintf(r->stop_detail, sizeof r->stop_detail, "%s", res->reply);
	}
	/* Unreachable: at once if nothing got through yet, else after every slot failed in a row. */
	if (res->code == NL_ERR_SMTP_CONNECT && r->stop == NL_OK &&
	    (r->stats->sent == 0 || r->connect_streak >= 2 * nl_transport_slots(r->t))) {
		r->stop = NL_ERR_SMTP_CONNECT;
		snprintf(r->stop_detail, sizeof r->stop_detail, "%s", res->reply);
	}
	switch (st) {
	case NL_DELIVERY_SENT:
		r->stats->sent++;
		break;
	case NL_DELIVERY_FAILED:
		r->stats->failed++;
		send_log(r, "failed: %s: %s", j->env.rcpt_to, res->reply);
		break;
	case NL_DELIVERY_UNKNOWN:
		r->stats->unknown++;
		send_log(r, "unknown: %s: %s", j->env.rcpt_to, res->reply);
		break;
	default: {
		bool retry = r->stop == NL_OK && j->tries <= r->retries && r->retry.n < SEND_MAX_RETRY_HELD;
		j->retry_planned = retry;
		send_log(r, "deferred: %s: %s%s", j->env.rcpt_to, res->reply,
		         retry ? " (retrying in this run)" : "");
		if (!retry)
			r->stats->deferred++;
		break;
	}
	}
}

/* One transaction: the outcomes and the starts of batch `b`. */
static enum nl_code send_journal(struct send_run *r, const struct send_batch *b, struct nl_error *err)
{
	if (b->nresults == 0 && b->nstarts == 0)
		return NL_OK;
	enum nl_code rc = nl_store_begin(r->store, err);
	if (rc != NL_OK)
		return rc;
	time_t now = nl_now();
	for (size_t i = 0; i < b->nresults && rc == NL_OK; i++) {
		const struct nl_transport_result *res = &b->results[i];
		struct send_job *j = res->tag;
		enum nl_delivery_state st = send_state_of(res->code);
		time_t next = 0;
		/* A problem of the recipient's server waits; one of ours (config, outbox, unreachable)
		 * is retried as soon as the next run comes. */
		if (st == NL_DELIVERY_DEFERRED && res->code == NL_ERR_SMTP_TEMP)
			next = now + nl_send_backoff(j->attempts);
		rc = nl_store_delivery_finish(r->store, r->opt->campaign, j->env.rcpt_to, st, res->reply,
		                              next, err);
	}
	for (size_t i = 0; i < b->nstarts && rc == NL_OK; i++) {
		struct send_job *j = b->starts[i];
		rc = nl_store_delivery_start(r->store, r->opt->campaign, j->sub.email, j->sub.name,
		                             j->env.token, err);
	}
	if (rc == NL_OK)
		rc = nl_store_commit(r->store, err);
	else
		nl_store_rollback(r->store);
	return rc;
}

static double send_thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs `step` (the journal or a sync) for r->commit; *took gets the seconds it took, *waited those
 * not spent on the CPU (waiting for the disk). */
static enum nl_code send_timed(struct send_run *r, enum nl_code (*step)(struct send_run *), double *took,
                               double *waited)
{
	double t0 = nl_monotonic(), c0 = send_thread_cpu();
	enum nl_code rc = step(r);
	*took = nl_monotonic() - t0;
	*waited = *took - (send_thread_cpu() - c0);
	if (*waited < 0)
		*waited = 0;
	return rc;
}

static enum nl_code send_journal_step(struct send_run *r)
{
	return send_journal(r, &r->commit, &r->commit_err);
}

static enum nl_code send_sync_step(struct send_run *r)
{
	return nl_store_sync(r->store, &r->commit_err);
}

/* The syncer: makes each journaled batch durable (one fdatasync), then wakes the main loop, which
 * meanwhile serves the connections: the next envelopes and bodies go out during the fsync. */
static void *send_syncer(void *arg)
{
	struct send_run *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->request && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		pthread_mutex_unlock(&r->mu);
		double t0 = nl_monotonic();
		enum nl_code rc = nl_store_sync(r->store, &r->commit_err);
		double took = nl_monotonic() - t0;
		pthread_mutex_lock(&r->mu);
		r->commit_rc = rc;
		r->sync_secs = took;
		r->request = false;
		r->done = true;
		pthread_cond_broadcast(&r->cv);
		if (r->t)
			nl_transport_wakeup(r->t);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Journals the gathered batch (nothing to do for an empty one) and has it made durable: by the
 * syncer when syncs wait for a disk, else at once, since a thread switch would cost more than
 * the sync (tmpfs, a battery-backed cache).  Its starts are released when it is durable. */
static void send_commit_start(struct send_run *r)
{
	if (r->acc.nresults == 0 && r->acc.nstarts == 0)
		return;
	struct send_batch tmp = r->commit;
	r->commit = r->acc;
	r->acc = tmp;
	r->acc.nresults = r->acc.nstarts = 0;
	r->committing = true;
	r->sync_secs = 0;
	r->commit_rc = send_timed(r, send_journal_step, &r->commit_secs, &r->commit_waited);
	bool sync = r->commit_rc == NL_OK && r->deferred_sync;
	if (!sync || r->commit_wait_avg < SEND_INLINE_WAIT) {
		if (sync) {
			double took, waited;
			r->commit_rc = send_timed(r, send_sync_step, &took, &waited);
			r->commit_secs += took;
			r->commit_waited += waited;
		}
		r->done = true;
		return;
	}
	pthread_mutex_lock(&r->mu);
	r->done = false;
	r->request = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* True once the batch in flight is durable (waits for it when `block`). */
static bool send_commit_done(struct send_run *r, bool block)
{
	pthread_mutex_lock(&r->mu);
	while (block && !r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	bool done = r->done;
	pthread_mutex_unlock(&r->mu);
	return done;
}

/* After the journal: free the finished jobs of the committed batch, queue the retries. */
static void send_settle(struct send_run *r, struct send_batch *b)
{
	double now = nl_monotonic();
	for (size_t i = 0; i < b->nresults; i++) {
		struct send_job *j = b->results[i].tag;
		if (j->retry_planned && r->stop == NL_OK) {
			int k = j->tries - 1 < 10 ? j->tries - 1 : 10;
			j->due = now + r->retry_delay * (double)(1L << k);
			j->retry_planned = false;
			send_push(&r->retry, j);
			r->stats->retried++;
			continue;
		}
		if (j->retry_planned)
			r->stats->deferred++; /* a later outcome of the batch stopped the run */
		j->retry_planned = false;
		send_job_put(r, j);
	}
	b->nresults = 0;
}

/* The earliest time a queued retry is due (a large value when none is). */
static double send_retry_next_due(const struct send_run *r)
{
	double due = 1e300;
	for (const struct send_job *j = r->retry.head; j; j = j->next)
		if (j->due < due)
			due = j->due;
	return due;
}

/* Unlinks a retry whose time has come and recomposes its message; *out NULL if none is due. */
static enum nl_code send_take_retry(struct send_run *r, struct send_job **out)
{
	*out = NULL;
	double now = nl_monotonic();
	struct send_job *prev = NULL, *j = r->retry.head;
	while (j && j->due > now) {
		prev = j;
		j = j->next;
	}
	if (!j)
		return NL_OK;
	if (prev)
		prev->next = j->next;
	else
		r->retry.head = j->next;
	if (r->retry.tail == j)
		r->retry.tail = prev;
	r->retry.n--;
	j->next = NULL;
	enum nl_code rc = nl_compose_message(r->composer, &j->sub, &j->msg, &j->env, r->err);
	if (rc != NL_OK) {
		send_job_put(r, j);
		return rc;
	}
	*out = j;
	return NL_OK;
}

/* Picks what starts now: free slots, rate tokens, retries first. */
static enum nl_code send_pick(struct send_run *r)
{
	r->acc.nstarts = 0;
	if (r->stop != NL_OK)
		return NL_OK;
	/* A slot whose outcome is not journaled yet can take a start: the start cannot complete
	 * before this batch (that outcome included) is durable, since it is submitted held or, with a
	 * rate limit, only then. */
	int free_slots = nl_transport_free_slots(r->t);
	while ((int)r->acc.nstarts < free_slots) {
		struct send_job *j = NULL;
		bool from_retry = false;
		if (r->retry.head && send_retry_next_due(r) <= nl_monotonic())
			from_retry = true;
		else if (!r->ready.head)
			break;
		if (!nl_ratelimit_take(&r->rl, nl_monotonic()))
			break;
		if (from_retry) {
			enum nl_code rc = send_take_retry(r, &j);
			if (rc != NL_OK)
				return rc;
			if (!j)
				continue;
		} else {
			j = send_pop(&r->ready);
			r->stats->attempted++;
		}
		j->tries++;
		j->attempts++;
		r->acc.starts[r->acc.nstarts++] = j;
	}
	return NL_OK;
}

/* How long the loop may block: until a token, a retry or (at most) a quarter second. */
static int send_wait_ms(struct send_run *r)
{
	double now = nl_monotonic();
	double wait = 0.25;
	double next_due = send_retry_next_due(r);
	bool startable =
	    (r->ready.head || next_due <= now) && nl_transport_free_slots(r->t) > 0 && r->stop == NL_OK;
	if (startable) {
		double w = nl_ratelimit_wait(&r->rl, now);
		if (w < wait)
			wait = w;
	}
	if (next_due - now < wait)
		wait = next_due - now;
	if (wait < 0)
		wait = 0;
	return (int)(wait * 1000.0 + 0.999);
}

static enum nl_code send_collect(struct send_run *r, int timeout_ms)
{
	size_t max = (size_t)nl_transport_slots(r->t) - r->acc.nresults;
	if (max == 0) {
		/* Every slot's outcome is in hand, so nothing is in flight: wait for the commit
		 * instead of spinning. */
		if (r->committing)
			send_commit_done(r, true);
		return NL_OK;
	}
	size_t n = 0;
	struct nl_transport_result *out = r->acc.results + r->acc.nresults;
	enum nl_code rc = nl_transport_wait(r->t, timeout_ms, out, max, &n, r->err);
	if (r->opt->log) {
		/* The conversation first, one log line per protocol line, then what it came to. */
		const char *trace = nl_transport_trace(r->t);
		for (const char *p = trace; *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			send_log(r, "%.*s", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	for (size_t i = 0; i < n; i++)
		send_outcome(r, &out[i]);
	if (r->acc.nresults == 0 && n > 0)
		r->acc_since = nl_monotonic();
	r->acc.nresults += n;
	return rc;
}

static bool send_finished(struct send_run *r)
{
	if (r->committing || nl_transport_in_flight(r->t) > 0 || r->acc.nresults > 0)
		return false;
	if (r->stop != NL_OK)
		return true;
	if (r->ready.head || r->retry.head)
		return false;
	return r->stats->list_done || (r->opt->limit > 0 && r->stats->attempted >= r->opt->limit);
}

/* The batch in flight is durable: settle its outcomes and release its starts (or, with a rate
 * limit, submit them now). */
static enum nl_code send_commit_finish(struct send_run *r)
{
	r->committing = false;
	r->commit_secs += r->sync_secs; /* a sync on the syncer is all waiting */
	r->commit_waited += r->sync_secs;
	r->sync_secs = 0;
	r->stats->commits++;
	r->stats->outcomes += (long)r->commit.nresults;
	r->stats->commit_secs += r->commit_secs;
	r->stats->commit_wait_secs += r->commit_waited;
	r->commit_avg = 0.8 * r->commit_avg + 0.2 * r->commit_secs;
	r->commit_wait_avg = 0.8 * r->commit_wait_avg + 0.2 * r->commit_waited;
	if (r->commit_rc != NL_OK) {
		*r->err = r->commit_err;
		return r->commit_rc;
	}
	/* These outcomes are durable: their connections may complete the next messages. */
	for (size_t i = 0; i < r->commit.nresults; i++)
		nl_transport_settle(r->t, r->commit.results[i].tag);
	send_settle(r, &r->commit);
	for (size_t i = 0; i < r->commit.nstarts; i++) {
		struct send_job *j = r->commit.starts[i];
		if (r->hold) {
			nl_transport_release(r->t, j);
			continue;
		}
		enum nl_code rc =
		    nl_transport_submit(r->t, j->env.mail_from, j->env.rcpt_to, &j->msg, j, r->err);
		if (rc != NL_OK)
			return rc;
	}
	r->commit.nstarts = 0;
	return NL_OK;
}

/* Without a rate limit, the picked starts go out at once up to their final dot, so the network
 * works while the batch commits; the dots follow the commit (send_commit_finish).  With a rate
 * limit the whole message waits for the commit: a dot must not leave later than its token. */
static enum nl_code send_submit_held(struct send_run *r)
{
	if (!r->hold)
		return NL_OK;
	for (size_t i = 0; i < r->acc.nstarts; i++) {
		struct send_job *j = r->acc.starts[i];
		enum nl_code rc =
		    nl_transport_submit_held(r->t, j->env.mail_from, j->env.rcpt_to, &j->msg, j, r->err);
		if (rc != NL_OK)
			return rc;
	}
	return NL_OK;
}

/* How long to wait for more outcomes before committing those gathered, or -1 to commit now.  The
 * messages in flight that can finish by themselves were released by the last commit and answer
 * within a round trip (those pipelined behind an outcome gathered here wait for this commit); when
 * a commit costs an fsync, taking them into the same commit saves one each, so wait for them about
 * as long as a commit takes (at least a millisecond, the poll's grain; each reply ends the wait
 * early, and the last one ends the gathering). */
static int send_gather_ms(struct send_run *r)
{
	if (!r->hold || r->acc.nresults == 0 || r->stop != NL_OK || r->commit_wait_avg < SEND_INLINE_WAIT)
		return -1;
	if (nl_transport_can_finish(r->t) == 0)
		return -1;
	double budget = r->commit_avg > SEND_GATHER_MIN ? r->commit_avg : SEND_GATHER_MIN;
	if (budget > SEND_GATHER_MAX)
		budget = SEND_GATHER_MAX;
	double left = r->acc_since + budget - nl_monotonic();
	if (left <= 0)
		return -1;
	return (int)(left * 1000.0 + 0.999);
}

/* The loop: gather outcomes while the previous batch is made durable; when it is, release its
 * starts, compose ahead, pick the next starts, submit them held, commit the next batch and hand
 * its sync over. */
static enum nl_code send_loop(struct send_run *r)
{
	enum nl_code rc = NL_OK;
	bool outbox = nl_transport_is_outbox(r->t);
	for (;;) {
		/* An outbox has no network to overlap with the fsync: just wait for it. */
		if (r->committing && send_commit_done(r, outbox)) {
			if ((rc = send_commit_finish(r)) != NL_OK)
				return rc;
			/* The final dots are out: compose the next messages while the server answers. */
			send_fill(r);
			if ((rc = send_collect(r, 0)) != NL_OK)
				return rc;
		}
		int gather = r->committing ? -1 : send_gather_ms(r);
		if (!r->committing && gather < 0) {
			send_fill(r);
			if ((rc = send_pick(r)) != NL_OK || (rc = send_submit_held(r)) != NL_OK)
				return rc;
			send_commit_start(r);
		}
		send_progress(r, false);
		if (send_finished(r))
			return NL_OK;
		int wait = r->committing ? (outbox ? 0 : 250)
		           : gather >= 0 ? gather
		           : (r->acc.nresults ? 0 : send_wait_ms(r));
		if (r->committing && send_commit_done(r, false))
			wait = 0;
		if ((rc = send_collect(r, wait)) != NL_OK)
			return rc;
	}
}

/* --dry-run: the same list, skips and composing, nothing sent or written. */
static enum nl_code send_dry(struct send_run *r)
{
	for (;;) {
		if (r->opt->limit > 0 && r->stats->composed >= r->opt->limit)
			return NL_OK;
		bool end;
		if (!send_compose_next(r, &end))
			return r->stop;
		if (end) {
			r->stats->list_done = true;
			return NL_OK;
		}
		struct send_job *j = send_pop(&r->ready);
		r->stats->composed++;
		send_job_put(r, j);
		send_progress(r, false);
	}
}

/* The campaign is complete when the whole list went through and nothing is left to try.  A bad row
 * (not a duplicate) keeps it open: once the list is fixed, the next run sends to that row. */
static enum nl_code send_maybe_complete(struct send_run *r)
{
	if (!r->store || r->opt->dry_run || !r->stats->list_done || r->stop != NL_OK)
		return NL_OK;
	if (r->stats->unsent_rows) {
		send_log(r,
		         "campaign %s stays open: %ld bad row%s of the list %s not sent; fix or remove "
		         "%s, and the next run sends to %s",
		         r->opt->campaign, r->stats->unsent_rows, r->stats->unsent_rows == 1 ? "" : "s",
		         r->stats->unsent_rows == 1 ? "was" : "were", r->stats->unsent_rows == 1 ? "it" : "them",
		         r->stats->unsent_rows == 1 ? "it" : "them");
		return NL_OK;
	}
	long counts[NL_DELIVERY_STATES];
	enum nl_code rc = nl_store_delivery_counts(r->store, r->opt->campaign, counts, r->err);
	if (rc != NL_OK)
		return rc;
	/* `unknown` does not hold completion back: resending it is a person's decision (--resend-unknown),
	 * so `run` leaves the campaign alone and `status` keeps showing the count. */
	if (counts[NL_DELIVERY_SENDING] || counts[NL_DELIVERY_DEFERRED])
		return NL_OK;
	struct nl_campaign c;
	rc = nl_store_campaign_get(r->store, r->opt->campaign, &c, r->err);
	if (rc == NL_ERR_NOT_FOUND)
		return NL_OK; /* the caller keeps no campaign row (tests) */
	if (rc != NL_OK)
		return rc;
	bool done = c.completed != 0;
	nl_campaign_clear(&c);
	return done ? NL_OK : nl_store_campaign_set_completed(r->store, r->opt->campaign, nl_now(), r->err);
}

enum nl_code nl_send_run(struct nl_store *store, struct nl_composer *composer, struct nl_subscribers *list,
                         struct nl_transport *transport, const struct nl_send_options *opt,
                         struct nl_send_stats *stats, struct nl_error *err)
{
	memset(stats, 0, sizeof *stats);
	if (!opt->dry_run && (!store || !transport))
		return nl_fail(err, NL_ERR_USAGE, "sending needs the state and a transport");
	struct send_run r = {
	    .store = store,
	    .composer = composer,
	    .list = list,
	    .t = transport,
	    .opt = opt,
	    .stats = stats,
	    .err = err,
	    .retries = opt->retries < 0 ? SEND_DEFAULT_RETRIES : opt->retries,
	    .retry_delay = opt->retry_delay > 0 ? opt->retry_delay : 1.0,
	};
	r.columns = nl_subscribers_columns(list, &r.n_columns);
	r.started = r.last_progress = nl_monotonic();
	/* A 2 ms guard per message keeps the server's view under the cap too, whatever the jitter between
	 * our clock and its timestamps (20/s runs at 19.2/s). */
	double rate = opt->rate > 0 ? 1.0 / (1.0 / opt->rate + SEND_RATE_GUARD) : 0;
	nl_ratelimit_init(&r.rl, rate, 1, r.started);
	r.hold = rate == 0;
	enum nl_code rc;
	if (opt->dry_run) {
		rc = send_dry(&r);
	} else {
		size_t slots = (size_t)nl_transport_slots(transport);
		r.acc.results = nl_xcalloc(slots, sizeof *r.acc.results);
		r.acc.starts = nl_xcalloc(slots, sizeof *r.acc.starts);
		r.commit.results = nl_xcalloc(slots, sizeof *r.commit.results);
		r.commit.starts = nl_xcalloc(slots, sizeof *r.commit.starts);
		pthread_mutex_init(&r.mu, NULL);
		pthread_cond_init(&r.cv, NULL);
		/* If the WAL cannot be opened, every commit syncs itself: slower, as safe. */
		struct nl_error ignored;
		r.deferred_sync = nl_store_defer_sync(store, true, &ignored) == NL_OK;
		if (pthread_create(&r.thread, NULL, send_syncer, &r) != 0) {
			rc = nl_fail(err, NL_ERR_INTERNAL, "cannot start the journal's sync thread");
		} else {
			r.thread_started = true;
			rc = send_loop(&r);
			if (r.committing) {
				/* Stopped by an error with a batch in flight: let it land (it is true). */
				send_commit_done(&r, true);
				r.committing = false;
			}
			pthread_mutex_lock(&r.mu);
			r.quit = true;
			pthread_cond_broadcast(&r.cv);
			pthread_mutex_unlock(&r.mu);
			pthread_join(r.thread, NULL);
		}
		pthread_cond_destroy(&r.cv);
		pthread_mutex_destroy(&r.mu);
		/* Every batch was synced before its starts were released; later commits (the campaign's
		 * completion, other commands) sync themselves again, or nothing more is written. */
		struct nl_error restore_err;
		if (r.deferred_sync && nl_store_defer_sync(store, false, &restore_err) != NL_OK &&
		    rc == NL_OK) {
			*err = restore_err;
			rc = restore_err.code;
		}
		if (rc == NL_OK && r.stop != NL_OK) {
			if (r.stop_detail[0])
				rc = nl_fail(err, r.stop, "%s", r.stop_detail);
			else
				rc = r.stop; /* the detail is already in err */
		}
		if (rc == NL_OK)
			rc = send_maybe_complete(&r);
	}
	stats->stopped = rc != NL_OK;
	send_bad_rows_end(&r);
	send_progress(&r, true);
	/* Deferred ones waiting for an in-run retry when the run ended stay deferred in the journal. */
	stats->deferred += r.retry.n;
	send_free_jobs(&r);
	free(r.acc.results);
	free(r.acc.starts);
	free(r.commit.results);
	free(r.commit.starts);
	return rc;
}

enum nl_code nl_send_test_copy(struct nl_composer *composer, struct nl_subscribers *list,
                               struct nl_transport *transport, const char *address, char *reply,
                               struct nl_error *err)
{
	reply[0] = '\0';
	size_t n_columns;
	const char *const *columns = nl_subscribers_columns(list, &n_columns);
	const struct nl_subscriber *sub = NULL;
	for (;;) {
		enum nl_code rc = nl_subscribers_next(list, &sub, err);
		if (rc == NL_ERR_SUBSCRIBER)
			continue;
		if (rc != NL_OK)
			return rc;
		if (!sub || nl_ascii_casecmp(sub->email, address) == 0)
			break;
	}
	const char **empty = NULL;
	struct nl_subscriber only = {0};
	if (!sub) {
		empty = nl_xcalloc(n_columns ? n_columns : 1, sizeof *empty);
		for (size_t i = 0; i < n_columns; i++)
			empty[i] = nl_ascii_casecmp(columns[i], "email") == 0 ? address : "";
		only = (struct nl_subscriber){address, "", 0, n_columns, columns, empty};
		sub = &only;
	}
	struct nl_buf msg;
	nl_buf_init(&msg, NL_COMPOSE_MAX_MESSAGE);
	struct nl_envelope env;
	enum nl_code rc = nl_compose_message(composer, sub, &msg, &env, err);
	if (rc == NL_OK)
		rc = nl_transport_submit(transport, env.mail_from, env.rcpt_to, &msg, NULL, err);
	while (rc == NL_OK && nl_transport_in_flight(transport) > 0) {
		struct nl_transport_result res;
		size_t n = 0;
		rc = nl_transport_wait(transport, 1000, &res, 1, &n, err);
		if (rc == NL_OK && n == 1) {
			snprintf(reply, NL_TRANSPORT_REPLY_MAX, "%s", res.reply);
			if (res.code != NL_OK)
				rc = nl_fail(err, res.code, "test copy to %s: %s", address, res.reply);
		}
	}
	nl_buf_free(&msg);
	free(empty);
	return rc;
}

long nl_send_backoff(int attempts)
{
	long delay = 300;
	for (int i = 1; i < attempts && delay < 6 * 3600; i++)
		delay *= 2;
	return delay < 6 * 3600 ? delay : 6 * 3600;
}
