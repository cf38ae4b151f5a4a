/* lexicon.h - the words replies use, in the twelve languages we read (English, French, German,
 * Spanish, Portuguese, Italian, Dutch, Polish, Russian, Ukrainian, Turkish, Japanese): yes and no,
 * negation, number words, hedges, and words for being contacted (unsubscribe requests in prose:
 * unsubscribe.h).
 *
 * Every function takes FOLDED text or words (text.h: nl_text_fold / nl_text_words), so matching is
 * case- and accent-insensitive.  Phrases match on word boundaries, except in the IDEO scripts,
 * where they match as substrings.
 */
#ifndef NL_LEXICON_H
#define NL_LEXICON_H

#include <stdbool.h>
#include <stddef.h>

#include "text.h"

enum nl_lex_kind {
	NL_LEX_YES = 1, /* "yes", "oui", "ja", "sí", "sim", "tak", "да", "так", "evet", "はい", … */
	NL_LEX_NO,      /* "no", "non", "nein", "não", "nie", "нет", "ні", "hayır", "いいえ", … */
	NL_LEX_NEGATION, /* "not", "don't", "no need", "pas", "nicht", "kein", "не", "değil", … */
	NL_LEX_HEDGE,    /* "maybe", "perhaps", "depends", "not sure", "peut-être", "vielleicht" */
	NL_LEX_LATER,    /* "later", "not now", "not right now", "next year", "plus tard" */
	NL_LEX_CONTACT,  /* a call, a chat, to talk, a meeting, a consultation, "appel",
	                  * "Gespräch", "llamada", "chamada", "gesprek", "rozmowa", "звонок",
	                  * "görüşme", "電話", … */
	NL_LEX_WANT,     /* "I'd like", "I would love", "please", "je voudrais", "ich möchte",
	                  * "me gustaría", "хочу", "istiyorum", "お願い", … */
	NL_LEX_THANKS,   /* greetings, thanks and sign-offs: not words a person must read */
	NL_LEX_UNIT,     /* units and counts after a number: "years", "kids", "hours", "%" */
};

/* The number a folded number word stands for ("one".."ten", "un", "eins", "uno", "um", "jeden",
 * "один", "bir", "一", …), or -1. */
int nl_lexicon_number(const char *word, size_t len);

/* True when the words[at..] start a phrase of `kind`; *n_words gets its length in words. */
bool nl_lexicon_match(enum nl_lex_kind kind, const struct nl_text_words *words, size_t at, size_t *n_words);

/* True when the folded text has a phrase of `kind` anywhere (words split as nl_text_words). */
bool nl_lexicon_has(enum nl_lex_kind kind, const char *folded, size_t len);

/* True when a question's text (raw UTF-8) is about being contacted (a call, a consultation, a
 * chat, a meeting): the default for a yes/no question's follow_up. */
bool nl_lexicon_contact_question(const char *text);

/* True when the leading word is an article that does not count when comparing an option ("a", "an",
 * "the", "le", "la", "un", "une", "der", "die", "das", "ein", "el", "los", "o", "um", "il", "de",
 * "het", "een", …). */
bool nl_lexicon_article(const char *word, size_t len);

#endif
