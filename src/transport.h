/* transport.h - delivering composed messages: SMTP (libcurl opens the connections, smtp.c speaks the
 * mail transactions) or a Maildir outbox (`outbox:DIR`, the default).
 *
 * The transport is a non-blocking engine with a fixed number of slots (the `connections` setting;
 * the outbox has 32).  The sender's loop is:
 *
 *     while (work) {
 *             nl_transport_wait(t, ms, results, ...);         // run the network, collect outcomes
 *             nl_transport_submit_held(...) per free slot;    // up to the final dot
 *             journal the outcomes and the starts;            // one transaction (group commit)
 *             nl_transport_release(...) for each start;       // once that commit is durable
 *             compose the next messages while the network works;
 *     }
 *
 * so every outcome is durable before the slot that produced it can complete another message (no
 * server can take a message before its final dot), and the commit's fsync overlaps the next
 * envelope and body.  SMTP connections are reused for many messages and re-opened when a server
 * drops one.  No libcurl type appears here.  Passwords are never written into an error detail or
 * a log.
 */
#ifndef NL_TRANSPORT_H
#define NL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "error.h"

/* Longest server reply (or error text) kept per outcome, including the NUL. */
#define NL_TRANSPORT_REPLY_MAX 512

struct nl_transport_options {
	const char *url;           /* smtp://host[:port], smtps://host[:port] or outbox:DIR (absolute or as
	                              the caller wants it resolved) */
	const char *user;          /* NULL or "" = no AUTH */
	const char *password;      /* with user; libcurl keeps its own copy; never logged */
	enum nl_starttls starttls; /* AUTO = required unless the host is loopback */
	const char *ca_file;       /* NULL = the system's CAs */
	bool insecure;             /* do not verify certificates (tls_verify = off-i-know-what-i-am-doing) */
	int connections;           /* parallel SMTP sessions, 1..64 */
	long timeout;              /* seconds: connect, and each SMTP step; <= 0 means 60 */
	bool trace;                /* keep a protocol trace of commands and replies for -v (AUTH elided) */
	bool settle;               /* the caller journals outcomes: see nl_transport_settle */
};

/* One finished delivery.  `code` is
 *   NL_OK               2xx after the final dot: sent; `reply` is the server's reply ("250 2.0.0 Ok: queued")
 *   NL_ERR_SMTP_TEMP    4xx, a timeout or a dropped connection before the final dot: deferred
 *   NL_ERR_SMTP_PERM    5xx to MAIL, RCPT, DATA or the final dot: failed
 *   NL_ERR_SMTP_UNKNOWN no reply (or one that is neither 2xx, 4xx nor 5xx) after the final dot:
 *                       the message may have arrived
 *   NL_ERR_SMTP_CONNECT the server could not be reached (nothing was sent)
 *   NL_ERR_TLS          certificate or handshake failure (nothing was sent)
 *   NL_ERR_AUTH         the login was refused (nothing was sent)
 *   NL_ERR_IO           the outbox could not be written
 * and `reply` holds the server's text or the error. */
struct nl_transport_result {
	void *tag; /* as given to nl_transport_submit */
	enum nl_code code;
	int smtp_code; /* the last reply code seen (0 if none) */
	char reply[NL_TRANSPORT_REPLY_MAX];
};

struct nl_transport;

/* Opens a transport per `opt` (strings are copied).  Nothing is connected yet.  Returns NL_OK,
 * NL_ERR_CONFIG (bad URL, STARTTLS refused for a remote host, too many connections) or NL_ERR_IO
 * (the outbox directories could not be created).  The detail never contains the password. */
NL_MUST_USE enum nl_code nl_transport_open(const struct nl_transport_options *opt, struct nl_transport **out,
                               struct nl_error *err);
/* Finishes the sessions politely (QUIT) and frees everything; NULL accepted. */
void nl_transport_close(struct nl_transport *t);

