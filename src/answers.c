/* answers.c - reading survey answers out of the lines of a reply (doc/DESIGN.md §3–§4, issue 4).
 *
 * Input is untrusted text already split by reply.c into the person's own lines and quoted lines.
 * Only the person's lines carry answers; quoted lines only tell which question an inline answer
 * belongs to (a quoted "1. Is your work…" followed by an unquoted "career").  Forms understood:
 *   by number    "1 career", "1: career", "1) Career", "1. career", "Q1 - career", "#1 career",
 *                "(1) career", "- 1 career", "Q 1 career", "Question #1: career", and several on one
 *                line: "1 career, 2 4, 3 yes", or without commas "1 career 2 4 3 yes" when every
 *                answer then reads cleanly;
 *   by id        "work: career", "work = career";
 *   inline       the first unquoted paragraph after a quoted question line, or a quoted line under
 *                a question that reads cleanly as its answer (typed into an unprefixed original).
 *                The question line may carry more after the question: its number makes it the
 *                question whatever follows, else only a bracketed hint or the options may follow
 *                ("> Is your work…? (job / career / not sure)"); in an original pasted without
 *                ">", an answer typed after the question on its line counts when it reads cleanly.
 *   unnumbered   a short own line naming one option of one choice question and nothing else of
 *                substance ("Definitely a career!"), when the reply does not answer that question
 *                otherwise; never for scale or yes/no questions (answer_guess_choice).
 * Values: choice = an option's words inside a short sentence, or alone an unambiguous prefix of
 * a one-word option ("car"); scale = digits (keycap digits too), "4/5", "4 of 5", "4 out of 5",
 * number words one..ten; yes/no = a fixed vocabulary (answer_yesno); text = the words as written,
 * trimmed (a text answer by number or id that the client hard-wrapped runs on over its wrapped
 * lines, answer_wrap_end).  Anything ambiguous, negated or out of range is NL_ANSWER_UNREADABLE
 * with the raw line: never guessed.
 *
 * Everything is linear in the input; lines longer than ANSWER_LINE_MAX are not answers.
 */
#include "answers_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lexicon.h"
#include "text.h"
#include "util.h"

#define ANSWER_LINE_MAX 2000
#define ANSWER_MAX_WORDS 64
#define ANSWER_SHORT_WORDS 12 /* a choice/scale/yes-no answer is a short sentence */

/* ---- words ---- */

struct answer_words {
	char buf[ANSWER_LINE_MAX + ANSWER_MAX_WORDS];
	const char *w[ANSWER_MAX_WORDS];
	size_t n;
	bool truncated;
};

/* A byte that may be part of a word, for the byte-wise question-text comparison below. */
static bool answer_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' ||
	       c >= 0x80;
}

#define ANSWER_WRAP_WIDTH 60 /* a quoted line this long may have been wrapped by the client */

/* True when a quoted line looks cut by the client's wrapping, so the next quoted line is its end:
 * it ends inside a list of options ("yes /", "job, career,", "… or"), or, for the client's ">" copy
 * (`marked`), it is long.  (An unmarked line under a long ">" line may be the person's, typed there:
 * reply.c takes such a line for a broken wrap and marks it quoted.) */
static bool answer_wrapped(struct nl_span prev, bool marked)
{
	if (prev.len == 0)
		return false;
	if (marked && prev.len >= ANSWER_WRAP_WIDTH)
		return true;
	char c = prev.ptr[prev.len - 1];
	if (c == '/' || c == ',' || c == '|' || c == '-' || c == ';')
		return true;
	return prev.len >= 3 && nl_ascii_ncasecmp(prev.ptr + prev.len - 3, " or", 3) == 0;
}

/* Splits into folded words (text.h: Unicode case folding, accents and typography ignored, words by
 * Unicode category); '/' and pictographs are words of their own (for "4/5" and "👍"). */
static void answer_split(const char *s, size_t len, struct answer_words *out)
{
	out->n = 0;
	out->truncated = false;
	if (len > ANSWER_LINE_MAX)
		len = ANSWER_LINE_MAX;
	struct nl_text_words tw;
	nl_text_words(s, len, ANSWER_MAX_WORDS + 1, &tw);
	size_t b = 0;
	for (size_t k = 0; k < tw.n; k++) {
		const struct nl_text_word *w = &tw.w[k];
		if (out->n == ANSWER_MAX_WORDS || b + w->len + 1 > sizeof out->buf) {
			out->truncated = true;
			break;
		}
		const char *p = tw.folded + w->off;
		size_t wl = w->len;
		while (wl > 0 && p[wl - 1] == '\'') /* "l'" of "l'appel": the elided article is "l" */
			wl--;
		if (wl == 0)
			continue;
		out->w[out->n++] = &out->buf[b];
		memcpy(&out->buf[b], p, wl);
		out->buf[b + wl] = 0;
		b += wl + 1;
	}
	nl_text_words_free(&tw);
}

static bool answer_words_match(const struct answer_words *ws, size_t at, const struct answer_words *phrase)
{
	if (phrase->n == 0 || at + phrase->n > ws->n)
		return false;
	for (size_t k = 0; k < phrase->n; k++)
		if (strcmp(ws->w[at + k], phrase->w[k]) != 0)
			return false;
	return true;
}

static bool answer_is_negation(const char *w)
{
	static const char *const neg[] = {"not",     "no",       "never",   "isn't",  "isnt",    "nor",
	                                  "neither", "hardly",   "don't",   "dont",   "without", "wouldn't",
	                                  "wouldnt", "couldn't", "couldnt", "can't",  "cant",    "cannot",
	                                  "won't",   "wont",     "doesn't", "doesnt", "aren't",  "arent",
	                                  "wasn't",  "wasnt",    "ain't",   "barely", NULL};
	for (size_t i = 0; neg[i]; i++)
		if (strcmp(w, neg[i]) == 0)
			return true;
	return false;
}

/* A negation word at ws->w[i] that denies something, not the doubt: "no doubt", "without a doubt",
 * "no question". */
static bool answer_negates(const struct answer_words *ws, size_t i)
{
	if (!answer_is_negation(ws->w[i]))
		return false;
	size_t j = i + 1;
	if (j < ws->n && strcmp(ws->w[j], "a") == 0)
		j++;
	return !(j < ws->n && (strcmp(ws->w[j], "doubt") == 0 || strcmp(ws->w[j], "question") == 0));
}

/* ---- values by type ---- */

