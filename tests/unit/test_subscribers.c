/* test_subscribers.c - the streamed CSV reader: quotes and commas inside fields, stray quotes, a BOM,
 * empty lines, CRLF, duplicates, header-injection rows (CR, LF, bare CR, NUL), invalid UTF-8, bad
 * addresses, bad headers, line numbers, records across the reader's 64 KiB blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "subscribers.h"

static char tmpdir[64];
static int file_no;

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_subscribers_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes `len` bytes to a new file in the temporary directory; the caller frees the path. */
static char *write_csv(const char *data, size_t len)
{
	char *path = nl_xasprintf("%s/list%d.csv", tmpdir, file_no++);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* One outcome of nl_subscribers_next, as text: "email|name|line" or "ERR:detail" or "DUP:detail". */
struct outcome {
	char text[600];
};

/* Reads a whole list into outcomes; returns their count (the end of the list is not counted). */
static size_t read_all(const char *data, size_t len, struct outcome *out, size_t max,
                       struct nl_subscribers_stats *st)
{
	char *path = write_csv(data, len);
	struct nl_subscribers *l = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &l, &err), NL_OK);
	size_t n = 0;
	for (;;) {
		const struct nl_subscriber *sub;
		enum nl_code rc = nl_subscribers_next(l, &sub, &err);
		assert_true(n < max);
		if (rc == NL_ERR_SUBSCRIBER) {
			assert_null(sub);
			/* the detail starts with the path: keep what follows it */
			assert_memory_equal(err.detail, path, strlen(path));
			snprintf(out[n++].text, sizeof out[0].text, "%s:%s",
			         nl_subscribers_last_was_duplicate(l) ? "DUP" : "ERR",
			         err.detail + strlen(path) + 1);
			continue;
		}
		assert_int_equal(rc, NL_OK);
		if (!sub)
			break;
		snprintf(out[n++].text, sizeof out[0].text, "%s|%s|%zu", sub->email, sub->name, sub->line);
	}
	if (st)
		*st = nl_subscribers_stats(l);
	nl_subscribers_close(l);
	free(path);
	return n;
}

#define READ(lit, outs, st) read_all(lit, sizeof(lit) - 1, outs, sizeof(outs) / sizeof(outs[0]), st)

static void test_basic_and_columns(void **state)
{
	const char csv[] = "email,name,city,plan\n"
	                   "ana@example.test,Ana Souza,São Paulo,monthly\n"
	                   "li@example.test,李伟,上海\n"; /* a short row: plan is "" */
	char *path = write_csv(csv, sizeof csv - 1);
	struct nl_subscribers *l;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &l, &err), NL_OK);
	size_t nc;
	const char *const *cols = nl_subscribers_columns(l, &nc);
	assert_int_equal(nc, 4);
	assert_string_equal(cols[2], "city");
	const struct nl_subscriber *s;
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK);
	assert_string_equal(s->email, "ana@example.test");
	assert_string_equal(s->name, "Ana Souza");
	assert_string_equal(nl_subscriber_get(s, "CITY"), "São Paulo");
	assert_string_equal(nl_subscriber_get(s, "plan"), "monthly");
	assert_null(nl_subscriber_get(s, "nope"));
	assert_int_equal(s->line, 2);
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK);
	assert_string_equal(s->name, "李伟");
	assert_string_equal(s->values[3], "");
	assert_int_equal(s->line, 3);
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK);
	assert_null(s);
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK); /* stays at the end */
	assert_null(s);
	nl_subscribers_close(l);
	nl_subscribers_close(NULL);
	free(path);
}

static void test_quotes_commas_bom_empty_lines_crlf(void **state)
{
	const char csv[] = "\xEF\xBB\xBF"
	                   "Email,Name\r\n"
	                   "\r\n"
	                   "\"jane@example.test\",\"Doe, Jane\"\r\n"
	                   "   \r\n"
	                   "bob@example.test,\"Robert \"\"Bob\"\" Smith\"\r\n"
	                   "\n"
	                   ",\n"
	                   "  spaced@example.test  ,  Spaced Out  \n"
	                   "noname@example.test,\n"
	                   "last@example.test,No Newline At End";
	struct outcome o[16];
	size_t n = READ(csv, o, NULL);
	assert_int_equal(n, 5);
	assert_string_equal(o[0].text, "jane@example.test|Doe, Jane|3");
	assert_string_equal(o[1].text, "bob@example.test|Robert \"Bob\" Smith|5");
	assert_string_equal(o[2].text, "spaced@example.test|Spaced Out|8");
	assert_string_equal(o[3].text, "noname@example.test||9");
	assert_string_equal(o[4].text, "last@example.test|No Newline At End|10");
}

