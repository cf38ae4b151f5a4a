/* smtp.h - the SMTP side of the transport (internal to nl_transport; callers use transport.h).
 *
 * A pool of sessions, one connection each.  libcurl opens every connection (TCP, implicit TLS or
 * STARTTLS, certificate checks, EHLO, AUTH) with CURLOPT_CONNECT_ONLY; from there the session speaks
 * the mail transaction itself over curl_easy_send/curl_easy_recv: MAIL, RCPT and DATA (pipelined when
 * the server offers PIPELINING, RFC 2920), the dot-stuffed body and the final dot.  libcurl 7.88 cannot
 * pipeline, stuffs dots byte by byte and waits for the reply to the final dot without serving the
 * other connections; doing the transaction here made sending about twice as fast per CPU second.
 *
 * A message may be submitted "held": everything up to the final dot is sent, and the dot waits for
 * nl_smtp_release.  The sender journals meanwhile, so the fsync overlaps the network and still lands
 * before the server can take the message.
 *
 * Each session holds two deliveries (so a pool has 2 x connections slots): with PIPELINING the next
 * one's MAIL, RCPT and DATA leave in the same write as the previous final dot (RFC 2920 §3.1), so a
 * message costs one round trip, not two.  With opt->settle, once a dot was answered (or lost) the
 * session sends no other dot until nl_smtp_settle says that outcome is durable; and where the
 * server answers sooner than the settles come (loopback), the next envelope waits for the dot's
 * reply instead, which overlaps its exchange with the caller's commit.
 */
#ifndef NL_SMTP_H
#define NL_SMTP_H

#include <stdbool.h>

#include "buf.h"
#include "error.h"
#include "transport.h"

struct nl_smtp;

/* Opens a pool of opt->connections sessions for `host` (the URL's, for messages); `use_ssl` is a
 * CURLUSESSL_* value.  Nothing connects yet.  Returns NL_OK, NL_ERR_CONFIG or NL_ERR_INTERNAL. */
NL_MUST_USE enum nl_code nl_smtp_open(const struct nl_transport_options *opt, const char *host, long use_ssl,
                          struct nl_smtp **out, struct nl_error *err);
/* QUITs idle connections (waiting at most a second for the answers), drops the rest, frees; NULL
 * accepted.  A held message's final dot is never sent. */
void nl_smtp_close(struct nl_smtp *p);

int nl_smtp_slots(const struct nl_smtp *p);
int nl_smtp_free_slots(const struct nl_smtp *p);
int nl_smtp_in_flight(const struct nl_smtp *p);
/* As nl_transport_can_finish. */
int nl_smtp_can_finish(const struct nl_smtp *p);

/* As nl_transport_submit; with `hold`, the final dot waits for nl_smtp_release(p, tag). */
NL_MUST_USE enum nl_code nl_smtp_submit(struct nl_smtp *p, const char *from, const char *rcpt, struct nl_buf *msg,
                            void *tag, bool hold, struct nl_error *err);
/* Lets the held message submitted with `tag` send its final dot; nothing if there is none. */
void nl_smtp_release(struct nl_smtp *p, void *tag);
/* As nl_transport_settle. */
void nl_smtp_settle(struct nl_smtp *p, void *tag);
/* As nl_transport_wait. */
NL_MUST_USE enum nl_code nl_smtp_wait(struct nl_smtp *p, int timeout_ms, struct nl_transport_result *out, size_t max,
                          size_t *n, struct nl_error *err);
/* As nl_transport_wakeup (thread-safe). */
void nl_smtp_wakeup(struct nl_smtp *p);
/* As nl_transport_trace. */
const char *nl_smtp_trace(struct nl_smtp *p);

#endif