static bool answer_choice(const struct nl_question *q, const char *s, size_t len, char **value)
{
	struct answer_words ws;
	answer_split(s, len, &ws);
	if (ws.truncated || ws.n == 0 || ws.n > ANSWER_SHORT_WORDS)
		return false;
	bool *used = nl_xcalloc(ws.n, sizeof *used);
	long found = -1;
	bool ok = true;
	/* whole option phrases first, longest options first so "not sure" wins over "sure" */
	for (size_t pass = 0; pass < 2 && ok; pass++) {
		for (size_t o = 0; o < q->n_options && ok; o++) {
			struct answer_words ph;
			answer_split(q->options[o], strlen(q->options[o]), &ph);
			if ((pass == 0) != (ph.n > 1))
				continue;
			for (size_t at = 0; at < ws.n; at++) {
				if (!answer_words_match(&ws, at, &ph))
					continue;
				bool overlap = false;
				for (size_t k = 0; k < ph.n; k++)
					overlap |= used[at + k];
				if (overlap)
					continue;
				for (size_t k = 0; k < ph.n; k++)
					used[at + k] = true;
				/* "not a job", "not really a career", "I wouldn't call it a career": a
				 * negation in the four words before the option; never guess the opposite */
				bool negated = false;
				for (size_t k = 1; k <= 4 && k <= at && !used[at - k] && !negated; k++)
					negated = answer_negates(&ws, at - k);
				if (negated)
					ok = false;
				else if (found >= 0 && found != (long)o)
					ok = false; /* two different options */
				else
					found = (long)o;
			}
		}
	}
	/* an unambiguous prefix of a one-word option ("car" for career), when nothing matched whole and
	 * the answer is that one word: inside a sentence a prefix is a word of its own ("I care") */
	if (ok && found < 0 && ws.n == 1) {
		for (size_t at = 0; at < ws.n && ok; at++) {
			size_t wl = strlen(ws.w[at]);
			if (wl < 3)
				continue;
			for (size_t o = 0; o < q->n_options; o++) {
				const char *opt = q->options[o];
				if (strchr(opt, ' ') || strlen(opt) <= wl ||
				    nl_ascii_ncasecmp(opt, ws.w[at], wl) != 0)
					continue;
				if (found >= 0 && found != (long)o)
					ok = false;
				else
					found = (long)o;
			}
		}
	}
	free(used);
	if (!ok || found < 0)
		return false;
	*value = nl_xstrdup(q->options[found]);
	return true;
}

static int answer_number_word(const char *w)
{
	static const char *const words[] = {"zero", "one",   "two",   "three", "four", "five",
	                                    "six",  "seven", "eight", "nine",  "ten",  NULL};
	for (int i = 0; words[i]; i++)
		if (strcmp(w, words[i]) == 0)
			return i;
	size_t n = strlen(w);
	if (n == 0 || n > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v;
}

static bool answer_scale(const struct nl_question *q, const char *s, size_t len, char **value)
{
	struct answer_words ws;
	answer_split(s, len, &ws);
	if (ws.truncated || ws.n == 0 || ws.n > ANSWER_SHORT_WORDS)
		return false;
	int found = -1;
	for (size_t i = 0; i < ws.n; i++) {
		int v = answer_number_word(ws.w[i]);
		if (v < 0)
			continue;
		/* "4/5", "4 of 5" and "4 out of 5": the second number must be the scale's top */
		size_t at = i;
		if (i + 2 < ws.n &&
		    (strcmp(ws.w[i + 1], "/") == 0 ||
		     (strcmp(ws.w[i + 1], "of") == 0 && answer_number_word(ws.w[i + 2]) >= 0))) {
			if (answer_number_word(ws.w[i + 2]) != q->max)
				return false;
			i += 2;
		} else if (i + 3 < ws.n && strcmp(ws.w[i + 1], "out") == 0 &&
		           strcmp(ws.w[i + 2], "of") == 0) {
			if (answer_number_word(ws.w[i + 3]) != q->max)
				return false;
			i += 3;
		}
		/* "not a 5", "definitely not 1" */
		if ((at > 0 && answer_negates(&ws, at - 1)) || (at > 1 && answer_negates(&ws, at - 2)))
			return false;
		if (found >= 0 && found != v)
			return false; /* "3 or 4" */
		found = v;
	}
	if (found < q->min || found > q->max)
		return false;
	*value = nl_xasprintf("%d", found);
	return true;
}

static bool answer_yesno(const char *s, size_t len, char **value)
{
	static const char *const yes1[] = {"yes",       "yeah",   "yep",        "yup",
	                                   "sure",      "please", "absolutely", "definitely",
	                                   "certainly", "ok",     "okay",       "y",
	                                   "ja",        "oui",    "si",         "sí",
	                                   "yea",       "gladly", "indeed",     "\xF0\x9F\x91\x8D",
	                                   NULL}; /* U+1F44D thumbs up */
	static const char *const no1[] = {"no",   "nope", "nah",   "n",
	                                  "nein", "non",  "never", "\xF0\x9F\x91\x8E",
	                                  NULL}; /* U+1F44E thumbs down */
	static const char *const yes2[] = {"of course",    "why not",  "i would", "i'd love",
	                                   "would love",   "count me", "sign me", "sounds good",
	                                   "sounds great", NULL};
	static const char *const no2[] = {"not now",    "no thanks", "not really", "not interested",
	                                  "not yet",    "no thank",  "not today",  "maybe later",
	                                  "not for",    "not at",    "i'll pass",  "don't think",
	                                  "dont think", NULL};
	/* a yes word that only strengthens what follows: "absolutely not", "please don't", "of course
	 * not", "I would not" are a no */
	static const char *const strong[] = {"absolutely", "definitely", "certainly", "please", "gladly",
	                                     "indeed",     "of course",  "i would",   NULL};
	struct answer_words ws;
	answer_split(s, len, &ws);
	if (ws.truncated || ws.n == 0 || ws.n > ANSWER_SHORT_WORDS)
		return false;
	int yes = 0, no = 0;
	for (size_t i = 0; i < ws.n; i++) {
		const char *hit = NULL; /* the yes word or pair found at i */
		size_t next = i + 1;    /* the word after it */
		bool two = false;
		if (i + 1 < ws.n) {
			char pair[128];
			int m = snprintf(pair, sizeof pair, "%s %s", ws.w[i], ws.w[i + 1]);
			if (m > 0 && (size_t)m < sizeof pair) {
				for (size_t k = 0; no2[k]; k++)
					if (strcmp(pair, no2[k]) == 0) {
						no++;
						two = true;
					}
				for (size_t k = 0; yes2[k] && !two; k++)
					if (strcmp(pair, yes2[k]) == 0) {
						hit = yes2[k];
						two = true;
						next = i + 2;
					}
			}
		}
		if (two && !hit) {
			i++;
			continue;
		}
		if (!hit) {
			bool neg_before = i > 0 && answer_is_negation(ws.w[i - 1]);
			for (size_t k = 0; yes1[k] && !hit; k++) {
				if (strcmp(ws.w[i], yes1[k]) == 0) {
					if (neg_before)
						return false; /* "not sure": a maybe, not a yes */
					hit = yes1[k];
				}
			}
		}
		if (hit) {
			bool flip = false;
			for (size_t k = 0; strong[k] && !flip; k++)
				flip = strcmp(hit, strong[k]) == 0 && next < ws.n &&
				       (strcmp(ws.w[next], "not") == 0 || strcmp(ws.w[next], "don't") == 0 ||
				        strcmp(ws.w[next], "dont") == 0 || strcmp(ws.w[next], "no") == 0);
			if (flip) {
				no++;
				i = next; /* the negation is spent */
			} else {
				yes++;
				i = next - 1;
			}
			continue;
		}
		for (size_t k = 0; no1[k]; k++)
			if (strcmp(ws.w[i], no1[k]) == 0)
				no++;
	}
	if ((yes > 0) == (no > 0))
		return false;
	*value = nl_xstrdup(yes ? "yes" : "no");
	return true;
}

/* Reads `s` as an answer to question `q`; false if it cannot be read without guessing. */
static bool answer_value(const struct nl_question *q, const char *s, size_t len, char **value)
{
	struct nl_span t = nl_span_trim((struct nl_span){s, len});
	if (t.len == 0)
		return false;
	switch (q->type) {
	case NL_Q_CHOICE:
		return answer_choice(q, t.ptr, t.len, value);
	case NL_Q_SCALE:
		return answer_scale(q, t.ptr, t.len, value);
	case NL_Q_YESNO:
		return answer_yesno(t.ptr, t.len, value);
	case NL_Q_TEXT:
		*value = nl_xstrndup(t.ptr, t.len);
		return true;
	}
	return false;
}

/* ---- numbered and id forms ---- */

struct answer_seg {
	size_t q;      /* question index */
	const char *v; /* the value */
	size_t vlen;
};

#define ANSWER_MAX_SEGS 32

static bool answer_sep(char c)
{
	return c == ':' || c == ')' || c == '.' || c == '-' || c == '=' || c == ']';
}

/* Parses "[Q|#|Question ]N<sep> value" at p; on success *q is the index and *vstart the value. */
static bool answer_number_prefix(const struct nl_survey *s, const char *p, const char *end, size_t *q,
                                 const char **vstart)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '*' || *p == '['))
		p++;
	/* a list bullet: "- 1 career", "• 1 career" */
	if (end - p >= 2 && (*p == '-' || *p == '+') && p[1] == ' ')
		p += 2;
	else if (end - p >= 4 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
	         (unsigned char)p[2] == 0xA2 && p[3] == ' ')
		p += 4;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* "(1) career", but not "(1 = least, 5 = most)" */
	bool paren = p < end && *p == '(';
	if (paren)
		p++;
	/* "Question 1", "Question #1", "Q1", "Q 1", "Q.1", "Q#1", "#1" */
	if (end - p >= 8 && nl_ascii_ncasecmp(p, "question", 8) == 0 && end - p > 8 &&
	    (p[8] == ' ' || p[8] == '#')) {
		p += 8;
		while (p < end && (*p == ' ' || *p == '#'))
			p++;
	} else if (p < end && (*p == 'q' || *p == 'Q')) {
		p++;
		if (p + 1 < end && (*p == '.' || *p == ' ' || *p == '#') && p[1] >= '0' && p[1] <= '9')
			p++;
	} else if (p < end && *p == '#') {
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return false;
	size_t n = 0;
	int digits = 0;
	while (p < end && *p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (size_t)(*p - '0');
		p++;
		digits++;
	}
	if (p < end && *p >= '0' && *p <= '9')
		return false;
	if (paren && (p >= end || *p != ')'))
		return false;
	if (n == 0 || n > s->n_questions)
		return false;
	bool sep = false;
	const char *before = p;
	/* "**1** career": the bold markers closing the number, then a blank or a separator */
	while (p < end && *p == '*')
		p++;
	const char *stars = p;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* "1.5" or "1/5" is a number, not a question number; so is "1*5" */
	if (p == stars && p < end && !answer_sep(*p))
		return false;
	if (p < end && answer_sep(*p)) {
		if (*p == '.' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
			return false;
		sep = true;
		p++;
		/* "–" (E2 80 93) and "—" (E2 80 94) */
	} else if (end - p >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
	           ((unsigned char)p[2] == 0x93 || (unsigned char)p[2] == 0x94)) {
		sep = true;
		p += 3;
	}
	/* after the separator: a doubled one ("--", "...") and the bold markers closing the number
	 * ("**1.** career"), then blanks; a value's own "*" or quotes are kept as written */
	if (sep) {
		char c = p[-1];
		while (p < end && (*p == c || *p == '*'))
			p++;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || p == before)
		return false;
	*q = n - 1;
	*vstart = p;
	return true;
}

/* A question number written as one: "Q4", "#4", "4:", "4)" (after blanks). */
static bool answer_marked_number(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == 'q' || *p == 'Q' || *p == '#'))
		return true;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p < end && (*p == ':' || *p == ')');
}

