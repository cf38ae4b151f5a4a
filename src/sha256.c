/* sha256.c - SHA-256 per FIPS 180-4 §6.2, HMAC per RFC 2104. */
#include "sha256.h"

#include <string.h>

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha256_rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct nl_sha256 *c, const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = sha256_rotr(w[i - 15], 7) ^ sha256_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = sha256_rotr(w[i - 2], 17) ^ sha256_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = c->state[0], b = c->state[1], cc = c->state[2], d = c->state[3];
	uint32_t e = c->state[4], f = c->state[5], g = c->state[6], h = c->state[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^ sha256_rotr(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + s1 + ch + sha256_k[i] + w[i];
		uint32_t s0 = sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^ sha256_rotr(a, 22);
		uint32_t maj = (a & b) ^ (a & cc) ^ (b & cc);
		uint32_t t2 = s0 + maj;
		h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->state[0] += a, c->state[1] += b, c->state[2] += cc, c->state[3] += d;
	c->state[4] += e, c->state[5] += f, c->state[6] += g, c->state[7] += h;
}

void nl_sha256_init(struct nl_sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->state, h0, sizeof h0);
	c->total = 0;
	c->used = 0;
}

void nl_sha256_update(struct nl_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->total += len;
	while (len) {
		size_t n = 64 - c->used < len ? 64 - c->used : len;
		memcpy(c->block + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used == 64) {
			sha256_block(c, c->block);
			c->used = 0;
		}
	}
}

void nl_sha256_final(struct nl_sha256 *c, unsigned char out[NL_SHA256_LEN])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80;
	nl_sha256_update(c, &pad, 1);
	pad = 0;
	while (c->used != 56)
		nl_sha256_update(c, &pad, 1);
	unsigned char len_be[8];
	for (int i = 0; i < 8; i++)
		len_be[i] = (unsigned char)(bits >> (56 - 8 * i));
	nl_sha256_update(c, len_be, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->state[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->state[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->state[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->state[i];
	}
}

void nl_sha256(const void *data, size_t len, unsigned char out[NL_SHA256_LEN])
{
	struct nl_sha256 c;
	nl_sha256_init(&c);
	nl_sha256_update(&c, data, len);
	nl_sha256_final(&c, out);
}

void nl_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[NL_SHA256_LEN])
{
	unsigned char k[64] = {0}, pad[64], inner[NL_SHA256_LEN];
	if (key_len > 64)
		nl_sha256(key, key_len, k);
	else
		memcpy(k, key, key_len);
	struct nl_sha256 c;
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	nl_sha256_init(&c);
	nl_sha256_update(&c, pad, 64);
	nl_sha256_update(&c, msg, msg_len);
	nl_sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	nl_sha256_init(&c);
	nl_sha256_update(&c, pad, 64);
	nl_sha256_update(&c, inner, sizeof inner);
	nl_sha256_final(&c, out);
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
