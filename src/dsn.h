/* dsn.h - reading delivery reports and complaints (internal to the reply module).
 *
 * RFC 3464 delivery status notifications and the common non-standard bounces (qmail, Exim,
 * Sendmail, Postfix, Exchange, Domino, Gmail, …), RFC 5965 ARF complaints.  Untrusted input; linear
 * time.  Called by reply.c; exposed for tests.
 */
#ifndef NL_DSN_H
#define NL_DSN_H

#include <stdbool.h>
#include <stddef.h>

#include "message.h"
#include "reply.h"

/* True if `msg` is a delivery report: a message/delivery-status part, or a non-standard bounce
 * recognised by its sender (MAILER-DAEMON, postmaster), subject or wording.  When true, fills
 * r->bounces (one per recipient found, possibly none), r->kind (NL_REPLY_BOUNCE when at least one
 * recipient failed, else NL_REPLY_IGNORED for delayed/delivered/relayed reports) and r->reason. */
bool nl_dsn_read(const struct nl_message *msg, struct nl_reply *r);

/* True if `msg` is an ARF feedback report (RFC 5965); fills r->kind = NL_REPLY_COMPLAINT,
 * r->feedback_type, r->reason and one r->bounces entry with the complained-about address (when the
 * report names one). */
bool nl_dsn_read_arf(const struct nl_message *msg, struct nl_reply *r);

/* Sets b->reason, b->hard and b->policy from b->status, b->action and `text` (the diagnostic and
 * the MTA's sentence about this recipient). */
void nl_dsn_classify(struct nl_bounce *b, const char *text, size_t len);

#endif
