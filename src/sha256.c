/* sha256.c - SHA-256 and HMAC-SHA-256 by Nettle (sha256.h). */
#include "sha256.h"

#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

_Static_assert(sizeof(struct hmac_sha256_ctx) <= sizeof(((struct nl_hmac_sha256_key *)0)->state),
               "nl_hmac_sha256_key has no room for Nettle's keyed state");

void nl_sha256(const void *data, size_t len, unsigned char out[NL_SHA256_LEN])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, NL_SHA256_LEN, out);
}

void nl_hmac_sha256_key_set(struct nl_hmac_sha256_key *k, const void *key, size_t key_len)
{
	memset(k, 0, sizeof *k);
	hmac_sha256_set_key((struct hmac_sha256_ctx *)(void *)k->state, key_len, key);
}

void nl_hmac_sha256_keyed(const struct nl_hmac_sha256_key *k, const void *msg, size_t msg_len,
                          unsigned char out[NL_SHA256_LEN])
{
	/* the digest resets the state to the keyed one: work on a copy so `k` stays const */
	struct hmac_sha256_ctx c;
	memcpy(&c, k->state, sizeof c);
	hmac_sha256_update(&c, msg_len, msg);
	hmac_sha256_digest(&c, NL_SHA256_LEN, out);
}

void nl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[NL_SHA256_LEN])
{
	struct hmac_sha256_ctx c;
	hmac_sha256_set_key(&c, key_len, key);
	hmac_sha256_update(&c, msg_len, msg);
	hmac_sha256_digest(&c, NL_SHA256_LEN, out);
}

void nl_hex(const unsigned char *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}
