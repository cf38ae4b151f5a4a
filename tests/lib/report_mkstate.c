/* report_mkstate.c - writes the report tests' fixed state (report_fixture.c) to a file,
 * for the end-to-end tests of `mailer report`.  Usage: test_report_mkstate [--replies] STATE.DB
 * (--replies: the replies fixture of issue 12 instead of the main one). */
#include <stdio.h>
#include <string.h>

#include "report_fixture.h"

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--replies") == 0)
		return report_fixture_build_replies(argv[2]) == 0 ? 0 : 1;
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--replies] STATE.DB\n", argv[0]);
		return 64;
	}
	return report_fixture_build(argv[1]) == 0 ? 0 : 1;
}
