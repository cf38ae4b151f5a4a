/* subscribers.h - subscriber lists: CSV (libcsv) with a header row, streamed (doc/DESIGN.md §3).
 *
 * The header names the columns: `email` is required, `name` is usual, every other column is a
 * template variable ({{city}}).  Column names are matched case-insensitively for email and name and
 * must be [A-Za-z0-9_-]+ and unique.  A UTF-8 byte-order mark is tolerated and empty lines skipped.
 *
 * The list is STREAMED: only the current record is held, never the whole list.  Duplicates are
 * found with 64-bit hashes (SHA-256, truncated) of the lower-cased addresses seen so far, kept in a
 * fixed 128 KiB table and, beyond 8,192 addresses, in sorted runs in an unlinked temporary file with
 * a 2 MiB Bloom filter in front (8 bytes per address on disk), so memory stays flat, about 2.2 MiB,
 * whatever the length of the list.  Two different addresses hash alike with probability about
 * n²/2^65 (3e-8 for a million), in which case the second is reported as a duplicate.  Past a few
 * million addresses the filter fills up and each new address costs a page read or two (from the
 * page cache).  Without a usable temporary directory the table grows in memory instead.
 *
 * A record is one line: a quoted field may hold commas and doubled quotes, but not a line break, so
 * a quote left open at the end of a line makes that line a bad row and the next line is read
 * afresh (one stray quote costs one row, whatever the size of the list).
 *
 * Handles untrusted input: every row is checked and a bad one is reported and skipped, never fatal:
 *   - a quote opened and not closed on its line;
 *   - more fields than the header has;
 *   - CR, LF, NUL or another control character (TAB aside) in any field (it could reach a header:
 *     injection), even inside quotes;
 *   - invalid UTF-8 in any field;
 *   - a missing or invalid address (libetpan's RFC 5322 parser, see address.h);
 *   - a duplicate of an earlier address, ignoring case (a warning: the first one stays).
 *
 * Usage:
 *	struct nl_subscribers *list;
 *	if (nl_subscribers_open(path, &list, &err) != NL_OK) ... fatal: NL_ERR_IO / NL_ERR_LIST
 *	for (;;) {
 *		const struct nl_subscriber *sub;
 *		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
 *		if (rc == NL_ERR_SUBSCRIBER) { warn(err.detail); continue; }   bad row: skip it
 *		if (rc != NL_OK) ... fatal (NL_ERR_IO, NL_ERR_LIST)
 *		if (!sub) break;                                                 end of list
 *		... use sub ...
 *	}
 *	nl_subscribers_close(list);
 */
#ifndef NL_SUBSCRIBERS_H
#define NL_SUBSCRIBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Bounds on one record (one line): a longer one ends the list with NL_ERR_LIST. */
#define NL_SUBSCRIBERS_MAX_RECORD (1024u * 1024)
#define NL_SUBSCRIBERS_MAX_COLUMNS 256

/* One subscriber.  Everything points into the reader and is valid until the next call of
 * nl_subscribers_next() or nl_subscribers_close(); copy what must outlive that. */
struct nl_subscriber {
	const char *email;          /* the address as written, trimmed; valid, ASCII */
	const char *name;           /* trimmed UTF-8; "" when the column is absent or empty */
	size_t line;                /* the physical line (1-based) on which the record starts */
	size_t n_columns;           /* as in the header */
	const char *const *columns; /* the header's column names, as written (trimmed) */
	const char *const *values;  /* this row's values, one per column, "" when missing; UTF-8,
	                               without CR, LF or NUL */
};

/* Counts since the list was opened. */
struct nl_subscribers_stats {
	size_t rows;       /* records read, header excluded */
	size_t accepted;   /* returned as subscribers */
	size_t rejected;   /* bad rows skipped (duplicates not included) */
	size_t duplicates; /* duplicates dropped */
};

struct nl_subscribers;

/* Opens the CSV at `path` and reads its header.  On success *out is a new reader (free it with
 * nl_subscribers_close).  Returns NL_OK, NL_ERR_IO (cannot open/read) or NL_ERR_LIST ("FILE:LINE: …":
 * empty file, no `email` column, a bad or repeated column name). */
NL_MUST_USE enum nl_code nl_subscribers_open(const char *path, struct nl_subscribers **out, struct nl_error *err);

/* Reads the next subscriber into *out.  Returns
 *   NL_OK with *out set, or with *out == NULL at the end of the list;
 *   NL_ERR_SUBSCRIBER for a bad or duplicate row, detail "FILE:LINE: …" (*out is NULL): the row is
 *     skipped, and the caller reports it and calls again;
 *   NL_ERR_IO or NL_ERR_LIST when the file cannot be read further (fatal; the detail names the file).
 * Handles untrusted input. */
NL_MUST_USE enum nl_code nl_subscribers_next(struct nl_subscribers *list, const struct nl_subscriber **out,
                                 struct nl_error *err);

/* True if the row just skipped by nl_subscribers_next() was a duplicate (a warning rather than an
 * error, if the caller wants to tell them apart). */
bool nl_subscribers_last_was_duplicate(const struct nl_subscribers *list);

/* The header's column names (owned by the reader, valid until close) and their count. */
const char *const *nl_subscribers_columns(const struct nl_subscribers *list, size_t *n_columns);

/* Counts so far. */
struct nl_subscribers_stats nl_subscribers_stats(const struct nl_subscribers *list);

/* Closes the file and frees the reader. NULL accepted. */
void nl_subscribers_close(struct nl_subscribers *list);

/* The value of column `column` (case-insensitive) for `sub`, or NULL if there is no such column. */
const char *nl_subscriber_get(const struct nl_subscriber *sub, const char *column);

#endif
