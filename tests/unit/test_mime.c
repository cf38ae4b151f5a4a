/* test_mime.c - quoted-printable (with round trips and the line cache), RFC 2047 encoded-words
 * (decoded back by message.h's independent decoder), header folding, mailboxes, header injection,
 * percent-encoding, the multipart/alternative body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "mime.h"
#include "util.h"

/* ---- helpers ---- */

static char *qp(const char *s)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_qp_encode(&b, s, strlen(s));
	return nl_buf_detach(&b);
}

static char *unqp(const char *s, size_t len, bool *ok)
{
	struct nl_buf b = NL_BUF_INIT;
	bool r = nl_mime_qp_decode(&b, s, len);
	if (ok)
		*ok = r;
	return nl_buf_detach(&b);
}

/* Every encoded line: at most 76 characters, CRLF-terminated (but the last), no bare CR or LF, no
 * trailing whitespace, not starting with "." or "From ", only printable ASCII. */
static void check_qp_lines(const char *enc, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && enc[i] != '\r' && enc[i] != '\n') {
			unsigned char c = (unsigned char)enc[i];
			assert_true((c >= 33 && c <= 126) || c == ' ' || c == '\t');
			continue;
		}
		if (i < len) {
			assert_int_equal(enc[i], '\r');
			assert_true(i + 1 < len && enc[i + 1] == '\n');
		}
		size_t n = i - start;
		assert_true(n <= 76);
		if (n) {
			assert_true(enc[i - 1] != ' ' && enc[i - 1] != '\t');
			assert_true(enc[start] != '.');
			assert_false(n >= 5 && memcmp(enc + start, "From ", 5) == 0);
		}
		i++;
		start = i + 1;
	}
}

/* Unfolds a header block (drops CRLF before WSP) and returns the value of the first field. */
static char *header_value(const char *h)
{
	const char *colon = strchr(h, ':');
	assert_non_null(colon);
	struct nl_buf b = NL_BUF_INIT;
	for (const char *p = colon + 1; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p++;
			continue;
		}
		nl_buf_putc(&b, *p);
	}
	char *v = nl_buf_detach(&b);
	char *s = v;
	while (*s == ' ')
		s++;
	char *r = nl_xstrdup(s);
	free(v);
	return r;
}

/* Exactly one header line: CRLF only at the end or before WSP, and no line over 78. */
static void check_one_header(const char *h)
{
	size_t len = strlen(h), start = 0;
	assert_true(len >= 2 && h[len - 2] == '\r' && h[len - 1] == '\n');
	for (size_t i = 0; i < len; i++) {
		assert_true(h[i] != '\n' || (i > 0 && h[i - 1] == '\r'));
		assert_true(h[i] != '\r' || h[i + 1] == '\n');
		if (h[i] == '\r') {
			assert_true(i - start <= NL_MIME_FOLD);
			if (i + 2 < len)
				assert_true(h[i + 2] == ' ' || h[i + 2] == '\t');
			start = i + 2;
		}
		assert_true(h[i] != '\0');
	}
}

/* Each encoded-word at most 75 characters and decoding on its own to valid UTF-8. */
static void check_words(const char *h)
{
	for (const char *p = strstr(h, "=?"); p; p = strstr(p + 2, "=?")) {
		const char *q = strstr(p + 2, "?"); /* after charset */
		assert_non_null(q);
		q = strstr(q + 3, "?="); /* after encoding letter and '?' */
		assert_non_null(q);
		size_t n = (size_t)(q + 2 - p);
		assert_true(n <= 75);
		char *word = nl_xstrndup(p, n);
		char *dec = nl_header_decode(word, n);
		assert_true(nl_utf8_valid(dec, strlen(dec)));
		free(dec);
		free(word);
		p = q;
	}
}

static void roundtrip_text_header(const char *value)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_header_text(&b, "Subject", value, strlen(value));
	check_one_header(b.data);
	check_words(b.data);
	char *raw = header_value(b.data);
	char *dec = nl_header_decode(raw, strlen(raw));
	if (strcmp(dec, value) != 0)
		fail_msg("'%s' came back as '%s' from:\n%s", value, dec, b.data);
	free(dec);
	free(raw);
	nl_buf_free(&b);
}

