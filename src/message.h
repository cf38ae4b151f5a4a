/* message.h - one inbound message, parsed: headers decoded (addresses and dates with libetpan's
 * RFC 5322 parser), the MIME tree split and walked by message.c itself, body as UTF-8 text.
 *
 * Handles untrusted input.  The body text comes from the best text/plain part; failing that from
 * the HTML part turned into text with line structure kept, where quoted containers (blockquote,
 * gmail_quote, divRplyFwdMsg, …) become lines prefixed "> " so that quote stripping treats every
 * client alike.  Transfer encodings and format=flowed are undone; charsets become UTF-8 with
 * U+FFFD for invalid bytes.  Report parts (RFC 3464 delivery-status, RFC 5965 feedback-report,
 * the returned message's headers) are kept as text for reply.c.
 */
#ifndef NL_MESSAGE_H
#define NL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "error.h"

/* Bounds on untrusted input; over any of them the message is unreadable with the reason. */
#define NL_MESSAGE_MAX_SIZE (25u * 1024 * 1024)
#define NL_MESSAGE_MAX_HEADER_LINE 65536 /* one unfolded header field */
#define NL_MESSAGE_MAX_HEADERS 1000
#define NL_MESSAGE_MAX_DEPTH 32 /* MIME nesting */
#define NL_MESSAGE_MAX_PARTS 1000
#define NL_MESSAGE_MAX_ENCODED_WORDS 1000 /* RFC 2047 words in one header */
#define NL_MESSAGE_MAX_HTML_DEPTH 256

struct nl_message {
	char *message_id;   /* without angle brackets; NULL if absent */
	char *in_reply_to;  /* raw field value; NULL if absent */
	char *references;   /* raw field value; NULL if absent */
	char *from_address; /* lower-cased addr-spec; NULL if absent or unparsable */
	char *from_name;    /* decoded display name; NULL if none */
	char **recipients;  /* addr-specs from To, Cc, Delivered-To, X-Original-To, in that order */
	size_t n_recipients;
	char *subject;        /* decoded to UTF-8; "" if absent */
	char *date;           /* raw Date field; NULL if absent */
	char *return_path;    /* raw Return-Path; "" for the null sender <> */
	char *auto_submitted; /* raw values of the auto-reply markers (RFC 3834), NULL if absent */
	char *precedence;
	bool x_autoreply;   /* X-Autoreply or X-Autorespond present */
	char *content_type; /* top level "type/subtype", lower-cased */
	char *report_type;  /* multipart/report's report-type, lower-cased; NULL otherwise */
	char *text;         /* the body as UTF-8 text with LF line ends (see above); never NULL */
	bool text_from_html;
	char *delivery_status;  /* message/(global-)delivery-status part, decoded; NULL if none */
	char *feedback_report;  /* message/feedback-report part; NULL if none */
	char *returned_headers; /* header block of the returned message/rfc822 or text/rfc822-headers */
	time_t date_time;       /* the Date field as UTC seconds; 0 if absent or unparsable */
};

/* Parses `len` bytes of a message (RFC 5322 with LF, CRLF or CR line ends).  On success *out is a
 * new message (nl_message_free).  On NL_ERR_MESSAGE or NL_ERR_LIMIT the detail gives the reason,
 * short enough to store and report. */
NL_MUST_USE enum nl_code nl_message_parse(const char *data, size_t len, struct nl_message **out, struct nl_error *err);
void nl_message_free(struct nl_message *msg);

/* Converts `len` bytes in `charset` to UTF-8, returning a new string the caller frees.  No label,
 * "us-ascii" or an unknown label: valid UTF-8 stays UTF-8, anything else is read as Windows-1252;
 * ISO-8859-1 is read as Windows-1252 since Outlook mislabels; an invalid byte (or NUL) becomes
 * U+FFFD.  Only allow-listed charsets reach iconv (charset.c).  Untrusted input. */
char *nl_charset_to_utf8(const char *charset, const char *data, size_t len);
/* Decodes RFC 2047 encoded-words in a header value, joining adjacent words of one charset as
 * bytes before converting (RFC 2047 §6.2).  The caller frees the result. */
char *nl_header_decode(const char *value, size_t len);
/* Turns HTML into text, keeping line structure and prefixing quoted containers with "> ". */
char *nl_html_to_text(const char *html, size_t len);

/* The same three with the detail the parser needs (all handle untrusted input):
 * nl_charset_append_utf8 appends the conversion to `out` (same rules as nl_charset_to_utf8);
 * nl_charset_known is true if `charset` is on the allow-list (false means it falls back);
 * nl_header_decode_words also counts the encoded-words it decoded into *words (may be NULL);
 * nl_html_render appends the text to `out` and returns NL_ERR_LIMIT when elements nest deeper
 * than NL_MESSAGE_MAX_HTML_DEPTH (the text so far is kept), else NL_OK;
 * nl_base64_decode appends the decoded bytes, skipping whitespace and garbage, tolerating missing
 * padding (RFC 2045 §6.8 says to ignore what is not in the alphabet). */
void nl_charset_append_utf8(struct nl_buf *out, const char *charset, const char *data, size_t len);
bool nl_charset_known(const char *charset);
char *nl_header_decode_words(const char *value, size_t len, size_t *words);
NL_MUST_USE enum nl_code nl_html_render(const char *html, size_t len, struct nl_buf *out, struct nl_error *err);
void nl_base64_decode(struct nl_buf *out, const char *data, size_t len);

#endif
