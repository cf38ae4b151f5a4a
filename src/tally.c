/* tally.c - counting a campaign out of the state into a struct nl_tally (see tally.h).
 *
 * The answers of a campaign are read once, copied, and sorted by the lower-cased address of their
 * author, so that every list in the result (respondents, text answers, the follow-up list,
 * unreadable answers) comes out in one stable order whatever order the store returns.  A stored
 * answer is only counted when its value fits its question (an option of the choice, a number in
 * the scale's range, yes or no); anything else is shown as unreadable, never guessed.
 * One person, one voice (doc/DESIGN.md §4): the store keeps one answer per person and question; should
 * two differ only in the case of the address, the later one counts.
 *
 * Levels (issue 12): a stored answer is sure when the store says readable and its value fits; likely
 * when the prose reader proposed a value that a person has not confirmed yet (not tallied, not a
 * respondent by itself); unreadable otherwise.  The replies are read from the inbound messages of
 * class answer; each answer goes with the message it was read from (its inbound_id), and one settled
 * by hand (inbound_id 0) with that person's latest reply.
 */
#include "tally.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_survey.h"
#include "buf.h"
#include "util.h"

#define TALLY_NO_QUESTION SIZE_MAX

/* One stored answer, copied out of the store's callback. */
struct tally_answer {
	char *key; /* lower-cased address */
	char *email;
	char *name;
	char *question; /* the question id */
	char *value;    /* sure: canonical; likely: the proposed value (canonical); NULL when unreadable */
	char *raw;
	char *rule;
	size_t q;      /* index into the survey, TALLY_NO_QUESTION if it has none */
	bool readable; /* sure: the store says readable and the value fits the question */
	bool likely;   /* proposed, not confirmed: not tallied */
	bool settled;
	bool current; /* not an older duplicate (set by tally_answers_apply) */
	enum nl_match match;
	int64_t inbound_id;
	time_t answered;
};

struct tally_answers {
	struct tally_answer *items;
	size_t count, cap;
	const struct nl_survey *survey;
};

static char *tally_dup(const char *s)
{
	return s ? nl_xstrdup(s) : NULL;
}

static size_t tally_question_index(const struct nl_survey *survey, const char *id)
{
	if (!survey || !id)
		return TALLY_NO_QUESTION;
	for (size_t i = 0; i < survey->n_questions; i++)
		if (strcmp(survey->questions[i].id, id) == 0)
			return i;
	return TALLY_NO_QUESTION;
}

/* Parses a whole decimal integer (surrounding blanks allowed). */
static bool tally_parse_int(const char *s, int *out)
{
	struct nl_span sp = nl_span_trim(nl_span_cstr(s));
	if (sp.len == 0 || sp.len > 10)
		return false;
	long v = 0;
	size_t i = 0;
	bool neg = false;
	if (sp.ptr[0] == '-' || sp.ptr[0] == '+') {
		neg = sp.ptr[0] == '-';
		i = 1;
		if (sp.len == 1)
			return false;
	}
	for (; i < sp.len; i++) {
		if (sp.ptr[i] < '0' || sp.ptr[i] > '9')
			return false;
		v = v * 10 + (sp.ptr[i] - '0');
	}
	if (v > INT_MAX)
		return false;
	*out = (int)(neg ? -v : v);
	return true;
}

/* The canonical form of `value` for question `q` (a new string), or NULL if it does not fit. */
static char *tally_canonical(const struct nl_question *q, const char *value)
{
	if (!value)
		return NULL;
	switch (q->type) {
	case NL_Q_CHOICE:
		for (size_t i = 0; i < q->n_options; i++)
			if (nl_ascii_casecmp(q->options[i], value) == 0)
				return nl_xstrdup(q->options[i]);
		for (size_t i = 0; i < q->n_options; i++)
			if (nl_span_ieq(nl_span_trim(nl_span_cstr(value)), q->options[i]))
				return nl_xstrdup(q->options[i]);
		return NULL;
	case NL_Q_SCALE: {
		int v;
		if (!tally_parse_int(value, &v) || v < q->min || v > q->max)
			return NULL;
		return nl_xasprintf("%d", v);
	}
	case NL_Q_YESNO: {
		struct nl_span s = nl_span_trim(nl_span_cstr(value));
		if (nl_span_ieq(s, "yes"))
			return nl_xstrdup("yes");
		if (nl_span_ieq(s, "no"))
			return nl_xstrdup("no");
		return NULL;
	}
	case NL_Q_TEXT:
		if (nl_span_trim(nl_span_cstr(value)).len == 0)
			return NULL;
		return nl_xstrdup(value);
	}
	return NULL;
}

