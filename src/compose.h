/* compose.h - the personalised newsletter message for one subscriber (RFC 5322, MIME).
 *
 * A composer is made once per campaign: it parses the templates (TEMPLATES/NAME.html and .txt, NAME
 * being the article's `template` or "newsletter"), checks every variable they use, and pre-renders
 * what is the same for every subscriber (the survey block with a hole for the token, the From
 * header, the List-* headers).  Then, per subscriber, nl_compose_message() writes the whole message
 * into the caller's reusable buffer: no allocation once the buffer has grown.  Not thread-safe: one
 * composer per thread.
 *
 * The message (doc/DESIGN.md §4):
 *   Date (nl_now), From, To (the subscriber with their name), Subject (the article's),
 *   Message-ID <TOKEN.CAMPAIGN@domain-of-from>, Reply-To replies+TOKEN@…, MIME-Version, List-Id,
 *   List-Unsubscribe <mailto:…> (with the tokened reply address when the mailto is the reply
 *   address) and, when an https URL is configured, <URL?t=TOKEN> and List-Unsubscribe-Post (RFC 8058);
 *   multipart/alternative: text/plain then text/html, UTF-8, quoted-printable, CRLF line ends.
 * The envelope: MAIL FROM is the tokened reply address (VERP: bounces come back with the token),
 * RCPT TO the subscriber.
 *
 * Template variables: name (or "there" when empty), email, every column of the list, title,
 * subject, date (as written in the front matter), preheader, content, survey, unsubscribe (the last
 * three are pre-rendered HTML / text: use {{{…}}} in the HTML template).
 *
 * The survey answer links (CONTRACT with collect):
 *   mailto:REPLY?subject=ENC("Re: SUBJECT [survey TOKEN QID=VALUE]")&body=ENC("N VALUE")
 * REPLY the tokened reply address, ENC percent-encoding (RFC 6068: everything but unreserved
 * characters), N the 1-based question number, VALUE the option value, "yes"/"no", or the number.
 */
#ifndef NL_COMPOSE_H
#define NL_COMPOSE_H

#include <stddef.h>

#include "address.h"
#include "article.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "subscribers.h"
#include "token.h"

/* The largest message the composer will write (checked through the buffer's cap when it has none). */
#define NL_COMPOSE_MAX_MESSAGE (10u * 1024 * 1024)

/* Where one message goes, and what identifies it later. */
struct nl_envelope {
	char token[NL_TOKEN_LEN + 1];
	char mail_from[NL_ADDRESS_MAX + NL_TOKEN_LEN + 2]; /* replies+TOKEN@domain */
	char rcpt_to[NL_ADDRESS_MAX + 1];                  /* the subscriber */
	char message_id[NL_ADDRESS_MAX + 128];             /* TOKEN.CAMPAIGN@domain, no brackets */
};

struct nl_composer;

/* Makes a composer for `article` (borrowed: it must outlive the composer) under `cfg` (read during
 * the call only) and the state's token `secret` (copied).  `columns` are the subscriber list's column
 * names (nl_subscribers_columns), which become template variables.  On success *out is a new composer
 * (free with nl_compose_free).  Returns NL_OK; NL_ERR_IO or NL_ERR_TEMPLATE for a template (an unknown
 * variable names the template and line); NL_ERR_CONFIG for an unusable from, reply_to, list_id or
 * unsubscribe setting. */
NL_MUST_USE enum nl_code nl_compose_new(const struct nl_config *cfg, const struct nl_article *article,
                            const unsigned char secret[NL_SECRET_LEN], const char *const *columns,
                            size_t n_columns, struct nl_composer **out, struct nl_error *err);

/* Writes the whole message for `sub` into `out` (reset first; CRLF line ends, ready for SMTP DATA
 * before dot-stuffing and for a .eml file) and fills *env.  `sub` must come from a list with the
 * columns given to nl_compose_new.  Returns NL_OK; NL_ERR_SUBSCRIBER if the subscriber's data cannot
 * make a valid message (the detail names the address); NL_ERR_LIMIT if the message would pass `out`'s
 * cap (or NL_COMPOSE_MAX_MESSAGE).  Subscriber data is untrusted: it can never add or break a header. */
NL_MUST_USE enum nl_code nl_compose_message(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                                struct nl_envelope *env, struct nl_error *err);

/* The HTML part for `sub` as a stand-alone page (what `mailer preview` writes as .html), into `out`
 * (reset first).  Returns NL_OK or NL_ERR_SUBSCRIBER. */
NL_MUST_USE enum nl_code nl_compose_html(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                             struct nl_error *err);

/* The text/plain part for `sub` as it is before encoding, into `out` (reset first).  For tests and
 * previews.  Returns NL_OK or NL_ERR_SUBSCRIBER. */
NL_MUST_USE enum nl_code nl_compose_text(struct nl_composer *c, const struct nl_subscriber *sub, struct nl_buf *out,
                             struct nl_error *err);

/* Frees the composer. NULL accepted. */
void nl_compose_free(struct nl_composer *c);

#endif
