/* latency_proxy.c - a TCP proxy on loopback that delays each direction by a set time, so that the
 * benchmarks can send and collect over a simulated network (tests/bench/bench_net.py, issue 14).
 * Not a test, and no part of mailer.
 *
 *   latency_proxy LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS [--port-file F] [--lifetime S]
 *
 * DELAY_MS is the ONE-WAY delay: every chunk read from either side is written to the other side
 * DELAY_MS after it was read, so a round trip through the proxy costs 2 x DELAY_MS (for a 50 ms
 * RTT pass 25).  It may be fractional (2.5); at 0 a chunk is forwarded as soon as it is read.
 * LISTEN_PORT 0 picks a free port.  Once the proxy accepts on 127.0.0.1, the port is printed on
 * stdout and, with --port-file, written to F (as F.tmp, then renamed, so a reader never sees half of
 * it).  --lifetime S ends the proxy after S seconds, so that a forgotten one goes away by itself.
 *
 * Each accepted connection gets its own connection to TARGET_HOST:TARGET_PORT.  Each direction is a
 * queue of chunks stamped with the time they were read; a chunk is written once its time plus the
 * delay has come, in order, so pipelined traffic keeps its timing (a delay, not a bandwidth limit)
 * and the connections never wait for one another: one ppoll() loop serves them all.  An EOF is
 * queued like a chunk and forwarded as a half-close (shutdown SHUT_WR) after the data before it; a
 * connection is closed once both directions have forwarded their EOF, or at once when a write
 * fails.  A direction whose queue holds more than 4 MB is not read until it drains, so memory stays
 * bounded.  SIGTERM or SIGINT ends the proxy cleanly (exit 0); errors at start exit 1.
 */
#define _GNU_SOURCE /* ppoll: a timeout finer than poll's milliseconds */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROXY_QUEUE_MAX (4u << 20) /* bytes queued in one direction before its side is not read */
#define PROXY_READ_SIZE 65536

/* One chunk read from one side, due for writing to the other at `due` (ns, CLOCK_MONOTONIC).  A
 * chunk of length 0 stands for the EOF. */
struct proxy_chunk {
	struct proxy_chunk *next;
	int64_t due;
	size_t len, off;
	char data[];
};

/* One direction: read from fd[from], written to fd[1 - from]. */
struct proxy_dir {
	struct proxy_chunk *head, *tail;
	size_t queued; /* bytes held, chunk headers included */
	bool eof_read; /* the reading side said EOF (or failed): not read again */
	bool eof_sent; /* the EOF was forwarded: nothing more is written */
	bool blocked;  /* the writing side's buffer is full: wait for POLLOUT */
};

/* fd[0] is the client's socket, fd[1] the target's.  dir[0] goes client to target, dir[1] back. */
struct proxy_conn {
	int fd[2];
	bool connecting; /* the connect() to the target has not completed */
	bool dead;       /* to be freed before the next poll */
	struct proxy_dir dir[2];
};

struct proxy {
	int listen_fd;
	int stop_pipe[2]; /* the signal handler writes to [1]; the loop polls [0] */
	int64_t delay;    /* one way, ns */
	struct addrinfo *target;
	struct proxy_conn **conns;
	size_t nconns, cap, max_conns;
	struct pollfd *pfd;
};

static int proxy_stop_fd = -1;

static void proxy_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;
	if (write(proxy_stop_fd, &c, 1) < 0) {
		/* the pipe is full: a stop is already pending */
	}
	errno = saved;
}

static int64_t proxy_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int proxy_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Small writes go out at once: Nagle's algorithm would hold a pipelined command back until the
 * previous one is acknowledged, adding a delay of its own. */
static void proxy_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void proxy_dir_free(struct proxy_dir *d)
{
	while (d->head) {
		struct proxy_chunk *c = d->head;
		d->head = c->next;
		free(c);
	}
	d->tail = NULL;
	d->queued = 0;
}

