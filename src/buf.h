/* buf.h - allocation that cannot fail, a growable byte buffer with a size cap, and spans.
 *
 * Out of memory is not an error this program can recover from, so nl_x* abort with a message.
 * A struct nl_buf grows on demand up to `max` bytes (0 = no cap); an append past the cap is
 * dropped and sets `overflow`, so hot paths append freely and check once with nl_buf_failed().
 * The data is always NUL-terminated after any append, so nl_buf_cstr() is free.
 */
#ifndef NL_BUF_H
#define NL_BUF_H

#include <stdbool.h>
#include <stddef.h>

void *nl_xmalloc(size_t n);
void *nl_xcalloc(size_t count, size_t size);
void *nl_xrealloc(void *p, size_t n);
/* Room for one more element of `size` bytes in the array p of n: it grows by doubling (the
 * capacity is the next power of two), so appends stay linear. */
void *nl_xgrow(void *p, size_t n, size_t size);
char *nl_xstrdup(const char *s);
char *nl_xstrndup(const char *s, size_t n);
/* printf into a new string the caller frees. */
char *nl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A view into bytes held elsewhere; never owns them, not NUL-terminated. */
struct nl_span {
	const char *ptr;
	size_t len;
};
#define NL_SPAN_LIT(s) ((struct nl_span){(s), sizeof(s) - 1})
struct nl_span nl_span_cstr(const char *s);
bool nl_span_eq(struct nl_span a, const char *cstr);
bool nl_span_ieq(struct nl_span a, const char *cstr);
struct nl_span nl_span_trim(struct nl_span s);

struct nl_buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;    /* cap on len; 0 = unlimited */
	bool overflow; /* an append was refused because of max */
};
#define NL_BUF_INIT                                                                                          \
	{                                                                                                    \
		NULL, 0, 0, 0, false                                                                         \
	}

void nl_buf_init(struct nl_buf *b, size_t max);
void nl_buf_free(struct nl_buf *b);  /* NULL accepted */
void nl_buf_reset(struct nl_buf *b); /* len = 0, keeps the memory for reuse */
void nl_buf_append(struct nl_buf *b, const void *p, size_t n);
void nl_buf_puts(struct nl_buf *b, const char *s);
void nl_buf_putc(struct nl_buf *b, char c);
void nl_buf_append_span(struct nl_buf *b, struct nl_span s);
void nl_buf_printf(struct nl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" when empty); valid until the next append. */
const char *nl_buf_cstr(const struct nl_buf *b);
/* Hands the contents to the caller (who frees them) and resets the buffer. Never NULL. */
char *nl_buf_detach(struct nl_buf *b);
static inline bool nl_buf_failed(const struct nl_buf *b)
{
	return b->overflow;
}

#endif
