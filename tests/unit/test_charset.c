/* test_charset.c - charsets to UTF-8 (each allow-listed family, invalid bytes, unknown labels) and
 * RFC 2047 header decoding (adjacent words joined as bytes, malformed words, linear time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"

static void check(const char *charset, const char *in, size_t len, const char *want)
{
	char *got = nl_charset_to_utf8(charset, in, len);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", charset ? charset : "(none)", got, want);
	free(got);
}
#define CHECK(cs, in, want) check(cs, in, sizeof(in) - 1, want)

static void test_each_charset(void **state)
{
	CHECK("UTF-8", "caf\xc3\xa9 \xe2\x80\x99", "café ’");
	CHECK("utf8", "\xf0\x9f\x98\x80", "😀");
	CHECK("US-ASCII", "plain text", "plain text");
	CHECK("ISO-8859-1", "caf\xe9", "café");
	CHECK("iso-8859-1", "\x93quoted\x94 \x80", "“quoted” €"); /* read as Windows-1252 */
	CHECK("latin1", "\xfc", "ü");
	CHECK("ISO-8859-2", "\xb1\xe6\xea", "ąćę");
	CHECK("ISO-8859-15", "\xa4", "€");
	CHECK("Windows-1250", "\x9a\x9e", "šž");
	CHECK("windows-1252", "\x85\x96", "…–");
	CHECK("cp1252", "\x92", "’");
	CHECK("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет");
	CHECK("ISO-2022-JP", "\x1b$B$3$s$K$A$O\x1b(B", "こんにちは");
	CHECK("Shift_JIS", "\x82\xb1\x82\xf1", "こん");
	CHECK("GB2312", "\xc4\xe3\xba\xc3", "你好");
	CHECK("GBK", "\x81\x40", "丂");
	CHECK("EUC-JP", "\xa4\xb3", "こ");
	CHECK("Big5", "\xa4\xa4", "中");
	CHECK("\"UTF-8\"", "\xc3\xa9", "é"); /* quoted label */
}

static void test_invalid_bytes(void **state)
{
	CHECK("UTF-8",
	      "a\xff"
	      "b",
	      "a\xef\xbf\xbd"
	      "b");
	CHECK("UTF-8", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");                 /* overlong */
	CHECK("UTF-8", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	CHECK("UTF-8", "\xf4\x90\x80\x80",
	      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
	CHECK("UTF-8", "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd");  /* cut off */
	CHECK("UTF-8", "\xef\xbb\xbfhi", "hi");                    /* BOM */
	check("UTF-8", "a\0b", 3,
	      "a\xef\xbf\xbd"
	      "b"); /* NUL */
	CHECK("Shift_JIS", "\x82\xb1\xff", "こ\xef\xbf\xbd");
	CHECK("Shift_JIS", "\x82\xb1\x82", "こ\xef\xbf\xbd"); /* truncated at the end */
	CHECK("ISO-2022-JP", "\x1b$B$3\x1b(Bok\xff", "こok\xef\xbf\xbd");
	CHECK("GBK", "\xc4\xe3\xff\xc4\xe3", "你\xef\xbf\xbd你");
	CHECK("KOI8-R", "", "");
}

static void test_unknown_labels(void **state)
{
	CHECK("x-unknown", "caf\xc3\xa9", "café"); /* valid UTF-8 stays UTF-8 */
	CHECK("x-unknown", "caf\xe9", "café");     /* otherwise Windows-1252 */
	CHECK(NULL, "caf\xe9", "café");
	CHECK("us-ascii", "caf\xc3\xa9", "café"); /* 8-bit in "ascii" text is usually UTF-8 */
	CHECK("", "abc", "abc");
	CHECK("utf-8*en", "\xc3\xa9", "é"); /* RFC 2231 language suffix */
	/* never handed to iconv: CVE-2024-2961 */
	assert_false(nl_charset_known("ISO-2022-CN-EXT"));
	CHECK("ISO-2022-CN-EXT", "\x1b$A", "\x1b$A");
	assert_true(nl_charset_known("windows-1250"));
	assert_true(nl_charset_known("KOI8-R"));
	char longlabel[200];
	memset(longlabel, 'x', sizeof longlabel - 1);
	longlabel[sizeof longlabel - 1] = '\0';
	CHECK(longlabel, "ok", "ok");
}

static void hcheck(const char *in, const char *want)
{
	char *got = nl_header_decode(in, strlen(in));
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

static void test_rfc2047(void **state)
{
	hcheck("=?UTF-8?Q?z=E2=80?= =?UTF-8?Q?=99z?=", "z’z"); /* split character (mblaze) */
	hcheck("=?utf-8?q?a?= =?utf-8?q?b?=", "ab");           /* whitespace between words dropped */
	hcheck("=?utf-8?q?a?=\r\n =?utf-8?b?Yg==?=", "ab");
	hcheck("=?utf-8?q?a?= b", "a b");
	hcheck("x =?utf-8?q?a_b?= y", "x a b y");
	hcheck("=?ISO-8859-1?Q?caf=E9?= =?ISO-8859-2?Q?=B1?=", "caféą");
	hcheck("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語");
	/* ISO-2022-JP split across words, as in MimeKit japanese.txt */
	hcheck("=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1w4bBsoQg==?=", "日本語");
	hcheck("=?utf-8?b?w6k?=", "é");               /* missing padding */
	hcheck("=?utf-8?x?abc?=", "=?utf-8?x?abc?="); /* unknown encoding: kept raw */
	hcheck("=?utf-8?q?unterminated", "=?utf-8?q?unterminated");
	hcheck("=?x-unknown?q?caf=E9?=", "café");
	hcheck("plain caf\xc3\xa9", "plain café"); /* raw 8-bit UTF-8 (sisimai dos/) */
	hcheck("raw caf\xe9", "raw café");
	hcheck("=?utf-8?Q?=00=0A?=Bcc:", "\xef\xbf\xbd Bcc:"); /* control characters never come through */
	hcheck("", "");
	size_t words = 0;
	char *s = nl_header_decode_words("=?a?q?x?= =?a?q?y?= z", 21, &words);
	assert_int_equal(words, 2);
	free(s);
}

static void test_rfc2047_linear(void **state)
{
	/* 100,000 "=?x?b?" then one "?=": must not be quadratic (golang/go#79217) */
	size_t n = 100000;
	char *in = malloc(n * 6 + 3);
	for (size_t i = 0; i < n; i++)
		memcpy(in + 6 * i, "=?x?b?", 6);
	memcpy(in + 6 * n, "?=", 3);
	clock_t t0 = clock();
	char *out = nl_header_decode(in, strlen(in));
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(strlen(out) > 0);
	assert_true(secs < 2.0);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_charset),   cmocka_unit_test(test_invalid_bytes),
	    cmocka_unit_test(test_unknown_labels), cmocka_unit_test(test_rfc2047),
	    cmocka_unit_test(test_rfc2047_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