static void proxy_conn_free(struct proxy_conn *c)
{
	if (!c)
		return;
	for (int k = 0; k < 2; k++) {
		if (c->fd[k] >= 0)
			close(c->fd[k]);
		proxy_dir_free(&c->dir[k]);
	}
	free(c);
}

/* Appends a chunk of len bytes (0: the EOF) read now to direction d. */
static void proxy_enqueue(struct proxy *p, struct proxy_dir *d, const char *data, size_t len)
{
	struct proxy_chunk *c = malloc(sizeof *c + len);
	if (!c) {
		fprintf(stderr, "latency_proxy: out of memory\n");
		exit(1);
	}
	c->next = NULL;
	c->due = proxy_now() + p->delay;
	c->len = len;
	c->off = 0;
	if (len)
		memcpy(c->data, data, len);
	if (d->tail)
		d->tail->next = c;
	else
		d->head = c;
	d->tail = c;
	d->queued += sizeof *c + len;
}

static void proxy_dequeue(struct proxy_dir *d)
{
	struct proxy_chunk *c = d->head;
	d->head = c->next;
	if (!d->head)
		d->tail = NULL;
	d->queued -= sizeof *c + c->len;
	free(c);
}

/* Writes what is due in direction k of c to its other side.  Returns false when the connection
 * has to be closed (a write failed). */
static bool proxy_flush(struct proxy_conn *c, int k, int64_t now)
{
	struct proxy_dir *d = &c->dir[k];
	int to = c->fd[1 - k];
	while (d->head && d->head->due <= now && !d->blocked) {
		struct proxy_chunk *h = d->head;
		if (h->len == 0) {
			shutdown(to, SHUT_WR);
			d->eof_sent = true;
			proxy_dequeue(d);
			continue;
		}
		ssize_t n = send(to, h->data + h->off, h->len - h->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			d->blocked = true;
		} else if (n < 0 && errno != EINTR) {
			return false;
		} else if (n > 0) {
			h->off += (size_t)n;
			if (h->off == h->len)
				proxy_dequeue(d);
		}
	}
	return true;
}

/* Reads one chunk from side k of c into direction k.  A read error counts as the EOF. */
static void proxy_read(struct proxy *p, struct proxy_conn *c, int k)
{
	char buf[PROXY_READ_SIZE];
	ssize_t n = recv(c->fd[k], buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		c->dir[k].eof_read = true;
		proxy_enqueue(p, &c->dir[k], NULL, 0);
		return;
	}
	proxy_enqueue(p, &c->dir[k], buf, (size_t)n);
}

/* Opens the connection to the target for a client just accepted (non-blocking: it completes in the
 * loop).  Returns NULL when even the attempt fails. */