static void test_newline_in_quoted_field(void **state)
{
	/* a field cannot span lines: the line that leaves a quote open is a bad row, and the next
	 * line is read afresh (here it is no address, so it is a bad row too) */
	const char csv[] = "email,name,note\n"
	                   "a@example.test,A,\"two\nlines\"\n"            /* lines 2, 3: rejected */
	                   "b@example.test,\"Multi\r\nLine\",x\n"         /* lines 4, 5: rejected */
	                   "c@example.test,C,\"comma, \"\"quote\"\"\"\n"; /* line 6 */
	struct outcome o[8];
	size_t n = READ(csv, o, NULL);
	assert_int_equal(n, 5);
	assert_string_equal(o[0].text,
	                    "ERR:2: a quote opened on this line is never closed (a field cannot span lines)");
	assert_string_equal(o[1].text, "ERR:3: invalid email address: no @ in the address");
	assert_non_null(strstr(o[2].text, "ERR:4: a quote opened on this line is never closed"));
	assert_non_null(strstr(o[3].text, "ERR:5: invalid email address"));
	assert_string_equal(o[4].text, "c@example.test|C|6");
}

/* One stray quote costs its own row and nothing more, in a short list as in a long one (over the
 * 1 MB record bound, where a quote that swallowed the rest of the file once stopped the list). */
static void test_stray_quote(void **state)
{
	for (size_t rows = 5000; rows <= 100000; rows *= 20) {
		struct nl_buf b = NL_BUF_INIT;
		nl_buf_puts(&b, "email,name\ns1@example.test,One\ns2@example.test,\"Stray quote\n");
		for (size_t i = 3; i <= rows; i++)
			nl_buf_printf(&b, "s%zu@example.test,Reader %zu\n", i, i);
		nl_buf_puts(&b, "last@example.test,\"Doe, Jane\"\n"); /* a later quote pairs with nothing */
		char *path = write_csv(b.data, b.len);
		struct nl_subscribers *l = NULL;
		struct nl_error err = {0};
		assert_int_equal(nl_subscribers_open(path, &l, &err), NL_OK);
		size_t bad = 0, good = 0;
		for (;;) {
			const struct nl_subscriber *sub;
			enum nl_code rc = nl_subscribers_next(l, &sub, &err);
			if (rc == NL_ERR_SUBSCRIBER) {
				bad++;
				assert_non_null(strstr(err.detail, ":3: a quote opened on this line"));
				continue;
			}
			assert_int_equal(rc, NL_OK);
			if (!sub)
				break;
			good++;
		}
		assert_int_equal(bad, 1);
		assert_int_equal(good, rows); /* s1, s3..sN and last */
		nl_subscribers_close(l);
		free(path);
		nl_buf_free(&b);
	}
}

static void test_injection_rows(void **state)
{
	const char csv[] = "email,name\n"
	                   "cr@example.test,\"Evil\rBcc: x@example.test\"\n"
	                   "lf@example.test,\"Evil\nBcc: x@example.test\"\n"
	                   "crlf@example.test,\"Evil\r\nBcc: x@example.test\"\n"
	                   "nul@example.test,Ev\0il\n"
	                   "ctl@example.test,Ev\x1bil\n"
	                   "ew@example.test,=?UTF-8?Q?=0A?=\n"
	                   "ok@example.test,Fine\n";
	struct outcome o[16];
	size_t n = READ(csv, o, NULL);
	assert_int_equal(n, 9);
	assert_non_null(strstr(o[0].text, "ERR:2: column 'name' contains a line break"));
	/* an LF inside quotes ends the line: the quote is left open, and "Bcc: …" is no address */
	assert_non_null(strstr(o[1].text, "ERR:3: a quote opened on this line is never closed"));
	assert_non_null(strstr(o[2].text, "ERR:4: invalid email address"));
	assert_non_null(strstr(o[3].text, "ERR:5: a quote opened on this line is never closed"));
	assert_non_null(strstr(o[4].text, "ERR:6: invalid email address"));
	assert_non_null(strstr(o[5].text, "ERR:7: column 'name' contains a NUL byte"));
	assert_non_null(strstr(o[6].text, "ERR:8: column 'name' contains a control character (0x1B)"));
	/* an encoded-word in the data is kept as literal text: composing encodes it (test_compose) */
	assert_string_equal(o[7].text, "ew@example.test|=?UTF-8?Q?=0A?=|9");
	assert_string_equal(o[8].text, "ok@example.test|Fine|10");
}

static void test_bare_cr_unquoted(void **state)
{
	/* an unquoted bare CR ends a record for libcsv: what follows is a record with a bad address */
	const char csv[] = "email,name\nx@example.test,Evil\rBcc: y@example.test\nok@example.test,OK\n";
	struct outcome o[8];
	size_t n = READ(csv, o, NULL);
	assert_int_equal(n, 3);
	assert_string_equal(o[0].text, "x@example.test|Evil|2");
	assert_non_null(strstr(o[1].text, "ERR:2: invalid email address"));
	assert_string_equal(o[2].text, "ok@example.test|OK|3");
}

