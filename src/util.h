/* util.h - small helpers shared by the modules: the clock, files, paths, password_cmd.
 *
 * The clock can be pinned for tests (mailer's --now option and MAILER_NOW, both documented as
 * test-only), so due dates and back-off are tested without sleeping.
 */
#ifndef NL_UTIL_H
#define NL_UTIL_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "error.h"

/* A const pointer handed to a struct or a C API that takes `char *` but only reads through it
 * (iconv's input, a row that borrows strings): the one place the const is dropped, on purpose. */
#define NL_UNCONST(p) ((char *)(uintptr_t)(const void *)(p))

/* The current time, or the pinned one. */
time_t nl_now(void);
/* Pins the clock to `t` (0 unpins it). */
void nl_now_set(time_t t);

/* Parses an ISO 8601 date or date-time ("2026-11-30", "2026-11-30T09:00", "…:00Z", "…+01:00")
 * into UTC seconds.  A date without a zone is read as UTC.  Returns false if malformed. */
bool nl_parse_iso8601(const char *s, time_t *out);
/* Formats `t` as an RFC 5322 date (UTC, "+0000") into out[40]. */
void nl_format_rfc5322_date(time_t t, char out[40]);
/* Formats `t` as ISO 8601 UTC ("2026-11-25T17:08:14Z") into out[32]. */
void nl_format_iso8601(time_t t, char out[32]);

/* Reads a whole file into `out` (appending), refusing files over `max` bytes (0 = no cap).
 * Returns NL_OK, NL_ERR_NOT_FOUND (no such file), NL_ERR_IO or NL_ERR_LIMIT; the detail names
 * the path. */
NL_MUST_USE enum nl_code nl_read_file(const char *path, size_t max, struct nl_buf *out, struct nl_error *err);
/* As nl_read_file, for a path already known to be a regular file (readdir's d_type): open, read
 * until a short read, close, three system calls for a small file.  Opened O_NONBLOCK, so a FIFO
 * put in its place meanwhile reads as empty instead of blocking. */
NL_MUST_USE enum nl_code nl_read_regular_file(const char *path, size_t max, struct nl_buf *out,
                                              struct nl_error *err);

/* Writes `len` bytes to `path` atomically: a temporary file beside it (mkstemp: a new name, mode
 * 0600), fsync, rename, fsync of the directory.  The file ends up mode 0600 (it holds subscribers'
 * data).  Returns NL_OK or NL_ERR_IO. */
NL_MUST_USE enum nl_code nl_write_file_atomic(const char *path, const void *data, size_t len, struct nl_error *err);

/* `rel` resolved against the directory that holds `file` ("conf/mailer.conf" + "state.db" ->
 * "conf/state.db"); absolute `rel` is returned as is.  The caller frees the result. */
char *nl_path_relative_to(const char *file, const char *rel);

/* Creates `dir` and its parents, mode 0700 (what mailer writes is private).  Returns NL_OK or
 * NL_ERR_IO. */
NL_MUST_USE enum nl_code nl_mkdirs(const char *dir, struct nl_error *err);

/* The value of hexadecimal digit `c` (either case), or -1. */
int nl_hex_value(unsigned char c);

/* ASCII case-insensitive comparisons, independent of the locale. */
int nl_ascii_casecmp(const char *a, const char *b);
int nl_ascii_ncasecmp(const char *a, const char *b, size_t n);
/* Lower-cases ASCII letters in place; returns s. */
char *nl_ascii_lower(char *s);

/* True if `s` (len bytes) is valid UTF-8. */
bool nl_utf8_valid(const char *s, size_t len);
/* `max`, or less: the largest length up to `max` at which s (of `len` bytes) may be cut without
 * splitting a UTF-8 character; `len` when it is not longer. */
size_t nl_utf8_cut(const char *s, size_t len, size_t max);
/* Decodes the UTF-8 sequence at the start of `s` (`len` > 0 bytes available) into *cp; returns its
 * length, or 0 if it is not valid UTF-8 (overlong, surrogate, truncated, over U+10FFFF). */
size_t nl_utf8_decode(const char *s, size_t len, unsigned *cp);
/* Writes code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8 into out; returns its length
 * (1 to 4). */
size_t nl_utf8_encode(uint32_t cp, char out[4]);
/* Display width in terminal columns of a UTF-8 string: East Asian wide characters and most emoji
 * count two, combining marks zero.  Invalid bytes count one. */
size_t nl_utf8_width(const char *s, size_t len);

/* The most a password_cmd may print (the password, a newline and room to spare). */
#define NL_PASSWORD_OUTPUT_MAX 4096

/* Runs `cmd` with /bin/sh -c (stdin and stderr are mailer's, stdout is read whole, at most
 * NL_PASSWORD_OUTPUT_MAX bytes) and puts its first line, without the trailing newline or CR, into
 * *out.  `section` ("smtp", "inbox") names the configuration section in the messages:
 * "[inbox] password_cmd exited with status 1", "... was killed by signal 9", "... printed no
 * password", "... printed more than 4096 bytes" (never a silent cut), "... cannot run it: ...".
 * The output never appears in a message.  Every buffer that held it is wiped; the caller wipes and
 * frees *out with nl_password_free.  Returns NL_OK or NL_ERR_CONFIG (*out is then NULL). */
NL_MUST_USE enum nl_code nl_password_from_command(const char *section, const char *cmd, char **out,
                                                  struct nl_error *err);
/* Wipes then frees a password (NULL is accepted). */
void nl_password_free(char *password);

/* Starts `run(arg)` in a new thread that blocks every signal (a helper thread never takes the
 * main thread's SIGINT or SIGTERM).  Returns 0 or pthread_create's error. */
int nl_thread_start(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