/* Splits a numbered line into its answers: at ", N" / "; N" when N is a later question, and, when
 * `loose`, also at " N" / "/ N" / "| N" when N is the very next question ("1 career 2 4 3 yes",
 * "1 career / 2 4 / 3 yes"); *soft tells whether a loose split was made. */
static size_t answer_numbered_split(const struct nl_survey *s, const char *line, size_t len,
                                    struct answer_seg *segs, bool loose, bool skip, bool *soft)
{
	const char *end = line + len;
	size_t q;
	const char *v;
	*soft = false;
	if (!answer_number_prefix(s, line, end, &q, &v))
		return 0;
	size_t n = 0;
	segs[n++] = (struct answer_seg){q, v, (size_t)(end - v)};
	for (const char *p = v; p < end && n < ANSWER_MAX_SEGS; p++) {
		bool hard = *p == ',' || *p == ';';
		bool spaced =
		    loose && p > segs[n - 1].v && (*p == ' ' || *p == '\t' || *p == '/' || *p == '|');
		if (!hard && !spaced)
			continue;
		size_t q2;
		const char *v2;
		if (!answer_number_prefix(s, p + 1, end, &q2, &v2) || q2 <= segs[n - 1].q)
			continue;
		/* loose: the very next question, or a later one marked as a number ("Q4:", "#4",
		 * "4)") or, in `skip` mode, any later one (the caller then checks each part's shape) */
		if (!hard && q2 != segs[n - 1].q + 1 && !skip && !answer_marked_number(p + 1, end))
			continue;
		/* the separator and the spaces before it are not part of the value */
		const char *ve = p;
		while (ve > segs[n - 1].v &&
		       (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '/' || ve[-1] == '|'))
			ve--;
		segs[n - 1].vlen = (size_t)(ve - segs[n - 1].v);
		segs[n++] = (struct answer_seg){q2, v2, (size_t)(end - v2)};
		*soft |= !hard;
		p = v2 - 1;
	}
	return n;
}

/* True when `v` has the shape of an answer to q, read or not: a number first for a scale, a
 * yes/no or option that reads for the others (text: anything). */
