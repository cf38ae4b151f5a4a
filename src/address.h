/* address.h - checking and splitting email addresses with libetpan's RFC 5322 parser.
 *
 * libetpan stays behind address.c: callers see only C strings.  Handles untrusted input.
 */
#ifndef NL_ADDRESS_H
#define NL_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define NL_ADDRESS_MAX 254 /* RFC 5321 §4.5.3.1.3: a path holds at most 256 octets with its brackets */

/* Checks that `addr` is exactly one RFC 5322 addr-spec (local@domain, no display name, comment or
 * brackets) that can be sent to: ASCII only (no SMTPUTF8), at most NL_ADDRESS_MAX octets, a local
 * part of at most 64, a domain that is a dot-atom of at least two labels.  Returns true if so;
 * otherwise false with *reason (may be NULL) set to a constant English phrase ("no @", …). */
bool nl_address_valid(const char *addr, const char **reason);

/* Splits a mailbox ("Career Notes <news@example.test>", "\"Doe, Jane\" <j@x.test>" or a bare
 * "news@example.test") into the display name (unquoted, without RFC 2047 decoding; "" if none) and
 * the addr-spec, which must pass nl_address_valid.  *name and *addr are new strings the caller frees
 * (both NULL on failure).  Returns NL_OK or NL_ERR_CONFIG with the value and reason in the detail
 * (used for the configuration's from and reply_to). */
NL_MUST_USE enum nl_code nl_address_parse_mailbox(const char *mailbox, char **name, char **addr, struct nl_error *err);

/* The domain of an addr-spec: the part after the last '@' (a pointer into addr), or "" if none. */
const char *nl_address_domain(const char *addr);

#endif