/* ---- quoted-printable ---- */

static void test_qp_basics(void **state)
{
	char *e = qp("hello world");
	assert_string_equal(e, "hello world");
	free(e);
	e = qp("a=b\n");
	assert_string_equal(e, "a=3Db\r\n");
	free(e);
	e = qp("caf\xC3\xA9\n");
	assert_string_equal(e, "caf=C3=A9\r\n");
	free(e);
	e = qp("line one\r\nline two");
	assert_string_equal(e, "line one\r\nline two");
	free(e);
	e = qp("tab\tinside");
	assert_string_equal(e, "tab\tinside");
	free(e);
	e = qp("lone\rcr");
	assert_string_equal(e, "lone=0Dcr");
	free(e);
}

static void test_qp_trailing_whitespace(void **state)
{
	char *e = qp("end \nalso\t\r\nlast  ");
	assert_string_equal(e, "end=20\r\nalso=09\r\nlast =20");
	free(e);
}

static void test_qp_dot_and_from(void **state)
{
	char *e = qp(".\n.hidden\nFrom here\nFromage\n From x");
	assert_string_equal(e, "=2E\r\n=2Ehidden\r\n=46rom here\r\nFromage\r\n From x");
	free(e);
	/* a "." or "From " that lands at the start of a line after a soft break is encoded too */
	char in[200];
	memset(in, 'a', 75);
	strcpy(in + 75, ".dot");
	e = qp(in);
	assert_non_null(strstr(e, "=\r\n=2Edot"));
	check_qp_lines(e, strlen(e));
	free(e);
	memset(in, 'b', 75);
	strcpy(in + 75, "From me");
	e = qp(in);
	assert_non_null(strstr(e, "=\r\n=46rom me"));
	free(e);
}