static bool answer_shaped(const struct nl_question *q, const char *v, size_t len)
{
	char *value = NULL;
	bool ok = answer_value(q, v, len, &value);
	free(value);
	if (ok || q->type == NL_Q_TEXT)
		return true;
	if (q->type != NL_Q_SCALE)
		return false;
	struct answer_words ws;
	answer_split(v, len, &ws);
	return ws.n == 1 && answer_number_word(ws.w[0]) >= 0;
}

/* "1 career, 2 4, 3 yes", and without commas "1 career 2 4 3 yes": the loose split is kept only if
 * every choice, scale and yes/no answer it gives reads cleanly, so "1 job for 2 years" stays one
 * answer to question 1 and never becomes an unreadable one to question 2. */
static size_t answer_numbered(const struct nl_survey *s, const char *line, size_t len,
                              struct answer_seg *segs)
{
	bool soft;
	size_t n = answer_numbered_split(s, line, len, segs, true, false, &soft);
	if (!soft)
		return n;
	bool clean = true;
	for (size_t k = 0; k < n && clean; k++) {
		const struct nl_question *q = &s->questions[segs[k].q];
		char *v = NULL;
		clean = q->type == NL_Q_TEXT || answer_value(q, segs[k].v, segs[k].vlen, &v);
		free(v);
	}
	struct answer_seg more[ANSWER_MAX_SEGS];
	bool more_soft;
	size_t m = answer_numbered_split(s, line, len, more, true, true, &more_soft);
	bool shaped = m > 1;
	for (size_t k = 0; k < m && shaped; k++)
		shaped = answer_shaped(&s->questions[more[k].q], more[k].v, more[k].vlen);
	/* "1 job 2 4 4 more time": a skipped number splits further, when every part has its shape */
	if (shaped && m > n) {
		memcpy(segs, more, m * sizeof *segs);
		return m;
	}
	if (clean)
		return n;
	/* "1 yes 2 7 4 no": a skipped number, or one part that does not read, must not sink the
	 * line.  Split at every later question number and keep the split when each part has its
	 * question's shape (a number for a scale, so "2 7" is an out-of-range answer, while "1 job
	 * for 2 years" stays one answer: "years" is no number); the parts that do not read are
	 * flagged, the others read. */
	if (shaped) {
		memcpy(segs, more, m * sizeof *segs);
		return m;
	}
	return answer_numbered_split(s, line, len, segs, false, false, &soft);
}

/* "work: career", "work = career"; also "work career" (how collect passes the mailto subject's
 * "QID=VALUE"), but only for a value that reads cleanly and not for text questions, so prose such
 * as "work is fine" or "change is hard" is never taken for an answer. */
static bool answer_by_id(const struct nl_survey *s, const char *line, size_t len, struct answer_seg *seg)
{
	struct nl_span t = nl_span_trim((struct nl_span){line, len});
	for (size_t i = 0; i < s->n_questions; i++) {
		const char *id = s->questions[i].id;
		size_t il = id ? strlen(id) : 0;
		if (il == 0 || t.len <= il || nl_ascii_ncasecmp(t.ptr, id, il) != 0)
			continue;
		const char *p = t.ptr + il, *end = t.ptr + t.len;
		bool spaced = p < end && (*p == ' ' || *p == '\t');
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		bool sep = p < end && (*p == ':' || *p == '=' || *p == '-');
		if (!sep && !spaced)
			continue;
		if (sep)
			p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			continue;
		if (!sep) {
			char *v = NULL;
			bool ok = s->questions[i].type != NL_Q_TEXT &&
			          answer_value(&s->questions[i], p, (size_t)(end - p), &v);
			free(v);
			if (!ok)
				continue;
		}
		*seg = (struct answer_seg){i, p, (size_t)(end - p)};
		return true;
	}
	return false;
}

/* ---- inline: which question a quoted line is ---- */

/* Compares the quoted line `a` with the question text `b`, ignoring ASCII case and runs of white
 * space.  True when `a` (maybe cut by wrapping) is a prefix of `b` of at least 12 characters, or
 * equal, with *tail empty; or when all of `b` starts `a` and more follows after a word boundary
 * ("Is your work today a job or a career? (job / career / not sure)"), with *tail the rest of `a`,
 * trimmed.  The caller decides what such a tail may be. */
static bool answer_text_prefix(const char *a, size_t al, const char *b, struct nl_span *tail)
{
	size_t i = 0, j = 0, bl = strlen(b), matched = 0;
	*tail = (struct nl_span){a + al, 0};
	while (i < al && j < bl) {
		if ((a[i] == ' ' || a[i] == '\t') && (b[j] == ' ' || b[j] == '\t')) {
			while (i < al && (a[i] == ' ' || a[i] == '\t'))
				i++;
			while (j < bl && (b[j] == ' ' || b[j] == '\t'))
				j++;
			continue;
		}
		char x = a[i], y = b[j];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
		i++;
		j++;
		matched++;
	}
	while (i < al && (a[i] == ' ' || a[i] == '\t'))
		i++;
	if (i == al)
		return j == bl || matched >= 12;
	/* the whole question, then more: only at a word boundary ("career?" then " (job…", never
	 * "career" then "s") */
	if (j < bl || matched < 12)
		return false;
	unsigned char last = (unsigned char)b[bl - 1];
	bool boundary = !answer_word_char(last) || a[i - 1] == ' ' || a[i - 1] == '\t' ||
	                !answer_word_char((unsigned char)a[i]);
	if (!boundary)
		return false;
	*tail = nl_span_trim((struct nl_span){a + i, al - i});
	return true;
}

/* The question a quoted line asks ("1. Is your work…", or the question text alone), or SIZE_MAX.
 * *tail is what follows the whole question text on the line (empty if nothing); *numbered tells
 * whether the line started with the question's number. */
static size_t answer_quoted_question(const struct nl_survey *s, const char *line, size_t len,
                                     struct nl_span *tail, bool *numbered)
{
	struct nl_span t = nl_span_trim((struct nl_span){line, len});
	*tail = (struct nl_span){t.ptr + t.len, 0};
	*numbered = false;
	if (t.len < 4 || t.len > 400)
		return (size_t)-1;
	const char *p = t.ptr, *end = t.ptr + t.len;
	size_t num = 0;
	while (p < end && (*p == '*' || *p == ' '))
		p++;
	const char *digits = p;
	while (p < end && *p >= '0' && *p <= '9' && p - digits < 3)
		num = num * 10 + (size_t)(*p++ - '0');
	if (p > digits) {
		if (p < end && (*p == '.' || *p == ')' || *p == ':'))
			p++;
		while (p < end && (*p == ' ' || *p == '*'))
			p++;
	} else {
		num = 0;
	}
	size_t rest = (size_t)(end - p);
	for (size_t i = 0; i < s->n_questions; i++) {
		const char *qt = s->questions[i].text;
		if (!qt || !*qt)
			continue;
		if (num != 0 && num != i + 1)
			continue;
		if (answer_text_prefix(p, rest, qt, tail)) {
			*numbered = num != 0;
			return i;
		}
	}
	return (size_t)-1;
}

