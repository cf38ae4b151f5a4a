/* report_fixture.h - the fixed state the report tests tally: two campaigns written through
 * the store API, with names in accents, CJK and emoji, and hostile answers (script and img
 * injection, commas, quotes, newlines, a terminal escape, a spreadsheet formula).
 *
 * The hand-computed figures of the latest campaign (career-2026-11) are in the constants below
 * and in the comment of report_fixture.c; the tests compare the tally with them.
 */
#ifndef NL_REPORT_FIXTURE_H
#define NL_REPORT_FIXTURE_H

#include <time.h>

/* Writes the fixture into a new state file at `path` (which must not exist).  Returns 0, or -1
 * after printing the store's error. */
int report_fixture_build(const char *path);

/* Writes the replies fixture (issue 12) into a new state file: one campaign, replies-2026-12, whose
 * survey is stored with it (nl_campaign_record) and has two yes/no questions: `changing` ("Are you
 * thinking about changing jobs?", not a follow-up question) and `consult` (follow_up: true).  Ten
 * replies, collected one minute apart, in this order:
 *   kim    prose: work job (sure), satisfaction 2 (likely), consult yes (sure); a contact sentence
 *   lee    no answer; "I would really like a call": contact, and words not read
 *   max    matched by From only: work job, changing yes, consult no (all sure, numbered)
 *   nia    consult no (sure) and a contact sentence: not in FOLLOW UP (a sure no)
 *   oli    satisfaction 4, consult unreadable ("maybe later") ...
 *   pat    work career; satisfaction unreadable, later settled by hand as 3
 *   quinn  hostile words, name and contact sentence (script, quotes, &); words not read
 *   rae    "thanks!"
 *   oli    ... then "Actually yes, call me.": consult yes overrides the unreadable one
 *   sam    no own words kept (a reply collected before they were), no answers
 * Returns 0, or -1 after printing the error. */
int report_fixture_build_replies(const char *path);

/* cmocka setup and teardown around the replies fixture: a state in a new temporary directory,
 * tallied with the clock pinned to REPORT_FIXTURE_NOW; *state is a report_replies_fixture. */
struct nl_tally;
struct report_replies_fixture {
	char dir[64];
	struct nl_tally *t;
};
int report_replies_setup(void **state);
int report_replies_teardown(void **state);

/* The time the reports are generated at (pin the clock to it for golden output). */
#define REPORT_FIXTURE_NOW ((time_t)1796634000) /* 2026-12-07T09:00:00Z */

#endif
