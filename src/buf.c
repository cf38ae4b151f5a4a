/* buf.c - allocation, growable buffers and spans. */
#include "buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void buf_out_of_memory(size_t n)
{
	fprintf(stderr, "mailer: out of memory (%zu bytes)\n", n);
	abort();
}

void *nl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		buf_out_of_memory(n);
	return p;
}

void *nl_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		buf_out_of_memory(count * size);
	return p;
}

void *nl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		buf_out_of_memory(n);
	return q;
}

void *nl_xgrow(void *p, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		p = nl_xrealloc(p, (n ? 2 * n : 1) * size);
	return p;
}

char *nl_xstrndup(const char *s, size_t n)
{
	char *p = nl_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *nl_xstrdup(const char *s)
{
	return nl_xstrndup(s, strlen(s));
}

char *nl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = nl_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

struct nl_span nl_span_cstr(const char *s)
{
	return (struct nl_span){s, s ? strlen(s) : 0};
}

bool nl_span_eq(struct nl_span a, const char *cstr)
{
	size_t n = strlen(cstr);
	return a.len == n && memcmp(a.ptr, cstr, n) == 0;
}

bool nl_span_ieq(struct nl_span a, const char *cstr)
{
	size_t n = strlen(cstr);
	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)a.ptr[i]) != tolower((unsigned char)cstr[i]))
			return false;
	return true;
}

struct nl_span nl_span_trim(struct nl_span s)
{
	while (s.len && isspace((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && isspace((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

void nl_buf_init(struct nl_buf *b, size_t max)
{
	*b = (struct nl_buf)NL_BUF_INIT;
	b->max = max;
}

void nl_buf_free(struct nl_buf *b)
{
	if (!b)
		return;
	free(b->data);
	size_t max = b->max;
	nl_buf_init(b, max);
}

void nl_buf_reset(struct nl_buf *b)
{
	b->len = 0;
	b->overflow = false;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the terminating NUL; false if that would pass max. */
static bool buf_reserve(struct nl_buf *b, size_t n)
{
	if (b->max && (n > b->max || b->len > b->max - n)) {
		b->overflow = true;
		return false;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < ((size_t)-1) / 2 ? cap * 2 : need;
	b->data = nl_xrealloc(b->data, cap);
	b->cap = cap;
	return true;
}

void nl_buf_append(struct nl_buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void nl_buf_puts(struct nl_buf *b, const char *s)
{
	nl_buf_append(b, s, strlen(s));
}

void nl_buf_putc(struct nl_buf *b, char c)
{
	if (b->len + 1 < b->cap && (!b->max || b->len < b->max)) {
		b->data[b->len++] = c; /* fast path: the hot loop of every encoder */
		b->data[b->len] = '\0';
		return;
	}
	nl_buf_append(b, &c, 1);
}

void nl_buf_append_span(struct nl_buf *b, struct nl_span s)
{
	nl_buf_append(b, s.ptr, s.len);
}

void nl_buf_printf(struct nl_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		nl_buf_append(b, small, (size_t)n);
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *nl_buf_cstr(const struct nl_buf *b)
{
	return b->data ? b->data : "";
}

char *nl_buf_detach(struct nl_buf *b)
{
	char *p = b->data ? b->data : nl_xstrdup("");
	size_t max = b->max;
	nl_buf_init(b, max);
	return p;
}
