/* address.c - email addresses checked with libetpan's RFC 5322 parser (mailimf).
 *
 * RFC 5322 §3.4 (mailbox, addr-spec) decides the syntax; libetpan's mailimf_mailbox_parse does the
 * parsing.  Because mailimf is lenient (it takes comments, folding and a missing domain), the result
 * is held to more: the parse must consume the whole string and give back the same addr-spec, and the
 * domain must be a host name of two or more labels (RFC 5321 §4.1.2), since we send to it.
 */
#include "address.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

const char *nl_address_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

/* RFC 5321 §4.1.2 Domain: sub-domains of letters, digits and hyphens, none at either end. */
static bool address_domain_ok(const char *d, const char **reason)
{
	size_t labels = 0, len = 0;
	char prev = '.';
	for (const char *p = d;; p++) {
		char c = *p;
		if (c == '.' || c == '\0') {
			if (len == 0) {
				*reason = "empty label in the domain";
				return false;
			}
			if (prev == '-' || len > 63) {
				*reason = "bad label in the domain";
				return false;
			}
			labels++;
			len = 0;
			if (c == '\0')
				break;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		           (c == '-' && len > 0)) {
			len++;
		} else {
			*reason = "invalid character in the domain";
			return false;
		}
		prev = c;
	}
	if (labels < 2) {
		*reason = "the domain has no dot";
		return false;
	}
	return true;
}

/* RFC 5322 §3.4.1: the local part is a dot-atom (or a quoted-string, left to libetpan). */
static bool address_local_ok(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"')
		return true;
	if (p[0] == '.' || p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '.' ? p[i + 1] == '.'
		             : !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		                 strchr("!#$%&'*+-/=?^_`{|}~", c)))
			return false;
	}
	return true;
}

bool nl_address_valid(const char *addr, const char **reason)
{
	const char *why = NULL;
	struct mailimf_mailbox *mb = NULL;
	size_t len = addr ? strlen(addr) : 0;
	if (len == 0) {
		why = "empty address";
		goto out;
	}
	if (len > NL_ADDRESS_MAX) {
		why = "address longer than 254 characters";
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c <= ' ' || c >= 0x7f) {
			why = c >= 0x80 ? "non-ASCII characters in the address"
			                : "space or control character in the address";
			goto out;
		}
	}
	const char *at = strrchr(addr, '@');
	if (!at) {
		why = "no @ in the address";
		goto out;
	}
	if (at == addr) {
		why = "empty local part";
		goto out;
	}
	if (at - addr > 64) {
		why = "local part longer than 64 characters";
		goto out;
	}
	if (!address_local_ok(addr, (size_t)(at - addr))) {
		why = "invalid local part";
		goto out;
	}
	size_t idx = 0;
	if (mailimf_mailbox_parse(addr, len, &idx, &mb) != MAILIMF_NO_ERROR || idx != len || !mb ||
	    mb->mb_display_name || strcmp(mb->mb_addr_spec, addr) != 0) {
		why = "not an RFC 5322 address";
		goto out;
	}
	if (!address_domain_ok(at + 1, &why))
		goto out;
out:
	if (mb)
		mailimf_mailbox_free(mb);
	if (reason)
		*reason = why;
	return why == NULL;
}

enum nl_code nl_address_parse_mailbox(const char *mailbox, char **name, char **addr, struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	struct mailimf_mailbox *mb = NULL;
	const char *why = NULL;
	size_t len = strlen(mailbox), idx = 0;
	*name = NULL;
	*addr = NULL;
	for (size_t i = 0; i < len; i++)
		if (mailbox[i] == '\r' || mailbox[i] == '\n') {
			rc = nl_fail(err, NL_ERR_CONFIG, "'%s': line break in an address", mailbox);
			goto out;
		}
	if (mailimf_mailbox_parse(mailbox, len, &idx, &mb) != MAILIMF_NO_ERROR || !mb) {
		rc = nl_fail(err, NL_ERR_CONFIG, "'%s': not an RFC 5322 mailbox", mailbox);
		goto out;
	}
	while (idx < len && (mailbox[idx] == ' ' || mailbox[idx] == '\t'))
		idx++;
	if (idx != len) {
		rc = nl_fail(err, NL_ERR_CONFIG, "'%s': unexpected text after the address", mailbox);
		goto out;
	}
	if (!nl_address_valid(mb->mb_addr_spec, &why)) {
		rc = nl_fail(err, NL_ERR_CONFIG, "'%s': %s", mailbox, why);
		goto out;
	}
	*name = nl_xstrdup(mb->mb_display_name ? mb->mb_display_name : "");
	*addr = nl_xstrdup(mb->mb_addr_spec);
out:
	if (mb)
		mailimf_mailbox_free(mb);
	return rc;
}
