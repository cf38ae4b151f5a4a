/* sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104).
 *
 * Used for delivery tokens (an HMAC of campaign and address) and for the content hash that
 * deduplicates inbound messages.  Small enough to keep rather than pull in a crypto library.
 */
#ifndef NL_SHA256_H
#define NL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NL_SHA256_LEN 32

struct nl_sha256 {
	uint32_t state[8];
	uint64_t total;
	unsigned char block[64];
	size_t used;
};

void nl_sha256_init(struct nl_sha256 *c);
void nl_sha256_update(struct nl_sha256 *c, const void *data, size_t len);
void nl_sha256_final(struct nl_sha256 *c, unsigned char out[NL_SHA256_LEN]);
void nl_sha256(const void *data, size_t len, unsigned char out[NL_SHA256_LEN]);
void nl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[NL_SHA256_LEN]);
/* Lower-case hex of `len` bytes into out (2*len+1 bytes). */
void nl_hex(const unsigned char *bytes, size_t len, char *out);

#endif
