/* inbox.h - where inbound mail comes from: an IMAP folder (imap://, imaps://), a Maildir or an mbox
 * file, read as a sequence of raw messages, each with a stable location (doc/DESIGN.md §5).
 *
 * No libetpan type appears here.  The inbox never deletes anything: after a message is recorded the
 * caller asks for the configured `after` action (IMAP only: keep, mark \Seen, or move to a folder;
 * a move is UID MOVE, or COPY + \Deleted + UID EXPUNGE of just those UIDs with UIDPLUS, else the
 * originals are only marked \Deleted).  Maildir and mbox sources are only read.
 */
#ifndef NL_INBOX_H
#define NL_INBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

struct nl_inbox;

struct nl_inbox_options {
	const char *url;      /* imap://[user@]host[:port]/FOLDER, imaps://…, maildir:DIR, mbox:FILE
	                         (FOLDER defaults to INBOX) */
	const char *user;     /* IMAP login; overrides the user in the URL */
	const char *password; /* IMAP password (never logged) */
	const char *ca_file;  /* extra trusted CA certificates (PEM) besides the system's; may be NULL */
	enum nl_inbox_after after;
	const char *move_to; /* with NL_AFTER_MOVE */
	long timeout;        /* seconds: an IMAP step that waits that long for the server, or takes
	                        longer than that plus its size at 64 KiB/s, ends; 0 = 60 */
};

/* One message: `data` is valid until the next call on the inbox. */
struct nl_inbox_message {
	const char *data;
	size_t len;
	const char *location; /* "UIDVALIDITY:UID", a Maildir file's unique name, or "@OFFSET" in an mbox */
	uint32_t uid;         /* IMAP only */
};

/* Opens the source (IMAP: connect, TLS with certificate and host name verification, LOGIN, SELECT).
 * A plain imap:// URL upgrades with STARTTLS when the server offers it and refuses to send the
 * password in clear unless the host is loopback.  Returns NL_OK, NL_ERR_CONFIG (bad URL),
 * NL_ERR_NOT_FOUND (no such Maildir or mbox file), NL_ERR_INBOX (unreachable, no such folder, not a
 * Maildir), NL_ERR_TLS or NL_ERR_AUTH; the detail names the mailbox. */
NL_MUST_USE enum nl_code nl_inbox_open(const struct nl_inbox_options *opt, struct nl_inbox **out, struct nl_error *err);
void nl_inbox_close(struct nl_inbox *inbox); /* NULL accepted; logs out */

/* The source as recorded with each message ("imap://host/INBOX", "maildir:/abs/dir", "mbox:/abs/file");
 * owned by the inbox.  For IMAP also the key of the cursor in the store. */
const char *nl_inbox_source(const struct nl_inbox *inbox);
bool nl_inbox_is_imap(const struct nl_inbox *inbox);

/* IMAP: starts listing the messages with a UID above `last_uid` when the folder's UIDVALIDITY is
 * still `uidvalidity` (otherwise every message: the UIDs were renumbered); *uidvalidity_now gets the
 * folder's value.  Maildir and mbox: every message, *uidvalidity_now = 0.  Returns NL_OK or NL_ERR_INBOX. */
NL_MUST_USE enum nl_code nl_inbox_scan(struct nl_inbox *inbox, uint32_t uidvalidity, uint32_t last_uid,
                           uint32_t *uidvalidity_now, struct nl_error *err);
/* How many messages the scan found. */
size_t nl_inbox_count(const struct nl_inbox *inbox);

/* The next message of the scan.  Returns NL_OK, NL_ERR_NOT_FOUND at the end, NL_ERR_INBOX when the
 * mailbox fails (connection lost: stop), or NL_ERR_MESSAGE / NL_ERR_LIMIT for one message that cannot
 * be fetched or is too large (its location is filled; go on with the next). */
NL_MUST_USE enum nl_code nl_inbox_next(struct nl_inbox *inbox, struct nl_inbox_message *msg, struct nl_error *err);

/* Applies the `after` action to the given IMAP UIDs (already recorded by the caller).  No-op for
 * keep and for Maildir/mbox.  Returns NL_OK or NL_ERR_INBOX. */
NL_MUST_USE enum nl_code nl_inbox_after(struct nl_inbox *inbox, const uint32_t *uids, size_t n, struct nl_error *err);

/* The password for the inbox: the first line printed by `password_cmd` (nl_password_from_command),
 * else the environment variable MAILER_IMAP_PASSWORD; NULL in *out if neither is set.  The caller
 * wipes and frees it (nl_password_free).  Returns NL_OK or NL_ERR_CONFIG when the command fails. */
NL_MUST_USE enum nl_code nl_inbox_password(const char *password_cmd, char **out, struct nl_error *err);

#endif
