/* subscribers.c - subscriber lists: CSV (RFC 4180, read with libcsv), streamed one record at a time.
 *
 * The file is read in 64 KiB blocks and handed to libcsv one physical line at a time, so that the
 * line on which each record starts is known and at most a line's worth of records is queued.  A
 * record is checked when it is taken from the queue (see subscribers.h for the rules); a bad one is
 * reported as NL_ERR_SUBSCRIBER and skipped.  Duplicates are found with a set of 64-bit hashes
 * (SHA-256 of the lower-cased address, truncated), so the list itself is never held.
 *
 * Header injection (RFC 5322 §2.2): a field is unstructured data that may reach a header (the name
 * goes into To), so CR, LF and NUL are refused in every field, quoted or not.
 */
#include "subscribers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "address.h"
#include "buf.h"
#include "sha256.h"
#include "util.h"

#define SUBSCRIBERS_BLOCK 65536

struct subscribers_field {
	size_t off, len; /* into arena; the bytes are NUL-terminated there */
};

struct subscribers_row {
	size_t first, n; /* fields[first .. first+n) */
	size_t line;
	bool too_many; /* more fields than the header; the extra ones were not kept */
	bool unclosed; /* its line ended inside a quoted field */
};

#define SEEN_SLOTS 16384           /* the in-memory table: 128 KiB */
#define SEEN_BLOOM_BITS (1u << 24) /* 2 MiB; 16 bits per address up to a million, then filling up */
#define SEEN_BLOOM_K 6
#define SEEN_PAGE 512 /* hashes per page read from a run (4 KiB) */
#define SEEN_MAX_RUNS 8

struct subscribers_run {
	off_t off;       /* in the file */
	size_t n;        /* hashes, sorted */
	uint64_t *fence; /* the first hash of each page */
};

struct subscribers_seen {
	uint64_t *mem;
	size_t cap, used;
	unsigned char *bloom;
	int fd;         /* -1 until the first spill */
	bool in_memory; /* no temporary file: grow the table instead */
	off_t end;
	struct subscribers_run *runs;
	size_t n_runs;
	uint64_t *page; /* SEEN_PAGE scratch */
};

struct nl_subscribers {
	char *path;
	int fd;
	struct csv_parser csv;
	bool csv_ready;
	char in[SUBSCRIBERS_BLOCK];
	size_t in_pos, in_len;
	bool eof, finished, started;
	size_t line;        /* physical line of the next byte fed */
	size_t piece_line;  /* line of the piece being fed */
	size_t record_line; /* line on which the open record started; 0 = none open */
	size_t record_bytes;
	/* the queue of records parsed but not yet returned, and the fields of the open one */
	struct nl_buf arena;
	struct subscribers_field *fields;
	size_t n_fields, cap_fields;
	size_t open_first; /* first field of the open record */
	size_t open_count;
	bool open_too_many;
	struct subscribers_row *rows;
	size_t n_rows, cap_rows, next_row;
	/* the header */
	char **columns;
	size_t n_columns;
	size_t email_col, name_col; /* name_col == SIZE_MAX when there is no name column */
	/* the subscriber handed out */
	const char **values;
	struct nl_subscriber cur;
	/* duplicates */
	struct subscribers_seen seen;
	bool last_dup;
	struct nl_subscribers_stats stats;
	/* an I/O or size error met while feeding: reported once the queue is empty */
	enum nl_code fatal;
	char fatal_detail[NL_ERROR_DETAIL_MAX];
};

/* ---- duplicates ---- */

static uint64_t subscribers_hash(const char *email)
{
	char lower[NL_ADDRESS_MAX + 1];
	size_t n = strlen(email);
	if (n > NL_ADDRESS_MAX)
		n = NL_ADDRESS_MAX;
	memcpy(lower, email, n);
	lower[n] = '\0';
	nl_ascii_lower(lower);
	unsigned char digest[NL_SHA256_LEN];
	nl_sha256(lower, n, digest);
	uint64_t h = 0;
	for (int i = 0; i < 8; i++)
		h = h << 8 | digest[i];
	return h ? h : 1; /* 0 marks an empty slot */
}