static void test_duplicates(void **state)
{
	const char csv[] = "email,name\n"
	                   "Jane@Example.test,Jane\n"
	                   "jane@example.TEST,Jane Again\n"
	                   "john@example.test,John\n"
	                   "JOHN@EXAMPLE.TEST,John Again\n"
	                   "jane+news@example.test,Different\n";
	struct outcome o[8];
	struct nl_subscribers_stats st;
	size_t n = READ(csv, o, &st);
	assert_int_equal(n, 5);
	assert_string_equal(o[0].text, "Jane@Example.test|Jane|2");
	assert_string_equal(o[1].text,
	                    "DUP:3: duplicate address 'jane@example.TEST' dropped (it appears earlier)");
	assert_string_equal(o[2].text, "john@example.test|John|4");
	assert_true(strncmp(o[3].text, "DUP:5:", 6) == 0);
	assert_string_equal(o[4].text, "jane+news@example.test|Different|6");
	assert_int_equal(st.rows, 5);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.rejected, 0);
}

static void test_bad_rows(void **state)
{
	const char csv[] = "email,name\n"
	                   "not-an-address,Nobody\n"
	                   ",No Email\n"
	                   "a@example.test,Doe, Jane\n" /* unquoted comma: a third field */
	                   "b@example.test,Bad \xC3\x28 UTF-8\n"
	                   "c@example.test,Zoë\n"
	                   "d@example.test,\"never closed\n";
	struct outcome o[8];
	struct nl_subscribers_stats st;
	size_t n = READ(csv, o, &st);
	assert_int_equal(n, 6);
	assert_string_equal(o[0].text, "ERR:2: invalid email address: no @ in the address");
	assert_string_equal(o[1].text, "ERR:3: no email address");
	assert_string_equal(o[2].text,
	                    "ERR:4: more fields than the header's 2 columns (a comma in an unquoted name?)");
	assert_string_equal(o[3].text, "ERR:5: column 'name' is not valid UTF-8");
	assert_string_equal(o[4].text, "c@example.test|Zoë|6");
	assert_string_equal(o[5].text,
	                    "ERR:7: a quote opened on this line is never closed (a field cannot span lines)");
	assert_int_equal(st.rejected, 5);
	assert_int_equal(st.accepted, 1);
}

static void test_bad_lists(void **state)
{
	struct {
		const char *csv;
		enum nl_code code;
		const char *detail;
	} cases[] = {
	    {"", NL_ERR_LIST, "empty file"},
	    {"\n\n", NL_ERR_LIST, "empty file"},
	    {"name,city\nJane,Leeds\n", NL_ERR_LIST, ":1: the header has no 'email' column"},
	    {"email,name,Email\n", NL_ERR_LIST, ":1: column 'Email' appears twice"},
	    {"email,first name\n", NL_ERR_LIST, ":1: column 2 is not a column name"},
	    {"email,,x\n", NL_ERR_LIST, ":1: column 2 is not a column name"},
	    {"\n\nemail,name\n", NL_OK, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = write_csv(cases[i].csv, strlen(cases[i].csv));
		struct nl_subscribers *l = NULL;
		struct nl_error err = {0};
		assert_int_equal(nl_subscribers_open(path, &l, &err), cases[i].code);
		if (cases[i].detail) {
			assert_null(l);
			if (!strstr(err.detail, cases[i].detail))
				fail_msg("'%s' does not contain '%s'", err.detail, cases[i].detail);
			assert_memory_equal(err.detail, path, strlen(path));
		}
		nl_subscribers_close(l);
		free(path);
	}
	struct nl_subscribers *l = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open("/nonexistent/list.csv", &l, &err), NL_ERR_NOT_FOUND); /* 66 */
	assert_non_null(strstr(err.detail, "/nonexistent/list.csv"));
	/* `list:` may name any file: an error never repeats what the file holds (issue 15) */
	static const char *const secrets[] = {"root:$6$secret-hash:19000:0:99999:7:::\n",
	                                      "email,name\nroot:$6$secret-hash,x\n"};
	for (size_t i = 0; i < 2; i++) {
		char *path = write_csv(secrets[i], strlen(secrets[i]));
		assert_int_equal(nl_subscribers_open(path, &l, &err), i == 0 ? NL_ERR_LIST : NL_OK);
		const struct nl_subscriber *sub = NULL;
		if (l)
			assert_int_equal(nl_subscribers_next(l, &sub, &err), NL_ERR_SUBSCRIBER);
		if (strstr(err.detail, "secret-hash"))
			fail_msg("the error quotes the file: %s", err.detail);
		assert_non_null(strstr(err.detail, path));
		nl_subscribers_close(l);
		l = NULL;
		free(path);
	}
}

