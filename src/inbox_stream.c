/* inbox_stream.c - the deadline layer under an IMAP session's stream (inbox_stream.h).
 *
 * libetpan's socket and TLS layers wait for each read or write with the timeout of their own
 * mailstream_low (in whole seconds); this layer sets that timeout before every call to the time
 * left in the step, capped by the idle limit, and turns an end of file (0) into a failure (-1)
 * that sticks.
 */
#include "inbox_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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
	long step_seconds;     /* the current step's budget, for the message */
	long long deadline_ms; /* monotonic; 0 before the first step */
	char why[96];          /* empty while the stream works */
};

static long long stream_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wait to give the layer below (seconds), or 0 when the step's time is up. */
static long stream_wait(struct inbox_stream *st)
{
	if (st->why[0])
		return 0;
	long long left = st->deadline_ms ? st->deadline_ms - stream_now_ms() : st->idle * 1000LL;
	if (left <= 0) {
		snprintf(st->why, sizeof st->why, "no complete answer within %ld s", st->step_seconds);
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
	if (stream_now_ms() - start >= wait * 1000LL - 100)
		snprintf(st->why, sizeof st->why, "no answer for %ld s", wait);
	else
		snprintf(st->why, sizeof st->why, "the connection failed (reset or closed)");
}

static ssize_t stream_read(mailstream_low *s, void *buf, size_t count)
{
	struct inbox_stream *st = s->data;
	long wait = stream_wait(st);
	if (!wait)
		return -1;
	st->below->timeout = (time_t)wait;
	long long start = stream_now_ms();
	ssize_t r = mailstream_low_read(st->below, buf, count);
	if (r > 0)
		return r;
	if (r == 0) /* end of file: libetpan would read again, and again */
		snprintf(st->why, sizeof st->why, "the server closed the connection");
	else
		stream_failed(st, wait, start);
	return -1;
}

static ssize_t stream_write(mailstream_low *s, const void *buf, size_t count)
{
	struct inbox_stream *st = s->data;
	long wait = stream_wait(st);
	if (!wait)
		return -1;
	st->below->timeout = (time_t)wait;
	long long start = stream_now_ms();
	ssize_t r = mailstream_low_write(st->below, buf, count);
	if (r > 0)
		return r;
	stream_failed(st, wait, start);
	return -1;
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

struct inbox_stream *inbox_stream_wrap(mailstream *s, long idle)
{
	struct inbox_stream *st = nl_xcalloc(1, sizeof *st);
	st->below = mailstream_get_low(s);
	st->idle = idle > 0 ? idle : 60;
	st->step_seconds = st->idle;
	mailstream_low *low = mailstream_low_new(st, &stream_driver);
	if (!low) { /* as nl_x* do (buf.h): out of memory is not recoverable here */
		fputs("mailer: out of memory\n", stderr);
		abort();
	}
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

void inbox_stream_step(struct inbox_stream *st, long seconds)
{
	st->step_seconds = seconds > st->idle ? seconds : st->idle;
	st->deadline_ms = stream_now_ms() + st->step_seconds * 1000LL;
}

const char *inbox_stream_broken(const struct inbox_stream *st)
{
	return st->why[0] ? st->why : NULL;
}
