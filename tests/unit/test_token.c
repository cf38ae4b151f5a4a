/* test_token.c - delivery tokens: shape, determinism, case-insensitive addresses, the HMAC itself
 * (checked against a token computed by hand from nl_hmac_sha256), and finding tokens again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "token.h"

static unsigned char secret[NL_SECRET_LEN];

static void test_make_shape_and_determinism(void **state)
{
	char a[NL_TOKEN_LEN + 1], b[NL_TOKEN_LEN + 1], c[NL_TOKEN_LEN + 1], d[NL_TOKEN_LEN + 1];
	memset(secret, 0x42, sizeof secret);
	nl_token_make(secret, "2026-11-job-or-career", "Jane.Doe@Example.TEST", a);
	nl_token_make(secret, "2026-11-job-or-career", "jane.doe@example.test", b);
	nl_token_make(secret, "2026-12-other", "jane.doe@example.test", c);
	nl_token_make(secret, "2026-11-job-or-career", "john@example.test", d);
	assert_int_equal(strlen(a), NL_TOKEN_LEN);
	assert_true(nl_token_shape(a, strlen(a)));
	assert_string_equal(a, b);     /* the address is compared without case */
	assert_string_not_equal(a, c); /* another campaign */
	assert_string_not_equal(a, d); /* another person */
	unsigned char other[NL_SECRET_LEN];
	memset(other, 0x43, sizeof other);
	nl_token_make(other, "2026-11-job-or-career", "jane.doe@example.test", c);
	assert_string_not_equal(a, c); /* another secret */
}

/* The token is the first 80 bits of HMAC-SHA-256(secret, campaign "\n" lower-case address) in
 * RFC 4648 base32, lower-cased: recompute it independently here. */
static void test_matches_definition(void **state)
{
	memset(secret, 0x42, sizeof secret);
	const char *msg = "camp\nmixed@example.test";
	unsigned char mac[NL_SHA256_LEN];
	nl_hmac_sha256(secret, NL_SECRET_LEN, msg, strlen(msg), mac);
	char want[NL_TOKEN_LEN + 1];
	uint64_t hi = 0;
	for (int i = 0; i < 8; i++)
		hi = hi << 8 | mac[i];
	unsigned lo = (unsigned)mac[8] << 8 | mac[9];
	for (int i = 0; i < 16; i++) {
		unsigned v = i < 12 ? (unsigned)(hi >> (59 - 5 * i)) & 31 : 0;
		if (i == 12)
			v = (unsigned)((hi & 0xF) << 1 | (lo >> 15));
		if (i > 12)
			v = (lo >> (15 - 5 * (i - 12))) & 31;
		want[i] = "abcdefghijklmnopqrstuvwxyz234567"[v];
	}
	want[16] = '\0';
	char got[NL_TOKEN_LEN + 1];
	nl_token_make(secret, "camp", "Mixed@Example.test", got);
	assert_string_equal(got, want);
	/* a change of secret is noticed (the padded key is cached per thread) */
	unsigned char other[NL_SECRET_LEN];
	memset(other, 0x42, sizeof other);
	other[31] = 0x43;
	char got2[NL_TOKEN_LEN + 1];
	nl_token_make(other, "camp", "Mixed@Example.test", got2);
	assert_string_not_equal(got2, want);
	nl_token_make(secret, "camp", "Mixed@Example.test", got2);
	assert_string_equal(got2, want);
}

/* Tokens already sent must keep matching whatever computes the HMAC: these were made by the
 * SHA-256 of our own that Nettle replaced (and agree with Python's hmac module). */
