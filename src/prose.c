/* prose.c - reading answers out of the reader's own sentences (doc/DESIGN.md §8, issue 12).
 *
 * The forms of answers.c read what is written the way the email asks (numbers, ids, inline).  What
 * they leave is read here, in stages:
 *   own words   the person's lines that no form used, joined into paragraphs;
 *   sentences   split at terminal punctuation, blank lines and the ends of short lines (text.h);
 *   facts       per sentence, in folded words: which questions it refers to (their own content
 *               words, stemmed; keywords; options and aliases; words for being contacted), the
 *               numbers it holds (with units, ranges and "N out of M"), the options it names and
 *               the ones it negates, yes and no, negation, hedges, "later", and requests;
 *   readers     in order ("Job. 3. Yes. More flexible hours.": each segment fits the next
 *               question), then by reference (a sentence that refers to a question and carries a
 *               value of its type), then a number standing alone for the only scale question;
 *   readings    each with a level: sure (tallied), likely (proposed: the coach confirms) or
 *               unreadable (shown with its sentence).
 * The rule that never changes: a wrong tally is worse than a missing one.  Whatever is in doubt
 * (two values, a hedge on a yes or a no, a choice named in a long sentence that is not about the
 * question) is likely or unreadable, never sure.
 *
 * Bounded: at most PROSE_TEXT_MAX bytes of own words and PROSE_MAX_SENTENCES sentences are read,
 * each of at most PROSE_MAX_WORDS words, so a 1 MB reply costs what its first 16 KB do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answers_impl.h"
#include "lexicon.h"
#include "text.h"
#include "util.h"

#define PROSE_TEXT_MAX (16 * 1024)
#define PROSE_MAX_SENTENCES 200
#define PROSE_MAX_WORDS 80
#define PROSE_SHORT 8          /* words: a sentence this short is about one thing */
#define PROSE_NEG_SCOPE 4      /* words a negation reaches forward */
#define PROSE_LONE_NUMBER 5    /* words: "I'd say 8.", "I'm about a 4" */
#define PROSE_MAX_REFS 48      /* reference words per question */
#define PROSE_MAX_QUESTIONS 64 /* questions read in prose; a survey is a handful */
#define PROSE_N_LANGS 9
#define PROSE_STEM_CAP 48

static const char *const prose_langs[PROSE_N_LANGS] = {"en", "fr", "de", "es", "pt", "it", "nl", "ru", "tr"};

/* Words too common to tell one question from another. */
static const char *const prose_stopwords[] = {
    "what", "which", "who",   "how",   "why",  "when", "where", "would", "could", "should", "will",
    "you",  "your",  "yours", "are",   "is",   "was",  "were",  "be",    "been",  "the",    "and",
    "or",   "for",   "with",  "about", "this", "that", "there", "here",  "one",   "thing",  "things",
    "like", "does",  "did",   "have",  "has",  "into", "from",  "most",  "least", "much",   "many",
    "any",  "some",  "very",  "more",  "less", "our",  "out",   "free",  "quel",  "quelle", "est",
    "vous", "votre", "pour",  "avec",  "une",  "des",  "les",   "que",   "qui",   "wie",    "was",
    "ist",  "sie",   "ihre",  "ihr",   "und",  "oder", "mit",   "für",   "eine",  "einen",  "que",
    "cual", "como",  "usted", "su",    "sus",  "para", "con",   "una",   "los",   "las",    "qual",
    "voce", "seu",   "sua",   "uma",   "che",  "come", "il",    "tuo",   "tua",   "hoe",    "wat",
    "uw",   "je",    "jouw",  "een",   "het",  "van",  "jak",   "czy",   "jest",  "twoja",  "twoj",
    "как",  "что",   "ваш",   "ваша",  "вы",   "ли",   "это",   "або",   "чи",    "ваше",   "nasil",
    "mi",   "mu",    "ne",    "bir",   "ve",   "ile",
};

/* "N out of M" and friends: the words between the value and the scale's top. */
static const char *const prose_of_words[] = {
    "of", "out of", "sur", "von", "aus", "de",  "su", "van", "van de", "op", "op de",
    "na", "z",      "из",  "з",   "із",  "від", "em", "en",  "di",     "da",
};
/* The top first: "10 üzerinden 4", "10点中4". */
static const char *const prose_of_first[] = {"üzerinden", "uzerinden", "中", "点中", "のうち", "点満点中"};
/* A range or a choice between numbers is no value: "between 5 and 7". */
static const char *const prose_between[] = {"between", "entre",  "zwischen", "tra", "fra",
                                            "tussen",  "między", "между",    "між", "arasında"};
/* "X or Y": the options are alternatives, not a choice ("whether it's a job or a career"). */
static const char *const prose_or[] = {"or",  "ou",  "oder", "o",  "u",    "oppure", "of",    "czy", "albo",
                                       "lub", "или", "або",  "чи", "veya", "ya",     "yoksa", "か"};
/* A contrast ends a negation's reach: "not a job, but a career". */
static const char *const prose_but[] = {"but", "mais", "aber",  "sondern", "pero",   "sino",
                                        "mas", "ma",   "maar",  "ale",     "но",     "а",
                                        "але", "ama",  "fakat", "でも",    "しかし", "けど"};

/* Words that may follow an option that stands as the answer ("a job right now", "a career for
 * me", "Karriere, definitiv"); any other word after it makes it a modifier ("career advice"). */
static const char *const prose_after_words[] = {
    "right",    "now",        "for",    "to",       "at",         "really",     "definitely",
    "honestly", "actually",   "mostly", "though",   "still",      "yet",        "not",
    "but",      "and",        "too",    "i",        "in",         "so",         "anymore",
    "these",    "days",       "of",     "all",      "sure",       "obviously",  "clearly",
    "probably", "i'd",        "i'm",    "i think",  "as",         "by",         "with",
    "pour",     "maintenant", "pas",    "mais",     "et",         "je",         "vraiment",
    "für",      "jetzt",      "nicht",  "aber",     "und",        "ich",        "wirklich",
    "para",     "ahora",      "no",     "pero",     "y",          "yo",         "agora",
    "não",      "mas",        "e",      "eu",       "per",        "adesso",     "ora",
    "ma",       "io",         "voor",   "nu",       "niet",       "maar",       "en",
    "ik",       "dla",        "teraz",  "nie",      "ale",        "i",          "ja",
    "для",      "сейчас",     "не",     "но",       "и",          "я",          "зараз",
    "але",      "için",       "şimdi",  "değil",    "ama",        "ve",         "ben",
    "です",     "だ",         "で",     "と",       "would",      "will",       "is",
    "was",      "sounds",     "seems",  "could",    "can",        "might",      "please",
    "helps",    "works",      "por",    "pelo",     "de momento", "al momento", "op dit moment",
    "na razie", "пока",       "поки",   "şimdilik", "今は",
};

/* Words that make a number a rating ("I'd rate it a 2", "call it a 4", "je mets 4"). */
static const char *const prose_rating_words[] = {
    "rate",
    "rating",
    "rated",
    "give it",
    "i'd give",
    "i would give",
    "put it at",
    "call it",
    "score",
    "grade",
    "satisfaction",
    "je donne",
    "je mets",
    "je dirais",
    "note",
    "ich gebe",
    "ich würde sagen",
    "bewerte",
    "bewertung",
    "le doy",
    "le daría",
    "diría",
    "calificaría",
    "puntuaría",
    "nota",
    "dou",
    "daria",
    "diria",
    "do un",
    "darei",
    "direi",
    "voto",
    "ik geef",
    "cijfer",
    "zou zeggen",
    "daję",
    "dałbym",
    "dałabym",
    "oceniam",
    "ocena",
    "powiedziałbym",
    "powiedziałabym",
    "ставлю",
    "поставил бы",
    "поставила бы",
    "оцениваю",
    "оценка",
    "сказал бы",
    "сказала бы",
    "оцінюю",
    "оцінка",
    "поставив би",
    "поставила б",
    "veriyorum",
    "verirdim",
    "puan",
    "derim",
    "点数",
    "評価",
    "点",
};
/* Words that say the sentence corrects what came before ("actually, scratch that"). */
static const char *const prose_correction_words[] = {
    "actually",
    "scratch that",
    "i meant",
    "correction",
    "sorry",
    "on second thought",
    "rather",
    "en fait",
    "je voulais dire",
    "correction",
    "pardon",
    "eigentlich",
    "ich meinte",
    "korrektur",
    "sorry",
    "en realidad",
    "quise decir",
    "perdón",
    "corrijo",
    "na verdade",
    "quis dizer",
    "desculpe",
    "correção",
    "anzi",
    "intendevo",
    "correggo",
    "scusa",
    "eigenlijk",
    "ik bedoelde",
    "correctie",
    "właściwie",
    "miałem na myśli",
    "miałam na myśli",
    "poprawka",
    "przepraszam",
    "вообще-то",
    "точнее",
    "я имел в виду",
    "я имела в виду",
    "поправка",
    "извините",
    "насправді",
    "точніше",
    "я мав на увазі",
    "я мала на увазі",
    "виправлення",
    "aslında",
    "yani",
    "düzeltme",
    "pardon",
    "訂正",
    "間違えました",
    "失礼",
};
/* Words that make what follows a class of work, as an article does where a language has none. */
static const char *const prose_copulas[] = {
    "it's",       "its",    "is",     "mine's", "mine is", "c'est",    "es",   "ist", "é",
    "è",          "is een", "to",     "jest",   "это",     "то",       "це",   "bu",  "olarak",
    "definitely", "really", "more",   "just",   "rather",  "plutôt",   "eher", "más", "mais",
    "più",        "eerder", "raczej", "скорее", "скоріше", "daha çok",
};

