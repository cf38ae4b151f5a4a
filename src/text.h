/* text.h - Unicode text for reading replies: folding for comparison, words by Unicode category,
 * sentences, and stems.  The one module that includes utf8proc.h and libstemmer.h.
 *
 * Everything here takes untrusted UTF-8 (invalid bytes are read as U+FFFD) and runs in time linear
 * in its input.
 */
#ifndef NL_TEXT_H
#define NL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Text folded for comparison: NFKC, full Unicode case folding, combining marks removed (so
 * "CARRIÈRE", "carrière" and "carrie\u0300re" all fold to "carriere"), typographic quotes,
 * apostrophes, dashes and the ellipsis mapped to their ASCII forms (' " - ...), every kind of space
 * to ' '.  Returns a new NUL-terminated string the caller frees; *out_len (may be NULL) gets its
 * length. */
char *nl_text_fold(const char *s, size_t len, size_t *out_len);

/* What a character is, by its Unicode general category. */
enum nl_char_class {
	NL_CHAR_SPACE = 0,  /* Z*, controls */
	NL_CHAR_LETTER = 1, /* L* and M* outside the scripts below */
	NL_CHAR_DIGIT = 2,  /* Nd */
	NL_CHAR_IDEO = 3,   /* Han, Hiragana, Katakana, Hangul: scripts written without spaces */
	NL_CHAR_PUNCT = 4,  /* P* */
	NL_CHAR_SYMBOL = 5, /* S*, emoji, other numbers */
};

/* Decodes the character at s[0..len) (len > 0): returns its length in bytes (1 for an invalid
 * byte), *cp its code point (0xFFFD when invalid), *cls its class. */
size_t nl_text_char(const char *s, size_t len, int32_t *cp, enum nl_char_class *cls);

/* A word of folded text: a run of letters and digits, with an apostrophe or hyphen inside it kept
 * ("don't", "e-mail"); each IDEO character is a word of its own (Japanese has no spaces; matching
 * a phrase of such words is matching the substring).  '/' is a word of its own (for "4/5"), and
 * so is each pictograph ("👍"; skin-tone modifiers are dropped). */
struct nl_text_word {
	size_t off, len;        /* in the folded text */
	enum nl_char_class cls; /* LETTER (letters, maybe with digits), DIGIT (digits only), IDEO,
	                         * SYMBOL (a pictograph), or PUNCT for '/' */
};

struct nl_text_words {
	char *folded; /* owned; nl_text_fold of the input */
	size_t folded_len;
	struct nl_text_word *w; /* owned */
	size_t n;
};

/* Folds s and splits it into words, at most `max` of them (0 = no bound).  Free with
 * nl_text_words_free. */
void nl_text_words(const char *s, size_t len, size_t max, struct nl_text_words *out);
void nl_text_words_free(struct nl_text_words *words);

/* The next sentence of s starting at *pos (skipping leading space): ends after '.', '!', '?', '。',
 * '！', '？', ';' followed by space or end (not after a digit followed by a digit, "4.5"), or at a
 * blank line.  Returns false at the end; else *start and *len give the sentence (trimmed) in s and
 * *pos moves past it. */
bool nl_text_sentence(const char *s, size_t len, size_t *pos, size_t *start, size_t *slen);

/* The Snowball stem of a folded word for a language ("en", "fr", "de", "es", "pt", "it", "nl",
 * "ru", "tr", …; Snowball has no Polish, Ukrainian or Japanese: those get the word back).  Writes
 * at most cap-1 bytes and a NUL into out; returns the stem's length. */
size_t nl_text_stem(const char *lang, const char *word, size_t len, char *out, size_t cap);

/* The number of characters two folded words start with in common. */
size_t nl_text_common_prefix(const char *a, size_t alen, const char *b, size_t blen);

/* True when a and b (folded words) share a stem in any of the supported languages, one is a
 * prefix of the other of at least 5 characters ("consultation" / "consult"), or they start with
 * the same 6 characters ("satisfied" / "satisfaction"). */
bool nl_text_same_stem(const char *a, size_t alen, const char *b, size_t blen);

#endif