static void test_qp_long_lines_and_utf8(void **state)
{
	struct nl_buf in = NL_BUF_INIT;
	for (int i = 0; i < 60; i++)
		nl_buf_puts(&in, "\xC3\xA9"); /* é: never split between its two bytes */
	nl_buf_puts(&in, "\n");
	for (int i = 0; i < 40; i++)
		nl_buf_puts(&in, "\xF0\x9F\x98\x80 "); /* an emoji: four bytes kept together */
	char *e = qp(in.data);
	check_qp_lines(e, strlen(e));
	assert_null(strstr(e, "=C3=\r\n"));
	assert_null(strstr(e, "=F0=\r\n"));
	assert_null(strstr(e, "=9F=\r\n"));
	assert_null(strstr(e, "=98=\r\n"));
	bool ok;
	char *d = unqp(e, strlen(e), &ok);
	assert_true(ok);
	assert_string_equal(d, in.data);
	free(d);
	free(e);
	nl_buf_free(&in);
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Random text from awkward pieces: every encoder rule gets exercised. */
static void random_text(struct nl_buf *b, size_t pieces)
{
	static const char *const bits[] = {"a",
	                                   "word",
	                                   " ",
	                                   "  ",
	                                   "\t",
	                                   "\n",
	                                   ".",
	                                   "From ",
	                                   "=",
	                                   "==",
	                                   "\xC3\xA9",
	                                   "\xE4\xB8\xAD",
	                                   "\xF0\x9F\x98\x80",
	                                   "x.y",
	                                   " \n",
	                                   "\t\n",
	                                   "F",
	                                   "\r",
	                                   "longerwordwithoutanyspacesatall"};
	for (size_t i = 0; i < pieces; i++)
		nl_buf_puts(b, bits[rng() % (sizeof bits / sizeof bits[0])]);
}

static void test_qp_roundtrip_random(void **state)
{
	for (int round = 0; round < 300; round++) {
		struct nl_buf in = NL_BUF_INIT;
		random_text(&in, 1 + rng() % 400);
		/* CR LF would come back as LF: keep lone CRs only */
		for (size_t i = 0; i + 1 < in.len; i++)
			if (in.data[i] == '\r' && in.data[i + 1] == '\n')
				in.data[i] = 'r';
		char *e = qp(nl_buf_cstr(&in));
		check_qp_lines(e, strlen(e));
		bool ok;
		char *d = unqp(e, strlen(e), &ok);
		assert_true(ok);
		assert_string_equal(d, nl_buf_cstr(&in));
		free(d);
		free(e);
		nl_buf_free(&in);
	}
}

static void test_qp_cache_matches(void **state)
{
	struct nl_mime_qp_cache *cache = nl_mime_qp_cache_new(1 << 20, 1, 16);
	const char *token = "abcdefgh234567zz";
	for (int round = 0; round < 200; round++) {
		struct nl_buf in = NL_BUF_INIT, filled = NL_BUF_INIT, enc = NL_BUF_INIT, again = NL_BUF_INIT;
		/* a fixed body (cached from the second round on), a varying line, a line with a hole */
		nl_buf_puts(&in,
		            "<p style=\"margin:0\">The same paragraph for everyone, long enough to be cached "
		            "and to need a soft break somewhere in the middle of it.</p>\n");
		random_text(&in, 1 + rng() % 40);
		nl_buf_puts(&in, "\n<a href=\"mailto:replies+\x01@example.test?subject=x\">link with a hole "
		                 "in it</a>\n.\n");
		for (size_t i = 0; i < in.len; i++) {
			if (in.data[i] == '\r' && i + 1 < in.len && in.data[i + 1] == '\n')
				in.data[i] = 'r';
			if (in.data[i] == 1)
				nl_buf_puts(&filled, token);
			else
				nl_buf_putc(&filled, in.data[i]);
		}
		nl_mime_qp_encode_cached(cache, &enc, in.data, in.len);
		nl_mime_qp_encode_cached(cache, &again, in.data, in.len);
		assert_int_equal(enc.len, again.len);
		assert_memory_equal(enc.data, again.data, enc.len);
		/* fill the holes, then: valid QP that decodes to the filled text */
		struct nl_buf out = NL_BUF_INIT;
		for (size_t i = 0; i < enc.len; i++) {
			if (enc.data[i] == 1)
				nl_buf_puts(&out, token);
			else
				nl_buf_putc(&out, enc.data[i]);
		}
		check_qp_lines(out.data, out.len);
		char *d = unqp(out.data, out.len, NULL);
		assert_string_equal(d, filled.data);
		free(d);
		nl_buf_free(&in);
		nl_buf_free(&filled);
		nl_buf_free(&enc);
		nl_buf_free(&again);
		nl_buf_free(&out);
	}
	nl_mime_qp_cache_free(cache);
	nl_mime_qp_cache_free(NULL);
}

static void test_qp_decode(void **state)
{
	bool ok;
	const char *in = "soft=\r\nbreak =3d=3D\r\ntrailing   \r\nend=\n";
	char *d = unqp(in, strlen(in), &ok);
	assert_true(ok);
	assert_string_equal(d, "softbreak ==\ntrailing\nend");
	free(d);
	d = unqp("bad =G1 and =", 13, &ok);
	assert_false(ok == true && strcmp(d, "bad =G1 and ") != 0);
	assert_string_equal(d, "bad =G1 and ");
	free(d);
	d = unqp("x=4", 3, &ok);
	assert_false(ok);
	assert_string_equal(d, "x=4");
	free(d);
}

/* ---- headers ---- */

static void test_header_plain_ascii(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_header_text(&b, "Subject", "Job or career: which one are you in?", 36);
	assert_string_equal(b.data, "Subject: Job or career: which one are you in?\r\n");
	nl_buf_free(&b);
}

static void test_header_folding(void **state)
{
	const char *long_ascii =
	    "This subject is long enough that it has to be folded at least once, maybe twice, "
	    "because it goes on and on well past the seventy-eight character line limit";
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_header_text(&b, "Subject", long_ascii, strlen(long_ascii));
	check_one_header(b.data);
	assert_non_null(strstr(b.data, "\r\n ")); /* folded, at whitespace */
	assert_null(strstr(b.data, "=?"));        /* plain ASCII stays readable */
	nl_buf_free(&b);
	roundtrip_text_header(long_ascii);
	roundtrip_text_header("two  spaces  kept");
}

static void test_rfc2047_roundtrip(void **state)
{
	const char *values[] = {
	    "Café crème",
	    "Job oder Karriere? Ein Überblick über fünf Jahre",
	    "职业还是工作？一篇关于选择、方向和长期规划的文章，写给正在思考下一步的你",
	    "Работа или карьера: как понять, что у вас сейчас, и что с этим делать дальше",
	    "Emoji 😀🎉👩‍💻 in a subject, with enough text to need folding across several lines",
	    "=?UTF-8?Q?=0A?=",
	    "=?UTF-8?B?QmNjOiB4QHkK?= literal",
	    " leading space",
	    "trailing space ",
	    "a_b=c?d \"quoted\" (paren) <angle> [bracket]",
	    "averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongwordwithoutspaces",
	    "ÅÄÖ",
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		roundtrip_text_header(values[i]);
}

static void test_rfc2047_shorter_encoding(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_header_text(&b, "Subject", "Café", 5); /* 8 characters in B, 9 in Q */
	assert_string_equal(b.data, "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n");
	nl_buf_reset(&b);
	nl_mime_header_text(&b, "Subject", "Café au lait", 13); /* mostly ASCII: Q is shorter */
	assert_string_equal(b.data, "Subject: =?UTF-8?Q?Caf=C3=A9_au_lait?=\r\n");
	nl_buf_reset(&b);
	nl_mime_header_text(&b, "Subject", "日本語", 9); /* all multibyte: B is shorter */
	assert_string_equal(b.data, "Subject: =?UTF-8?B?5pel5pys6Kqe?=\r\n");
	nl_buf_free(&b);
}

static void test_header_injection(void **state)
{
	const char *bad[] = {"Hello\r\nBcc: victim@example.test", "Hello\nBcc: x@y.test", "Hello\rBcc: x",
	                     "nul\0inside"};
	size_t lens[] = {strlen(bad[0]), strlen(bad[1]), strlen(bad[2]), 10};
	for (size_t i = 0; i < 4; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_mime_header_text(&b, "Subject", bad[i], lens[i]);
		check_one_header(b.data);
		assert_int_equal(strlen(b.data), b.len); /* no NUL */
		nl_buf_reset(&b);
		char *name = nl_xstrndup(bad[i], lens[i]);
		nl_mime_header_mailbox(&b, "To", name, "a@example.test");
		check_one_header(b.data);
		nl_buf_reset(&b);
		nl_mime_header_raw(&b, "List-Id", name);
		check_one_header(b.data);
		free(name);
		nl_buf_free(&b);
	}
}

static void test_mailbox(void **state)
{
	struct {
		const char *name, *want;
	} cases[] = {
	    {"Jane Doe", "To: Jane Doe <j@example.test>\r\n"},
	    {"Doe, Jane", "To: \"Doe, Jane\" <j@example.test>\r\n"},
	    {"Robert \"Bob\" Smith", "To: \"Robert \\\"Bob\\\" Smith\" <j@example.test>\r\n"},
	    {"back\\slash", "To: \"back\\\\slash\" <j@example.test>\r\n"},
	    {"J. R. R. Tolkien", "To: \"J. R. R. Tolkien\" <j@example.test>\r\n"},
	    {"", "To: j@example.test\r\n"},
	    {NULL, "To: j@example.test\r\n"},
	    {"Zoë", "To: =?UTF-8?Q?Zo=C3=AB?= <j@example.test>\r\n"},
	    {"=?UTF-8?Q?=0A?=", "To: =?UTF-8?B?PT9VVEYtOD9RPz0wQT89?= <j@example.test>\r\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_mime_header_mailbox(&b, "To", cases[i].name, "j@example.test");
		assert_string_equal(b.data, cases[i].want);
		nl_buf_free(&b);
	}
}

static void test_mailbox_long_names(void **state)
{
	struct nl_buf name = NL_BUF_INIT;
	for (int i = 0; i < 20; i++)
		nl_buf_puts(&name, "Bartholomew "); /* 240 characters of atoms */
	name.data[--name.len] = '\0';
	const char *names[] = {
	    name.data,
	    "Maximilian-Alexander von und zu Hohenberg-Schwarzenstein, Jr. the Third of His Name, "
	    "Duke of Somewhere Very Far Away (retired)",
	    "アレクサンドル・ヴィクトロヴィッチ・ペトロフスキー＝コルサコフ・ジュニア・ザ・サード"};
	for (size_t i = 0; i < 3; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_mime_header_mailbox(&b, "To", names[i], "long.name@example.test");
		check_one_header(b.data);
		check_words(b.data);
		char *v = header_value(b.data);
		char *lt = strrchr(v, '<');
		assert_non_null(lt);
		assert_string_equal(lt, "<long.name@example.test>");
		*lt = '\0';
		size_t n = strlen(v);
		while (n && v[n - 1] == ' ')
			v[--n] = '\0';
		char *dec = nl_header_decode(v, n);
		if (dec[0] == '"') { /* a quoted-string: unquote */
			size_t dn = strlen(dec);
			memmove(dec, dec + 1, dn - 2);
			dec[dn - 2] = '\0';
		}
		assert_string_equal(dec, names[i]);
		free(dec);
		free(v);
		nl_buf_free(&b);
	}
	nl_buf_free(&name);
}

static void test_raw_header_folds(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_header_raw(&b, "List-Unsubscribe",
	                   "<mailto:replies+abcdefghijklmnop@example.test?subject=unsubscribe>, "
	                   "<https://example.test/unsubscribe?t=abcdefghijklmnop>");
	check_one_header(b.data);
	/* the first URI does not fit after the field name: the fold comes right after the colon */
	assert_string_equal(
	    b.data,
	    "List-Unsubscribe:\r\n <mailto:replies+abcdefghijklmnop@example.test?subject=unsubscribe>,\r\n"
	    " <https://example.test/unsubscribe?t=abcdefghijklmnop>\r\n");
	nl_buf_free(&b);
}

static void test_percent_encode(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	const char *s = "Re: Job? [survey abc work=not sure] é&=+";
	nl_mime_percent_encode(&b, s, strlen(s));
	assert_string_equal(b.data,
	                    "Re%3A%20Job%3F%20%5Bsurvey%20abc%20work%3Dnot%20sure%5D%20%C3%A9%26%3D%2B");
	nl_buf_free(&b);
}

static void test_alternative(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_mime_alternative(&b, "=_tok", "Hello\n.\n", 8, "<p>Hello</p>\n", 13);
	assert_string_equal(b.data, "MIME-Version: 1.0\r\n"
	                            "Content-Type: multipart/alternative;\r\n boundary=\"=_tok\"\r\n"
	                            "\r\n"
	                            "This is a multi-part message in MIME format.\r\n"
	                            "\r\n--=_tok\r\n"
	                            "Content-Type: text/plain; charset=UTF-8\r\n"
	                            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	                            "Hello\r\n=2E\r\n"
	                            "\r\n--=_tok\r\n"
	                            "Content-Type: text/html; charset=UTF-8\r\n"
	                            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	                            "<p>Hello</p>\r\n"
	                            "\r\n--=_tok--\r\n");
	nl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qp_basics),
	    cmocka_unit_test(test_qp_trailing_whitespace),
	    cmocka_unit_test(test_qp_dot_and_from),
	    cmocka_unit_test(test_qp_long_lines_and_utf8),
	    cmocka_unit_test(test_qp_roundtrip_random),
	    cmocka_unit_test(test_qp_cache_matches),
	    cmocka_unit_test(test_qp_decode),
	    cmocka_unit_test(test_header_plain_ascii),
	    cmocka_unit_test(test_header_folding),
	    cmocka_unit_test(test_rfc2047_roundtrip),
	    cmocka_unit_test(test_rfc2047_shorter_encoding),
	    cmocka_unit_test(test_header_injection),
	    cmocka_unit_test(test_mailbox),
	    cmocka_unit_test(test_mailbox_long_names),
	    cmocka_unit_test(test_raw_header_folds),
	    cmocka_unit_test(test_percent_encode),
	    cmocka_unit_test(test_alternative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