/* "rather a job than a career", "eher ein Job als eine Karriere": the first option wins. */
static const char *const prose_than_words[] = {"than", "que", "qu'", "als", "do que", "che", "di",
                                               "dan",  "niż", "чем", "ніж", "yerine", "より"};
static const char *const prose_more_words[] = {
    "more",  "rather", "more of", "plutot",    "plutôt", "davantage", "eher",     "mehr",     "más",
    "mas",   "mais",   "più",     "piuttosto", "meer",   "eerder",    "bardziej", "raczej",   "скорее",
    "более", "больше", "скоріше", "більше",    "радше",  "швидше",    "daha",     "daha çok", "むしろ"};

/* Negations that follow what they deny: "kariyer değil", "Звонок не нужен", "キャリアではない". */
static const char *const prose_postposed_words[] = {
    "değil",
    "degil",
    "gerek yok",
    "istemiyorum",
    "не нужен",
    "не нужна",
    "не нужно",
    "не надо",
    "не треба",
    "не потрібен",
    "не потрібна",
    "не потрібно",
    "nicht nötig",
    "nicht notwendig",
    "brauche ich nicht",
    "pas nécessaire",
    "inutile",
    "no hace falta",
    "no es necesario",
    "não é necessário",
    "não precisa",
    "non serve",
    "non è necessario",
    "niet nodig",
    "nie jest potrzebna",
    "nie jest potrzebny",
    "niepotrzebna",
    "niepotrzebny",
    "not needed",
    "not necessary",
    "不要",
    "いらない",
    "必要ない",
    "結構です",
    "ではない",
    "じゃない",
    "ではありません",
    "じゃありません",
};

/* "3 and 4", "3 to 4", "3 bis 4": two numbers joined are a range. */
static const char *const prose_and_words[] = {"and", "to", "et", "à", "und", "bis", "y",  "e",   "en",
                                              "tot", "i",  "do", "и", "до",  "і",   "ve", "ile", "から"};
/* "call it a 4", "so-called": the word "call" that names, not the one that phones. */
static const char *const prose_naming_words[] = {"call it", "call that",     "call this",  "so called",
                                                 "called",  "would call it", "i'd call it"};

/* Possessives and demonstratives: "my job" names the person's work, it does not class it. */
static const char *const prose_possessives[] = {
    "my",     "this",   "that",   "our",   "your",  "his",  "her",    "their",  "mon",    "ma",
    "mes",    "ce",     "cette",  "notre", "votre", "mein", "meine",  "meinen", "meinem", "diese",
    "dieser", "diesen", "unsere", "mi",    "mis",   "este", "esta",   "ese",    "esa",    "nuestro",
    "meu",    "minha",  "esse",   "essa",  "mio",   "mia",  "il mio", "la mia", "questo", "questa",
    "mijn",   "deze",   "dit",    "onze",  "mój",   "moja", "moje",   "ten",    "ta",     "мой",
    "моя",    "моё",    "эта",    "этот",  "мій",   "моя",  "моє",    "ця",     "цей",    "benim",
    "bu",     "şu",     "私の",   "この",
};

/* ---- folded word lists, built on first use ---- */

struct prose_list {
	const char *const *src;
	size_t n;
	struct nl_text_words *w; /* one per phrase */
};

#define PROSE_LIST(a)                                                                                        \
	{                                                                                                    \
		a, sizeof a / sizeof a[0], NULL                                                              \
	}
static struct prose_list prose_stop = PROSE_LIST(prose_stopwords);
static struct prose_list prose_of = PROSE_LIST(prose_of_words);
static struct prose_list prose_of1 = PROSE_LIST(prose_of_first);
static struct prose_list prose_btw = PROSE_LIST(prose_between);
static struct prose_list prose_alt = PROSE_LIST(prose_or);
static struct prose_list prose_contrast = PROSE_LIST(prose_but);
static struct prose_list prose_after = PROSE_LIST(prose_after_words);
static struct prose_list prose_mine = PROSE_LIST(prose_possessives);
static struct prose_list prose_rating = PROSE_LIST(prose_rating_words);
static struct prose_list prose_and = PROSE_LIST(prose_and_words);
static struct prose_list prose_than = PROSE_LIST(prose_than_words);
static struct prose_list prose_postposed = PROSE_LIST(prose_postposed_words);
static struct prose_list prose_more = PROSE_LIST(prose_more_words);
static struct prose_list prose_naming = PROSE_LIST(prose_naming_words);
static struct prose_list prose_correction = PROSE_LIST(prose_correction_words);
static struct prose_list prose_copula = PROSE_LIST(prose_copulas);

static void prose_list_build(struct prose_list *l)
{
	if (l->w)
		return;
	l->w = nl_xcalloc(l->n, sizeof *l->w);
	for (size_t i = 0; i < l->n; i++)
		nl_text_words(l->src[i], strlen(l->src[i]), 0, &l->w[i]);
}

static bool prose_word_eq(const struct nl_text_words *a, size_t i, const struct nl_text_words *b, size_t j)
{
	return a->w[i].len == b->w[j].len &&
	       memcmp(a->folded + a->w[i].off, b->folded + b->w[j].off, a->w[i].len) == 0;
}

/* Length in words of the longest phrase of `l` at ws[at..], or 0. */
static size_t prose_list_at(struct prose_list *l, const struct nl_text_words *ws, size_t at)
{
	prose_list_build(l);
	size_t best = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct nl_text_words *p = &l->w[i];
		if (p->n == 0 || p->n <= best || at + p->n > ws->n)
			continue;
		size_t k = 0;
		while (k < p->n && prose_word_eq(ws, at + k, p, k))
			k++;
		if (k == p->n)
			best = p->n;
	}
	return best;
}

/* True when a phrase of `l` ends right before word `at`. */
static bool prose_list_ends_at(struct prose_list *l, const struct nl_text_words *ws, size_t at)
{
	for (size_t back = 1; back <= 3 && back <= at; back++)
		if (prose_list_at(l, ws, at - back) == back)
			return true;
	return false;
}

static bool prose_is_stopword(const char *w, size_t len)
{
	prose_list_build(&prose_stop);
	for (size_t i = 0; i < prose_stop.n; i++)
		if (prose_stop.w[i].n == 1 && prose_stop.w[i].w[0].len == len &&
		    memcmp(prose_stop.w[i].folded, w, len) == 0)
			return true;
	return false;
}

/* ---- stems ---- */

struct prose_stems {
	char s[PROSE_N_LANGS][PROSE_STEM_CAP];
	unsigned char len[PROSE_N_LANGS];
	char word[PROSE_STEM_CAP];
	unsigned char wlen;
	size_t chars;
};

static void prose_stem(const char *w, size_t len, struct prose_stems *out)
{
	if (len >= PROSE_STEM_CAP)
		len = PROSE_STEM_CAP - 1;
	memcpy(out->word, w, len);
	out->word[len] = 0;
	out->wlen = (unsigned char)len;
	out->chars = 0;
	for (size_t i = 0; i < len; i++)
		out->chars += ((unsigned char)w[i] & 0xC0) != 0x80;
	for (size_t k = 0; k < PROSE_N_LANGS; k++)
		out->len[k] = (unsigned char)nl_text_stem(prose_langs[k], w, len, out->s[k], PROSE_STEM_CAP);
}

/* One word meets another: the same word, a shared stem of at least four letters in one language,
 * or a shared beginning of at least five characters ("consultation" and "consult"). */
static bool prose_stems_meet(const struct prose_stems *a, const struct prose_stems *b)
{
	if (a->wlen == b->wlen && memcmp(a->word, b->word, a->wlen) == 0)
		return true;
	const struct prose_stems *sh = a->wlen < b->wlen ? a : b, *lo = sh == a ? b : a;
	if (sh->chars >= 5 && memcmp(sh->word, lo->word, sh->wlen) == 0)
		return true;
	if (nl_text_common_prefix(a->word, a->wlen, b->word, b->wlen) >= 6)
		return true; /* "satisfied", "satisfaction" */
	for (size_t k = 0; k < PROSE_N_LANGS; k++)
		if (a->len[k] >= 4 && a->len[k] == b->len[k] && memcmp(a->s[k], b->s[k], a->len[k]) == 0)
			return true;
	return false;
}

/* ---- what the survey's questions look like ---- */

/* A phrase that names an option: its folded words, leading articles dropped ("a CV review"). */
struct prose_name {
	struct nl_text_words w;
	size_t first; /* the first word that counts */
	size_t option;
};

struct prose_question {
	struct prose_stems *refs; /* content words of the question and its keywords */
	size_t n_refs;
	char **ideo; /* keywords in a script without spaces ("満足"): matched as substrings */
	size_t n_ideo;
	struct prose_name *names; /* choice: options and aliases */
	size_t n_names;
	bool hedge_option[64]; /* choice: the option is itself a doubt ("not sure") */
	bool risky_option[64]; /* choice: the option is a yes, a no or a number */
};

struct prose_survey {
	const struct nl_survey *s;
	struct prose_question *q; /* n_q entries */
	size_t n_q;
	size_t n_scale, n_yesno, scale_q, yesno_q;
};