/* The survey block's own lines besides the questions (compose.c): the instructions with their
 * example, a choice's options "job / career / not sure", a scale's "1 2 3 4 5 …", "yes / no", a text
 * question's "(reply with 4 and …)". */
static bool answer_furniture(const struct nl_survey *s, struct nl_span t)
{
	if (t.len >= 24 && nl_ascii_ncasecmp(t.ptr, "Reply to this email with", 24) == 0)
		return true;
	struct nl_span h = t;
	if (h.len > 0 && h.ptr[0] == '(') {
		h.ptr++;
		h.len--;
	}
	if (h.len >= 11 && nl_ascii_ncasecmp(h.ptr, "reply with ", 11) == 0)
		return true; /* a text question's hint, in the text and the HTML part */
	struct answer_words ws;
	answer_split(t.ptr, t.len, &ws);
	if (ws.truncated || ws.n == 0)
		return false;
	/* drop the "/" separators: "job / career / not sure" and the HTML part's "job career not sure" */
	size_t k = 0;
	for (size_t i = 0; i < ws.n; i++)
		if (strcmp(ws.w[i], "/") != 0)
			ws.w[k++] = ws.w[i];
	ws.n = k;
	for (size_t i = 0; i < s->n_questions; i++) {
		const struct nl_question *q = &s->questions[i];
		if (q->type == NL_Q_YESNO && ws.n == 2 && strcmp(ws.w[0], "yes") == 0 &&
		    strcmp(ws.w[1], "no") == 0)
			return true;
		if (q->type == NL_Q_SCALE && q->max > q->min && (size_t)(q->max - q->min + 1) <= ws.n) {
			bool run = true;
			for (int v = q->min; v <= q->max && run; v++)
				run = answer_number_word(ws.w[v - q->min]) == v;
			if (run)
				return true;
		}
		if (q->type == NL_Q_CHOICE && q->n_options > 1) {
			/* every option, in order, and nothing else */
			size_t at = 0;
			bool all = true;
			for (size_t o = 0; o < q->n_options && all; o++) {
				struct answer_words ph;
				answer_split(q->options[o], strlen(q->options[o]), &ph);
				all = answer_words_match(&ws, at, &ph);
				at += ph.n;
			}
			if (all && at == ws.n)
				return true;
		}
	}
	return false;
}

/* The original's example ("e.g. 1 career, 2 4, 3 yes", "Example: 1 career") is never an answer. */
static bool answer_example(const char *s, size_t len)
{
	struct nl_span t = {s, len};
	for (size_t i = 0; i + 4 <= t.len; i++)
		if (nl_ascii_ncasecmp(t.ptr + i, "e.g.", 4) == 0 ||
		    (i + 7 <= t.len && nl_ascii_ncasecmp(t.ptr + i, "example", 7) == 0))
			return true;
	return false;
}

/* What may follow the question on the original's question line: nothing, a bracketed hint
 * ("(job / career / not sure)", "[1-5]") or the options themselves ("yes / no"). */
static bool answer_tail_furniture(const struct nl_survey *s, struct nl_span tail)
{
	return tail.len == 0 || tail.ptr[0] == '(' || tail.ptr[0] == '[' || answer_furniture(s, tail);
}

/* What follows a leading bracketed hint in a question line's tail: "(1-5) 4" gives "4". */
static struct nl_span answer_tail_after_hint(struct nl_span tail)
{
	if (tail.len == 0 || (tail.ptr[0] != '(' && tail.ptr[0] != '['))
		return tail;
	char close = tail.ptr[0] == '(' ? ')' : ']';
	const char *c = memchr(tail.ptr, close, tail.len);
	if (!c)
		return (struct nl_span){tail.ptr + tail.len, 0};
	return nl_span_trim((struct nl_span){c + 1, (size_t)(tail.ptr + tail.len - (c + 1))});
}

/* ---- an unnumbered choice answer in the person's own text ---- */

#define ANSWER_GUESS_WORDS 8

/* Words that carry no meaning of their own around a choice ("Definitely a career!", "more of a job
 * really", "For me it's a career"). Anything else on the line (a noun, a verb, a number, yes/no)
 * means the option word may be about something else ("Thanks for the career advice"). */
static bool answer_filler(const char *w)
{
	static const char *const filler[] = {
	    "a",        "an",      "the",       "definitely", "def",     "really",   "more",       "mostly",
	    "most",     "of",      "it",        "it's",       "its",     "is",       "i",          "i'd",
	    "i'm",      "my",      "me",        "for",        "say",     "would",    "think",      "guess",
	    "probably", "surely",  "certainly", "absolutely", "clearly", "totally",  "very",       "much",
	    "like",     "feels",   "rather",    "bit",        "kind",    "sort",     "currently",  "now",
	    "today",    "right",   "at",        "this",       "point",   "moment",   "still",      "actually",
	    "honestly", "truly",   "just",      "pure",       "purely",  "simply",   "so",         "far",
	    "in",       "that",    "though",    "well",       "hmm",     "oh",       "as",         "work",
	    "all",      "way",     "real",      "proper",     "fully",   "entirely", "completely", "am",
	    "100",      "percent", "one",       "mine",       NULL};
	for (size_t i = 0; filler[i]; i++)
		if (strcmp(w, filler[i]) == 0)
			return true;
	return false;
}

/* A word made only of pictographs (U+1F000 and above, 4-byte UTF-8), dingbats and symbols
 * (U+2600–U+27BF), variation selectors (U+FE0F) and joiners (U+200D): "🙂", "👍🏻", "❤️". */
static bool answer_emoji(const char *w)
{
	const unsigned char *p = (const unsigned char *)w;
	if (!*p)
		return false;
	while (*p) {
		if (p[0] >= 0xF0 && p[0] <= 0xF4 && p[1] && p[2] && p[3])
			p += 4;
		else if (p[0] == 0xE2 && p[1] >= 0x98 && p[1] <= 0x9E && p[2])
			p += 3;
		else if (p[0] == 0xEF && p[1] == 0xB8 && p[2] == 0x8F)
			p += 3;
		else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8D)
			p += 3;
		else
			return false;
	}
	return true;
}

/* Reads an own line that is neither numbered nor by id as a choice answer, when that is safe:
 *  - at most ANSWER_GUESS_WORDS words (pictographs not counted), and not a question ("…?");
 *  - the whole words of one option of exactly one choice question, maybe repeated ("Career,
 *    career!"); no option of another choice question, no second option of the same question
 *    ("a job, not a career", "job or career?"), no prefix matching ("take care" is no "career");
 *  - no negation anywhere ("not a career", "no longer a job"); so an option that is itself a
 *    hedge with a negation ("not sure") is never guessed: alone on a line it may be about anything;
 *  - every other word is filler (answer_filler).
 * Scale and yes/no questions are never guessed: "Yes, I loved it" is no answer to "would you like
 * a consultation?", nor "5 stars for this one" one to a scale; their words are too common in
 * ordinary replies, and nothing on an unnumbered line says which question they answer.  For the
 * same reason a line naming a choice's option that is a yes/no word or a number ("yes / no /
 * maybe", "1-2 years") is not guessed.
 * On success *q is the question and *opt the option's index. */