/* True for the Maildir outbox. */
bool nl_transport_is_outbox(const struct nl_transport *t);
/* Number of slots (parallel deliveries). */
int nl_transport_slots(const struct nl_transport *t);
/* Slots free for nl_transport_submit now. */
int nl_transport_free_slots(const struct nl_transport *t);
/* Deliveries submitted and not yet returned by nl_transport_wait. */
int nl_transport_in_flight(const struct nl_transport *t);
/* Those of them that can finish without a release or a settle from the caller (their outcome may
 * still come while the caller waits). */
int nl_transport_can_finish(const struct nl_transport *t);

/* Starts delivering one message (RFC 5322 bytes with CRLF line ends; the transport adds SMTP dot
 * stuffing) from the envelope sender `from` to `rcpt`.  The bytes are swapped, not copied: on return
 * *msg holds an empty buffer that keeps the memory of an earlier message, for the caller to compose
 * into next.  `tag` comes back in the result.  Returns NL_OK, or NL_ERR_USAGE if no slot is free. */
NL_MUST_USE enum nl_code nl_transport_submit(struct nl_transport *t, const char *from, const char *rcpt,
                                 struct nl_buf *msg, void *tag, struct nl_error *err);
/* As nl_transport_submit, but the message cannot complete before nl_transport_release(t, tag): SMTP
 * sends the envelope and the body and keeps back the final dot; the outbox writes nothing yet.  The
 * slot stays busy until then. */
NL_MUST_USE enum nl_code nl_transport_submit_held(struct nl_transport *t, const char *from, const char *rcpt,
                                      struct nl_buf *msg, void *tag, struct nl_error *err);
/* Lets the held message submitted with `tag` complete; nothing if there is none (it may have
 * failed already: its outcome comes from nl_transport_wait as usual). */
void nl_transport_release(struct nl_transport *t, void *tag);
/* With opt.settle: the outcome of `tag`, returned by nl_transport_wait, is durable now.  Until
 * then, when that message may have reached the server (its final dot left), the connection that
 * carried it sends no other final dot, so a crash can repeat at most one message per connection. */
void nl_transport_settle(struct nl_transport *t, void *tag);

/* Runs the network for at most `timeout_ms` (0 = just what is ready now), returning as soon as at
 * least one delivery has finished, on any network activity, or on nl_transport_wakeup.  Up to
 * `max` outcomes go to out[0..*n); the rest stay for the next call.  A slot is free again once its
 * outcome has been returned.  Returns NL_OK or NL_ERR_INTERNAL (libcurl itself failed). */
NL_MUST_USE enum nl_code nl_transport_wait(struct nl_transport *t, int timeout_ms, struct nl_transport_result *out,
                               size_t max, size_t *n, struct nl_error *err);

/* Makes a running or the next nl_transport_wait return early.  The one call that is safe from
 * another thread (the sender's syncer uses it when a commit is durable). */
void nl_transport_wakeup(struct nl_transport *t);

/* The protocol trace gathered since the last call (only with opt.trace), NUL-terminated, owned by
 * the transport and valid until the next call into it; "" when there is none.  AUTH exchanges are
 * replaced by "AUTH (elided)". */
const char *nl_transport_trace(struct nl_transport *t);

/* The SMTP password for `cfg`, from (in that order) password_cmd (run with /bin/sh -c; only the first
 * line of its output counts), the environment variable MAILER_SMTP_PASSWORD, or the configuration
 * file's own `password`, which is refused when that file is readable by group or others.  *out is
 * NULL when no user is configured, else a string the caller wipes and frees (nl_transport_password_free).
 * Returns NL_OK or NL_ERR_CONFIG (command failed, loose permissions, user without password); the
 * detail never contains the password or the command's output. */
NL_MUST_USE enum nl_code nl_transport_password(const struct nl_config *cfg, char **out, struct nl_error *err);
/* Wipes and frees a password; NULL accepted. */
void nl_transport_password_free(char *password);

/* True if `url` names a loopback host (localhost, 127.0.0.0/8, ::1), where STARTTLS is not required. */
bool nl_transport_url_is_loopback(const char *url);

#endif