static void prose_add_refs(struct prose_question *pq, const char *text, bool keep_all)
{
	struct nl_text_words w;
	nl_text_words(text, strlen(text), 0, &w);
	/* a keyword written without spaces: its run of two characters or more, as a substring */
	if (keep_all && w.n >= 2 && w.w[0].cls == NL_CHAR_IDEO && pq->n_ideo < PROSE_MAX_REFS) {
		pq->ideo = nl_xrealloc(pq->ideo, (pq->n_ideo + 1) * sizeof *pq->ideo);
		pq->ideo[pq->n_ideo++] = nl_xstrdup(w.folded);
	}
	for (size_t i = 0; i < w.n && pq->n_refs < PROSE_MAX_REFS; i++) {
		const char *p = w.folded + w.w[i].off;
		size_t len = w.w[i].len;
		if (w.w[i].cls != NL_CHAR_LETTER || (!keep_all && (len < 3 || prose_is_stopword(p, len))))
			continue;
		pq->refs = nl_xrealloc(pq->refs, (pq->n_refs + 1) * sizeof *pq->refs);
		prose_stem(p, len, &pq->refs[pq->n_refs++]);
	}
	nl_text_words_free(&w);
}

static void prose_add_name(struct prose_question *pq, const char *text, size_t option)
{
	pq->names = nl_xrealloc(pq->names, (pq->n_names + 1) * sizeof *pq->names);
	struct prose_name *n = &pq->names[pq->n_names];
	nl_text_words(text, strlen(text), PROSE_MAX_WORDS, &n->w);
	n->first = 0;
	while (n->first + 1 < n->w.n &&
	       nl_lexicon_article(n->w.folded + n->w.w[n->first].off, n->w.w[n->first].len))
		n->first++;
	n->option = option;
	if (n->w.n > n->first)
		pq->n_names++;
	else
		nl_text_words_free(&n->w);
}

static void prose_drop_options(struct prose_question *pq, const struct nl_question *q)
{
	for (size_t o = 0; o < q->n_options; o++) {
		struct nl_text_words w;
		nl_text_words(q->options[o], strlen(q->options[o]), 0, &w);
		for (size_t k = 0; k < w.n; k++) {
			struct prose_stems os;
			prose_stem(w.folded + w.w[k].off, w.w[k].len, &os);
			for (size_t i = 0; i < pq->n_refs;)
				if (prose_stems_meet(&pq->refs[i], &os))
					pq->refs[i] = pq->refs[--pq->n_refs];
				else
					i++;
		}
		nl_text_words_free(&w);
	}
}

/* Content words that two questions share ("work" in "Is your work…" and "…change about your
 * work?") tell neither apart: they are dropped from both. */
static void prose_drop_shared(struct prose_survey *ps)
{
	size_t nq = ps->s->n_questions;
	bool *shared[PROSE_MAX_QUESTIONS] = {0};
	for (size_t a = 0; a < nq && a < PROSE_MAX_QUESTIONS; a++) {
		struct prose_question *qa = &ps->q[a];
		shared[a] = nl_xcalloc(qa->n_refs ? qa->n_refs : 1, sizeof **shared);
		for (size_t i = 0; i < qa->n_refs; i++)
			for (size_t b = 0; b < nq && !shared[a][i]; b++)
				for (size_t j = 0; b != a && j < ps->q[b].n_refs && !shared[a][i]; j++)
					shared[a][i] = prose_stems_meet(&qa->refs[i], &ps->q[b].refs[j]);
	}
	for (size_t a = 0; a < nq && a < PROSE_MAX_QUESTIONS; a++) {
		struct prose_question *qa = &ps->q[a];
		size_t keep = 0;
		for (size_t i = 0; i < qa->n_refs; i++)
			if (!shared[a][i])
				qa->refs[keep++] = qa->refs[i];
		qa->n_refs = keep;
		free(shared[a]);
	}
}

static void prose_survey_init(struct prose_survey *ps, const struct nl_survey *s)
{
	memset(ps, 0, sizeof *ps);
	ps->s = s;
	ps->n_q = s->n_questions;
	ps->q = nl_xcalloc(s->n_questions ? s->n_questions : 1, sizeof *ps->q);
	for (size_t i = 0; i < s->n_questions; i++) {
		const struct nl_question *q = &s->questions[i];
		struct prose_question *pq = &ps->q[i];
		if (q->text)
			prose_add_refs(pq, q->text, false);
		if (q->type == NL_Q_CHOICE) /* the options name themselves (below), not the question */
			prose_drop_options(pq, q);
		if (q->type == NL_Q_CHOICE) {
			for (size_t o = 0; o < q->n_options; o++) {
				prose_add_name(pq, q->options[o], o);
				/* an option that is a doubt ("not sure"), a yes or a no, or holds a number is
				 * as risky as a yes/no or scale answer: only sure where the sentence weighs
				 * the options */
				const char *ot = q->options[o];
				if (o < 64) {
					pq->hedge_option[o] = nl_lexicon_has(NL_LEX_HEDGE, ot, strlen(ot));
					pq->risky_option[o] = nl_lexicon_has(NL_LEX_YES, ot, strlen(ot)) ||
					                      nl_lexicon_has(NL_LEX_NO, ot, strlen(ot)) ||
					                      strpbrk(ot, "0123456789") != NULL;
				}
			}
			for (size_t k = 0; k < q->n_aliases; k++)
				if (q->aliases[k].text && q->aliases[k].option < q->n_options)
					prose_add_name(pq, q->aliases[k].text, q->aliases[k].option);
		}
		if (q->type == NL_Q_SCALE) {
			ps->n_scale++;
			ps->scale_q = i;
		}
		if (q->type == NL_Q_YESNO) {
			ps->n_yesno++;
			ps->yesno_q = i;
		}
	}
	prose_drop_shared(ps);
	/* keywords are the coach's own: always kept, even when two questions share one */
	for (size_t i = 0; i < s->n_questions; i++)
		for (size_t k = 0; k < s->questions[i].n_keywords; k++)
			if (s->questions[i].keywords[k])
				prose_add_refs(&ps->q[i], s->questions[i].keywords[k], true);
}

static void prose_survey_free(struct prose_survey *ps)
{
	for (size_t i = 0; i < ps->n_q; i++) {
		free(ps->q[i].refs);
		for (size_t k = 0; k < ps->q[i].n_ideo; k++)
			free(ps->q[i].ideo[k]);
		free(ps->q[i].ideo);
		for (size_t k = 0; k < ps->q[i].n_names; k++)
			nl_text_words_free(&ps->q[i].names[k].w);
		free(ps->q[i].names);
	}
	free(ps->q);
}

/* What prose_survey_init reads from a survey, as one string: equal strings give equal results. */
static void prose_survey_key(const struct nl_survey *s, struct nl_buf *key)
{
	for (size_t i = 0; i < s->n_questions; i++) {
		const struct nl_question *q = &s->questions[i];
		nl_buf_printf(key, "%d|%s|", (int)q->type, q->text ? q->text : "");
		for (size_t o = 0; o < q->n_options; o++)
			nl_buf_printf(key, "o%s|", q->options[o]);
		for (size_t k = 0; k < q->n_aliases; k++)
			nl_buf_printf(key, "a%zu=%s|", q->aliases[k].option,
			              q->aliases[k].text ? q->aliases[k].text : "");
		for (size_t k = 0; k < q->n_keywords; k++)
			nl_buf_printf(key, "k%s|", q->keywords[k] ? q->keywords[k] : "");
		nl_buf_putc(key, '\n');
	}
}

/* The survey's words stemmed and indexed, made once per survey rather than once per reply (it
 * was a fifth of a collect's time).  One entry, keyed by the survey's content, not its address,
 * so a survey freed and another allocated in its place is never mistaken for it. */
static struct {
	struct nl_buf key;
	struct prose_survey ps;
	bool ready;
} prose_cache;

static const struct prose_survey *prose_survey_get(const struct nl_survey *s)
{
	struct nl_buf key;
	nl_buf_init(&key, 0);
	prose_survey_key(s, &key);
	if (prose_cache.ready && key.len == prose_cache.key.len &&
	    memcmp(key.data, prose_cache.key.data, key.len) == 0) {
		nl_buf_free(&key);
		prose_cache.ps.s = s;
		return &prose_cache.ps;
	}
	if (prose_cache.ready)
		prose_survey_free(&prose_cache.ps);
	nl_buf_free(&prose_cache.key);
	prose_cache.key = key;
	prose_survey_init(&prose_cache.ps, s);
	prose_cache.ready = true;
	return &prose_cache.ps;
}

/* ---- the facts of one sentence ---- */

#define PROSE_MAX_NUMBERS 8

struct prose_number {
	int value;
	int top;       /* "4 out of 5": 5; -1 when none was given */
	bool unit;     /* "8 years", "two kids": a quantity, never a rating */
	bool word;     /* written as a word ("four") */
	bool standing; /* the sentence or clause ends after it (or after "out of M") */
	size_t at;     /* word index */
};