/* The seen-set: hashes in a fixed in-memory table until it is half full, then sorted and written to
 * an unlinked temporary file as a run; a Bloom filter over everything written says whether the runs
 * need to be searched at all, and each run keeps the first hash of every page in memory, so a search
 * costs one page read per run.  Runs are merged into one when there are more than
 * SEEN_MAX_RUNS.  Memory stays at about 2.2 MiB whatever the length of the list; the file holds 8
 * bytes per address (more between merges).  If no temporary file can be made, the table grows in
 * memory instead. */

static void seen_init(struct subscribers_seen *s)
{
	s->cap = SEEN_SLOTS;
	s->mem = nl_xcalloc(s->cap, sizeof *s->mem);
	s->fd = -1;
}

static void seen_free(struct subscribers_seen *s)
{
	free(s->mem);
	free(s->bloom);
	if (s->fd >= 0)
		close(s->fd);
	for (size_t i = 0; i < s->n_runs; i++)
		free(s->runs[i].fence);
	free(s->runs);
	free(s->page);
}

static bool seen_mem_has(const struct subscribers_seen *s, uint64_t h, size_t *slot)
{
	size_t j = (size_t)h & (s->cap - 1);
	while (s->mem[j]) {
		if (s->mem[j] == h)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	*slot = j;
	return false;
}

static size_t seen_bloom_bit(uint64_t h, int i)
{
	uint64_t h2 = (h >> 32 | h << 32) | 1;
	return (size_t)((h + (uint64_t)i * h2) & (SEEN_BLOOM_BITS - 1));
}

static bool seen_bloom_maybe(const struct subscribers_seen *s, uint64_t h)
{
	for (int i = 0; i < SEEN_BLOOM_K; i++) {
		size_t b = seen_bloom_bit(h, i);
		if (!(s->bloom[b >> 3] & (1u << (b & 7))))
			return false;
	}
	return true;
}

static bool seen_pread(int fd, void *buf, size_t n, off_t off)
{
	char *p = buf;
	while (n) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return true;
}

static bool seen_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	const char *p = buf;
	while (n) {
		ssize_t r = pwrite(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return true;
}

static bool seen_run_has(struct subscribers_seen *s, const struct subscribers_run *r, uint64_t h)
{
	size_t pages = (r->n + SEEN_PAGE - 1) / SEEN_PAGE, lo = 0, hi = pages;
	while (lo < hi) { /* the last page whose first hash is <= h */
		size_t mid = (lo + hi) / 2;
		if (r->fence[mid] <= h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	size_t page = lo - 1, first = page * SEEN_PAGE;
	size_t n = r->n - first < SEEN_PAGE ? r->n - first : SEEN_PAGE;
	if (!seen_pread(s->fd, s->page, n * sizeof(uint64_t), r->off + (off_t)(first * sizeof(uint64_t))))
		return false; /* unreadable: treat as unseen rather than drop a subscriber */
	lo = 0;
	hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->page[mid] == h)
			return true;
		if (s->page[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int seen_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends n sorted hashes as a new run. */
static bool seen_write_run(struct subscribers_seen *s, const uint64_t *h, size_t n,
                           struct subscribers_run *run)
{
	size_t pages = (n + SEEN_PAGE - 1) / SEEN_PAGE;
	run->off = s->end;
	run->n = n;
	run->fence = nl_xmalloc((pages ? pages : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < pages; i++)
		run->fence[i] = h[i * SEEN_PAGE];
	if (!seen_pwrite(s->fd, h, n * sizeof *h, s->end)) {
		free(run->fence);
		return false;
	}
	s->end += (off_t)(n * sizeof *h);
	return true;
}

/* Merges every run into one, reading a page of each at a time. */
static bool seen_merge(struct subscribers_seen *s)
{
	size_t k = s->n_runs, total = 0;
	uint64_t *buf = nl_xmalloc(k * SEEN_PAGE * sizeof(uint64_t));
	size_t *pos = nl_xcalloc(k, sizeof *pos), *have = nl_xcalloc(k, sizeof *have),
	       *at = nl_xcalloc(k, sizeof *at);
	uint64_t *out = nl_xmalloc(SEEN_PAGE * sizeof(uint64_t));
	for (size_t i = 0; i < k; i++)
		total += s->runs[i].n;
	struct subscribers_run merged = {.off = s->end, .n = total};
	merged.fence = nl_xmalloc(((total + SEEN_PAGE - 1) / SEEN_PAGE + 1) * sizeof(uint64_t));
	bool ok = true;
	size_t written = 0, o = 0;
	for (;;) {
		size_t best = k;
		for (size_t i = 0; i < k && ok; i++) {
			if (at[i] == have[i]) { /* refill run i */
				size_t left = s->runs[i].n - pos[i];
				have[i] = left < SEEN_PAGE ? left : SEEN_PAGE;
				at[i] = 0;
				if (have[i] &&
				    !seen_pread(s->fd, buf + i * SEEN_PAGE, have[i] * sizeof(uint64_t),
				                s->runs[i].off + (off_t)(pos[i] * sizeof(uint64_t))))
					ok = false;
				pos[i] += have[i];
			}
			if (have[i] &&
			    (best == k || buf[i * SEEN_PAGE + at[i]] < buf[best * SEEN_PAGE + at[best]]))
				best = i;
		}
		if (!ok || best == k)
			break;
		uint64_t h = buf[best * SEEN_PAGE + at[best]++];
		if (written % SEEN_PAGE == 0)
			merged.fence[written / SEEN_PAGE] = h;
		out[o++] = h;
		written++;
		if (o == SEEN_PAGE) {
			ok = seen_pwrite(s->fd, out, o * sizeof *out, s->end);
			s->end += (off_t)(o * sizeof *out);
			o = 0;
		}
	}
	if (ok && o) {
		ok = seen_pwrite(s->fd, out, o * sizeof *out, s->end);
		s->end += (off_t)(o * sizeof *out);
	}
	if (ok) {
		for (size_t i = 0; i < k; i++)
			free(s->runs[i].fence);
		s->runs[0] = merged;
		s->n_runs = 1;
	} else {
		free(merged.fence);
	}
	free(buf);
	free(pos);
	free(have);
	free(at);
	free(out);
	return ok;
}

/* Moves the in-memory table to a new run; false if there is no file to write to. */
static bool seen_spill(struct subscribers_seen *s)
{
	if (s->fd < 0) {
		FILE *f = tmpfile(); /* unlinked: it goes away with the process */
		if (!f)
			return false;
		s->fd = dup(fileno(f));
		fclose(f);
		if (s->fd < 0)
			return false;
		s->bloom = nl_xcalloc(SEEN_BLOOM_BITS / 8, 1);
		s->page = nl_xmalloc(SEEN_PAGE * sizeof(uint64_t));
	}
	uint64_t *h = nl_xmalloc(s->used * sizeof *h);
	size_t n = 0;
	for (size_t i = 0; i < s->cap; i++)
		if (s->mem[i])
			h[n++] = s->mem[i];
	qsort(h, n, sizeof *h, seen_cmp);
	s->runs = nl_xrealloc(s->runs, (s->n_runs + 1) * sizeof *s->runs);
	bool ok = seen_write_run(s, h, n, &s->runs[s->n_runs]);
	if (ok) {
		s->n_runs++;
		for (size_t i = 0; i < n; i++)
			for (int b = 0; b < SEEN_BLOOM_K; b++) {
				size_t bit = seen_bloom_bit(h[i], b);
				s->bloom[bit >> 3] |= (unsigned char)(1u << (bit & 7));
			}
		memset(s->mem, 0, s->cap * sizeof *s->mem);
		s->used = 0;
	}
	free(h);
	if (ok && s->n_runs > SEEN_MAX_RUNS)
		seen_merge(s); /* on failure the runs stay as they are: still correct */
	return ok;
}

static void seen_grow(struct subscribers_seen *s)
{
	size_t cap = s->cap * 2;
	uint64_t *mem = nl_xcalloc(cap, sizeof *mem);
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t h = s->mem[i];
		if (!h)
			continue;
		size_t j = (size_t)h & (cap - 1);
		while (mem[j])
			j = (j + 1) & (cap - 1);
		mem[j] = h;
	}
	free(s->mem);
	s->mem = mem;
	s->cap = cap;
}

/* Adds h; false if it was there already. */
static bool seen_add(struct subscribers_seen *s, uint64_t h)
{
	size_t slot;
	if (seen_mem_has(s, h, &slot))
		return false;
	if (s->n_runs && seen_bloom_maybe(s, h))
		for (size_t i = 0; i < s->n_runs; i++)
			if (seen_run_has(s, &s->runs[i], h))
				return false;
	s->mem[slot] = h;
	s->used++;
	if (s->used * 2 >= s->cap) {
		if (s->in_memory || !seen_spill(s)) {
			s->in_memory = true;
			seen_grow(s);
		}
	}
	return true;
}

/* Adds the address; false if it was already there. */
static bool subscribers_set_add(struct nl_subscribers *l, const char *email)
{
	return seen_add(&l->seen, subscribers_hash(email));
}

/* ---- libcsv callbacks ---- */

static void subscribers_on_field(void *s, size_t len, void *data)
{
	struct nl_subscribers *l = data;
	if (l->n_columns && l->open_count >= l->n_columns) {
		l->open_too_many = true; /* keep memory bounded by the header's width */
		l->open_count++;
		return;
	}
	if (l->n_fields == l->cap_fields) {
		l->cap_fields = l->cap_fields ? l->cap_fields * 2 : 32;
		l->fields = nl_xrealloc(l->fields, l->cap_fields * sizeof *l->fields);
	}
	l->fields[l->n_fields++] = (struct subscribers_field){l->arena.len, len};
	nl_buf_append(&l->arena, s ? s : "", len);
	nl_buf_putc(&l->arena, '\0');
	l->open_count++;
}

static void subscribers_on_row(int c, void *data)
{
	struct nl_subscribers *l = data;
	(void)c;
	if (l->n_rows == l->cap_rows) {
		l->cap_rows = l->cap_rows ? l->cap_rows * 2 : 16;
		l->rows = nl_xrealloc(l->rows, l->cap_rows * sizeof *l->rows);
	}
	l->rows[l->n_rows++] = (struct subscribers_row){
	    .first = l->open_first,
	    .n = l->n_fields - l->open_first,
	    .line = l->record_line ? l->record_line : l->piece_line,
	    .too_many = l->open_too_many,
	};
	l->open_first = l->n_fields;
	l->open_count = 0;
	l->open_too_many = false;
	l->record_line = 0;
	l->record_bytes = 0;
}

/* ---- feeding ---- */

static void subscribers_set_fatal(struct nl_subscribers *l, enum nl_code code, const char *detail)
{
	if (l->fatal != NL_OK)
		return;
	l->fatal = code;
	snprintf(l->fatal_detail, sizeof l->fatal_detail, "%s", detail);
}

/* Drops the records already handed out, keeping the fields of the open record. */
static void subscribers_compact(struct nl_subscribers *l)
{
	size_t keep = l->n_fields - l->open_first;
	size_t base = keep ? l->fields[l->open_first].off : l->arena.len;
	size_t bytes = l->arena.len - base;
	if (base > 0 && bytes)
		memmove(l->arena.data, l->arena.data + base, bytes);
	l->arena.len = bytes;
	if (l->arena.data)
		l->arena.data[bytes] = '\0';
	for (size_t i = 0; i < keep; i++) {
		l->fields[i] = l->fields[l->open_first + i];
		l->fields[i].off -= base;
	}
	l->n_fields = keep;
	l->open_first = 0;
	l->n_rows = 0;
	l->next_row = 0;
}

static bool subscribers_fill(struct nl_subscribers *l)
{
	if (l->in_pos < l->in_len || l->eof)
		return true;
	for (;;) {
		ssize_t n = read(l->fd, l->in, sizeof l->in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			char d[NL_ERROR_DETAIL_MAX];
			snprintf(d, sizeof d, "%s: %s", l->path, strerror(errno));
			subscribers_set_fatal(l, NL_ERR_IO, d);
			return false;
		}
		l->in_pos = 0;
		l->in_len = (size_t)n;
		if (n == 0)
			l->eof = true;
		break;
	}
	if (!l->started) { /* a UTF-8 byte-order mark is tolerated (Excel writes one) */
		l->started = true;
		if (l->in_len >= 3 && memcmp(l->in, "\xEF\xBB\xBF", 3) == 0)
			l->in_pos = 3;
	}
	return true;
}

static bool subscribers_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* Inside a quoted field?  (libcsv's CSV_STRICT_FINI only reports it at the end of the file, so ask
 * the parser's state: 2 is FIELD_BEGUN in csv.h's struct.) */
static bool subscribers_in_quotes(const struct nl_subscribers *l)
{
	return l->csv.quoted && l->csv.pstate == 2;
}

/* Feeds libcsv until at least one record is queued, or the file ends, or a fatal error. */
static void subscribers_feed(struct nl_subscribers *l)
{
	while (l->next_row == l->n_rows && !l->finished && l->fatal == NL_OK) {
		if (!subscribers_fill(l))
			return;
		if (l->eof) {
			bool unclosed = subscribers_in_quotes(l);
			size_t rows = l->n_rows;
			csv_fini(&l->csv, subscribers_on_field, subscribers_on_row, l);
			if (unclosed && l->n_rows > rows)
				l->rows[l->n_rows - 1].unclosed = true;
			l->finished = true;
			return;
		}
		const char *p = l->in + l->in_pos;
		size_t avail = l->in_len - l->in_pos;
		const char *nl = memchr(p, '\n', avail);
		size_t n = nl ? (size_t)(nl - p) + 1 : avail;
		l->piece_line = l->line;
		if (l->record_line == 0 && !subscribers_blank(p, n))
			l->record_line = l->line;
		if (l->record_line) {
			l->record_bytes += n;
			if (l->record_bytes > NL_SUBSCRIBERS_MAX_RECORD) {
				char d[NL_ERROR_DETAIL_MAX];
				snprintf(d, sizeof d,
				         "%s:%zu: record longer than %u bytes (an unclosed quote?)", l->path,
				         l->record_line, NL_SUBSCRIBERS_MAX_RECORD);
				subscribers_set_fatal(l, NL_ERR_LIST, d);
				return;
			}
		}
		if (csv_parse(&l->csv, p, n, subscribers_on_field, subscribers_on_row, l) != n) {
			char d[NL_ERROR_DETAIL_MAX];
			snprintf(d, sizeof d, "%s:%zu: %s", l->path, l->line,
			         csv_strerror(csv_error(&l->csv)));
			subscribers_set_fatal(l, NL_ERR_LIST, d);
			return;
		}
		l->in_pos += n;
		if (nl) {
			l->line++;
			/* A record is one line.  A line break inside a field is refused anyway (it could
			 * reach a header), so a quote still open at the end of a line is a stray one: that
			 * line is a bad row and the next starts afresh, rather than the quote swallowing
			 * the rest of the list (or, past NL_SUBSCRIBERS_MAX_RECORD, stopping it). */
			if (subscribers_in_quotes(l)) {
				size_t rows = l->n_rows;
				csv_fini(&l->csv, subscribers_on_field, subscribers_on_row, l);
				if (l->n_rows > rows)
					l->rows[l->n_rows - 1].unclosed = true;
			}
		}
	}
}

/* The next raw record, or NULL at the end (or on a fatal error, left in l->fatal). */
static struct subscribers_row *subscribers_take(struct nl_subscribers *l)
{
	if (l->next_row == l->n_rows) {
		subscribers_compact(l);
		subscribers_feed(l);
	}
	if (l->next_row == l->n_rows)
		return NULL;
	return &l->rows[l->next_row++];
}

static char *subscribers_field(struct nl_subscribers *l, const struct subscribers_row *r, size_t i,
                               size_t *len)
{
	struct subscribers_field f = l->fields[r->first + i];
	*len = f.len;
	return l->arena.data + f.off;
}

/* Trims blanks around a NUL-terminated field in place. */
static char *subscribers_trim(char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		s[--(*len)] = '\0';
	return s;
}

/* ---- the header ---- */

static bool subscribers_column_name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static enum nl_code subscribers_read_header(struct nl_subscribers *l, struct nl_error *err)
{
	struct subscribers_row *r = subscribers_take(l);
	if (!r) {
		if (l->fatal != NL_OK)
			return nl_fail(err, l->fatal, "%s", l->fatal_detail);
		return nl_fail(err, NL_ERR_LIST,
		               "%s: empty file: no header row (it needs at least an 'email' column)",
		               l->path);
	}
	if (r->n > NL_SUBSCRIBERS_MAX_COLUMNS)
		return nl_fail(err, NL_ERR_LIST, "%s:%zu: more than %d columns", l->path, r->line,
		               NL_SUBSCRIBERS_MAX_COLUMNS);
	l->columns = nl_xcalloc(r->n, sizeof *l->columns);
	l->n_columns = r->n;
	l->email_col = l->name_col = SIZE_MAX;
	for (size_t i = 0; i < r->n; i++) {
		size_t len;
		char *s = subscribers_trim(subscribers_field(l, r, i, &len), &len);
		if (!subscribers_column_name_ok(s, len))
			return nl_fail(err, NL_ERR_LIST,
			               "%s:%zu: column %zu is not a column name (letters, digits, _ and -; "
			               "is this a subscriber list?)",
			               l->path, r->line, i + 1);
		for (size_t j = 0; j < i; j++)
			if (nl_ascii_casecmp(l->columns[j], s) == 0)
				return nl_fail(err, NL_ERR_LIST, "%s:%zu: column '%s' appears twice", l->path,
				               r->line, s);
		l->columns[i] = nl_xstrndup(s, len);
		if (nl_ascii_casecmp(s, "email") == 0)
			l->email_col = i;
		else if (nl_ascii_casecmp(s, "name") == 0)
			l->name_col = i;
	}
	if (l->email_col == SIZE_MAX)
		return nl_fail(err, NL_ERR_LIST, "%s:%zu: the header has no 'email' column", l->path,
		               r->line);
	l->values = nl_xcalloc(l->n_columns, sizeof *l->values);
	return NL_OK;
}

enum nl_code nl_subscribers_open(const char *path, struct nl_subscribers **out, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	struct nl_subscribers *l = nl_xcalloc(1, sizeof *l);
	*out = NULL;
	l->fd = -1;
	seen_init(&l->seen);
	l->path = nl_xstrdup(path);
	l->line = 1;
	nl_buf_init(&l->arena, 0);
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0) {
		rc = nl_fail(err, errno == ENOENT ? NL_ERR_NOT_FOUND : NL_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (csv_init(&l->csv, 0) != 0) {
		rc = nl_fail(err, NL_ERR_INTERNAL, "%s: csv_init failed", path);
		goto out;
	}
	l->csv_ready = true;
	rc = subscribers_read_header(l, err);
out:
	if (rc != NL_OK)
		nl_subscribers_close(l);
	else
		*out = l;
	return rc;
}

/* ---- records ---- */

/* Checks one record and fills l->cur; NL_ERR_SUBSCRIBER with the reason otherwise. */
static enum nl_code subscribers_check(struct nl_subscribers *l, struct subscribers_row *r,
                                      struct nl_error *err)
{
	if (r->unclosed)
		return nl_fail(err, NL_ERR_SUBSCRIBER,
		               "%s:%zu: a quote opened on this line is never closed (a field cannot span "
		               "lines)",
		               l->path, r->line);
	if (r->too_many)
		return nl_fail(
		    err, NL_ERR_SUBSCRIBER,
		    "%s:%zu: more fields than the header's %zu columns (a comma in an unquoted name?)",
		    l->path, r->line, l->n_columns);
	for (size_t i = 0; i < l->n_columns; i++) {
		if (i >= r->n) {
			l->values[i] = "";
			continue;
		}
		size_t len;
		char *s = subscribers_field(l, r, i, &len);
		for (size_t k = 0; k < len; k++) {
			if (s[k] == '\r' || s[k] == '\n')
				return nl_fail(err, NL_ERR_SUBSCRIBER,
				               "%s:%zu: column '%s' contains a line break (CR or LF); "
				               "refused so that it cannot reach a header",
				               l->path, r->line, l->columns[i]);
			if (s[k] == '\0')
				return nl_fail(err, NL_ERR_SUBSCRIBER,
				               "%s:%zu: column '%s' contains a NUL byte; refused", l->path,
				               r->line, l->columns[i]);
			if (((unsigned char)s[k] < 0x20 && s[k] != '\t') || s[k] == 0x7f)
				return nl_fail(
				    err, NL_ERR_SUBSCRIBER,
				    "%s:%zu: column '%s' contains a control character (0x%02X); refused",
				    l->path, r->line, l->columns[i], (unsigned char)s[k]);
		}
		if (!nl_utf8_valid(s, len))
			return nl_fail(err, NL_ERR_SUBSCRIBER, "%s:%zu: column '%s' is not valid UTF-8",
			               l->path, r->line, l->columns[i]);
		l->values[i] = subscribers_trim(s, &len);
	}
	const char *email = l->values[l->email_col];
	const char *why = NULL;
	if (!*email)
		return nl_fail(err, NL_ERR_SUBSCRIBER, "%s:%zu: no email address", l->path, r->line);
	if (!nl_address_valid(email, &why))
		/* the value itself is not repeated: whatever file `list:` names, its contents stay out of
		 * the log that cron mails (issue 15) */
		return nl_fail(err, NL_ERR_SUBSCRIBER, "%s:%zu: invalid email address: %s", l->path, r->line,
		               why);
	if (!subscribers_set_add(l, email)) {
		l->last_dup = true;
		return nl_fail(err, NL_ERR_SUBSCRIBER,
		               "%s:%zu: duplicate address '%s' dropped (it appears earlier)", l->path,
		               r->line, email);
	}
	l->cur = (struct nl_subscriber){
	    .email = email,
	    .name = l->name_col == SIZE_MAX ? "" : l->values[l->name_col],
	    .line = r->line,
	    .n_columns = l->n_columns,
	    .columns = (const char *const *)l->columns,
	    .values = l->values,
	};
	return NL_OK;
}

static bool subscribers_row_empty(struct nl_subscribers *l, const struct subscribers_row *r)
{
	if (r->too_many || r->unclosed)
		return false;
	for (size_t i = 0; i < r->n; i++)
		if (l->fields[r->first + i].len)
			return false;
	return true;
}

enum nl_code nl_subscribers_next(struct nl_subscribers *l, const struct nl_subscriber **out,
                                 struct nl_error *err)
{
	*out = NULL;
	l->last_dup = false;
	for (;;) {
		struct subscribers_row *r = subscribers_take(l);
		if (!r) {
			if (l->fatal != NL_OK)
				return nl_fail(err, l->fatal, "%s", l->fatal_detail);
			return NL_OK;
		}
		if (subscribers_row_empty(l, r)) /* ",,," or a quoted empty line: nothing there */
			continue;
		l->stats.rows++;
		enum nl_code rc = subscribers_check(l, r, err);
		if (rc != NL_OK) {
			if (l->last_dup)
				l->stats.duplicates++;
			else
				l->stats.rejected++;
			return rc;
		}
		l->stats.accepted++;
		*out = &l->cur;
		return NL_OK;
	}
}

bool nl_subscribers_last_was_duplicate(const struct nl_subscribers *l)
{
	return l->last_dup;
}

const char *const *nl_subscribers_columns(const struct nl_subscribers *l, size_t *n_columns)
{
	*n_columns = l->n_columns;
	return (const char *const *)l->columns;
}

struct nl_subscribers_stats nl_subscribers_stats(const struct nl_subscribers *l)
{
	return l->stats;
}

void nl_subscribers_close(struct nl_subscribers *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	if (l->csv_ready)
		csv_free(&l->csv);
	for (size_t i = 0; i < l->n_columns; i++)
		free(l->columns[i]);
	free(l->columns);
	free(l->values);
	free(l->fields);
	free(l->rows);
	seen_free(&l->seen);
	nl_buf_free(&l->arena);
	free(l->path);
	free(l);
}

const char *nl_subscriber_get(const struct nl_subscriber *sub, const char *column)
{
	for (size_t i = 0; i < sub->n_columns; i++)
		if (nl_ascii_casecmp(sub->columns[i], column) == 0)
			return sub->values[i];
	return NULL;
}
