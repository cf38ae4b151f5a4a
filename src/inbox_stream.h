/* inbox_stream.h - a libetpan stream layer that ends every IMAP step at a deadline (issue 15).
 *
 * libetpan's own timeout restarts with every byte, and on some paths an end of file makes it loop
 * for ever (a FETCH cut by the server spun at 98% CPU for 773 s).  This layer sits between a
 * session's mailstream and the socket or TLS layer below it, and guarantees:
 *   - a step (one IMAP command and its response) ends by its deadline, whatever the server
 *     trickles (the deadline grows only with the bytes that arrive): each read or write below
 *     waits at most the time left, and at most the idle limit, and a watchdog thread cancels a
 *     call below that is still running at the deadline (libetpan's TLS read waits afresh for
 *     every partial record);
 *   - an end of file, a reset or a passed deadline breaks the stream for good: every later read
 *     and write fails at once, so no loop above can turn an end of file into a spin.
 * Only inbox.c uses it (libetpan stays behind the inbox module).
 */
#ifndef NL_INBOX_STREAM_H
#define NL_INBOX_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <libetpan/libetpan.h>

struct inbox_stream;

/* Connects to host:port over TCP within `timeout` seconds (a "[v6]" host loses its brackets).
 * Returns the socket, or -1 with the reason in `why`. */
int inbox_stream_connect(const char *host, unsigned port, long timeout, char *why, size_t why_size);

/* Puts the layer under `s` (after TLS, or before STARTTLS, then again after it).  Reads and writes that see no progress for
 * `idle` seconds fail.  The layer is owned by the stream and freed with it. */
struct inbox_stream *inbox_stream_wrap(mailstream *s, long idle);

/* The slowest transfer waited for: bytes arriving at this rate move a step's deadline later. */
#define INBOX_STREAM_MIN_RATE (64u << 10)

/* Starts a step (one command and its response) that expects about `bytes` from the server.  It
 * must end within the idle limit from now, plus the time the bytes read so far (no more than
 * `bytes`) take at INBOX_STREAM_MIN_RATE: a trickle earns next to nothing. */
void inbox_stream_step(struct inbox_stream *st, size_t bytes);

/* Why the stream broke ("the server closed the connection", "no answer for 60 s", ...), or NULL
 * while it works. */
const char *inbox_stream_broken(struct inbox_stream *st);

#endif