struct prose_facts {
	const char *text; /* the sentence as written */
	size_t len;
	size_t para; /* the paragraph it is in */
	struct nl_text_words w;
	size_t n_words;     /* words that are not thanks or greetings */
	bool *ref;          /* per question: the sentence names the question's own words */
	bool *ref_negated;  /* per question: a negation reaches those words ("not thinking of leaving") */
	int yes, no;        /* yes and no words, outside a negation's reach */
	size_t polar_words; /* the longest yes or no phrase, in words ("no thanks": 2) */
	bool hedge, later, question;
	bool contact;         /* names a call, a chat, a meeting… */
	bool contact_negated; /* "no need for a call", "I don't want a meeting" */
	bool want;            /* "I'd like", "please", "hätte gern"… */
	bool no_after;        /* a negation that follows what it denies ("kariyer değil") */
	bool range;           /* "between 5 and 7", "3 or 4" */
	bool numbered;        /* starts as a numbered answer would ("-1 career") that the forms refused */
	bool rating;          /* "rate", "give it", "call it": a number in it is a rating */
	bool correction;      /* "actually", "I meant": it corrects an answer given before */
	size_t n_plain;       /* words that are no yes, no, negation, hedge, want, thanks or number */
	size_t n_ratings;     /* numbers that may be a rating: no unit, not negated */
	struct prose_number num[PROSE_MAX_NUMBERS];
	size_t n_num;
	bool num_overflow;
	/* choice: per question, the options named (bit o), those negated, and whether two named
	 * options stand as alternatives ("a job or a career") */
	uint64_t *named, *negated, *standing, *strong;
	bool *alternatives;
	bool used; /* a reading or the contact request came from it */
};

static size_t prose_lex(enum nl_lex_kind k, const struct nl_text_words *w, size_t i)
{
	size_t n = 0;
	return nl_lexicon_match(k, w, i, &n) ? n : 0;
}

static int prose_digits(const struct nl_text_words *w, size_t i)
{
	if (w->w[i].cls != NL_CHAR_DIGIT || w->w[i].len > 4)
		return -1;
	int v = 0;
	for (size_t k = 0; k < w->w[i].len; k++) {
		char c = w->folded[w->w[i].off + k];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	return v;
}

/* The number at word i (digits, or a number word when `words` allows), or -1. */
static int prose_number_at(const struct nl_text_words *w, size_t i, bool *is_word)
{
	*is_word = false;
	int v = prose_digits(w, i);
	if (v >= 0)
		return v;
	if (w->w[i].cls != NL_CHAR_LETTER && w->w[i].cls != NL_CHAR_IDEO)
		return -1;
	v = nl_lexicon_number(w->folded + w->w[i].off, w->w[i].len);
	*is_word = v >= 0;
	return v;
}

static bool prose_word_is(const struct nl_text_words *w, size_t i, const char *s)
{
	size_t n = strlen(s);
	return i < w->n && w->w[i].len == n && memcmp(w->folded + w->w[i].off, s, n) == 0;
}

static void prose_numbers(struct prose_facts *f)
{
	const struct nl_text_words *w = &f->w;
	for (size_t i = 0; i < w->n; i++) {
		bool word;
		int v = prose_number_at(w, i, &word);
		if (v < 0)
			continue;
		if (f->n_num == PROSE_MAX_NUMBERS) {
			f->num_overflow = true;
			return;
		}
		struct prose_number *n = &f->num[f->n_num++];
		*n = (struct prose_number){.value = v, .top = -1, .word = word, .at = i};
		size_t j = i + 1;
		/* the top first: "10 üzerinden 4", "10点中4点" */
		if (j < w->n && prose_word_is(w, j, "点"))
			j++;
		size_t of1 = j < w->n ? prose_list_at(&prose_of1, w, j) : 0;
		bool w2;
		if (of1 && j + of1 < w->n && prose_number_at(w, j + of1, &w2) >= 0) {
			n->top = v;
			n->value = prose_number_at(w, j + of1, &w2);
			n->word = w2;
			i = j + of1;
			continue;
		}
		j = i + 1;
		/* "4/5", "4 out of 5", "4 из 10" */
		size_t of = 0;
		if (j < w->n && w->w[j].cls == NL_CHAR_PUNCT)
			of = 1;
		else if (j < w->n)
			of = prose_list_at(&prose_of, w, j);
		if (of && j + of < w->n && prose_number_at(w, j + of, &w2) >= 0) {
			n->top = prose_number_at(w, j + of, &w2);
			i = j + of;
			j = i + 1;
		}
		if (j < w->n && prose_word_is(w, j, "点"))
			j++;
		if (j < w->n && prose_lex(NL_LEX_UNIT, w, j))
			n->unit = true;
		/* "%" folds to a symbol that is no word: look at the text right after the number */
		size_t end = w->w[i].off + w->w[i].len;
		if (end < w->folded_len &&
		    (w->folded[end] == '%' ||
		     (end + 1 < w->folded_len && w->folded[end] == ' ' && w->folded[end + 1] == '%')))
			n->unit = true;
		/* "4.5", "3,5": a decimal is no point of a scale */
		if (end + 1 < w->folded_len && (w->folded[end] == '.' || w->folded[end] == ',') &&
		    w->folded[end + 1] >= '0' && w->folded[end + 1] <= '9')
			f->range = true;
		/* "15-minute", "2-3": a number joined to another word */
		if (end < w->folded_len && w->folded[end] == '-')
			n->unit = true;
		if (w->w[i].off > 0 && w->folded[w->w[i].off - 1] == '-' && i > 0 &&
		    w->w[i - 1].off + w->w[i - 1].len == w->w[i].off - 1)
			f->range = true;
		if (w->w[i].off > 0 &&
		    (w->folded[w->w[i].off - 1] == '$' || w->folded[w->w[i].off - 1] == '#'))
			n->unit = true;
	}
}

/* The number at word i ends its sentence or clause ("I'd say 8.", "a 4, maybe"), or only "/M",
 * "out of M" or a unit-less "points" follows. */
static bool prose_number_stands(const struct nl_text_words *w, size_t i)
{
	size_t j = i + 1;
	if (j < w->n && w->w[j].cls == NL_CHAR_PUNCT)
		return true;
	if (j < w->n && prose_list_at(&prose_of, w, j))
		return true;
	if (j >= w->n)
		return true;
	size_t end = w->w[i].off + w->w[i].len;
	for (size_t k = end; k < w->w[j].off; k++)
		if (w->folded[k] != ' ')
			return true;
	return prose_list_at(&prose_after, w, j) > 0 || w->w[j].cls == NL_CHAR_IDEO;
}

/* Ordinals that point at a question: "the second one", "question 2", "la deuxième question". */
static const char *const prose_ord1[] = {"first",    "1st",     "première", "premier", "erste",
                                         "ersten",   "primera", "primeira", "prima",   "eerste",
                                         "pierwsze", "первый",  "перший"};
static const char *const prose_ord2[] = {"second",  "2nd",     "deuxième", "seconde", "zweite",
                                         "zweiten", "segunda", "seconda",  "tweede",  "drugie",
                                         "второй",  "другий",  "ikinci"};
static const char *const prose_ord3[] = {"third",   "3rd",      "troisième", "dritte", "dritten",
                                         "tercera", "terceira", "terza",     "derde",  "trzecie",
                                         "третий",  "третій",   "üçüncü"};
static const char *const prose_ord4[] = {"fourth",  "4th",       "quatrième", "vierte",
                                         "vierten", "cuarta",    "quarta",    "vierde",
                                         "czwarte", "четвертый", "четвертий", "dördüncü"};
static const char *const prose_qwords[] = {"one",     "question", "answer",  "frage",  "pregunta", "pergunta",
                                           "domanda", "vraag",    "pytanie", "вопрос", "питання",  "soru"};
static struct prose_list prose_ordinals[] = {PROSE_LIST(prose_ord1), PROSE_LIST(prose_ord2),
                                             PROSE_LIST(prose_ord3), PROSE_LIST(prose_ord4)};
static struct prose_list prose_question_word = PROSE_LIST(prose_qwords);

static bool prose_is_ordinal(const struct nl_text_words *w, size_t i)
{
	for (size_t o = 0; o < sizeof prose_ordinals / sizeof prose_ordinals[0]; o++)
		if (prose_list_at(&prose_ordinals[o], w, i))
			return true;
	return false;
}

static void prose_ordinal_refs(struct prose_facts *f, size_t nq)
{
	const struct nl_text_words *w = &f->w;
	for (size_t i = 0; i < w->n; i++) {
		bool next = i + 1 < w->n && prose_list_at(&prose_question_word, w, i + 1);
		bool before = i > 0 && prose_list_at(&prose_question_word, w, i - 1);
		/* "question 2", "Frage 2" */
		if (before && w->w[i].cls == NL_CHAR_DIGIT) {
			int v = prose_digits(w, i);
			if (v >= 1 && (size_t)v <= nq)
				f->ref[v - 1] = true;
			continue;
		}
		for (size_t o = 0;
		     (next || before) && o < sizeof prose_ordinals / sizeof prose_ordinals[0] && o < nq; o++)
			if (prose_list_at(&prose_ordinals[o], w, i))
				f->ref[o] = true;
	}
}

/* Does the sentence name question q by its own words? */
static bool prose_refers(const struct prose_question *pq, const struct prose_stems *ws, size_t n,
                         const bool *neg, bool *negated)
{
	bool found = false;
	*negated = false;
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < pq->n_refs; r++)
			if (prose_stems_meet(&ws[i], &pq->refs[r])) {
				found = true;
				*negated |= neg[i];
			}
	return found;
}

/* The option ending before word `next` stands as an answer: the sentence or a clause ends there,
 * or an adverb, a pronoun or a conjunction follows. */
static bool prose_option_stands(const struct nl_text_words *w, size_t next)
{
	if (next >= w->n)
		return true;
	size_t end = w->w[next - 1].off + w->w[next - 1].len;
	for (size_t k = end; k < w->w[next].off; k++)
		if (w->folded[k] != ' ')
			return true; /* "career, definitely", "a job (for now)" */
	size_t m = 0;
	return prose_list_at(&prose_after, w, next) > 0 || nl_lexicon_match(NL_LEX_WANT, w, next, &m);
}