static bool answer_guess_choice(const struct nl_survey *s, struct nl_span t, size_t *q, size_t *opt)
{
	if (t.len == 0 || t.len > 200 || t.ptr[t.len - 1] == '?')
		return false;
	struct answer_words ws;
	answer_split(t.ptr, t.len, &ws);
	if (ws.truncated)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < ws.n; i++)
		if (!answer_emoji(ws.w[i]) && strcmp(ws.w[i], "/") != 0)
			ws.w[k++] = ws.w[i];
	ws.n = k;
	if (ws.n == 0 || ws.n > ANSWER_GUESS_WORDS)
		return false;
	bool used[ANSWER_GUESS_WORDS] = {false};
	for (size_t i = 0; i < ws.n; i++) {
		if (strcmp(ws.w[i], "longer") == 0 || answer_negates(&ws, i))
			return false;
		if (answer_is_negation(ws.w[i])) {
			/* "no doubt", "without a doubt": words that do not deny, and are not filler */
			size_t j = i;
			while (j < ws.n && strcmp(ws.w[j], "doubt") != 0 && strcmp(ws.w[j], "question") != 0)
				used[j++] = true;
			if (j < ws.n)
				used[j] = true;
		}
	}
	size_t fq = (size_t)-1, fo = (size_t)-1;
	/* options of several words first, so "side job" is not also "job" */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->n_questions; i++) {
			const struct nl_question *cq = &s->questions[i];
			if (cq->type != NL_Q_CHOICE)
				continue;
			for (size_t o = 0; o < cq->n_options; o++) {
				struct answer_words ph;
				answer_split(cq->options[o], strlen(cq->options[o]), &ph);
				if (ph.truncated || (pass == 0) != (ph.n > 1))
					continue;
				for (size_t at = 0; at < ws.n; at++) {
					if (!answer_words_match(&ws, at, &ph))
						continue;
					bool overlap = false;
					for (size_t m = 0; m < ph.n; m++)
						overlap |= used[at + m];
					if (overlap)
						continue;
					/* a second option, of this question or another */
					if (fq != (size_t)-1 && (fq != i || fo != o))
						return false;
					/* an option that is a yes/no word or a number ("yes / no / maybe",
					 * "1-2 years"): as risky as guessing a yes/no or scale question */
					char *yn = NULL;
					bool risky =
					    answer_yesno(cq->options[o], strlen(cq->options[o]), &yn);
					free(yn);
					for (size_t m = 0; m < ph.n && !risky; m++)
						risky = answer_number_word(ph.w[m]) >= 0;
					if (risky)
						return false;
					fq = i;
					fo = o;
					for (size_t m = 0; m < ph.n; m++)
						used[at + m] = true;
				}
			}
		}
	}
	if (fq == (size_t)-1)
		return false;
	for (size_t i = 0; i < ws.n; i++)
		if (!used[i] && !answer_filler(ws.w[i]))
			return false;
	*q = fq;
	*opt = fo;
	return true;
}

/* A text answer by number or id that the client hard-wrapped ("4 I would change how we plan the
 * quarter: fewer surprise deadlines and" / "more time to do the work properly."): the index of the
 * last line it runs over, `i` if it does not.  A line continues the one above only when that one
 * is as long as a wrapped line (60 to 80 characters) and does not end a sentence, and the line is
 * the person's, not blank, and neither another answer, the survey's own text nor a sign-off. */
static size_t answer_wrap_end(const struct nl_survey *s, const struct nl_reply_line *lines, size_t n_lines,
                              size_t i)
{
	static const char *const closing[] = {"best",  "thanks", "thank",  "cheers",    "regards",
	                                      "kind",  "warm",   "warmly", "sincerely", "br",
	                                      "yours", "sent",   NULL};
	size_t end = i;
	while (end + 1 < n_lines && !lines[end + 1].quoted) {
		struct nl_span prev = nl_span_trim((struct nl_span){lines[end].text, lines[end].len});
		struct nl_span t = nl_span_trim((struct nl_span){lines[end + 1].text, lines[end + 1].len});
		if (t.len == 0 || t.len > ANSWER_LINE_MAX || prev.len == 0)
			break;
		size_t cp = 0;
		for (size_t k = 0; k < prev.len; k++)
			cp += ((unsigned char)prev.ptr[k] & 0xC0) != 0x80;
		char last = prev.ptr[prev.len - 1];
		if (cp < 60 || cp > 80 || last == '.' || last == '!' || last == '?')
			break;
		struct answer_words ws;
		answer_split(t.ptr, t.len, &ws);
		bool signoff = false;
		for (size_t k = 0; ws.n > 0 && closing[k] && !signoff; k++)
			signoff = strcmp(ws.w[0], closing[k]) == 0;
		struct answer_seg segs[ANSWER_MAX_SEGS], seg;
		struct nl_span tail;
		bool num;
		if (signoff || answer_numbered(s, t.ptr, t.len, segs) > 0 ||
		    answer_by_id(s, t.ptr, t.len, &seg) ||
		    answer_quoted_question(s, t.ptr, t.len, &tail, &num) != (size_t)-1 ||
		    answer_furniture(s, t) || answer_example(t.ptr, t.len))
			break;
		end++;
	}
	return end;
}

/* The answer `v` of line i joined with the trimmed lines i+1..end, one space between. */
static char *answer_join(const char *v, size_t vlen, const struct nl_reply_line *lines, size_t i, size_t end)
{
	struct nl_buf b = NL_BUF_INIT;
	struct nl_span first = nl_span_trim((struct nl_span){v, vlen});
	nl_buf_append(&b, first.ptr, first.len);
	for (size_t k = i + 1; k <= end; k++) {
		struct nl_span lt = nl_span_trim((struct nl_span){lines[k].text, lines[k].len});
		nl_buf_putc(&b, ' ');
		nl_buf_append(&b, lt.ptr, lt.len);
	}
	return nl_buf_detach(&b);
}

/* ---- the reader ---- */

/* have[q]: 0 no answer yet, 1 one read from the original's lines (weak), 2 one the person wrote.
 * A later answer of the same strength wins; a weak one never overrides what the person wrote. */
#define GUESS_NONE 0
#define GUESS_CONFLICT SIZE_MAX