static bool tally_collect_answer(const struct nl_stored_answer *a, void *ud)
{
	struct tally_answers *as = ud;
	if (as->count == as->cap) {
		as->cap = as->cap ? 2 * as->cap : 64;
		as->items = nl_xrealloc(as->items, as->cap * sizeof *as->items);
	}
	struct tally_answer *t = &as->items[as->count++];
	memset(t, 0, sizeof *t);
	t->email = nl_xstrdup(a->email ? a->email : "");
	t->key = nl_ascii_lower(nl_xstrdup(t->email));
	t->name = a->name && a->name[0] ? nl_xstrdup(a->name) : NULL;
	t->question = nl_xstrdup(a->question ? a->question : "");
	t->raw = tally_dup(a->raw);
	t->rule = tally_dup(a->rule);
	t->settled = a->settled;
	t->match = a->match;
	t->inbound_id = a->inbound_id;
	t->answered = a->answered;
	t->q = tally_question_index(as->survey, a->question);
	bool proposed = !a->readable && a->likely && a->value;
	if (t->q != TALLY_NO_QUESTION) {
		const struct nl_question *q = &as->survey->questions[t->q];
		t->value = a->readable || proposed ? tally_canonical(q, a->value) : NULL;
		t->readable = a->readable && t->value != NULL;
		t->likely = proposed && t->value != NULL;
		if (!t->readable && !t->likely && !t->raw) /* a stored value that does not fit */
			t->raw = tally_dup(a->value);
	} else {
		/* Without a survey the answers still make respondents; with one, an answer to a question
		 * it does not have is left out. */
		t->value = tally_dup(a->value);
		t->readable = !as->survey && a->readable && a->value;
		t->likely = !as->survey && proposed;
	}
	return true;
}

static void tally_answers_free(struct tally_answers *as)
{
	for (size_t i = 0; i < as->count; i++) {
		struct tally_answer *t = &as->items[i];
		free(t->key);
		free(t->email);
		free(t->name);
		free(t->question);
		free(t->value);
		free(t->raw);
		free(t->rule);
	}
	free(as->items);
}

/* By author, then question, then the latest first (so duplicates can be skipped). */
static int tally_answer_cmp(const void *pa, const void *pb)
{
	const struct tally_answer *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);
	if (c)
		return c;
	if (a->q != b->q)
		return a->q < b->q ? -1 : 1;
	if (a->answered != b->answered)
		return a->answered > b->answered ? -1 : 1;
	return strcmp(a->email, b->email);
}

static void tally_entry_add(struct nl_tally_entry **list, size_t *n, const struct tally_answer *a,
                            const char *text)
{
	*list = nl_xgrow(*list, *n, sizeof **list);
	struct nl_tally_entry *e = &(*list)[(*n)++];
	e->email = nl_xstrdup(a->email);
	e->name = tally_dup(a->name);
	e->text = tally_dup(text);
	e->settled = a->settled;
	e->match = a->match;
}

static void tally_questions_init(struct nl_tally *t, const struct nl_survey *survey)
{
	t->n_questions = survey->n_questions;
	t->questions = nl_xcalloc(t->n_questions ? t->n_questions : 1, sizeof *t->questions);
	for (size_t i = 0; i < survey->n_questions; i++) {
		const struct nl_question *q = &survey->questions[i];
		struct nl_tally_question *tq = &t->questions[i];
		tq->id = nl_xstrdup(q->id);
		tq->type = q->type;
		tq->text = nl_xstrdup(q->text ? q->text : "");
		switch (q->type) {
		case NL_Q_CHOICE:
			tq->n_bins = q->n_options;
			tq->bins = nl_xcalloc(q->n_options ? q->n_options : 1, sizeof *tq->bins);
			for (size_t o = 0; o < q->n_options; o++)
				tq->bins[o].label = nl_xstrdup(q->options[o]);
			break;
		case NL_Q_YESNO:
			tq->follow_up = q->follow_up;
			tq->n_bins = 2;
			tq->bins = nl_xcalloc(2, sizeof *tq->bins);
			tq->bins[0].label = nl_xstrdup("yes");
			tq->bins[1].label = nl_xstrdup("no");
			break;
		case NL_Q_SCALE:
			tq->min = q->min;
			tq->max = q->max < q->min ? q->min : q->max;
			/* A scale wider than 101 values would not be a survey scale; bound the histogram. */
			if ((long)tq->max - tq->min > 100)
				tq->max = tq->min + 100;
			tq->n_bins = (size_t)(tq->max - tq->min + 1);
			tq->bins = nl_xcalloc(tq->n_bins, sizeof *tq->bins);
			for (size_t v = 0; v < tq->n_bins; v++) {
				tq->bins[v].value = tq->min + (int)v;
				tq->bins[v].label = nl_xasprintf("%d", tq->bins[v].value);
			}
			break;
		case NL_Q_TEXT:
			break;
		}
	}
}