/* Word `at` of w starts with word j of n, which is at least six characters long. */
static bool prose_word_extends(const struct nl_text_words *w, size_t at, const struct nl_text_words *n,
                               size_t j)
{
	size_t len = n->w[j].len;
	if (w->w[at].cls != NL_CHAR_LETTER || w->w[at].len <= len || len < 6)
		return false;
	return memcmp(w->folded + w->w[at].off, n->folded + n->w[j].off, len) == 0 && w->w[at].len - len <= 4;
}

/* One option named in a sentence. */
struct prose_hit {
	size_t option, at, len;
};

static int prose_hit_cmp(const void *a, const void *b)
{
	const struct prose_hit *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The options of choice question q named in the sentence, in the order they stand, longest names
 * first where they overlap ("not sure" wins over "sure"); *n gets their number. */
static struct prose_hit *prose_hits(const struct nl_text_words *w, const struct prose_question *pq, bool want,
                                    size_t *n)
{
	bool *taken = nl_xcalloc(w->n ? w->n : 1, sizeof *taken);
	struct prose_hit *hits = NULL;
	size_t nh = 0;
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < pq->n_names; k++) {
			const struct prose_name *nm = &pq->names[k];
			size_t len = nm->w.n - nm->first;
			if ((pass == 0) != (len > 1))
				continue;
			for (size_t at = 0; at + len <= w->n && nh < 64; at++) {
				size_t m = 0;
				while (m < len && !taken[at + m] &&
				       prose_word_eq(w, at + m, &nm->w, nm->first + m))
					m++;
				if (m != len && len == 1 && !taken[at] &&
				    prose_word_extends(w, at, &nm->w, nm->first))
					m = 1; /* "Vorstellungsgespräche", "carrières": the name inflected */
				/* "my job", "this career": the person's work named, not classed (but "a look
				 * at my CV would help" asks for the option) */
				if (m != len || (at > 0 && !want && prose_list_at(&prose_mine, w, at - 1)))
					continue;
				for (size_t t = 0; t < len; t++)
					taken[at + t] = true;
				hits = nl_xrealloc(hits, (nh + 1) * sizeof *hits);
				hits[nh++] = (struct prose_hit){nm->option, at, len};
			}
		}
	free(taken);
	if (nh > 1)
		qsort(hits, nh, sizeof *hits, prose_hit_cmp);
	*n = nh;
	return hits;
}

/* True when a word of `l` lies in words [from, to). */
static bool prose_list_between(struct prose_list *l, const struct nl_text_words *w, size_t from, size_t to)
{
	for (size_t t = from; t < to; t++)
		if (prose_list_at(l, w, t))
			return true;
	return false;
}

static void prose_options(struct prose_facts *f, const struct prose_survey *ps, const bool *neg,
                          const bool *wish)
{
	const struct nl_text_words *w = &f->w;
	for (size_t q = 0; q < ps->s->n_questions; q++) {
		if (ps->s->questions[q].type != NL_Q_CHOICE)
			continue;
		size_t nh;
		struct prose_hit *h = prose_hits(w, &ps->q[q], f->want, &nh);
		for (size_t i = 0; i < nh; i++) {
			uint64_t bit = h[i].option < 64 ? (uint64_t)1 << h[i].option : 0;
			size_t at = h[i].at, end = at + h[i].len;
			if (wish[at] && !neg[at])
				continue; /* a wish names no answer ("I want it to be a career") */
			/* "more a job than a career", "eher ein Job als eine Karriere": the second is
			 * what it is not */
			if (i > 0 && h[i - 1].option != h[i].option &&
			    prose_list_between(&prose_than, w, h[i - 1].at + h[i - 1].len, at) &&
			    prose_list_between(&prose_more, w, h[i - 1].at >= 3 ? h[i - 1].at - 3 : 0,
			                       h[i - 1].at)) {
				f->negated[q] |= bit;
				f->named[q] &= ~bit;
				continue;
			}
			/* a negation reaching the option, but not one inside it ("not sure") */
			if (neg[at])
				f->negated[q] |= bit;
			else
				f->named[q] |= bit;
			if (prose_option_stands(w, end)) {
				f->standing[q] |= bit;
				/* "it's a career", "Это карьера", or at the start: it classes */
				if (at == 0 ||
				    nl_lexicon_article(w->folded + w->w[at - 1].off, w->w[at - 1].len) ||
				    prose_list_ends_at(&prose_copula, w, at))
					f->strong[q] |= bit;
			}
			if (at > 0 && w->w[at - 1].cls == NL_CHAR_DIGIT)
				f->numbered = true; /* "Quite 1 career" */
			/* two options joined by "or": alternatives */
			if (i > 0 && h[i - 1].option != h[i].option &&
			    prose_list_between(&prose_alt, w, h[i - 1].at + h[i - 1].len, at))
				f->alternatives[q] = true;
		}
		/* a comparative makes the first option stand, whatever follows it */
		for (size_t i = 1; i < nh; i++)
			if ((f->negated[q] & ((uint64_t)1 << (h[i].option % 64))) && h[i - 1].option < 64 &&
			    prose_list_between(&prose_than, w, h[i - 1].at + h[i - 1].len, h[i].at))
				f->standing[q] |= f->strong[q] |= (uint64_t)1 << h[i - 1].option;
		free(h);
	}
}

