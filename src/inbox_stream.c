/* inbox_stream.c - the deadline layer under an IMAP session's stream (inbox_stream.h).
 *
 * libetpan's socket and TLS layers wait for each read or write with the timeout of their own
 * mailstream_low (in whole seconds); this layer sets that timeout before every call to the time
 * left in the step, capped by the idle limit, and turns an end of file (0) into a failure (-1)
 * that sticks.  A step's deadline is the idle limit after its start, moved later only by the bytes
 * that arrive (at INBOX_STREAM_MIN_RATE, up to the size the step expects): a transfer at a fair
 * rate is given its time, a trickle is not.  That is not enough over TLS: libetpan's GnuTLS read
 * waits again, with the whole timeout, each time a partial record arrives, so a server that
 * trickles a byte every few seconds would keep one call below going for ever.  So a watchdog
 * thread cancels the layer below (mailstream_low_cancel, which wakes its poll) when a call is
 * still running at the deadline.
 */
#include "inbox_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct inbox_stream {
	mailstream_low *below; /* the socket or TLS layer */
	long idle;             /* seconds without progress that end a read or write */
	/* Shared with the watchdog, under `lock`: */
	pthread_mutex_t lock;
	pthread_cond_t changed; /* the deadline moved, a call began, or the stream is being freed */
	pthread_t watchdog;
	bool watching;           /* the watchdog thread runs */
	bool stopping;           /* stream_free asks it to end */
	bool in_call;            /* a read or write below is running */
	bool expired;            /* the watchdog cancelled a call that ran past the deadline */
	long long step_start_ms; /* monotonic; 0 before the first step */
	size_t step_bytes;       /* the size the step expects */
	size_t step_received;    /* bytes read during the step */
	char why[96];            /* empty while the stream works */
};

static long long stream_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The current step's deadline (monotonic ms), or 0 before the first step.  With the lock held. */
static long long stream_deadline(const struct inbox_stream *st)
{
	if (!st->step_start_ms)
		return 0;
	size_t earned = st->step_received < st->step_bytes ? st->step_received : st->step_bytes;
	return st->step_start_ms + st->idle * 1000LL + (long long)(earned / (INBOX_STREAM_MIN_RATE / 1000));
}

/* Marks the stream broken because the step ran out of time.  With the lock held. */
static void stream_expire(struct inbox_stream *st)
{
	if (!st->why[0])
		snprintf(st->why, sizeof st->why, "no complete answer within %lld s",
		         (stream_now_ms() - st->step_start_ms + 500) / 1000);
}

/* The wait to give the layer below (seconds), or 0 when the step's time is up.  With the lock
 * held. */
static long stream_wait(struct inbox_stream *st)
{
	if (st->expired)
		stream_expire(st);
	if (st->why[0])
		return 0;
	long long deadline = stream_deadline(st);
	long long left = deadline ? deadline - stream_now_ms() : st->idle * 1000LL;
	if (left <= 0) {
		stream_expire(st);
		return 0;
	}
	long secs = (long)((left + 999) / 1000);
	return secs < st->idle ? secs : st->idle;
}

/* After a failed call below that was given `wait` seconds from `start`. */
static void stream_failed(struct inbox_stream *st, long wait, long long start)
{
	if (st->why[0])
		return;
	if (st->expired)
		stream_expire(st);
	else if (stream_now_ms() - start >= wait * 1000LL - 100)
		snprintf(st->why, sizeof st->why, "no answer for %ld s", wait);
	else
		snprintf(st->why, sizeof st->why, "the connection failed (reset or closed)");
}

/* Before a call below: its wait in seconds (0: fail at once), with the watchdog told. */
static long stream_begin(struct inbox_stream *st, long long *start)
{
	pthread_mutex_lock(&st->lock);
	long wait = stream_wait(st);
	if (wait) {
		st->below->timeout = (time_t)wait;
		st->in_call = true;
		pthread_cond_signal(&st->changed);
	}
	pthread_mutex_unlock(&st->lock);
	*start = stream_now_ms();
	return wait;
}

/* After a call below that returned `r`: what to return above.  `eof` says whether 0 means an end
 * of file (a read) or "try again" (a TLS write that would block). */
static ssize_t stream_end(struct inbox_stream *st, ssize_t r, bool eof, long wait, long long start)
{
	pthread_mutex_lock(&st->lock);
	st->in_call = false;
	if (st->expired) /* the answer, if any, came after the deadline: the step failed */
		r = -1;
	if (r > 0 && eof)
		st->step_received += (size_t)r;
	if (r == 0 && eof) {
		if (!st->why[0])
			snprintf(st->why, sizeof st->why, "the server closed the connection");
		r = -1; /* libetpan would read again, and again */
	} else if (r < 0) {
		stream_failed(st, wait, start);
	}
	pthread_mutex_unlock(&st->lock);
	return r < 0 ? -1 : r;
}

static ssize_t stream_read(mailstream_low *s, void *buf, size_t count)
{
	struct inbox_stream *st = s->data;
	long long start;
	long wait = stream_begin(st, &start);
	if (!wait)
		return -1;
	return stream_end(st, mailstream_low_read(st->below, buf, count), true, wait, start);
}

static ssize_t stream_write(mailstream_low *s, const void *buf, size_t count)
{
	struct inbox_stream *st = s->data;
	long long start;
	long wait = stream_begin(st, &start);
	if (!wait)
		return -1;
	return stream_end(st, mailstream_low_write(st->below, buf, count), false, wait, start);
}