/* Records straddling the reader's 64 KiB blocks keep their fields and line numbers. */
static void test_block_boundaries(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "email,name,note\n");
	size_t rows = 0;
	while (b.len < 3 * 65536) {
		rows++;
		if (rows % 7 == 0) /* a quoted field over two lines every 7 rows: two bad rows */
			nl_buf_printf(&b, "m%zu@example.test,\"Name %zu\",\"first\nsecond, with comma\"\n",
			              rows, rows);
		else
			nl_buf_printf(&b, "r%zu@example.test,\"Name, %zu\",\"note \"\"%zu\"\"\"\n", rows,
			              rows, rows);
	}
	char *path = write_csv(b.data, b.len);
	struct nl_subscribers *l = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &l, &err), NL_OK);
	size_t line = 2, seen = 0;
	for (size_t r = 1; r <= rows; r++) {
		const struct nl_subscriber *s;
		enum nl_code rc = nl_subscribers_next(l, &s, &err);
		char want[64];
		if (r % 7 == 0) { /* two bad rows: the open quote, then "second, with comma\"" */
			assert_int_equal(rc, NL_ERR_SUBSCRIBER);
			snprintf(want, sizeof want, "%s:%zu: a quote opened", path, line);
			assert_memory_equal(err.detail, want, strlen(want));
			assert_int_equal(nl_subscribers_next(l, &s, &err), NL_ERR_SUBSCRIBER);
			snprintf(want, sizeof want, "%s:%zu: invalid email address", path, line + 1);
			assert_memory_equal(err.detail, want, strlen(want));
			line += 2;
			continue;
		}
		assert_int_equal(rc, NL_OK);
		assert_non_null(s);
		snprintf(want, sizeof want, "r%zu@example.test", r);
		assert_string_equal(s->email, want);
		snprintf(want, sizeof want, "Name, %zu", r);
		assert_string_equal(s->name, want);
		snprintf(want, sizeof want, "note \"%zu\"", r);
		assert_string_equal(s->values[2], want);
		assert_int_equal(s->line, line);
		line++;
		seen++;
	}
	const struct nl_subscriber *s;
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK);
	assert_null(s);
	assert_int_equal(nl_subscribers_stats(l).accepted, seen);
	nl_subscribers_close(l);
	free(path);
	nl_buf_free(&b);
}

/* Duplicates far apart, after the seen-set has moved to its temporary file and merged its runs. */
static void test_duplicates_far_apart(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "email\n");
	const size_t rows = 150000;
	for (size_t i = 0; i < rows; i++) {
		if (i % 997 == 996) /* the address of row i/3, shouted */
			nl_buf_printf(&b, "READER%zu@EXAMPLE.TEST\n", i / 3);
		else
			nl_buf_printf(&b, "reader%zu@example.test\n", i);
	}
	char *path = write_csv(b.data, b.len);
	struct nl_subscribers *l = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_subscribers_open(path, &l, &err), NL_OK);
	size_t dups = 0, want_dups = 0;
	for (size_t i = 0; i < rows; i++) {
		const struct nl_subscriber *s;
		enum nl_code rc = nl_subscribers_next(l, &s, &err);
		/* row i/3 was itself a duplicate row when (i/3) % 997 == 996: then the address is new */
		bool dup = i % 997 == 996 && (i / 3) % 997 != 996;
		want_dups += dup;
		if (dup) {
			assert_int_equal(rc, NL_ERR_SUBSCRIBER);
			assert_true(nl_subscribers_last_was_duplicate(l));
			dups++;
		} else {
			if (rc != NL_OK)
				fail_msg("row %zu: %s", i, err.detail);
			assert_non_null(s);
		}
	}
	const struct nl_subscriber *s;
	assert_int_equal(nl_subscribers_next(l, &s, &err), NL_OK);
	assert_null(s);
	assert_int_equal(dups, want_dups);
	assert_int_equal(nl_subscribers_stats(l).duplicates, want_dups);
	nl_subscribers_close(l);
	free(path);
	nl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_and_columns),
	    cmocka_unit_test(test_quotes_commas_bom_empty_lines_crlf),
	    cmocka_unit_test(test_newline_in_quoted_field),
	    cmocka_unit_test(test_stray_quote),
	    cmocka_unit_test(test_injection_rows),
	    cmocka_unit_test(test_bare_cr_unquoted),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_bad_rows),
	    cmocka_unit_test(test_bad_lists),
	    cmocka_unit_test(test_block_boundaries),
	    cmocka_unit_test(test_duplicates_far_apart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