/* Reads the facts of one sentence. */
static void prose_facts(struct prose_facts *f, const struct prose_survey *ps, const char *text, size_t len)
{
	memset(f, 0, sizeof *f);
	f->text = text;
	f->len = len;
	nl_text_words(text, len, PROSE_MAX_WORDS, &f->w);
	size_t nq = ps->s->n_questions;
	f->ref = nl_xcalloc(nq ? nq : 1, sizeof *f->ref);
	f->ref_negated = nl_xcalloc(nq ? nq : 1, sizeof *f->ref_negated);
	f->named = nl_xcalloc(nq ? nq : 1, sizeof *f->named);
	f->negated = nl_xcalloc(nq ? nq : 1, sizeof *f->negated);
	f->standing = nl_xcalloc(nq ? nq : 1, sizeof *f->standing);
	f->strong = nl_xcalloc(nq ? nq : 1, sizeof *f->strong);
	f->alternatives = nl_xcalloc(nq ? nq : 1, sizeof *f->alternatives);
	const struct nl_text_words *w = &f->w;
	size_t n = w->n;
	bool *neg = nl_xcalloc(n ? n : 1, sizeof *neg);
	bool *thanks = nl_xcalloc(n ? n : 1, sizeof *thanks);
	bool *covered = nl_xcalloc(n ? n : 1, sizeof *covered);
	bool *wish = nl_xcalloc(n ? n : 1, sizeof *wish);
	bool want_at = false;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '?' || (i + 2 < len && memcmp(text + i, "\xEF\xBC\x9F", 3) == 0))
			f->question = true;
	/* one pass over the words: the longest phrase of any kind at each place wins */
	for (size_t i = 0; i < n; i++) {
		/* "Звонок не нужен", "no call needed": what precedes is denied */
		size_t post = prose_list_at(&prose_postposed, w, i);
		if (post && i > 0) {
			for (size_t k = i >= 3 ? i - 3 : 0; k < i; k++)
				neg[k] = true;
			f->no_after = true;
		}
		/* a request to be called is both wanted and about a call ("give me a ring") */
		if (prose_lex(NL_LEX_WANT, w, i))
			want_at = true;
	}
	for (size_t i = 0; i < n;) {
		size_t naming = prose_list_at(&prose_naming, w, i);
		if (naming) { /* "I'd call it a career": no phone call */
			for (size_t k = i; k < i + naming; k++)
				covered[k] = true;
			i += naming;
			continue;
		}
		size_t best = 0;
		enum nl_lex_kind kind = 0;
		/* a yes or a no before a negation of the same length: "Non." and "Nie." answer */
		static const enum nl_lex_kind kinds[] = {NL_LEX_HEDGE, NL_LEX_LATER,    NL_LEX_YES,
		                                         NL_LEX_NO,    NL_LEX_NEGATION, NL_LEX_CONTACT,
		                                         NL_LEX_WANT,  NL_LEX_THANKS};
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			size_t m = prose_lex(kinds[k], w, i);
			if (m > best) {
				best = m;
				kind = kinds[k];
			}
		}
		if (best)
			for (size_t k = i; k < i + best; k++)
				covered[k] = true;
		if (!best) {
			if (prose_list_at(&prose_contrast, w, i)) /* a contrast ends a negation's reach */
				for (size_t k = i; k < n && k < i + PROSE_NEG_SCOPE; k++)
					neg[k] = false;
			i++;
			continue;
		}
		switch (kind) {
		case NL_LEX_HEDGE:
			f->hedge = true;
			break;
		case NL_LEX_LATER:
			f->later = true;
			break;
		case NL_LEX_NEGATION:
			for (size_t k = i + best; k < n && k < i + best + PROSE_NEG_SCOPE; k++)
				neg[k] = true;
			break;
		case NL_LEX_NO:
			if (best > f->polar_words)
				f->polar_words = best;
			if (!neg[i])
				f->no++;
			/* "no" before a noun denies it ("no call"): reach forward as a negation */
			for (size_t k = i + best; k < n && k < i + best + 2; k++)
				neg[k] = true;
			break;
		case NL_LEX_YES:
			if (best > f->polar_words)
				f->polar_words = best;
			if (neg[i])
				f->no++; /* "not sure" is a hedge (longer); "no yes" does not occur */
			else
				f->yes++;
			break;
		case NL_LEX_CONTACT:
			if (neg[i])
				f->contact_negated = true;
			else
				f->contact = true;
			if (want_at && !neg[i])
				f->want = true; /* "give me a ring", "call me" */
			break;
		case NL_LEX_WANT:
			if (neg[i])
				f->contact_negated |= true;
			else
				f->want = true;
			/* what one wants is not what one has: "I want it to be a career" */
			for (size_t k = i + best; k < n && k < i + best + PROSE_NEG_SCOPE + 1; k++)
				wish[k] = true;
			break;
		case NL_LEX_THANKS:
			for (size_t k = i; k < i + best; k++)
				thanks[k] = true;
			break;
		default:
			break;
		}
		i += best;
	}
	for (size_t i = 0; i < n; i++)
		f->n_words += !thanks[i];
	/* a negated want before a contact word denies the request: "I don't want a call" */
	if (f->contact_negated && !f->contact)
		f->contact = false;
	prose_numbers(f);
	/* a number first and words after it ("1 I care a lot"): a question number, not a rating,
	 * unless "out of M" follows ("5 out of 5") */
	if (f->n_num && f->num[0].at == 0 && f->num[0].top < 0 && !f->num[0].unit && n > 1 &&
	    w->w[1].cls == NL_CHAR_LETTER && !prose_list_at(&prose_of, w, 1)) {
		f->numbered = true;
		f->num[0].unit = true; /* the question's number is no value */
	}
	/* a number right before a yes or a no ("Quite 1 yes"): a question number, not a rating */
	for (size_t k = 0; k < f->n_num; k++) {
		size_t j = f->num[k].at + 1;
		if (j < n && (prose_lex(NL_LEX_YES, w, j) || prose_lex(NL_LEX_NO, w, j)))
			f->numbered = true;
		f->num[k].standing = prose_number_stands(w, f->num[k].at);
		/* a number word is a value only standing ("I'd say four."), and never a pronoun ("the
		 * second one", "one thing", "this one") */
		size_t at = f->num[k].at;
		if (f->num[k].word && f->num[k].top < 0 &&
		    (!f->num[k].standing ||
		     (at > 0 && (prose_is_ordinal(w, at - 1) || prose_word_is(w, at - 1, "the") ||
		                 prose_word_is(w, at - 1, "this") || prose_word_is(w, at - 1, "that")))))
			f->num[k].unit = true;
	}
	if (f->n_num && f->num[0].at == 0 && w->w[0].off > 0)
		f->numbered = true; /* "-1", "#2", "(3" */
	for (size_t i = 0; i < n; i++)
		if (prose_list_at(&prose_btw, w, i))
			f->range = true;
	/* "3 or 4": two numbers joined by "or" */
	/* negated numbers: "not a 5" */
	for (size_t k = 0; k < f->n_num; k++)
		if (neg[f->num[k].at])
			f->num[k].unit = true;
	for (size_t k = 0; k + 1 < f->n_num; k++) {
		if (f->num[k].unit || f->num[k + 1].unit || f->num[k + 1].at - f->num[k].at > 3)
			continue;
		for (size_t t = f->num[k].at + 1; t < f->num[k + 1].at; t++)
			if (prose_list_at(&prose_alt, w, t) || prose_list_at(&prose_and, w, t))
				f->range = true;
	}
	prose_options(f, ps, neg, wish);
	struct prose_stems *st = nl_xcalloc(n ? n : 1, sizeof *st);
	bool *st_neg = nl_xcalloc(n ? n : 1, sizeof *st_neg);
	size_t n_st = 0;
	for (size_t i = 0; i < n; i++)
		if (w->w[i].cls == NL_CHAR_LETTER && w->w[i].len >= 3) {
			st_neg[n_st] = neg[i];
			prose_stem(w->folded + w->w[i].off, w->w[i].len, &st[n_st++]);
		}
	for (size_t q = 0; q < nq; q++) {
		f->ref[q] = prose_refers(&ps->q[q], st, n_st, st_neg, &f->ref_negated[q]);
		for (size_t k = 0; k < ps->q[q].n_ideo && !f->ref[q]; k++)
			f->ref[q] = strstr(w->folded, ps->q[q].ideo[k]) != NULL;
	}
	free(st_neg);
	/* "Not this year.": a sentence that opens with a negation denies what it names */
	if (n && neg[n > 1 ? 1 : 0] && prose_lex(NL_LEX_NEGATION, w, 0))
		for (size_t q = 0; q < nq; q++)
			f->ref_negated[q] |= f->ref[q];
	prose_ordinal_refs(f, nq);
	free(st);
	for (size_t i = 0; i < n; i++) {
		if (!f->rating && prose_list_at(&prose_rating, w, i))
			f->rating = true;
		if (!f->correction && prose_list_at(&prose_correction, w, i))
			f->correction = true;
		bool num = false;
		for (size_t k = 0; k < f->n_num && !num; k++)
			num = f->num[k].at == i;
		f->n_plain +=
		    !covered[i] && !num && w->w[i].cls != NL_CHAR_PUNCT && w->w[i].cls != NL_CHAR_SYMBOL;
	}
	for (size_t k = 0; k < f->n_num; k++)
		f->n_ratings += !f->num[k].unit && !f->num[k].word; /* "the second one" has no rating */
	free(neg);
	free(thanks);
	free(covered);
	free(wish);
}

static void prose_facts_free(struct prose_facts *f)
{
	nl_text_words_free(&f->w);
	free(f->ref);
	free(f->ref_negated);
	free(f->named);
	free(f->negated);
	free(f->standing);
	free(f->strong);
	free(f->alternatives);
}

/* ---- values by type, from a sentence's facts ---- */

enum prose_fit {
	PROSE_NONE = 0, /* no value of the type */
	PROSE_CLEAN,    /* one value, nothing in doubt */
	PROSE_DOUBT,    /* a value with a hedge on it */
	PROSE_BAD,      /* values that disagree, or out of range: unreadable */
};

static enum prose_fit prose_yesno_echo(const struct prose_facts *f, bool follow_up, bool echo_negated,
                                       char **value);

/* The person asks to be contacted: a call named and wanted, not negated, no hedge. */
static bool prose_contact_request(const struct prose_facts *f)
{
	return f->contact && !f->contact_negated && (f->want || f->yes) && !f->no;
}

static enum prose_fit prose_yesno(const struct prose_facts *f, bool follow_up, char **value)
{
	return prose_yesno_echo(f, follow_up, false, value);
}

/* `echo_negated`: the sentence denies the question's own words ("I'm not thinking about changing
 * jobs"): a no, as a yes/no word would be. */
static enum prose_fit prose_yesno_echo(const struct prose_facts *f, bool follow_up, bool echo_negated,
                                       char **value)
{
	int yes = f->yes, no = f->no + (echo_negated ? 1 : 0);
	if (follow_up && prose_contact_request(f))
		yes++;
	if (follow_up && f->contact_negated)
		no++;
	if (f->later && !yes && !f->hedge)
		no++; /* "not right now", "not yet" */
	if (!yes && !no)
		return f->hedge || f->later ? PROSE_BAD : PROSE_NONE;
	if (yes && no)
		return PROSE_BAD;
	if (f->hedge || (f->later && yes))
		return PROSE_BAD; /* "maybe later", "yes, but later", "yes, depending on…" */
	*value = nl_xstrdup(yes ? "yes" : "no");
	return PROSE_CLEAN;
}

static enum prose_fit prose_scale(const struct prose_facts *f, const struct nl_question *q, bool cue,
                                  char **value)
{
	if (f->num_overflow)
		return PROSE_BAD;
	int found = -1;
	bool bad = false;
	for (size_t k = 0; k < f->n_num; k++) {
		const struct prose_number *n = &f->num[k];
		if (n->unit || (n->word && !cue && n->top < 0))
			continue;
		if (n->top >= 0 && n->top != q->max) {
			bad = true; /* "3/10" for a scale of five: never rescaled */
			continue;
		}
		if (n->value < q->min || n->value > q->max) {
			if (n->top >= 0 || cue)
				bad = true;
			continue;
		}
		if (found >= 0 && found != n->value)
			bad = true;
		found = n->value;
	}
	if (bad || (found >= 0 && f->range))
		return PROSE_BAD;
	if (found < 0)
		return PROSE_NONE;
	*value = nl_xasprintf("%d", found);
	return PROSE_CLEAN;
}

static enum prose_fit prose_choice(const struct prose_facts *f, const struct nl_question *q,
                                   const struct prose_question *pq, size_t qi, char **value)
{
	uint64_t named = f->named[qi] & ~f->negated[qi];
	if (!named)
		return PROSE_NONE; /* "not a career" says what it is not */
	long one = -1;
	size_t count = 0;
	for (size_t o = 0; o < q->n_options && o < 64; o++)
		if (named & ((uint64_t)1 << o)) {
			count++;
			one = (long)o;
		}
	if (count > 1 || f->alternatives[qi]) {
		/* "not sure whether it's a job or a career": the doubt is the answer, when it is an option */
		long doubt = -1;
		for (size_t o = 0; o < q->n_options && o < 64; o++)
			if (pq->hedge_option[o] && (named & ((uint64_t)1 << o)))
				doubt = (long)o;
		if (doubt < 0 || !f->alternatives[qi])
			return PROSE_BAD;
		one = doubt;
	}
	*value = nl_xstrdup(q->options[one]);
	bool doubt_option = pq->hedge_option[one] || pq->risky_option[one];
	if (f->hedge && !doubt_option)
		return PROSE_DOUBT; /* "probably a career" */
	/* an option in passing ("thanks for the career advice"), or a doubt alone ("not sure"),
	 * unless the sentence contrasts options or weighs them */
	bool contrast = f->negated[qi] != 0 || f->alternatives[qi];
	if (!contrast && (!(f->standing[qi] & ((uint64_t)1 << one)) || doubt_option))
		return PROSE_DOUBT;
	return PROSE_CLEAN;
}

