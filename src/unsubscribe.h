/* unsubscribe.h - a request to leave the list written in the reader's own words, in the twelve
 * languages we read ("Please take me off this list", "no more emails please", "désabonnez-moi",
 * "bitte abmelden", "darme de baja", …): a request, not a mention ("I almost unsubscribed, but this
 * issue was great" is not one).  Missing one is a legal problem for the publisher; taking a mention
 * for one loses a reader: both are tested.
 *
 * Handles untrusted input; linear in its length.
 */
#ifndef NL_UNSUBSCRIBE_H
#define NL_UNSUBSCRIBE_H

#include <stdbool.h>
#include <stddef.h>

/* True when the person's own text (UTF-8, quotes and signature already removed) asks to be
 * unsubscribed; *sentence (may be NULL) then gets the sentence that asks, a new string the caller
 * frees. */
bool nl_unsubscribe_request(const char *text, size_t len, char **sentence);

#endif