/* Counts one readable answer `a` (already canonical) into question `tq`. */
static void tally_count(struct nl_tally_question *tq, const struct tally_answer *a)
{
	tq->answered++;
	switch (tq->type) {
	case NL_Q_CHOICE:
	case NL_Q_YESNO:
		for (size_t b = 0; b < tq->n_bins; b++)
			if (strcmp(tq->bins[b].label, a->value) == 0)
				tq->bins[b].count++;
		if (tq->type == NL_Q_YESNO && strcmp(a->value, "yes") == 0)
			tally_entry_add(&tq->yes, &tq->n_yes, a, NULL);
		break;
	case NL_Q_SCALE: {
		int v = atoi(a->value);
		if (v >= tq->min && v <= tq->max)
			tq->bins[v - tq->min].count++;
		break;
	}
	case NL_Q_TEXT:
		tally_entry_add(&tq->answers, &tq->n_answers, a, a->value);
		break;
	}
}

static void tally_scale_stats(struct nl_tally *t)
{
	for (size_t i = 0; i < t->n_questions; i++) {
		struct nl_tally_question *tq = &t->questions[i];
		if (tq->type != NL_Q_SCALE || tq->answered == 0)
			continue;
		int *vals = nl_xmalloc((size_t)tq->answered * sizeof *vals);
		size_t n = 0;
		for (size_t p = 0; p < t->n_people; p++)
			if (t->people[p].values[i])
				vals[n++] = atoi(t->people[p].values[i]);
		tq->has_stats = nl_tally_stats(vals, n, &tq->mean, &tq->median);
		free(vals);
	}
}

static void tally_crosstab(struct nl_tally *t)
{
	struct nl_tally_crosstab *x = &t->crosstab;
	size_t cq = SIZE_MAX, sq = SIZE_MAX;
	for (size_t i = 0; i < t->n_questions; i++) {
		if (t->questions[i].type == NL_Q_CHOICE && cq == SIZE_MAX)
			cq = i;
		if (t->questions[i].type == NL_Q_SCALE && sq == SIZE_MAX)
			sq = i;
	}
	if (cq == SIZE_MAX || sq == SIZE_MAX || t->questions[cq].n_bins == 0)
		return;
	const struct nl_tally_question *c = &t->questions[cq], *s = &t->questions[sq];
	x->present = true;
	x->choice_q = cq;
	x->scale_q = sq;
	x->n_rows = c->n_bins;
	x->n_cols = s->n_bins;
	x->cells = nl_xcalloc(x->n_rows * x->n_cols, sizeof *x->cells);
	x->row_n = nl_xcalloc(x->n_rows, sizeof *x->row_n);
	x->row_mean = nl_xcalloc(x->n_rows, sizeof *x->row_mean);
	double total = 0;
	for (size_t p = 0; p < t->n_people; p++) {
		const char *cv = t->people[p].values[cq], *sv = t->people[p].values[sq];
		if (!cv || !sv)
			continue;
		size_t r = 0;
		while (r < c->n_bins && strcmp(c->bins[r].label, cv) != 0)
			r++;
		int v = atoi(sv);
		if (r == c->n_bins || v < s->min || v > s->max)
			continue;
		x->cells[r * x->n_cols + (size_t)(v - s->min)]++;
		x->row_n[r]++;
		x->row_mean[r] += v;
		x->total_n++;
		total += v;
	}
	for (size_t r = 0; r < x->n_rows; r++)
		if (x->row_n[r])
			x->row_mean[r] /= (double)x->row_n[r];
	if (x->total_n)
		x->total_mean = total / (double)x->total_n;
}