/* The option stands as what the person's work is: "it's a career", "a job, not a career". */
static bool prose_choice_strong(const struct prose_facts *f, size_t qi, const char *value,
                                const struct nl_question *q)
{
	if (f->negated[qi] || f->alternatives[qi])
		return true;
	for (size_t o = 0; o < q->n_options && o < 64; o++)
		if (strcmp(q->options[o], value) == 0)
			return (f->strong[qi] & ((uint64_t)1 << o)) != 0;
	return false;
}

/* The value of question q in sentence f: its fit and, for CLEAN and DOUBT, *value. */
static enum prose_fit prose_value(const struct prose_survey *ps, size_t q, const struct prose_facts *f,
                                  bool cue, char **value)
{
	const struct nl_question *qq = &ps->s->questions[q];
	switch (qq->type) {
	case NL_Q_YESNO:
		return prose_yesno_echo(f, qq->follow_up, f->ref_negated[q] && !f->yes, value);
	case NL_Q_SCALE:
		return prose_scale(f, qq, cue, value);
	case NL_Q_CHOICE:
		return prose_choice(f, qq, &ps->q[q], q, value);
	case NL_Q_TEXT:
		if (f->n_words == 0)
			return PROSE_NONE;
		*value = nl_xstrndup(f->text, f->len);
		return PROSE_CLEAN;
	}
	return PROSE_NONE;
}

/* ---- putting readings ---- */

static void prose_put(struct answer_state *st, size_t q, enum nl_answer_status status, char *value,
                      const struct prose_facts *f, const char *rule)
{
	struct nl_answer *a = &st->slots[q];
	free(a->value);
	free(a->raw);
	a->question = q;
	a->status = status;
	a->value = status == NL_ANSWER_UNREADABLE ? NULL : value;
	if (status == NL_ANSWER_UNREADABLE)
		free(value);
	a->raw = nl_xstrndup(f->text, f->len);
	a->rule = rule;
	st->have[q] = ANSWER_OWN;
	st->puts++;
}

/* ---- the in-order reader ---- */

/* "Job. 3. Yes. More flexible hours.": the sentences, in order, fit the first questions one by
 * one (a trailing text question may be left out), each cleanly.  Only where the forms answered
 * nothing and every segment is short, so prose that happens to hold a value per sentence is not
 * taken for an answer list unless it is one. */
static bool prose_in_order_block(struct answer_state *st, const struct prose_survey *ps,
                                 struct prose_facts *fs, const size_t *seg, size_t k)
{
	size_t nq = ps->s->n_questions;
	if (k < 2 || k > nq)
		return false;
	/* all the questions, or all but the last one (a trailing text question, or one left out of
	 * three or more) */
	if (k < nq && !(k == nq - 1 && (ps->s->questions[nq - 1].type == NL_Q_TEXT || k >= 3)))
		return false;
	char **vals = nl_xcalloc(k, sizeof *vals);
	bool ok = true;
	for (size_t i = 0; i < k && ok; i++) {
		const struct prose_facts *f = &fs[seg[i]];
		const struct nl_question *q = &ps->s->questions[i];
		/* a segment fits when it reads cleanly on its own (answers.c), or, for prose
		 * sentences, when it carries exactly one clean value of the question's type */
		if (q->type != NL_Q_TEXT && f->n_words > PROSE_SHORT + 4)
			ok = false;
		else if (q->type != NL_Q_TEXT && nl_answers_value(q, f->text, f->len, &vals[i]))
			ok = true;
		else
			ok = prose_value(ps, i, f, true, &vals[i]) == PROSE_CLEAN;
		/* a segment that names another question's words is not this one's answer */
		for (size_t o = 0; ok && o < nq; o++)
			if (o != i && f->ref[o] && !f->ref[i] && ps->s->questions[o].type != NL_Q_TEXT)
				ok = false;
		/* what a form read already must agree (an unnumbered "career" on its line) */
		if (ok && st->have[i] != ANSWER_NONE)
			ok = st->slots[i].status == NL_ANSWER_OK && st->slots[i].value &&
			     strcmp(st->slots[i].value, vals[i]) == 0;
	}
	/* the questions after the block must not have been answered by a form either: the block
	 * then is no answer list */
	for (size_t q = k; ok && q < nq; q++)
		ok = st->have[q] == ANSWER_NONE;
	if (ok)
		for (size_t i = 0; i < k; i++) {
			prose_put(st, i, NL_ANSWER_OK, vals[i], &fs[seg[i]], "in order");
			vals[i] = NULL;
			fs[seg[i]].used = true;
		}
	for (size_t i = 0; i < k; i++)
		free(vals[i]);
	free(vals);
	return ok;
}

/* "Job. 3. Yes. More flexible hours.": the sentences of one paragraph, in order, fit the first
 * questions one by one, each cleanly.  Only where no form answered otherwise and every segment
 * is short, so prose that happens to hold a value per sentence is not taken for an answer list
 * unless it is one.  A paragraph of one line may list them with commas ("Job, 3, yes"). */
static bool prose_in_order(struct answer_state *st, const struct prose_survey *ps, struct prose_facts *fs,
                           size_t nf)
{
	for (size_t q = 0; q < ps->s->n_questions; q++)
		if (st->have[q] != ANSWER_NONE && st->slots[q].rule &&
		    strcmp(st->slots[q].rule, "unnumbered") != 0)
			return false;
	size_t seg[64];
	for (size_t i = 0; i < nf;) {
		size_t para = fs[i].para, k = 0, j = i;
		for (; j < nf && fs[j].para == para; j++)
			if ((fs[j].n_words > 0 || fs[j].n_num > 0) && k < 64)
				seg[k++] = j;
		if (prose_in_order_block(st, ps, fs, seg, k))
			return true;
		/* the list, then one more sentence that is not its next answer ("Yes. 7. Yes. A CV
		 * review or interview practice, either would help."): the list stands, the rest is
		 * read as prose */
		if (k >= 4 && prose_in_order_block(st, ps, fs, seg, k - 1))
			return true;
		i = j;
	}
	return false;
}

/* ---- the prose reader ---- */

#define PROSE_NO_READING (-1)

/* The one number of the sentence that may be a rating (digits, no unit), or NULL. */
static const struct prose_number *prose_rating_number(const struct prose_facts *f)
{
	if (f->n_ratings != 1)
		return NULL;
	for (size_t k = 0; k < f->n_num; k++)
		if (!f->num[k].unit && !f->num[k].word)
			return &f->num[k];
	return NULL;
}

/* True when sentence f is part of `raw` (a line a form read). */
static bool prose_within(const char *raw, const struct prose_facts *f)
{
	size_t rl = strlen(raw);
	for (size_t i = 0; f->len && i + f->len <= rl; i++)
		if (memcmp(raw + i, f->text, f->len) == 0)
			return true;
	return false;
}

/* What sentence f says about question q: PROSE_NO_READING, or a level (NL_ANSWER_*) with *value
 * (NULL for unreadable). */
static int prose_reading(const struct prose_survey *ps, size_t q, const struct prose_facts *f, char **value)
{
	size_t nq = ps->s->n_questions;
	const struct nl_question *qq = &ps->s->questions[q];
	*value = NULL;
	bool refers = f->ref[q];
	bool contact_ref = qq->type == NL_Q_YESNO && qq->follow_up && (f->contact || f->contact_negated);
	bool option_ref = qq->type == NL_Q_CHOICE && (f->named[q] || f->negated[q]);
	/* the survey's only scale: a number standing alone ("I'd say 8."), given with the scale's top
	 * ("5/5", "4 out of 5"), or called a rating ("I'd rate it a 2") */
	const struct prose_number *r = prose_rating_number(f);
	bool lone_scale =
	    qq->type == NL_Q_SCALE && ps->n_scale == 1 && r &&
	    ((r->standing && f->n_words <= PROSE_LONE_NUMBER) || (!f->numbered && f->n_words <= 3) ||
	     (r->top == qq->max && f->n_words <= PROSE_SHORT) || f->rating || f->correction);
	bool lone_yesno = false; /* prose_lone_yesno reads those, once the rest is read */
	if (!refers && !contact_ref && !option_ref && !lone_scale && !lone_yesno)
		return PROSE_NO_READING;
	/* another question's words in the sentence and none of this one's: not about it */
	bool other = false;
	for (size_t o = 0; o < nq && !other; o++)
		other = o != q && f->ref[o] && ps->s->questions[o].type != NL_Q_TEXT;
	if (other && !refers && !contact_ref && !option_ref)
		return PROSE_NO_READING;
	/* a text answer is a sentence about the question, and not a question itself */
	if (qq->type == NL_Q_TEXT && (!refers || f->question))
		return PROSE_NO_READING;
	char *v = NULL;
	enum prose_fit fit = prose_value(ps, q, f, refers || f->rating, &v);
	if (fit == PROSE_NONE)
		return PROSE_NO_READING;
	int lv = NL_ANSWER_OK;
	if (fit == PROSE_BAD)
		lv = NL_ANSWER_UNREADABLE;
	else if (fit == PROSE_DOUBT)
		lv = NL_ANSWER_LIKELY;
	else if (qq->type == NL_Q_TEXT && f->n_words < 4)
		lv = NL_ANSWER_LIKELY; /* "change is hard": about the word, not an answer */
	else if ((f->question && !contact_ref) || f->numbered)
		lv = NL_ANSWER_LIKELY; /* "Is it a career?", "-1 career" */
	else if (qq->type == NL_Q_CHOICE && !refers && f->n_words > PROSE_SHORT &&
	         !prose_choice_strong(f, q, v, qq))
		lv = NL_ANSWER_LIKELY; /* "I love my job but…": an option in passing */
	else if (qq->type == NL_Q_YESNO && !refers && !contact_ref && !lone_yesno)
		lv = NL_ANSWER_LIKELY;
	else if (qq->type == NL_Q_SCALE && !refers && other)
		lv = NL_ANSWER_LIKELY;
	/* options of two choice questions in one sentence: which is which is a guess */
	for (size_t o = 0; o < nq && lv == NL_ANSWER_OK && qq->type == NL_Q_CHOICE; o++)
		if (o != q && f->named[o])
			lv = NL_ANSWER_LIKELY;
	/* doubt is shown only where the sentence names the question itself */
	if (lv == NL_ANSWER_UNREADABLE) {
		free(v);
		return refers || contact_ref ? NL_ANSWER_UNREADABLE : PROSE_NO_READING;
	}
	*value = v;
	return lv;
}