static struct proxy_conn *proxy_conn_open(struct proxy *p, int client)
{
	int fd = socket(p->target->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	if (proxy_nonblock(fd) < 0 ||
	    (connect(fd, p->target->ai_addr, p->target->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return NULL;
	}
	proxy_nodelay(fd);
	struct proxy_conn *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return NULL;
	}
	c->fd[0] = client;
	c->fd[1] = fd;
	c->connecting = true;
	return c;
}

static void proxy_accept(struct proxy *p)
{
	while (p->nconns < p->max_conns) {
		int client = accept(p->listen_fd, NULL, NULL);
		if (client < 0)
			return; /* EAGAIN, or a client that went away before we took it */
		if (proxy_nonblock(client) < 0) {
			close(client);
			continue;
		}
		proxy_nodelay(client);
		struct proxy_conn *c = proxy_conn_open(p, client);
		if (!c) {
			close(client);
			continue;
		}
		if (p->nconns == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 64;
			struct proxy_conn **conns = realloc(p->conns, cap * sizeof *conns);
			struct pollfd *pfd = realloc(p->pfd, (2 + 2 * cap) * sizeof *pfd);
			if (!conns || !pfd) {
				fprintf(stderr, "latency_proxy: out of memory\n");
				exit(1);
			}
			p->conns = conns;
			p->pfd = pfd;
			p->cap = cap;
		}
		p->conns[p->nconns++] = c;
	}
}

/* The target's answer to the non-blocking connect(): false if it was refused. */
static bool proxy_connected(struct proxy_conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		return false;
	c->connecting = false;
	return true;
}

/* Frees the dead connections, flushes what is due on the others, and closes those whose two EOFs
 * went through. */
static void proxy_sweep(struct proxy *p, int64_t now)
{
	size_t i = 0;
	while (i < p->nconns) {
		struct proxy_conn *c = p->conns[i];
		if (!c->dead && !c->connecting)
			c->dead = !proxy_flush(c, 0, now) || !proxy_flush(c, 1, now) ||
			          (c->dir[0].eof_sent && c->dir[1].eof_sent);
		if (c->dead) {
			proxy_conn_free(c);
			p->conns[i] = p->conns[--p->nconns];
			continue;
		}
		i++;
	}
}

/* What side k of c waits for: reading while its queue has room, writing while the other direction
 * is blocked, and the connect's completion.  0 leaves the socket out of the poll (a socket with
 * nothing to do would report POLLHUP over and over). */
static short proxy_events(const struct proxy_conn *c, int k)
{
	short ev = 0;
	if (k == 1 && c->connecting)
		return POLLOUT;
	if (!c->dir[k].eof_read && c->dir[k].queued < PROXY_QUEUE_MAX && !(k == 0 && c->connecting))
		ev |= POLLIN;
	if (c->dir[1 - k].blocked)
		ev |= POLLOUT;
	return ev;
}

/* The poll's timeout: until the earliest chunk due that is not waiting for POLLOUT, or the end of
 * the lifetime (deadline, 0: none).  Returns false when there is nothing to wait for but events. */
static bool proxy_timeout(const struct proxy *p, int64_t now, int64_t deadline, struct timespec *ts)
{
	int64_t next = deadline ? deadline : INT64_MAX;
	for (size_t i = 0; i < p->nconns; i++) {
		const struct proxy_conn *c = p->conns[i];
		for (int k = 0; k < 2 && !c->connecting; k++)
			if (c->dir[k].head && !c->dir[k].blocked && c->dir[k].head->due < next)
				next = c->dir[k].head->due;
	}
	if (next == INT64_MAX)
		return false;
	int64_t wait = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(wait / 1000000000);
	ts->tv_nsec = (long)(wait % 1000000000);
	return true;
}

/* Handles what the poll reported for connection c, whose sockets are at pfd[0] and pfd[1]. */
static void proxy_events_done(struct proxy *p, struct proxy_conn *c, const struct pollfd *pfd)
{
	if (c->connecting) {
		if (pfd[1].revents && !proxy_connected(c))
			c->dead = true;
		return;
	}
	for (int k = 0; k < 2; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].revents & POLLOUT)
			c->dir[1 - k].blocked = false;
		if ((pfd[k].events & POLLIN) && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
			proxy_read(p, c, k);
		else if (!(pfd[k].events & POLLIN) && (pfd[k].revents & (POLLHUP | POLLERR)))
			c->dir[1 - k].blocked = false; /* the next write reports the failure */
	}
}

/* The loop: until a signal or the deadline.  Returns 0, or 1 if poll itself failed. */
static int proxy_run(struct proxy *p, int64_t deadline)
{
	for (;;) {
		int64_t now = proxy_now();
		if (deadline && now >= deadline)
			return 0;
		proxy_sweep(p, now);
		p->pfd[0] = (struct pollfd){.fd = p->stop_pipe[0], .events = POLLIN};
		p->pfd[1] =
		    (struct pollfd){.fd = p->nconns < p->max_conns ? p->listen_fd : -1, .events = POLLIN};
		for (size_t i = 0; i < p->nconns; i++)
			for (int k = 0; k < 2; k++) {
				short ev = proxy_events(p->conns[i], k);
				p->pfd[2 + 2 * i + k] =
				    (struct pollfd){.fd = ev ? p->conns[i]->fd[k] : -1, .events = ev};
			}
		struct timespec ts;
		bool timed = proxy_timeout(p, now, deadline, &ts);
		if (ppoll(p->pfd, 2 + 2 * p->nconns, timed ? &ts : NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			perror("latency_proxy: ppoll");
			return 1;
		}
		if (p->pfd[0].revents)
			return 0;
		size_t n = p->nconns; /* those accepted now are polled next time */
		for (size_t i = 0; i < n; i++)
			proxy_events_done(p, p->conns[i], &p->pfd[2 + 2 * i]);
		if (p->pfd[1].revents)
			proxy_accept(p);
	}
}

/* Listens on 127.0.0.1:port (0: any free one); returns the socket, the port in *bound. */
static int proxy_listen(int port, int *bound)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1024) < 0 ||
	    proxy_nonblock(fd) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static bool proxy_write_port_file(const char *path, int port)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return false;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return false;
	bool ok = fprintf(f, "%d\n", port) > 0;
	ok = fclose(f) == 0 && ok;
	return ok && rename(tmp, path) == 0;
}