/* Walks the sorted answers: people, per-question counts and lists. */
static void tally_answers_apply(struct nl_tally *t, struct tally_answers *as)
{
	size_t nq = t->n_questions;
	for (size_t i = 0; i < as->count;) {
		size_t j = i;
		while (j < as->count && strcmp(as->items[j].key, as->items[i].key) == 0)
			j++;
		/* answers i..j-1 are one person's, by question, latest first */
		struct nl_tally_respondent person = {0};
		person.values = nl_xcalloc(nq ? nq : 1, sizeof *person.values);
		bool any = false, weak = false;
		for (size_t k = i; k < j; k++) {
			struct tally_answer *a = &as->items[k];
			if (k > i && a->q != TALLY_NO_QUESTION && a->q == as->items[k - 1].q)
				continue; /* an older duplicate: the latest one counted */
			a->current = true;
			if (!person.name && a->name)
				person.name = nl_xstrdup(a->name);
			if (a->likely) {
				t->likely++; /* proposed: shown under Replies, never tallied */
				continue;
			}
			if (a->q == TALLY_NO_QUESTION) {
				if (a->readable) {
					any = true;
					weak |= a->match != NL_MATCH_TOKEN;
				}
				continue;
			}
			struct nl_tally_question *tq = &t->questions[a->q];
			if (!a->readable) {
				tally_entry_add(&tq->unreadable, &tq->n_unreadable, a, a->raw ? a->raw : "");
				t->unreadable++;
				continue;
			}
			any = true;
			weak |= a->match != NL_MATCH_TOKEN;
			person.values[a->q] = nl_xstrdup(a->value);
			tally_count(tq, a);
		}
		if (any) {
			person.email = nl_xstrdup(as->items[i].email);
			person.match = weak ? NL_MATCH_FROM : NL_MATCH_TOKEN;
			t->people = nl_xgrow(t->people, t->n_people, sizeof *t->people);
			t->people[t->n_people++] = person;
		} else {
			free(person.name);
			for (size_t q = 0; q < nq; q++)
				free(person.values[q]);
			free(person.values);
		}
		i = j;
	}
	t->respondents = (long)t->n_people;
}

/* ---- Replies and FOLLOW UP ---- */

/* One inbound message of class answer, copied out of the store's callback. */
struct tally_inbound {
	int64_t id;
	char *key;
	struct nl_tally_reply r;
	bool has_follow_yes; /* a sure yes to a follow-up question was read from it */
};

struct tally_inbounds {
	struct tally_inbound *items;
	size_t count, cap;
};

static bool tally_collect_inbound(const struct nl_inbound *in, void *ud)
{
	struct tally_inbounds *ins = ud;
	if (in->cls != NL_INBOUND_ANSWER)
		return true;
	if (ins->count == ins->cap) {
		ins->cap = ins->cap ? 2 * ins->cap : 64;
		ins->items = nl_xrealloc(ins->items, ins->cap * sizeof *ins->items);
	}
	struct tally_inbound *t = &ins->items[ins->count++];
	memset(t, 0, sizeof *t);
	t->id = in->id;
	t->r.email = nl_xstrdup(in->email ? in->email : in->from_address ? in->from_address : "");
	t->key = nl_ascii_lower(nl_xstrdup(t->r.email));
	t->r.received = in->received;
	t->r.words = tally_dup(in->own_words);
	t->r.contact = in->contact && in->contact[0] ? nl_xstrdup(in->contact) : NULL;
	t->r.match = in->match;
	t->r.needs_look = in->unread_words; /* the reasons are filled later */
	return true;
}

static void tally_reply_clear(struct nl_tally_reply *r)
{
	free(r->email);
	free(r->name);
	free(r->words);
	free(r->contact);
	free(r->reasons);
	for (size_t i = 0; i < r->n_readings; i++) {
		free(r->readings[i].question);
		free(r->readings[i].text);
		free(r->readings[i].value);
		free(r->readings[i].raw);
		free(r->readings[i].rule);
	}
	free(r->readings);
}

static void tally_inbounds_free(struct tally_inbounds *ins)
{
	for (size_t i = 0; i < ins->count; i++) {
		free(ins->items[i].key);
		tally_reply_clear(&ins->items[i].r);
	}
	free(ins->items);
}

static int tally_inbound_id_cmp(const void *pa, const void *pb)
{
	const struct tally_inbound *a = pa, *b = pb;
	return (a->id > b->id) - (a->id < b->id);
}

