/* answers_impl.h - what the answer readers share inside the answers module (answers.c: the forms
 * written the way the email asks; prose.c: answers in order and prose).  Not a public header. */
#ifndef NL_ANSWERS_IMPL_H
#define NL_ANSWERS_IMPL_H

#include "answers.h"
#include "buf.h"

/* have[q]: no answer yet, one read from the original's lines (weak), one the person wrote.  A later
 * answer of the same strength wins; a weak one never overrides what the person wrote. */
enum { ANSWER_NONE = 0, ANSWER_WEAK = 1, ANSWER_OWN = 2 };

/* The answers being read: one slot per question. */
struct answer_state {
	const struct nl_survey *survey;
	struct nl_answer *slots; /* survey->n_questions entries */
	unsigned char *have;     /* ANSWER_* per question */
	unsigned long puts;      /* answers put so far */
};

/* Reads `s` as a clean answer to `q` (answers.c); false if it cannot be read without guessing.
 * *value is a new string on success. */
bool nl_answers_value(const struct nl_question *q, const char *s, size_t len, char **value);
/* True for a line of the original's survey block (instructions, option lists, the scale legend)
 * or an example ("e.g. career"). */
bool nl_answers_furniture(const struct nl_survey *s, struct nl_span t);

/* True for a line that asks one of the survey's questions (the original pasted without ">"). */
bool nl_answers_question_line(const struct nl_survey *s, struct nl_span t);

/* The prose stage (prose.c): reads the own lines that no form used (`used`) into the questions
 * still unanswered in `st`, and fills out->contact and out->unread_words.  `st->survey` may have no
 * questions. */
void nl_prose_read(struct answer_state *st, const struct nl_reply_line *lines, size_t n_lines,
                   const bool *used, struct nl_answers *out);

#endif