static void test_stored_tokens(void **state)
{
	(void)state;
	static const struct {
		const char *campaign, *email, *token;
	} stored[] = {
	    {"camp", "Mixed@Example.test", "jps6uqwbjsrttnz2"},
	    {"2026-11-job-or-career", "ana@example.test", "epb2wlggdkfyur6k"},
	    {"2026-11-job-or-career", "zo\xc3\xab+news@ex\xc3\xa4mple.test", "tuxgkioeh236zzg4"},
	};
	unsigned char key[NL_SECRET_LEN];
	memset(key, 0x42, sizeof key);
	char got[NL_TOKEN_LEN + 1];
	for (size_t i = 0; i < sizeof stored / sizeof *stored; i++) {
		nl_token_make(key, stored[i].campaign, stored[i].email, got);
		assert_string_equal(got, stored[i].token);
	}
	for (int i = 0; i < NL_SECRET_LEN; i++)
		key[i] = (unsigned char)(i * 7 + 1);
	nl_token_make(key, "c", "a@example.test", got);
	assert_string_equal(got, "njjzhlgpkd4am2fj");
}

static void test_check(void **state)
{
	char t[NL_TOKEN_LEN + 1];
	memset(secret, 1, sizeof secret);
	nl_token_make(secret, "c", "a@example.test", t);
	assert_true(nl_token_check(secret, "c", "A@example.test", t, NL_TOKEN_LEN));
	char upper[NL_TOKEN_LEN + 1];
	for (int i = 0; i <= NL_TOKEN_LEN; i++)
		upper[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i]);
	assert_true(nl_token_check(secret, "c", "a@example.test", upper, NL_TOKEN_LEN));
	assert_false(nl_token_check(secret, "c", "b@example.test", t, NL_TOKEN_LEN));
	assert_false(nl_token_check(secret, "d", "a@example.test", t, NL_TOKEN_LEN));
	assert_false(nl_token_check(secret, "c", "a@example.test", t, NL_TOKEN_LEN - 1));
	t[3] = t[3] == 'a' ? 'b' : 'a';
	assert_false(nl_token_check(secret, "c", "a@example.test", t, NL_TOKEN_LEN));
}

static void test_shape(void **state)
{
	assert_true(nl_token_shape("abcdefgh234567zz", 16));
	assert_true(nl_token_shape("ABCDEFGH234567ZZ", 16));
	assert_false(nl_token_shape("abcdefgh234567z1", 16)); /* 1 is not base32 */
	assert_false(nl_token_shape("abcdefgh234567z", 15));
	assert_false(nl_token_shape("abcdefgh234567z.", 16));
}

static void test_plus_address(void **state)
{
	char *p = nl_token_plus_address("replies@example.test", "abcdefgh234567zz");
	assert_string_equal(p, "replies+abcdefgh234567zz@example.test");
	char out[NL_TOKEN_LEN + 1];
	assert_true(nl_token_from_plus_address(p, out));
	assert_string_equal(out, "abcdefgh234567zz");
	assert_true(nl_token_from_plus_address("REPLIES+ABCDEFGH234567ZZ@EXAMPLE.TEST", out));
	assert_string_equal(out, "abcdefgh234567zz");
	assert_false(nl_token_from_plus_address("replies@example.test", out));
	assert_false(nl_token_from_plus_address("replies+short@example.test", out));
	assert_false(nl_token_from_plus_address("repliesxabcdefgh234567zz@example.test", out));
	free(p);
}

static void test_message_id(void **state)
{
	char out[NL_TOKEN_LEN + 1];
	assert_true(nl_token_from_message_id("<abcdefgh234567zz.2026-11-job-or-career@example.test>", out));
	assert_string_equal(out, "abcdefgh234567zz");
	assert_true(nl_token_from_message_id("abcdefgh234567zz.c@x.test", out));
	assert_false(nl_token_from_message_id("<CAxyz123@mail.gmail.com>", out));
	assert_false(nl_token_from_message_id("<abcdefgh234567zz@x.test>", out));
	assert_false(nl_token_from_message_id("", out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_make_shape_and_determinism),
	    cmocka_unit_test(test_matches_definition), cmocka_unit_test(test_stored_tokens),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_shape),
	    cmocka_unit_test(test_plus_address),
	    cmocka_unit_test(test_message_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
