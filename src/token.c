/* token.c - delivery tokens (doc/DESIGN.md §4): HMAC-SHA-256 (RFC 2104) of campaign and address,
 * 80 bits in lower-case base32 (the RFC 4648 alphabet, lower-cased), and finding them again in
 * plus-addresses and Message-IDs.
 */
#include "token.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sha256.h"
#include "util.h"

static const char token_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* HMAC-SHA-256 (RFC 2104) with the key's two padded blocks absorbed once per secret and kept per
 * thread: a campaign makes one token per subscriber under the same secret, and this halves the
 * compression rounds.  Gives exactly what nl_hmac_sha256() gives (test_token checks). */
static _Thread_local struct {
	bool valid;
	unsigned char secret[NL_SECRET_LEN];
	struct nl_hmac_sha256_key key;
} token_key;

static void token_hmac(const unsigned char secret[NL_SECRET_LEN], const void *msg, size_t len,
                       unsigned char out[NL_SHA256_LEN])
{
	if (!token_key.valid || memcmp(token_key.secret, secret, NL_SECRET_LEN) != 0) {
		nl_hmac_sha256_key_set(&token_key.key, secret, NL_SECRET_LEN);
		memcpy(token_key.secret, secret, NL_SECRET_LEN);
		token_key.valid = true;
	}
	nl_hmac_sha256_keyed(&token_key.key, msg, len, out);
}

void nl_token_make(const unsigned char secret[NL_SECRET_LEN], const char *campaign, const char *email,
                   char out[NL_TOKEN_LEN + 1])
{
	/* message: campaign "\n" lower-case address; built on the stack for the usual sizes */
	char small[512];
	size_t cl = strlen(campaign), el = strlen(email), n = cl + 1 + el;
	char *msg = n <= sizeof small ? small : nl_xmalloc(n);
	memcpy(msg, campaign, cl);
	msg[cl] = '\n';
	for (size_t i = 0; i < el; i++) {
		char c = email[i];
		msg[cl + 1 + i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	unsigned char mac[NL_SHA256_LEN];
	token_hmac(secret, msg, n, mac);
	if (msg != small)
		free(msg);
	/* 80 bits = 16 groups of 5 bits, most significant first */
	for (int i = 0; i < NL_TOKEN_LEN; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)mac[byte] << 8 | mac[byte + 1]) >> (11 - shift);
		out[i] = token_alphabet[v & 31];
	}
	out[NL_TOKEN_LEN] = '\0';
}

bool nl_token_shape(const char *s, size_t len)
{
	if (len != NL_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32); /* some systems upper-case local parts */
		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
			return false;
	}
	return true;
}

bool nl_token_check(const unsigned char secret[NL_SECRET_LEN], const char *campaign, const char *email,
                    const char *token, size_t token_len)
{
	if (!nl_token_shape(token, token_len))
		return false;
	char want[NL_TOKEN_LEN + 1];
	nl_token_make(secret, campaign, email, want);
	unsigned diff = 0; /* constant time: no early exit on the first difference */
	for (size_t i = 0; i < NL_TOKEN_LEN; i++) {
		char c = token[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		diff |= (unsigned char)(c ^ want[i]);
	}
	return diff == 0;
}

char *nl_token_plus_address(const char *base_address, const char *token)
{
	const char *at = strrchr(base_address, '@');
	if (!at)
		return nl_xasprintf("%s+%s", base_address, token);
	/* a base that already has a +detail keeps it: the token goes after the last '+' */
	return nl_xasprintf("%.*s+%s%s", (int)(at - base_address), base_address, token, at);
}

bool nl_token_from_plus_address(const char *address, char out[NL_TOKEN_LEN + 1])
{
	const char *at = strrchr(address, '@');
	size_t local = at ? (size_t)(at - address) : strlen(address);
	/* the token is the last NL_TOKEN_LEN characters of the local part, after a '+' */
	if (local < NL_TOKEN_LEN + 1 || address[local - NL_TOKEN_LEN - 1] != '+')
		return false;
	const char *t = address + local - NL_TOKEN_LEN;
	if (!nl_token_shape(t, NL_TOKEN_LEN))
		return false;
	for (size_t i = 0; i < NL_TOKEN_LEN; i++) {
		char c = t[i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	out[NL_TOKEN_LEN] = '\0';
	return true;
}

bool nl_token_from_message_id(const char *message_id, char out[NL_TOKEN_LEN + 1])
{
	const char *p = message_id;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '<')
		p++;
	if (strlen(p) < NL_TOKEN_LEN + 1 || p[NL_TOKEN_LEN] != '.' || !nl_token_shape(p, NL_TOKEN_LEN))
		return false;
	for (size_t i = 0; i < NL_TOKEN_LEN; i++) {
		char c = p[i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	out[NL_TOKEN_LEN] = '\0';
	return true;
}
