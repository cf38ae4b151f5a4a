/* token.h - delivery tokens (doc/DESIGN.md §4).
 *
 * A token is HMAC-SHA-256(secret, campaign "\n" lower-case address), truncated to 80 bits and
 * written as 16 characters of lower-case base32 (a-z, 2-7), so it survives case-folding mail
 * systems in the local part of the Reply-To plus-address, in the Message-ID and in mailto links.
 */
#ifndef NL_TOKEN_H
#define NL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define NL_TOKEN_LEN 16
#define NL_SECRET_LEN 32

/* Writes the token for (campaign, email) into out[NL_TOKEN_LEN + 1]. The address is compared
 * case-insensitively, so it is lower-cased first. */
void nl_token_make(const unsigned char secret[NL_SECRET_LEN], const char *campaign, const char *email,
                   char out[NL_TOKEN_LEN + 1]);
/* Constant-time check of a token found in a reply against (campaign, email). */
bool nl_token_check(const unsigned char secret[NL_SECRET_LEN], const char *campaign, const char *email,
                    const char *token, size_t token_len);
/* True if `s` (len bytes) has the shape of a token. */
bool nl_token_shape(const char *s, size_t len);

/* "replies+TOKEN@example.test" from base "replies@example.test"; the caller frees. */
char *nl_token_plus_address(const char *base_address, const char *token);
/* Finds the token in a plus-address ("replies+TOKEN@…"); false if there is none.
 * out gets NL_TOKEN_LEN + 1 bytes. */
bool nl_token_from_plus_address(const char *address, char out[NL_TOKEN_LEN + 1]);
/* Finds the token in a Message-ID of ours ("<TOKEN.campaign@host>", brackets optional). */
bool nl_token_from_message_id(const char *message_id, char out[NL_TOKEN_LEN + 1]);

#endif
