/* mime.h - writing RFC 5322 / MIME messages: quoted-printable, RFC 2047 encoded-words, header
 * folding, mailbox headers, percent-encoding, the multipart/alternative body.
 *
 * Everything appends to a caller's nl_buf (the composer's reusable buffer: the send hot path), with
 * CRLF line ends.  Values are untrusted: no input can make a writer start a new header line, because
 * CR, LF and other control characters in header values are replaced by spaces (callers reject such
 * data earlier; this is the last line of defence), and folding only ever inserts CRLF followed by a
 * space.  Every header line written is at most 78 characters unless one unbreakable token (a long
 * URL) is longer; the composer refuses a configuration that would make one exceed 998.
 */
#ifndef NL_MIME_H
#define NL_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define NL_MIME_FOLD 78      /* RFC 5322 §2.1.1: SHOULD be no more than 78 characters */
#define NL_MIME_LINE_MAX 998 /* RFC 5322 §2.1.1: MUST be no more than 998 characters */

/* Appends `s` (len bytes, lines ended by LF or CRLF) as quoted-printable (RFC 2045 §6.7): lines of
 * at most 76 characters with soft breaks, CRLF hard breaks, whitespace before a line end encoded, a
 * "." or "From " at the start of any encoded line encoded (so SMTP dot-stuffing and mbox "From "
 * quoting cannot touch it), and the bytes of one UTF-8 character never split by a soft break. */
void nl_mime_qp_encode(struct nl_buf *out, const char *s, size_t len);

/* A bounded cache of encoded lines for the same text sent many times (see mime.c), and an encoder
 * that uses it.  Bytes equal to `hole` (-1 for none; the composer uses 0x01) are copied through and
 * counted as `hole_width` literal characters, to be replaced by that many letters or digits later.
 * The cache holds at most `max_bytes` of lines and encodings plus fixed tables (about 1 MiB).
 * nl_mime_qp_encode_cached() follows the same rules as nl_mime_qp_encode() and decodes to the same
 * text (with the holes filled), except that a hole is never split by a soft break.
 * Not thread-safe; free with nl_mime_qp_cache_free (NULL accepted). */
struct nl_mime_qp_cache;
struct nl_mime_qp_cache *nl_mime_qp_cache_new(size_t max_bytes, int hole, size_t hole_width);
void nl_mime_qp_cache_free(struct nl_mime_qp_cache *cache);
void nl_mime_qp_encode_cached(struct nl_mime_qp_cache *cache, struct nl_buf *out, const char *s, size_t len);

/* Appends the decoding of quoted-printable `s` to `out`: soft breaks removed, hard breaks (CRLF or
 * LF) become LF, trailing whitespace on a line dropped (§6.7 rule 3).  Returns false if the input
 * had a malformed "=" sequence (then copied literally) or a line over 76 characters; the output is
 * complete either way.  Handles untrusted input. */
bool nl_mime_qp_decode(struct nl_buf *out, const char *s, size_t len);

/* Appends an unstructured header ("Subject: …"), RFC 2047-encoded (UTF-8, B or Q, whichever is
 * shorter) when the value is not plain ASCII words, and folded at NL_MIME_FOLD.  Decoding the header
 * gives `value` back exactly. */
void nl_mime_header_text(struct nl_buf *out, const char *field, const char *value, size_t len);

/* Appends a mailbox header ("To: \"Doe, Jane\" <jane@example.test>").  `display` (UTF-8, may be ""
 * or NULL) is written as atoms, a quoted-string, or RFC 2047 encoded-words, whichever is needed to
 * give it back exactly; `addr` must be a valid addr-spec (see address.h).  Folded at NL_MIME_FOLD. */
void nl_mime_header_mailbox(struct nl_buf *out, const char *field, const char *display, const char *addr);

/* Appends a header whose value is ASCII the caller built (Message-ID, List-Id, Date, …), folded at
 * spaces when longer than NL_MIME_FOLD. */
void nl_mime_header_raw(struct nl_buf *out, const char *field, const char *value);

/* Appends `s` as RFC 2047 encoded-words (charset UTF-8) as they would appear after "Field: " at
 * column `col`, folding as needed; returns the column after the last word.  Exposed for tests. */
size_t nl_mime_encode_words(struct nl_buf *out, const char *s, size_t len, size_t col);

/* Appends `s` percent-encoded for a URI component (RFC 3986 §2.1; everything but the unreserved
 * characters A-Z a-z 0-9 - . _ ~), as RFC 6068 asks for mailto: subject and body values. */
void nl_mime_percent_encode(struct nl_buf *out, const char *s, size_t len);

/* Appends "MIME-Version", the multipart/alternative Content-Type with `boundary`, the blank line and
 * the body: the text/plain part, then the text/html part, both UTF-8 and quoted-printable (RFC 2046
 * §5.1.4: the last part is the preferred one).  `boundary` must not occur in quoted-printable output:
 * one containing "=_" never can. */
void nl_mime_alternative(struct nl_buf *out, const char *boundary, const char *text, size_t text_len,
                         const char *html, size_t html_len);

/* The same in pieces, for a caller that encodes the parts itself: the headers and preamble; a
 * part's delimiter and headers (`type` "text/plain" or "text/html", UTF-8, quoted-printable), after
 * which the caller appends the encoded content; and the closing delimiter. */
void nl_mime_alternative_begin(struct nl_buf *out, const char *boundary);
void nl_mime_part_begin(struct nl_buf *out, const char *boundary, const char *type);
void nl_mime_alternative_end(struct nl_buf *out, const char *boundary);

#endif
