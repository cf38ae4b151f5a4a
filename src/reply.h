/* reply.h - understanding one inbound message: what it is (a person's reply, an unsubscribe request,
 * a bounce, a complaint, an auto-reply, or a report to ignore), which delivery tokens it carries,
 * and, for a person's reply, which lines are the person's new text and which belong to the quoted
 * original (doc/DESIGN.md §4, issue 4, doc/RELIABILITY.md §2).
 *
 * Handles untrusted input.  Everything here runs in time linear in the size of the message (no
 * backtracking patterns), so a 767 KB quote or 100,000 quote levels cost what reading them costs.
 * The library never matches against deliveries: the caller (collect.c) looks the tokens up.
 */
#ifndef NL_REPLY_H
#define NL_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "message.h"
#include "token.h"

/* One line of a reply body after quote detection: `quoted` lines belong to the original message
 * (the questions and the example answers), the others are the person's own. */
struct nl_reply_line {
	const char *text; /* UTF-8, without the quote markers, not NUL-terminated */
	size_t len;
	bool quoted;
	bool marked; /* quoted with ">" markers: the client's copy of the original, never typed into */
};

enum nl_reply_kind {
	NL_REPLY_PERSON = 0,      /* a person wrote it: read answers from `lines` (may hold none) */
	NL_REPLY_UNSUBSCRIBE = 1, /* "unsubscribe", "remove me", "stop", or mail to the unsubscribe address */
	NL_REPLY_BOUNCE = 2,      /* a delivery failure report: see `bounces` (action failed) */
	NL_REPLY_COMPLAINT = 3,   /* an ARF feedback report (RFC 5965): unsubscribe + count a complaint */
	NL_REPLY_AUTO = 4,        /* an auto-reply (RFC 3834, vacation, out of office): never answered */
	NL_REPLY_IGNORED = 5,     /* delayed/delivered/relayed DSN, MDN read receipt, other reports */
};

/* "person", "unsubscribe", "bounce", "complaint", "auto-reply", "ignored"; never NULL. */
const char *nl_reply_kind_name(enum nl_reply_kind kind);

/* Where a candidate token was found, strongest evidence first (doc/DESIGN.md §4 order). */
enum nl_token_source {
	NL_TOKEN_SRC_PLUS_ADDRESS = 1, /* "replies+TOKEN@…" in To/Cc/Delivered-To/X-Original-To */
	NL_TOKEN_SRC_MESSAGE_ID = 2,   /* "<TOKEN.CAMPAIGN@host>" in In-Reply-To or References */
	NL_TOKEN_SRC_MAILTO = 3,       /* "[survey TOKEN QID=VALUE]" in the subject (answer links) */
	NL_TOKEN_SRC_RETURNED = 4,     /* bounces/complaints: Message-ID or plus-address in the returned
	                                  original's headers */
};

struct nl_reply_token {
	char token[NL_TOKEN_LEN + 1]; /* has nl_token_shape(); not yet checked against any delivery */
	enum nl_token_source source;
	char *campaign; /* owned; from "<TOKEN.CAMPAIGN@host>" Message-IDs, else NULL */
};

enum nl_dsn_action {
	NL_DSN_FAILED = 0,
	NL_DSN_DELAYED = 1,
	NL_DSN_DELIVERED = 2,
	NL_DSN_RELAYED = 3,
	NL_DSN_EXPANDED = 4,
};

/* One recipient of a bounce (or the complained-about address of an ARF report). */
struct nl_bounce {
	char *recipient; /* owned; lower-cased addr-spec; NULL if the report names none */
	char status[16]; /* RFC 3463 "5.1.1"; "" if none could be found or inferred */
	enum nl_dsn_action action;
	bool hard;          /* the address itself is dead (user/host unknown, moved): suppress now */
	bool policy;        /* about the sender (5.7.x, blocklists, reputation, rate): alert the
	                       operator, do not hold it against the recipient */
	const char *reason; /* static; "userunknown", "hostunknown", "hasmoved", "mailboxfull",
	                       "policy", "filtered", "expired", "network", "toobig", "other", … */
	char *diagnostic;   /* owned; the Diagnostic-Code or the MTA's sentence; may be NULL */
};

struct nl_reply {
	enum nl_reply_kind kind;
	char *reason; /* owned; why it was classified so, one short line */

	struct nl_reply_token *tokens; /* owned; strongest first, duplicates removed */
	size_t n_tokens;

	/* NL_REPLY_BOUNCE / NL_REPLY_IGNORED DSNs / NL_REPLY_COMPLAINT: one entry per recipient. */
	struct nl_bounce *bounces; /* owned */
	size_t n_bounces;
	char *feedback_type; /* owned; complaints: "abuse", "opt-out", …; else NULL */

	/* The mailto answer format ("Re: SUBJECT [survey TOKEN QID=VALUE]"), when the subject has it. */
	char *mailto_question; /* owned; the QID as written (a question id or number); else NULL */
	char *mailto_value;    /* owned; the VALUE, trimmed; else NULL */

	/* NL_REPLY_PERSON (also filled for unsubscribe and auto-replies): the body split into lines.
	 * Quoted lines are the original (">" quoting, "On … wrote:" headers, Outlook header blocks and
	 * what follows them, signatures, "Sent from my …"); their text has the quote markers removed. */
	struct nl_reply_line *lines; /* owned; each points into `text` */
	size_t n_lines;
	char *text;     /* owned; the body the lines point into */
	char *new_text; /* owned; the person's visible new text, as nl_reply_strip_text() */
};

/* Options for nl_reply_analyse; all fields may be NULL / zero. */
struct nl_reply_options {
	const char *unsubscribe_address; /* the List-Unsubscribe mailto address: mail to it unsubscribes */
};

/* Classifies `msg`, collects its candidate tokens and, for a person's reply, splits the body into
 * own and quoted lines.  `opt` may be NULL.  On NL_OK *out is a new reply (nl_reply_free).  Never
 * fails on odd input (odd input classifies as something); returns NL_ERR_USAGE only for NULL
 * arguments. */
NL_MUST_USE enum nl_code nl_reply_analyse(const struct nl_message *msg, const struct nl_reply_options *opt,
                              struct nl_reply **out, struct nl_error *err);
void nl_reply_free(struct nl_reply *reply);

/* Splits a UTF-8 body (LF or CRLF line ends) into lines and marks which ones are quoted (see
 * struct nl_reply above).  *lines is a new array the caller frees with free(); its entries point
 * into `body`, which must outlive them.  Untrusted input; linear time. */
void nl_reply_split(const char *body, size_t len, struct nl_reply_line **lines, size_t *n_lines);

/* The visible new text of a reply body: the unquoted lines joined with "\n", leading and trailing
 * blank lines dropped, trailing spaces of each line removed.  Returns a new string the caller frees
 * (never NULL, "" when nothing is left). */
char *nl_reply_strip_text(const char *body, size_t len);
/* The same, also dropping a signature that names the sender ("Thank you,\nNoam", "Gina X\ngina@…"):
 * the topmost short line with a word of `sender` (a display name and/or address, may be NULL) among
 * the last dozen lines of the person's text, never an answer-like line.  nl_reply_analyse does this
 * with the From name and address. */
char *nl_reply_strip_text_from(const char *body, size_t len, const char *sender);

#endif