/* The message with row id `id`, or NULL (ins sorted by id). */
static struct tally_inbound *tally_inbound_find(struct tally_inbounds *ins, int64_t id)
{
	size_t lo = 0, hi = ins->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ins->items[mid].id == id)
			return &ins->items[mid];
		if (ins->items[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The latest reply of the person with this key: collected last (the highest id on a tie). */
static struct tally_inbound *tally_inbound_latest(struct tally_inbounds *ins, const char *key)
{
	struct tally_inbound *best = NULL;
	for (size_t i = 0; i < ins->count; i++) {
		struct tally_inbound *m = &ins->items[i];
		if (strcmp(m->key, key) != 0)
			continue;
		if (!best || m->r.received > best->r.received ||
		    (m->r.received == best->r.received && m->id > best->id))
			best = m;
	}
	return best;
}

static enum nl_tally_level tally_answer_level(const struct tally_answer *a)
{
	return a->readable ? NL_TALLY_SURE : a->likely ? NL_TALLY_LIKELY : NL_TALLY_UNREADABLE;
}

static void tally_reading_add(struct nl_tally_reply *r, const struct tally_answer *a,
                              const struct nl_survey *survey)
{
	r->readings = nl_xgrow(r->readings, r->n_readings, sizeof *r->readings);
	struct nl_tally_reading *g = &r->readings[r->n_readings++];
	memset(g, 0, sizeof *g);
	g->question = nl_xstrdup(a->question);
	g->text = a->q != TALLY_NO_QUESTION ? tally_dup(survey->questions[a->q].text) : NULL;
	g->level = tally_answer_level(a);
	g->value = g->level == NL_TALLY_UNREADABLE ? NULL : tally_dup(a->value);
	g->raw = tally_dup(a->raw);
	g->rule = tally_dup(a->rule);
	g->settled = a->settled;
}

static void tally_reason_add(struct nl_tally_reply *r, const char *reason)
{
	for (size_t i = 0; i < r->n_reasons; i++)
		if (strcmp(r->reasons[i], reason) == 0)
			return;
	r->reasons = nl_xrealloc(r->reasons, (r->n_reasons + 1) * sizeof *r->reasons);
	r->reasons[r->n_reasons++] = reason;
}

/* Needs a look first; within each part the newest first (received, then the order collected). */
static int tally_reply_order_cmp(const void *pa, const void *pb)
{
	const struct tally_inbound *a = pa, *b = pb;
	if (a->r.needs_look != b->r.needs_look)
		return a->r.needs_look ? -1 : 1;
	if (a->r.received != b->r.received)
		return a->r.received > b->r.received ? -1 : 1;
	return (a->id < b->id) - (a->id > b->id);
}

/* True when answer `a` is a current, sure answer to a follow-up question. */
static bool tally_is_follow_answer(const struct tally_answer *a, const struct nl_survey *survey)
{
	return a->current && a->readable && a->q != TALLY_NO_QUESTION &&
	       survey->questions[a->q].type == NL_Q_YESNO && survey->questions[a->q].follow_up;
}

static void tally_follow_add(struct nl_tally *t, const char *email, const char *name, bool in_words,
                             const char *question, const char *sentence, bool settled, enum nl_match match)
{
	t->follow = nl_xgrow(t->follow, t->n_follow, sizeof *t->follow);
	struct nl_tally_follow *f = &t->follow[t->n_follow++];
	f->email = nl_xstrdup(email);
	f->name = tally_dup(name);
	f->in_words = in_words;
	f->question = tally_dup(question);
	f->sentence = tally_dup(sentence);
	f->settled = settled;
	f->match = match;
}

static int tally_follow_cmp(const void *pa, const void *pb)
{
	const struct nl_tally_follow *a = pa, *b = pb;
	if (a->in_words != b->in_words)
		return a->in_words ? 1 : -1;
	char *ka = nl_ascii_lower(nl_xstrdup(a->email)), *kb = nl_ascii_lower(nl_xstrdup(b->email));
	int c = strcmp(ka, kb);
	free(ka);
	free(kb);
	return c ? c : strcmp(a->email, b->email);
}

/* FOLLOW UP: the people with a sure yes to a follow-up question (each once, the first such
 * question in survey order), then those who asked in their own words and gave no sure answer, yes
 * or no, to any follow-up question (a sure "no" is their answer). */
static void tally_follow_build(struct nl_tally *t, const struct tally_answers *as, struct tally_inbounds *ins,
                               const struct nl_survey *survey)
{
	/* as->items is sorted by key, then question: one pass finds each person's first yes */
	for (size_t i = 0; survey && i < as->count;) {
		size_t j = i;
		while (j < as->count && strcmp(as->items[j].key, as->items[i].key) == 0)
			j++;
		for (size_t k = i; k < j; k++) {
			const struct tally_answer *a = &as->items[k];
			if (tally_is_follow_answer(a, survey) && strcmp(a->value, "yes") == 0) {
				tally_follow_add(t, a->email, a->name, false, a->question, a->raw,
				                 a->settled, a->match);
				break;
			}
		}
		i = j;
	}
	t->n_follow_yes = t->n_follow;
	/* in words: the latest contact sentence of each person (ins is in the order collected), the
	 * latest that came with a token when there is one */
	for (size_t m = ins->count; m-- > 0;) {
		const struct tally_inbound *in = &ins->items[m];
		if (!in->r.contact)
			continue;
		bool seen = false, answered = false;
		for (size_t f = t->n_follow_yes; f < t->n_follow && !seen; f++) {
			struct nl_tally_follow *e = &t->follow[f];
			seen = nl_ascii_casecmp(e->email, in->r.email) == 0;
			if (seen && e->match == NL_MATCH_FROM && in->r.match != NL_MATCH_FROM) {
				free(e->sentence);
				e->sentence = tally_dup(in->r.contact);
				e->match = in->r.match;
			}
		}
		/* as->items is sorted by key: that person's answers are one run, found by bisection */
		size_t lo = 0, hi = as->count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(as->items[mid].key, in->key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* only an answer as well matched as the request hides it: a From-only "no" (anyone can
		 * forge a From) must not hide what the owner of the token asked for in words */
		for (size_t k = lo;
		     survey && k < as->count && !answered && !seen && strcmp(as->items[k].key, in->key) == 0;
		     k++)
			answered = tally_is_follow_answer(&as->items[k], survey) &&
			           (as->items[k].match == NL_MATCH_TOKEN || in->r.match != NL_MATCH_TOKEN);
		if (seen || answered)
			continue;
		tally_follow_add(t, in->r.email, in->r.name, true, NULL, in->r.contact, false, in->r.match);
	}
	if (t->n_follow > 1)
		qsort(t->follow, t->n_follow, sizeof *t->follow, tally_follow_cmp);
}

/* The replies: each message with its readings and reasons, the names from the deliveries. */
static enum nl_code tally_replies(struct nl_store *store, struct nl_tally *t, struct tally_answers *as,
                                  struct tally_inbounds *ins, const struct nl_survey *survey,
                                  struct nl_error *err)
{
	enum nl_code rc = nl_store_inbound_each(store, t->campaign, tally_collect_inbound, ins, err);
	if (rc != NL_OK)
		return rc;
	if (ins->count > 1)
		qsort(ins->items, ins->count, sizeof *ins->items, tally_inbound_id_cmp);
	/* as->items is sorted by person, then question: each message gets its readings in survey order */
	for (size_t k = 0; k < as->count; k++) {
		const struct tally_answer *a = &as->items[k];
		if (!a->current || (survey && a->q == TALLY_NO_QUESTION))
			continue;
		struct tally_inbound *m = a->inbound_id ? tally_inbound_find(ins, a->inbound_id) : NULL;
		if (m && strcmp(m->key, a->key) != 0)
			m = NULL; /* not this person's message: should not happen */
		if (!m)           /* settled by hand, or its message is not in this campaign */
			m = tally_inbound_latest(ins, a->key);
		if (!m)
			continue;
		tally_reading_add(&m->r, a, survey);
		if (!m->r.name && a->name)
			m->r.name = nl_xstrdup(a->name);
		if (survey && tally_is_follow_answer(a, survey) && strcmp(a->value, "yes") == 0)
			m->has_follow_yes = true;
	}
	for (size_t i = 0; i < ins->count; i++) {
		struct tally_inbound *m = &ins->items[i];
		struct nl_tally_reply *r = &m->r;
		if (!r->name) { /* no answer left to name them: the delivery does (a failed lookup only
			         * leaves the name out) */
			struct nl_delivery d = {0};
			struct nl_error derr = {0};
			if (nl_store_delivery_get(store, t->campaign, r->email, &d, &derr) == NL_OK &&
			    d.name && d.name[0])
				r->name = nl_xstrdup(d.name);
			nl_delivery_clear(&d);
		}
		if (r->needs_look)
			tally_reason_add(r, NL_TALLY_REASON_UNREAD);
		for (size_t g = 0; g < r->n_readings; g++) {
			if (r->readings[g].level == NL_TALLY_UNREADABLE)
				tally_reason_add(r, NL_TALLY_REASON_UNREADABLE);
			else if (r->readings[g].level == NL_TALLY_LIKELY)
				tally_reason_add(r, NL_TALLY_REASON_LIKELY);
		}
		if (r->contact && !m->has_follow_yes)
			tally_reason_add(r, NL_TALLY_REASON_CONTACT);
		r->needs_look = r->n_reasons > 0;
	}
	tally_follow_build(t, as, ins, survey);
	if (ins->count > 1)
		qsort(ins->items, ins->count, sizeof *ins->items, tally_reply_order_cmp);
	t->n_replies = ins->count;
	t->replies_list = nl_xcalloc(ins->count ? ins->count : 1, sizeof *t->replies_list);
	for (size_t i = 0; i < ins->count; i++) {
		t->replies_list[i] = ins->items[i].r;
		memset(&ins->items[i].r, 0, sizeof ins->items[i].r); /* moved */
		if (t->replies_list[i].needs_look)
			t->needs_look++;
	}
	return NL_OK;
}

static enum nl_code tally_figures(struct nl_store *store, struct nl_tally *t, struct nl_error *err)
{
	enum nl_code rc;
	long d[NL_DELIVERY_STATES] = {0};
	long in[9] = {0}, none[9] = {0};
	if ((rc = nl_store_delivery_counts(store, t->campaign, d, err)) != NL_OK)
		return rc;
	if ((rc = nl_store_inbound_counts(store, t->campaign, in, err)) != NL_OK)
		return rc;
	if ((rc = nl_store_inbound_counts(store, NULL, none, err)) != NL_OK)
		return rc;
	if ((rc = nl_store_bounce_count(store, t->campaign, &t->bounced, err)) != NL_OK)
		return rc;
	t->sent = d[NL_DELIVERY_SENT];
	t->deferred = d[NL_DELIVERY_DEFERRED];
	t->failed = d[NL_DELIVERY_FAILED];
	t->pending = d[NL_DELIVERY_SENDING] + d[NL_DELIVERY_UNKNOWN];
	t->complaints = in[NL_INBOUND_COMPLAINT];
	t->unsubscribed = in[NL_INBOUND_UNSUBSCRIBE];
	t->replies = in[NL_INBOUND_ANSWER];
	t->unmatched = in[NL_INBOUND_STRANGER] + none[NL_INBOUND_STRANGER];
	t->unreadable_messages = in[NL_INBOUND_UNREADABLE] + none[NL_INBOUND_UNREADABLE];
	return NL_OK;
}

enum nl_code nl_tally_build(struct nl_store *store, const struct nl_campaign *campaign,
                            const struct nl_survey *survey, struct nl_tally **out, struct nl_error *err)
{
	enum nl_code rc;
	struct tally_answers as = {.survey = survey};
	struct tally_inbounds ins = {0};
	struct nl_tally *t = nl_xcalloc(1, sizeof *t);
	*out = NULL;
	t->campaign = nl_xstrdup(campaign->id);
	t->subject = tally_dup(campaign->subject);
	t->due = campaign->due;
	t->generated = nl_now();
	if (survey) {
		t->survey_id = tally_dup(survey->id);
		tally_questions_init(t, survey);
	}
	if ((rc = tally_figures(store, t, err)) != NL_OK)
		goto out;
	if ((rc = nl_store_answer_each(store, t->campaign, tally_collect_answer, &as, err)) != NL_OK)
		goto out;
	if (as.count)
		qsort(as.items, as.count, sizeof *as.items, tally_answer_cmp);
	tally_answers_apply(t, &as);
	if ((rc = tally_replies(store, t, &as, &ins, survey, err)) != NL_OK)
		goto out;
	tally_scale_stats(t);
	tally_crosstab(t);
	t->has_rate = t->sent > 0;
	t->response_rate = t->has_rate ? (double)t->respondents / (double)t->sent : 0.0;
	*out = t;
	t = NULL;
out:
	tally_answers_free(&as);
	tally_inbounds_free(&ins);
	nl_tally_free(t);
	return rc;
}

enum nl_code nl_tally_campaign(struct nl_store *store, const char *campaign_id, struct nl_tally **out,
                               struct nl_error *err)
{
	struct nl_campaign c = {0};
	struct nl_survey *survey = NULL;
	char *title = NULL;
	struct nl_error serr = {0};
	enum nl_code rc;
	*out = NULL;
	rc = campaign_id ? nl_store_campaign_get(store, campaign_id, &c, err)
	                 : nl_store_campaign_latest(store, &c, err);
	if (rc == NL_ERR_NOT_FOUND && !campaign_id)
		rc = nl_fail(err, NL_ERR_NOT_FOUND, "there is no campaign yet: nothing has been sent");
	else if (rc == NL_ERR_NOT_FOUND)
		rc = nl_fail(err, NL_ERR_NOT_FOUND, "no campaign '%s' (see 'mailer status')", campaign_id);
	if (rc != NL_OK)
		goto out;
	enum nl_code src = nl_campaign_survey(&c, &survey, &title, &serr);
	rc = nl_tally_build(store, &c, src == NL_OK ? survey : NULL, out, err);
	if (rc != NL_OK)
		goto out;
	if (src != NL_OK)
		(*out)->note = nl_xasprintf("the survey could not be read from the stored campaign: %s",
		                            serr.detail[0] ? serr.detail : nl_strerror(src));
	else if (title)
		(*out)->title = nl_xstrdup(title);
out:
	nl_survey_free(survey);
	free(title);
	nl_campaign_clear(&c);
	return rc;
}

struct tally_ids {
	char **ids;
	size_t n;
};

static bool tally_collect_id(const struct nl_campaign *c, void *ud)
{
	struct tally_ids *ids = ud;
	ids->ids = nl_xrealloc(ids->ids, (ids->n + 1) * sizeof *ids->ids);
	ids->ids[ids->n++] = nl_xstrdup(c->id);
	return true;
}

enum nl_code nl_tally_all(struct nl_store *store, struct nl_tally ***out, size_t *n, struct nl_error *err)
{
	struct tally_ids ids = {0};
	struct nl_tally **list = NULL;
	size_t count = 0;
	enum nl_code rc = nl_store_campaign_each(store, tally_collect_id, &ids, err);
	*out = NULL;
	*n = 0;
	if (rc != NL_OK)
		goto out;
	list = nl_xcalloc(ids.n ? ids.n : 1, sizeof *list);
	for (size_t i = 0; i < ids.n; i++) {
		if ((rc = nl_tally_campaign(store, ids.ids[i], &list[count], err)) != NL_OK)
			goto out;
		count++;
	}
	*out = list;
	*n = count;
	list = NULL;
out:
	nl_tally_free_all(list, count);
	for (size_t i = 0; i < ids.n; i++)
		free(ids.ids[i]);
	free(ids.ids);
	return rc;
}

static int tally_int_cmp(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	return (a > b) - (a < b);
}

bool nl_tally_stats(int *values, size_t count, double *mean, double *median)
{
	if (count == 0)
		return false;
	qsort(values, count, sizeof *values, tally_int_cmp);
	double sum = 0;
	for (size_t i = 0; i < count; i++)
		sum += values[i];
	*mean = sum / (double)count;
	if (count % 2)
		*median = values[count / 2];
	else
		*median = ((double)values[count / 2 - 1] + (double)values[count / 2]) / 2.0;
	return true;
}

const struct nl_tally_question *nl_tally_find(const struct nl_tally *t, const char *id)
{
	for (size_t i = 0; t && id && i < t->n_questions; i++)
		if (strcmp(t->questions[i].id, id) == 0)
			return &t->questions[i];
	return NULL;
}

static void tally_entries_free(struct nl_tally_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].email);
		free(e[i].name);
		free(e[i].text);
	}
	free(e);
}