static void answer_put(struct answer_state *st, size_t q, const char *v, size_t vlen, const char *raw,
                       size_t rawlen, bool weak, const char *rule)
{
	if (weak && st->have[q] == ANSWER_OWN)
		return;
	char *value = NULL;
	bool ok = answer_value(&st->survey->questions[q], v, vlen, &value);
	struct nl_answer *a = &st->slots[q];
	free(a->value);
	free(a->raw);
	a->question = q;
	a->status = ok ? NL_ANSWER_OK : NL_ANSWER_UNREADABLE;
	a->value = ok ? value : NULL;
	a->rule = rule;
	struct nl_span r = nl_span_trim((struct nl_span){raw, rawlen});
	a->raw = nl_xstrndup(r.ptr, r.len);
	st->have[q] = weak ? ANSWER_WEAK : ANSWER_OWN;
	if (ok) /* a line whose answer does not read stays for the prose reader */
		st->puts++;
}

void nl_answers_read(const struct nl_survey *survey, const struct nl_reply_line *lines, size_t n_lines,
                     struct nl_answers *out)
{
	memset(out, 0, sizeof *out);
	if (!survey || survey->n_questions == 0 || !lines) {
		static const struct nl_survey none = {0};
		struct answer_state empty = {survey ? survey : &none, NULL, NULL, 0};
		if (lines)
			nl_prose_read(&empty, lines, n_lines, NULL, out);
		return;
	}
	size_t nq = survey->n_questions;
	struct nl_answer *slots = nl_xcalloc(nq, sizeof *slots);
	unsigned char *have = nl_xcalloc(nq, sizeof *have);
	struct answer_state st = {survey, slots, have, 0};
	/* used[i]: line i gave an answer to one of the forms below; prose reads the others */
	bool *used = nl_xcalloc(n_lines ? n_lines : 1, sizeof *used);
	size_t mark_line = 0;
	unsigned long mark_puts = 0;
	struct nl_span prev_quoted = {"", 0}; /* the last quoted line that was not blank */
	size_t current = (size_t)-1;          /* the question a quoted line just asked */
	size_t after = 0;                     /* non-blank quoted lines since it (its options, its hint) */
	bool pasted = false;                  /* that question line was unquoted: the original pasted as is */
	struct answer_seg segs[ANSWER_MAX_SEGS];
	/* unnumbered choice answers (answer_guess_choice): per question, the option and the line, or
	 * GUESS_CONFLICT when two lines name different options (then nothing is guessed) */
	size_t *guess = nl_xcalloc(nq, sizeof *guess);
	struct nl_span *guess_line = nl_xcalloc(nq, sizeof *guess_line);

