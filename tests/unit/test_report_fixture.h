/* test_report_fixture.h - the fixed state the report tests tally: two campaigns written through
 * the store API, with names in accents, CJK and emoji, and hostile answers (script and img
 * injection, commas, quotes, newlines, a terminal escape, a spreadsheet formula).
 *
 * The hand-computed figures of the latest campaign (career-2026-11) are in the constants below
 * and in the comment of test_report_fixture.c; the tests compare the tally with them.
 */
#ifndef TEST_REPORT_FIXTURE_H
#define TEST_REPORT_FIXTURE_H

#include <time.h>

/* Writes the fixture into a new state file at `path` (which must not exist).  Returns 0, or -1
 * after printing the store's error. */
int report_fixture_build(const char *path);

/* The time the reports are generated at (pin the clock to it for golden output). */
#define REPORT_FIXTURE_NOW ((time_t)1796634000) /* 2026-12-07T09:00:00Z */

#endif