/* The survey's only yes/no question and a sentence that is nothing but a yes or a no ("Yes
 * please.", "Not right now, thanks."): sure when the reply answers the survey otherwise too, or
 * the sentence takes or declines an offer ("please", "thanks", "not right now"); likely else
 * ("I loved the article. Yes!"). */
static void prose_lone_yesno(struct answer_state *st, const struct prose_survey *ps, struct prose_facts *fs,
                             size_t nf)
{
	if (ps->n_yesno != 1 || st->have[ps->yesno_q] != ANSWER_NONE)
		return;
	size_t q = ps->yesno_q, nq = ps->s->n_questions;
	bool answered = false;
	for (size_t o = 0; o < nq; o++)
		answered |= o != q && st->have[o] != ANSWER_NONE && st->slots[o].status == NL_ANSWER_OK;
	long found = -1;
	char *value = NULL;
	for (size_t i = 0; i < nf; i++) {
		const struct prose_facts *f = &fs[i];
		if (f->used || f->n_plain > 1 || f->n_num || !(f->yes || f->no || f->later) || f->question)
			continue;
		bool named = false;
		for (size_t o = 0; o < nq; o++)
			named |= f->named[o] != 0;
		char *v = NULL;
		if (named || prose_yesno(f, true, &v) != PROSE_CLEAN) {
			free(v);
			continue;
		}
		if (found >= 0 && strcmp(value, v) != 0) { /* a yes and a no: left to a person */
			free(v);
			free(value);
			return;
		}
		free(value);
		value = v;
		found = (long)i;
	}
	if (found < 0)
		return;
	const struct prose_facts *f = &fs[found];
	bool offer = f->want || f->later || f->polar_words > 1; /* "please", "not now", "no thanks" */
	prose_put(st, q, answered || offer ? NL_ANSWER_OK : NL_ANSWER_LIKELY, value, f, "prose");
	fs[found].used = true;
}

/* One reading per question from the sentences about it.  A question a form answered is read
 * again only where the form could not read it (prose may do better), or where a sentence
 * corrects it ("Actually, scratch that: it's a career"): a correction that reads cleanly wins, as
 * a later reply does. */
static void prose_by_reference(struct answer_state *st, const struct prose_survey *ps, struct prose_facts *fs,
                               size_t nf)
{
	size_t nq = ps->s->n_questions;
	for (size_t q = 0; q < nq; q++) {
		const struct nl_answer *had = st->have[q] != ANSWER_NONE ? &st->slots[q] : NULL;
		bool corrections_only = had && had->status != NL_ANSWER_UNREADABLE;
		if (had && had->rule && strcmp(had->rule, "prose") == 0)
			continue;
		/* an unreadable answer of a form is read again only in its own line ("satisfaction: 4
		 * out of 5. I'd love a chat…"); elsewhere the explicit form stands */
		const char *within = had && had->status == NL_ANSWER_UNREADABLE ? had->raw : NULL;
		const struct nl_question *qq = &ps->s->questions[q];
		char *best = NULL;
		long best_f = -1, bad_f = -1;
		int level = NL_ANSWER_OK;
		bool conflict = false;
		for (size_t i = 0; i < nf; i++) {
			if (corrections_only && !fs[i].correction)
				continue;
			if (within && !prose_within(within, &fs[i]))
				continue;
			char *v;
			int lv = prose_reading(ps, q, &fs[i], &v);
			if (lv == PROSE_NO_READING)
				continue;
			if (lv == NL_ANSWER_UNREADABLE) {
				if (bad_f < 0)
					bad_f = (long)i;
				continue;
			}
			if (!best) {
				best = v;
				best_f = (long)i;
				level = lv;
				continue;
			}
			if (strcmp(best, v) != 0 && qq->type != NL_Q_TEXT)
				conflict = true;
			else if (lv == NL_ANSWER_OK && level == NL_ANSWER_LIKELY) {
				level = lv;
				best_f = (long)i;
			}
			free(v);
		}
		if (corrections_only) {
			/* the correction stands where it reads cleanly and differs; else the form's answer */
			if (best && !conflict && had->value && strcmp(had->value, best) != 0) {
				prose_put(st, q, level == NL_ANSWER_OK ? NL_ANSWER_OK : NL_ANSWER_UNREADABLE,
				          best, &fs[best_f], "prose");
				fs[best_f].used = true;
			} else {
				if (best_f >= 0 && !conflict)
					fs[best_f].used = true;
				free(best);
			}
			continue;
		}
		if (conflict && !fs[best_f].ref[q]) {
			free(best); /* two values, neither naming the question: left for a person to read */
		} else if (conflict) {
			prose_put(st, q, NL_ANSWER_UNREADABLE, best, &fs[best_f], "prose");
			fs[best_f].used = true;
		} else if (best && bad_f >= 0) {
			/* a clean value and a doubtful one: never tallied */
			prose_put(st, q, NL_ANSWER_LIKELY, best, &fs[best_f], "prose");
			fs[best_f].used = true;
			fs[bad_f].used = true;
		} else if (best) {
			prose_put(st, q, (enum nl_answer_status)level, best, &fs[best_f], "prose");
			fs[best_f].used = true;
		} else if (bad_f >= 0 && !had) {
			prose_put(st, q, NL_ANSWER_UNREADABLE, NULL, &fs[bad_f], "prose");
			fs[bad_f].used = true;
		}
	}
}

/* ---- own words ---- */

/* The own lines no form used, as paragraphs: a line break inside, a blank line between. */
static void prose_own_text(const struct answer_state *st, const struct nl_reply_line *lines, size_t n_lines,
                           const bool *used, struct nl_buf *out)
{
	bool gap = false;
	for (size_t i = 0; i < n_lines && out->len < PROSE_TEXT_MAX; i++) {
		struct nl_span t = nl_span_trim((struct nl_span){lines[i].text, lines[i].len});
		bool skip = lines[i].quoted || (used && used[i]) || t.len == 0 ||
		            (st->survey->n_questions && (nl_answers_furniture(st->survey, t) ||
		                                         nl_answers_question_line(st->survey, t)));
		if (skip) {
			gap = out->len > 0;
			continue;
		}
		if (out->len)
			nl_buf_puts(out, gap ? "\n\n" : "\n");
		gap = false;
		size_t room = PROSE_TEXT_MAX - out->len;
		nl_buf_append(out, t.ptr, t.len < room ? t.len : room);
	}
}

void nl_prose_read(struct answer_state *st, const struct nl_reply_line *lines, size_t n_lines,
                   const bool *used, struct nl_answers *out)
{
	struct nl_buf own;
	nl_buf_init(&own, 0);
	prose_own_text(st, lines, n_lines, used, &own);
	if (own.len == 0) {
		nl_buf_free(&own);
		return;
	}
	const struct prose_survey *ps = prose_survey_get(st->survey);
	struct prose_facts *fs = nl_xcalloc(PROSE_MAX_SENTENCES, sizeof *fs);
	size_t nf = 0, pos = 0, start, slen, para = 0, seen = 0;
	while (nf < PROSE_MAX_SENTENCES && nl_text_sentence(own.data, own.len, &pos, &start, &slen)) {
		for (; seen + 1 < start; seen++) /* a blank line between: a new paragraph */
			if (own.data[seen] == '\n' && own.data[seen + 1] == '\n')
				para++;
		if (slen) {
			prose_facts(&fs[nf], ps, own.data + start, slen);
			fs[nf++].para = para;
		}
	}

	if (ps->s->n_questions) {
		prose_in_order(st, ps, fs, nf);
		prose_by_reference(st, ps, fs, nf);
		prose_lone_yesno(st, ps, fs, nf);
	}
	/* the contact request in words, for FOLLOW UP: the first sentence that asks */
	for (size_t i = 0; i < nf; i++)
		if (prose_contact_request(&fs[i]) && !fs[i].hedge) {
			out->contact = nl_xstrndup(fs[i].text, fs[i].len);
			fs[i].used = true;
			break;
		}
	/* own words left that a person should read: more than thanks, greetings and a name */
	for (size_t i = 0; i < nf; i++)
		if (!fs[i].used && fs[i].n_words >= 3)
			out->unread_words = true;

	for (size_t i = 0; i < nf; i++)
		prose_facts_free(&fs[i]);
	free(fs);
	nl_buf_free(&own);
}