	for (size_t i = 0; i < n_lines; i++) {
		if (st.puts != mark_puts) /* the lines since the mark gave answers */
			for (size_t k = mark_line; k < i; k++)
				used[k] = true;
		mark_line = i;
		mark_puts = st.puts;
		const struct nl_reply_line *ln = &lines[i];
		if (i > 0 && lines[i - 1].quoted &&
		    nl_span_trim((struct nl_span){lines[i - 1].text, lines[i - 1].len}).len)
			prev_quoted = nl_span_trim((struct nl_span){lines[i - 1].text, lines[i - 1].len});
		if (ln->quoted) {
			struct nl_span qtail;
			bool qnum;
			size_t q = answer_quoted_question(survey, ln->text, ln->len, &qtail, &qnum);
			/* the question with more after it on the same line: its number, or a hint or the
			 * options after it, make it the question; other words make it the article's prose
			 * that happens to start with the question */
			if (q != (size_t)-1 && !qnum && !answer_tail_furniture(survey, qtail))
				q = (size_t)-1;
			if (q != (size_t)-1) {
				current = q;
				after = 0;
				pasted = false;
			} else if (current != (size_t)-1 &&
			           nl_span_trim((struct nl_span){ln->text, ln->len}).len > 0) {
				/* Outlook users type answers into the original itself (in colour, no ">" in
				 * text): a line under a question that reads cleanly as its answer is one. The
				 * original's own lines under a question (its options, its scale, "yes / no")
				 * never read cleanly; text answers are never taken from the original.  A
				 * client that re-wrapped its copy of the original leaves the end of a line
				 * alone on the next ("> …consultation? yes /" then "> no"): never an answer.
				 */
				char *v = NULL;
				const struct nl_question *cq = &survey->questions[current];
				if (cq->type != NL_Q_TEXT && !answer_wrapped(prev_quoted, ln->marked) &&
				    !answer_example(ln->text, ln->len) &&
				    answer_value(cq, ln->text, ln->len, &v)) {
					answer_put(&st, current, ln->text, ln->len, ln->text, ln->len, true,
					           "inline");
					current = (size_t)-1;
				} else if (++after > 2) {
					/* more of the original (the footer, the article): not answering a
					 * question */
					current = (size_t)-1;
				}
				free(v);
			}
			continue;
		}
		struct nl_span t = nl_span_trim((struct nl_span){ln->text, ln->len});
		if (t.len == 0 || t.len > ANSWER_LINE_MAX)
			continue;
		/* the survey block itself, pasted without ">" and without a quote header: its question
		 * lines and their option lines are the original, never answers */
		struct nl_span tail;
		bool tnum;
		size_t asked = answer_quoted_question(survey, t.ptr, t.len, &tail, &tnum);
		if (asked != (size_t)-1) {
			/* an answer typed after the question on its own line ("1. Is your work…? career")
			 * counts when it reads cleanly, as one typed under it does; a text question's tail
			 * is never taken (it may be the original's own hint) */
			char *v = NULL;
			struct nl_span typed = answer_tail_after_hint(tail);
			bool clean = !answer_tail_furniture(survey, typed) &&
			             survey->questions[asked].type != NL_Q_TEXT &&
			             !answer_example(typed.ptr, typed.len) &&
			             answer_value(&survey->questions[asked], typed.ptr, typed.len, &v);
			free(v);
			/* unnumbered and followed by other words: the person's prose that starts with the
			 * question, as for a quoted line */
			if (!tnum && !clean && !answer_tail_furniture(survey, tail))
				asked = (size_t)-1;
			if (asked != (size_t)-1) {
				current = clean ? (size_t)-1 : asked;
				after = 0;
				pasted = true;
				if (clean)
					answer_put(&st, asked, typed.ptr, typed.len, t.ptr, t.len, true,
					           "inline");
				continue;
			}
		}
		if (answer_furniture(survey, t))
			continue;
		size_t ns = answer_numbered(survey, t.ptr, t.len, segs);
		if (current != (size_t)-1 && pasted) {
			/* under a question of an original pasted without ">": only a clean answer to a
			 * choice, scale or yes/no question is the person's; the rest is the original */
			size_t q = current;
			current = (size_t)-1;
			char *v = NULL;
			if (survey->questions[q].type != NL_Q_TEXT &&
			    answer_value(&survey->questions[q], t.ptr, t.len, &v)) {
				answer_put(&st, q, t.ptr, t.len, t.ptr, t.len, true, "inline");
				free(v);
				continue;
			}
			free(v);
		}
		if (current != (size_t)-1) {
			/* inline: the first paragraph after a quoted question answers it */
			size_t q = current;
			current = (size_t)-1;
			bool numbered_first = ns > 0 && segs[0].q == q;
			char *probe = NULL;
			if (!numbered_first && answer_value(&survey->questions[q], t.ptr, t.len, &probe)) {
				free(probe);
				/* a text answer may run over several lines of its paragraph */
				size_t end = i;
				if (survey->questions[q].type == NL_Q_TEXT) {
					while (end + 1 < n_lines && !lines[end + 1].quoted &&
					       nl_span_trim(
					           (struct nl_span){lines[end + 1].text, lines[end + 1].len})
					           .len)
						end++;
				}
				if (end > i) {
					struct nl_buf b = NL_BUF_INIT;
					for (size_t k = i; k <= end; k++) {
						struct nl_span lt = nl_span_trim(
						    (struct nl_span){lines[k].text, lines[k].len});
						if (k > i)
							nl_buf_putc(&b, ' ');
						nl_buf_append(&b, lt.ptr, lt.len);
					}
					answer_put(&st, q, b.data, b.len, b.data, b.len, false, "inline");
					nl_buf_free(&b);
					i = end;
				} else {
					answer_put(&st, q, t.ptr, t.len, t.ptr, t.len, false, "inline");
				}
				continue;
			}
			free(probe);
			if (ns == 0) {
				answer_put(&st, q, t.ptr, t.len, t.ptr, t.len, false, "inline");
				continue;
			}
		}
		if (ns > 0) {
			for (size_t k = 0; k + 1 < ns; k++)
				answer_put(&st, segs[k].q, segs[k].v, segs[k].vlen, segs[k].v, segs[k].vlen,
				           false, "numbered");
			const struct answer_seg *lastseg = &segs[ns - 1];
			size_t end = survey->questions[lastseg->q].type == NL_Q_TEXT
			                 ? answer_wrap_end(survey, lines, n_lines, i)
			                 : i;
			if (end > i) {
				char *v = answer_join(lastseg->v, lastseg->vlen, lines, i, end);
				char *raw =
				    ns == 1 ? answer_join(t.ptr, t.len, lines, i, end) : nl_xstrdup(v);
				answer_put(&st, lastseg->q, v, strlen(v), raw, strlen(raw), false,
				           "numbered");
				free(v);
				free(raw);
				i = end;
			} else {
				answer_put(&st, lastseg->q, lastseg->v, lastseg->vlen,
				           ns == 1 ? t.ptr : lastseg->v, ns == 1 ? t.len : lastseg->vlen,
				           false, "numbered");
			}
			continue;
		}
		struct answer_seg seg;
		if (answer_by_id(survey, t.ptr, t.len, &seg)) {
			size_t end = survey->questions[seg.q].type == NL_Q_TEXT
			                 ? answer_wrap_end(survey, lines, n_lines, i)
			                 : i;
			char *v = answer_join(seg.v, seg.vlen, lines, i, end);
			char *raw = answer_join(t.ptr, t.len, lines, i, end);
			answer_put(&st, seg.q, v, strlen(v), raw, strlen(raw), false, "by id");
			free(v);
			free(raw);
			i = end;
			continue;
		}
		size_t gq, go;
		if (!answer_example(t.ptr, t.len) && answer_guess_choice(survey, t, &gq, &go)) {
			if (guess[gq] == GUESS_NONE) {
				guess[gq] = go + 1;
				guess_line[gq] = t;
			} else if (guess[gq] != go + 1) {
				guess[gq] = GUESS_CONFLICT;
			}
		}
	}
	if (st.puts != mark_puts)
		for (size_t k = mark_line; k < n_lines; k++)
			used[k] = true;
	/* an unnumbered answer only where the reply answers the question nowhere else: what the
	 * person wrote by number, id or inline (or typed into the original) wins */
	for (size_t q = 0; q < nq; q++) {
		if (have[q] != ANSWER_NONE || guess[q] == GUESS_NONE || guess[q] == GUESS_CONFLICT)
			continue;
		slots[q].question = q;
		slots[q].status = NL_ANSWER_OK;
		slots[q].value = nl_xstrdup(survey->questions[q].options[guess[q] - 1]);
		slots[q].raw = nl_xstrndup(guess_line[q].ptr, guess_line[q].len);
		slots[q].rule = "unnumbered";
		have[q] = ANSWER_OWN;
		/* its line stays for the prose reader: "career\n4\nyes" is answers in order */
	}
	free(guess);
	free(guess_line);
	/* what the forms left: answers in the questions' order, and prose (prose.c) */
	nl_prose_read(&st, lines, n_lines, used, out);
	free(used);

	size_t count = 0;
	for (size_t q = 0; q < nq; q++)
		count += have[q] != ANSWER_NONE;
	if (count) {
		out->items = nl_xcalloc(count, sizeof *out->items);
		for (size_t q = 0; q < nq; q++)
			if (have[q] != ANSWER_NONE)
				out->items[out->count++] = slots[q];
	}
	free(slots);
	free(have);
}

bool nl_answers_read_value(const struct nl_survey *survey, size_t question, const char *value, size_t len,
                           struct nl_answer *out)
{
	memset(out, 0, sizeof *out);
	if (!survey || question >= survey->n_questions || !value)
		return false;
	char *v = NULL;
	bool ok = answer_value(&survey->questions[question], value, len, &v);
	out->question = question;
	out->status = ok ? NL_ANSWER_OK : NL_ANSWER_UNREADABLE;
	out->value = ok ? v : NULL;
	struct nl_span r = nl_span_trim((struct nl_span){value, len});
	out->raw = nl_xstrndup(r.ptr, r.len);
	return ok;
}

void nl_answers_free(struct nl_answers *answers)
{
	if (!answers)
		return;
	for (size_t i = 0; i < answers->count; i++) {
		free(answers->items[i].value);
		free(answers->items[i].raw);
	}
	free(answers->items);
	free(answers->contact);
	memset(answers, 0, sizeof *answers);
}

const char *nl_answer_level_name(enum nl_answer_status status)
{
	switch (status) {
	case NL_ANSWER_OK:
		return "sure";
	case NL_ANSWER_LIKELY:
		return "likely";
	case NL_ANSWER_UNREADABLE:
	default:
		return "unreadable";
	}
}

bool nl_answers_value(const struct nl_question *q, const char *s, size_t len, char **value)
{
	return answer_value(q, s, len, value);
}

bool nl_answers_furniture(const struct nl_survey *s, struct nl_span t)
{
	return answer_furniture(s, t) || answer_example(t.ptr, t.len);
}

bool nl_answers_question_line(const struct nl_survey *s, struct nl_span t)
{
	struct nl_span tail;
	bool numbered;
	return answer_quoted_question(s, t.ptr, t.len, &tail, &numbered) != (size_t)-1;
}