static int stream_close(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	return mailstream_low_close(st->below);
}

static int stream_get_fd(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	return mailstream_low_get_fd(st->below);
}

static void stream_free(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	if (st->watching) {
		pthread_mutex_lock(&st->lock);
		st->stopping = true;
		pthread_cond_signal(&st->changed);
		pthread_mutex_unlock(&st->lock);
		pthread_join(st->watchdog, NULL);
	}
	pthread_cond_destroy(&st->changed);
	pthread_mutex_destroy(&st->lock);
	mailstream_low_free(st->below);
	free(st);
	free(s);
}

static void stream_cancel(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	mailstream_low_cancel(st->below);
}

static struct mailstream_cancel *stream_get_cancel(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	return mailstream_low_get_cancel(st->below);
}

static carray *stream_certificate_chain(mailstream_low *s)
{
	struct inbox_stream *st = s->data;
	return mailstream_low_get_certificate_chain(st->below);
}

static mailstream_low_driver stream_driver = {
    .mailstream_read = stream_read,
    .mailstream_write = stream_write,
    .mailstream_close = stream_close,
    .mailstream_get_fd = stream_get_fd,
    .mailstream_free = stream_free,
    .mailstream_cancel = stream_cancel,
    .mailstream_get_cancel = stream_get_cancel,
    .mailstream_get_certificate_chain = stream_certificate_chain,
};

/* The watchdog: sleeps until the deadline while a call below runs, then cancels it. */
static void *stream_watch(void *arg)
{
	struct inbox_stream *st = arg;
	pthread_mutex_lock(&st->lock);
	while (!st->stopping) {
		long long deadline = stream_deadline(st);
		if (!st->in_call || !deadline || st->expired) {
			pthread_cond_wait(&st->changed, &st->lock);
			continue;
		}
		long long left = deadline - stream_now_ms();
		if (left <= 0) {
			/* under the lock, so that the call's end sees `expired` and the next step cannot
			 * begin before the cancel is in place (it sticks: the stream is broken for good) */
			st->expired = true;
			mailstream_low_cancel(st->below);
			continue;
		}
		/* woken early by a change, or at the deadline, which bytes read meanwhile may have moved */
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(left / 1000);
		until.tv_nsec += (long)(left % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&st->changed, &st->lock, &until);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

static void stream_start_watchdog(struct inbox_stream *st)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&st->changed, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&st->lock, NULL);
	/* without the thread the layer still bounds each wait (only a TLS trickle goes unbounded) */
	st->watching = nl_thread_start(&st->watchdog, stream_watch, st) == 0;
}

struct inbox_stream *inbox_stream_wrap(mailstream *s, long idle)
{
	struct inbox_stream *st = nl_xcalloc(1, sizeof *st);
	st->below = mailstream_get_low(s);
	st->idle = idle > 0 ? idle : 60;
	mailstream_low *low = mailstream_low_new(st, &stream_driver);
	if (!low) { /* as nl_x* do (buf.h): out of memory is not recoverable here */
		fputs("mailer: out of memory\n", stderr);
		abort();
	}
	stream_start_watchdog(st);
	mailstream_set_low(s, low);
	return st;
}

/* One address: a non-blocking connect, waited for until `deadline_ms`. */
static int stream_connect_one(const struct addrinfo *ai, long long deadline_ms, int *error)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*error = errno;
		return -1;
	}
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			*error = errno;
			close(fd);
			return -1;
		}
		struct pollfd pfd = {fd, POLLOUT, 0};
		int r;
		do {
			long long left = deadline_ms - stream_now_ms();
			r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		} while (r < 0 && errno == EINTR);
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (r == 0)
			soerr = ETIMEDOUT;
		else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
			soerr = errno;
		if (soerr) {
			*error = soerr;
			close(fd);
			return -1;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return fd;
}

int inbox_stream_connect(const char *host, unsigned port, long timeout, char *why, size_t why_size)
{
	char name[256], service[16];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		snprintf(name, sizeof name, "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(name, sizeof name, "%s", host);
	snprintf(service, sizeof service, "%u", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int gai = getaddrinfo(name, service, &hints, &res);
	if (gai != 0) {
		snprintf(why, why_size, "cannot resolve %s: %s", name, gai_strerror(gai));
		return -1;
	}
	long long deadline_ms = stream_now_ms() + (timeout > 0 ? timeout : 60) * 1000LL;
	int fd = -1, error = 0;
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = stream_connect_one(ai, deadline_ms, &error);
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, why_size, "%s", strerror(error ? error : ECONNREFUSED));
	return fd;
}

void inbox_stream_step(struct inbox_stream *st, size_t bytes)
{
	pthread_mutex_lock(&st->lock);
	st->step_start_ms = stream_now_ms();
	st->step_bytes = bytes;
	st->step_received = 0;
	pthread_cond_signal(&st->changed);
	pthread_mutex_unlock(&st->lock);
}

const char *inbox_stream_broken(struct inbox_stream *st)
{
	pthread_mutex_lock(&st->lock);
	if (st->expired)
		stream_expire(st);
	bool broken = st->why[0] != 0;
	pthread_mutex_unlock(&st->lock);
	return broken ? st->why : NULL; /* `why` is written once, then never again */
}
