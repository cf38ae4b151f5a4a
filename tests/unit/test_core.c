/* test_core.c - buffers, spans, the clock, ISO 8601, SHA-256 and HMAC vectors, UTF-8 width,
 * password_cmd. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sha256.h"
#include "util.h"

static void test_buf_grows_and_caps(void **state)
{
	struct nl_buf b;
	nl_buf_init(&b, 10);
	nl_buf_puts(&b, "hello");
	nl_buf_printf(&b, "%d", 1234);
	assert_string_equal(nl_buf_cstr(&b), "hello1234");
	assert_false(nl_buf_failed(&b));
	nl_buf_puts(&b, "xy"); /* 11 > 10: refused whole */
	assert_true(nl_buf_failed(&b));
	assert_string_equal(nl_buf_cstr(&b), "hello1234");
	nl_buf_reset(&b);
	assert_false(nl_buf_failed(&b));
	assert_int_equal(b.len, 0);
	nl_buf_free(&b);
	nl_buf_free(NULL);
}

static void test_buf_printf_long(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	char big[1000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	nl_buf_printf(&b, "<%s>", big);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[1000], '>');
	char *s = nl_buf_detach(&b);
	assert_int_equal(strlen(s), 1001);
	free(s);
}

static void test_span_trim(void **state)
{
	struct nl_span s = nl_span_trim(nl_span_cstr("  Career \t\n"));
	assert_true(nl_span_eq(s, "Career"));
	assert_true(nl_span_ieq(s, "CAREER"));
	assert_false(nl_span_eq(s, "Caree"));
}

static void test_iso8601(void **state)
{
	time_t t;
	assert_true(nl_parse_iso8601("1970-01-01", &t));
	assert_int_equal(t, 0);
	assert_true(nl_parse_iso8601("2026-11-30T09:00:00Z", &t));
	assert_int_equal(t, 1796029200);
	assert_true(nl_parse_iso8601("2026-11-30T10:00:00+01:00", &t));
	assert_int_equal(t, 1796029200);
	assert_true(nl_parse_iso8601("2024-02-29", &t));
	assert_false(nl_parse_iso8601("2026-02-29", &t));
	assert_false(nl_parse_iso8601("2026-13-01", &t));
	assert_false(nl_parse_iso8601("30/11/2026", &t));
	assert_false(nl_parse_iso8601("2026-11-30T25:00", &t));
	assert_false(nl_parse_iso8601("2026-11-30 junk", &t));
	char out[40];
	nl_format_rfc5322_date(1796029200, out);
	assert_string_equal(out, "Mon, 30 Nov 2026 09:00:00 +0000");
}

static void test_clock_pin(void **state)
{
	nl_now_set(1234);
	assert_int_equal(nl_now(), 1234);
	nl_now_set(0);
	assert_true(nl_now() > 1234);
}

