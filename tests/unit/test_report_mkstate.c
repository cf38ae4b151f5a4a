/* test_report_mkstate.c - writes the report tests' fixed state (test_report_fixture.c) to a file,
 * for the end-to-end tests of `mailer report`.  Usage: test_report_mkstate STATE.DB */
#include <stdio.h>

#include "test_report_fixture.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s STATE.DB\n", argv[0]);
		return 64;
	}
	return report_fixture_build(argv[1]) == 0 ? 0 : 1;
}
