/* error.h - one error enum for the whole library, and a context that carries the detail.
 *
 * Every fallible function returns an enum nl_code and, when given a struct nl_error, writes a
 * human-readable detail into it (naming the file, line, field or message concerned).  Numbers are
 * fixed: they may be stored or compared by scripts, so only append.
 */
#ifndef NL_ERROR_H
#define NL_ERROR_H

#include <stdarg.h>

enum nl_code {
	NL_OK = 0,
	NL_ERR_IO = 1,            /* a file or directory could not be read or written */
	NL_ERR_USAGE = 2,         /* the caller asked for something impossible */
	NL_ERR_CONFIG = 3,        /* configuration file or value */
	NL_ERR_ARTICLE = 4,       /* front matter or Markdown */
	NL_ERR_TEMPLATE = 5,      /* unknown variable, unclosed tag */
	NL_ERR_SUBSCRIBER = 6,    /* one bad subscriber row (skipped, never fatal) */
	NL_ERR_LIST = 7,          /* the subscriber list as a whole (missing file, no email column) */
	NL_ERR_SMTP_TEMP = 8,     /* 4xx, timeout before the final dot, dropped connection */
	NL_ERR_SMTP_PERM = 9,     /* 5xx */
	NL_ERR_SMTP_CONNECT = 10, /* server unreachable */
	NL_ERR_SMTP_UNKNOWN = 11, /* no answer after the final dot: the message may have arrived */
	NL_ERR_TLS = 12,          /* certificate or handshake */
	NL_ERR_AUTH = 13,         /* login refused */
	NL_ERR_STATE = 14,        /* the SQLite state: corrupt, read-only, full */
	NL_ERR_LOCKED = 15,       /* the state or the run lock is held by another process */
	NL_ERR_INBOX = 16,        /* mailbox could not be opened or read */
	NL_ERR_MESSAGE = 17,      /* one inbound message is unreadable (kept, never fatal) */
	NL_ERR_LIMIT = 18,        /* input over a named bound (size, depth, count) */
	NL_ERR_NOT_FOUND = 19,    /* no such campaign, subscriber, file */
	NL_ERR_INTERNAL = 20,     /* a bug: an invariant did not hold */
};

#define NL_ERROR_DETAIL_MAX 512

/* The detail of the most recent failure.  Zero-initialise before use. */
struct nl_error {
	enum nl_code code;
	char detail[NL_ERROR_DETAIL_MAX];
};

/* On every function that returns an enum nl_code: a failure left unchecked is a compile error under
 * -Werror.  (GCC does not accept a (void) cast as checking; write `if (f() != NL_OK) { ... }`.) */
#define NL_MUST_USE __attribute__((warn_unused_result))

/* A short, constant description of `code` ("SMTP temporary failure"). Never NULL. */
const char *nl_strerror(enum nl_code code);

/* Records `code` and the printf-formatted detail in `err` (which may be NULL) and returns `code`,
 * so a failure reads `return nl_fail(err, NL_ERR_IO, "%s: %s", path, strerror(errno));`. */
enum nl_code nl_fail(struct nl_error *err, enum nl_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum nl_code nl_vfail(struct nl_error *err, enum nl_code code, const char *fmt, va_list ap);

/* Gives the failure already in `err` another code, keeping its detail (a missing file that is a
 * configuration error, say), and returns `code`.  NULL is accepted. */
enum nl_code nl_recode(struct nl_error *err, enum nl_code code);

/* Resets `err` to NL_OK with an empty detail. NULL is accepted. */
void nl_error_clear(struct nl_error *err);

#endif
