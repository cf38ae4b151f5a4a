/* sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), from Nettle.
 *
 * Used for delivery tokens (an HMAC of campaign and address) and for the content hash that
 * deduplicates inbound messages.  Nettle is GnuTLS's own crypto library, already loaded with it,
 * and uses the CPU's SHA instructions where there are any; it stays behind this header.
 */
#ifndef NL_SHA256_H
#define NL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NL_SHA256_LEN 32

void nl_sha256(const void *data, size_t len, unsigned char out[NL_SHA256_LEN]);
void nl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[NL_SHA256_LEN]);

/* An HMAC key with its two padded blocks absorbed once, for many messages under one key (a
 * campaign makes one token per subscriber).  Opaque: the room for Nettle's keyed state. */
struct nl_hmac_sha256_key {
	_Alignas(16) unsigned char state[512];
};
void nl_hmac_sha256_key_set(struct nl_hmac_sha256_key *k, const void *key, size_t key_len);
void nl_hmac_sha256_keyed(const struct nl_hmac_sha256_key *k, const void *msg, size_t msg_len,
                          unsigned char out[NL_SHA256_LEN]);

/* Lower-case hex of `len` bytes into out (2*len+1 bytes). */
void nl_hex(const unsigned char *bytes, size_t len, char *out);

#endif