static void proxy_usage(void)
{
	fprintf(stderr, "usage: latency_proxy LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS [--port-file F] "
	                "[--lifetime SECONDS]\n"
	                "  DELAY_MS is one way: a round trip through the proxy costs 2 x DELAY_MS.\n"
	                "  LISTEN_PORT 0 picks a free port, printed on stdout (and written to F).\n");
	exit(1);
}

/* A number in [min, max] from s, or the usage. */
static double proxy_number(const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		proxy_usage();
	return v;
}

/* How many connections fit in the descriptors we may open (two each, some kept for the rest). */
static size_t proxy_max_conns(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536)
		return 32000;
	return rl.rlim_cur > 40 ? (size_t)(rl.rlim_cur - 16) / 2 : 8;
}

static void proxy_signals(void)
{
	struct sigaction sa = {.sa_handler = proxy_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		proxy_usage();
	const char *port_file = NULL;
	double lifetime = 0;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(argv[i], "--lifetime") == 0 && i + 1 < argc)
			lifetime = proxy_number(argv[++i], 0, 1e7);
		else
			proxy_usage();
	}
	int listen_port = (int)proxy_number(argv[1], 0, 65535);
	proxy_number(argv[3], 1, 65535);
	struct proxy p = {.delay = (int64_t)(proxy_number(argv[4], 0, 1e6) * 1e6),
	                  .max_conns = proxy_max_conns()};
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	int rc = getaddrinfo(argv[2], argv[3], &hints, &p.target);
	if (rc != 0) {
		fprintf(stderr, "latency_proxy: %s: %s\n", argv[2], gai_strerror(rc));
		return 1;
	}
	if (pipe(p.stop_pipe) < 0 || proxy_nonblock(p.stop_pipe[0]) < 0 ||
	    proxy_nonblock(p.stop_pipe[1]) < 0) {
		perror("latency_proxy: pipe");
		return 1;
	}
	proxy_stop_fd = p.stop_pipe[1];
	proxy_signals();
	int port = 0;
	p.listen_fd = proxy_listen(listen_port, &port);
	p.pfd = malloc(2 * sizeof *p.pfd);
	if (p.listen_fd < 0 || !p.pfd) {
		perror("latency_proxy: listening on 127.0.0.1");
		return 1;
	}
	printf("%d\n", port);
	fflush(stdout);
	if (port_file && !proxy_write_port_file(port_file, port)) {
		perror("latency_proxy: the port file");
		return 1;
	}
	int64_t deadline = lifetime > 0 ? proxy_now() + (int64_t)(lifetime * 1e9) : 0;
	rc = proxy_run(&p, deadline);
	for (size_t i = 0; i < p.nconns; i++)
		proxy_conn_free(p.conns[i]);
	free(p.conns);
	free(p.pfd);
	freeaddrinfo(p.target);
	close(p.listen_fd);
	close(p.stop_pipe[0]);
	close(p.stop_pipe[1]);
	return rc;
}
