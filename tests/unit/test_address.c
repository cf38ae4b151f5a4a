/* test_address.c - addr-spec checks with libetpan's parser, mailbox splitting, the domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

static void test_valid(void **state)
{
	const char *good[] = {"a@example.test",
	                      "jane.doe@example.test",
	                      "sven+news@example.test",
	                      "o'brien@mail.example.test",
	                      "x_y-z@sub-domain.example.test",
	                      "UPPER@EXAMPLE.TEST",
	                      "1234@example.test",
	                      "a!#$%&*/=?^`{|}~@example.test"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		const char *why = "unset";
		if (!nl_address_valid(good[i], &why))
			fail_msg("'%s' rejected: %s", good[i], why);
		assert_null(why);
	}
}

static void test_invalid(void **state)
{
	const char *bad[] = {"",
	                     "plain",
	                     "@example.test",
	                     "a@",
	                     "a@localhost",
	                     "a b@example.test",
	                     "Jane <jane@example.test>",
	                     "jane@example.test (comment)",
	                     "a@@example.test",
	                     "a@example..test",
	                     "a@-example.test",
	                     "a@example-.test",
	                     "a.@example.test",
	                     ".a@example.test",
	                     "a..b@example.test",
	                     "zoë@example.test",
	                     "a@exämple.test",
	                     "a@[127.0.0.1]",
	                     "a@example.test\r\nBcc: x@y.test",
	                     "a,b@example.test",
	                     "a@example.test,b@example.test"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;
		if (nl_address_valid(bad[i], &why))
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
	assert_false(nl_address_valid(NULL, NULL));
	char longlocal[80];
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@example.test");
	assert_false(nl_address_valid(longlocal, NULL));
	char longaddr[300];
	memset(longaddr, 'b', 60);
	longaddr[60] = '@';
	for (int i = 61; i < 290; i += 10)
		memcpy(longaddr + i, "abcdefghi.", 10);
	strcpy(longaddr + 290, "test");
	assert_false(nl_address_valid(longaddr, NULL));
}

static void test_parse_mailbox(void **state)
{
	char *name, *addr;
	struct nl_error err = {0};
	assert_int_equal(nl_address_parse_mailbox("Career Notes <news@example.test>", &name, &addr, &err),
	                 NL_OK);
	assert_string_equal(name, "Career Notes");
	assert_string_equal(addr, "news@example.test");
	free(name);
	free(addr);
	assert_int_equal(nl_address_parse_mailbox("\"Doe, Jane\" <jane@example.test>", &name, &addr, &err),
	                 NL_OK);
	assert_string_equal(name, "Doe, Jane");
	assert_string_equal(addr, "jane@example.test");
	free(name);
	free(addr);
	assert_int_equal(nl_address_parse_mailbox("replies@example.test", &name, &addr, &err), NL_OK);
	assert_string_equal(name, "");
	assert_string_equal(addr, "replies@example.test");
	free(name);
	free(addr);
	assert_int_equal(nl_address_parse_mailbox("Broken <nowhere>", &name, &addr, &err), NL_ERR_CONFIG);
	assert_null(name);
	assert_null(addr);
	assert_non_null(strstr(err.detail, "Broken <nowhere>"));
	assert_int_equal(nl_address_parse_mailbox("A <a@example.test> trailing", &name, &addr, &err),
	                 NL_ERR_CONFIG);
	assert_int_equal(nl_address_parse_mailbox("A\r\nBcc: x <a@example.test>", &name, &addr, &err),
	                 NL_ERR_CONFIG);
}

static void test_domain(void **state)
{
	assert_string_equal(nl_address_domain("a@example.test"), "example.test");
	assert_string_equal(nl_address_domain("none"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_parse_mailbox),
	    cmocka_unit_test(test_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