static void test_sha256_vectors(void **state)
{
	unsigned char d[32];
	char hex[65];
	nl_sha256("abc", 3, d);
	nl_hex(d, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	nl_sha256("", 0, d);
	nl_hex(d, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	nl_sha256(m, strlen(m), d);
	nl_hex(d, 32, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* RFC 4231 test case 2 */
	nl_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	nl_hex(d, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 6: a key longer than the block */
	unsigned char key[131];
	memset(key, 0xaa, sizeof key);
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	nl_hmac_sha256(key, sizeof key, msg, strlen(msg), d);
	nl_hex(d, 32, hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_utf8(void **state)
{
	assert_true(nl_utf8_valid("Zoë 日本 🎉", strlen("Zoë 日本 🎉")));
	assert_false(nl_utf8_valid("\xc3(", 2));
	assert_false(nl_utf8_valid("\xed\xa0\x80", 3)); /* a surrogate */
	assert_int_equal(nl_utf8_width("Zoë", strlen("Zoë")), 3);
	assert_int_equal(nl_utf8_width("日本", strlen("日本")), 4);
	char out[4];
	assert_int_equal(nl_utf8_encode('A', out), 1);
	assert_int_equal(nl_utf8_encode(0xE9, out), 2);
	assert_memory_equal(out, "é", 2);
	assert_int_equal(nl_utf8_encode(0x65E5, out), 3);
	assert_memory_equal(out, "日", 3);
	assert_int_equal(nl_utf8_encode(0x1F389, out), 4);
	assert_memory_equal(out, "🎉", 4);
}

static void test_paths(void **state)
{
	char *p = nl_path_relative_to("conf/mailer.conf", "state.db");
	assert_string_equal(p, "conf/state.db");
	free(p);
	p = nl_path_relative_to("mailer.conf", "state.db");
	assert_string_equal(p, "state.db");
	free(p);
	p = nl_path_relative_to("conf/mailer.conf", "/var/x");
	assert_string_equal(p, "/var/x");
	free(p);
	assert_int_equal(nl_ascii_casecmp("ABC", "abc"), 0);
	assert_true(nl_ascii_casecmp("abd", "abc") > 0);
}

/* The detail of a password_cmd that fails; *out must stay NULL. */
static const char *password_failure(const char *cmd, struct nl_error *err)
{
	char *pw = NL_UNCONST("untouched");
	assert_int_equal(nl_password_from_command("inbox", cmd, &pw, err), NL_ERR_CONFIG);
	assert_null(pw);
	return err->detail;
}

static void test_password_cmd(void **state)
{
	struct nl_error err = {0};
	char *pw = NULL;
	assert_int_equal(nl_password_from_command("smtp", "printf 'secret\\n'", &pw, &err), NL_OK);
	assert_string_equal(pw, "secret");
	nl_password_free(pw);
	assert_int_equal(nl_password_from_command("smtp", "printf 'secret\\r\\n'", &pw, &err), NL_OK);
	assert_string_equal(pw, "secret");
	nl_password_free(pw);
	/* Only the first line; a last line without a newline is whole. */
	assert_int_equal(nl_password_from_command("smtp", "printf 'one two\\nthree\\n'", &pw, &err), NL_OK);
	assert_string_equal(pw, "one two");
	nl_password_free(pw);
	assert_int_equal(nl_password_from_command("smtp", "printf 'no-newline'", &pw, &err), NL_OK);
	assert_string_equal(pw, "no-newline");
	nl_password_free(pw);
	/* Exactly the bound is accepted: a short first line and padding up to 4096 bytes. */
	assert_int_equal(
	    nl_password_from_command("smtp", "printf 'pw\\n'; head -c 4093 /dev/zero", &pw, &err), NL_OK);
	assert_string_equal(pw, "pw");
	nl_password_free(pw);
	nl_password_free(NULL);

	/* The exit status, not the raw wait status (256); the output is never quoted. */
	assert_string_equal(password_failure("echo leaked-output; exit 1", &err),
	                    "[inbox] password_cmd exited with status 1");
	assert_string_equal(password_failure("exit 3", &err), "[inbox] password_cmd exited with status 3");
	assert_string_equal(password_failure("true", &err), "[inbox] password_cmd printed no password");
	assert_string_equal(password_failure("echo; echo late", &err),
	                    "[inbox] password_cmd printed no password");
	assert_string_equal(password_failure("echo leaked-output; kill -9 $$", &err),
	                    "[inbox] password_cmd was killed by signal 9");
	assert_string_equal(password_failure("printf 'ab\\000cd\\n'", &err),
	                    "[inbox] password_cmd printed a password with a NUL byte in it");
	/* Too long is an error, never a cut at the bound. */
	assert_non_null(strstr(password_failure("head -c 5000 /dev/zero | tr '\\0' a", &err),
	                       "[inbox] password_cmd printed more than 4096 bytes"));
	assert_non_null(strstr(password_failure("printf 'pw\\n'; head -c 4094 /dev/zero", &err),
	                       "printed more than 4096 bytes"));
}

/* mailer collect ignores SIGPIPE; a command that prints for ever must still end when its output is
 * refused (SIGPIPE is reset in the child), not hang the run.  Should it hang, the alarm kills this
 * test well before `timeout` ends the command, so the test fails and leaves no process behind. */
static void test_password_cmd_endless_output(void **state)
{
	struct nl_error err = {0};
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	alarm(10);
	const char *detail =
	    password_failure("timeout 20 sh -c 'while :; do echo aaaaaaaaaaaaaaaa; done'", &err);
	alarm(0);
	signal(SIGPIPE, old);
	assert_non_null(strstr(detail, "printed more than 4096 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_caps), cmocka_unit_test(test_buf_printf_long),
		cmocka_unit_test(test_span_trim),          cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_clock_pin),          cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_utf8),               cmocka_unit_test(test_paths),
		cmocka_unit_test(test_password_cmd),       cmocka_unit_test(test_password_cmd_endless_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