const char *nl_tally_level_name(enum nl_tally_level level)
{
	switch (level) {
	case NL_TALLY_SURE:
		return "sure";
	case NL_TALLY_LIKELY:
		return "likely";
	case NL_TALLY_UNREADABLE:
		return "unreadable";
	}
	return "unreadable";
}

void nl_tally_free(struct nl_tally *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_replies; i++)
		tally_reply_clear(&t->replies_list[i]);
	free(t->replies_list);
	for (size_t i = 0; i < t->n_follow; i++) {
		free(t->follow[i].email);
		free(t->follow[i].name);
		free(t->follow[i].question);
		free(t->follow[i].sentence);
	}
	free(t->follow);
	for (size_t i = 0; i < t->n_questions; i++) {
		struct nl_tally_question *q = &t->questions[i];
		free(q->id);
		free(q->text);
		for (size_t b = 0; b < q->n_bins; b++)
			free(q->bins[b].label);
		free(q->bins);
		tally_entries_free(q->yes, q->n_yes);
		tally_entries_free(q->answers, q->n_answers);
		tally_entries_free(q->unreadable, q->n_unreadable);
	}
	free(t->questions);
	for (size_t p = 0; p < t->n_people; p++) {
		free(t->people[p].email);
		free(t->people[p].name);
		for (size_t i = 0; i < t->n_questions; i++)
			free(t->people[p].values[i]);
		free(t->people[p].values);
	}
	free(t->people);
	free(t->crosstab.cells);
	free(t->crosstab.row_n);
	free(t->crosstab.row_mean);
	free(t->campaign);
	free(t->subject);
	free(t->title);
	free(t->survey_id);
	free(t->note);
	free(t);
}

void nl_tally_free_all(struct nl_tally **t, size_t n)
{
	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		nl_tally_free(t[i]);
	free(t);
}
