/* survey.c - the survey definition an article carries (doc/DESIGN.md §3): question types, lookup, and
 * the self-contained text form stored with the campaign at send time (below).
 *
 * article.c fills the definition from the front matter; reading answers out of replies lives in
 * answers.c.
 */
#include "survey.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

static const char *const survey_type_names[] = {
    [NL_Q_CHOICE] = "choice",
    [NL_Q_SCALE] = "scale",
    [NL_Q_YESNO] = "yesno",
    [NL_Q_TEXT] = "text",
};

const char *nl_question_type_name(enum nl_question_type type)
{
	if ((unsigned)type >= sizeof survey_type_names / sizeof survey_type_names[0])
		return NULL;
	return survey_type_names[type];
}

bool nl_question_type_parse(const char *name, enum nl_question_type *out)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof survey_type_names / sizeof survey_type_names[0]; i++) {
		if (strcmp(name, survey_type_names[i]) == 0) {
			*out = (enum nl_question_type)i;
			return true;
		}
	}
	return false;
}

void nl_survey_free(struct nl_survey *survey)
{
	if (!survey)
		return;
	for (size_t i = 0; i < survey->n_questions; i++) {
		struct nl_question *q = &survey->questions[i];
		free(q->id);
		free(q->text);
		for (size_t j = 0; j < q->n_options; j++)
			free(q->options[j]);
		free(q->options);
		for (size_t j = 0; j < q->n_aliases; j++)
			free(q->aliases[j].text);
		free(q->aliases);
		for (size_t j = 0; j < q->n_keywords; j++)
			free(q->keywords[j]);
		free(q->keywords);
	}
	free(survey->questions);
	free(survey->id);
	free(survey);
}

const struct nl_question *nl_survey_find(const struct nl_survey *survey, const char *id)
{
	if (!survey || !id)
		return NULL;
	for (size_t i = 0; i < survey->n_questions; i++)
		if (survey->questions[i].id && strcmp(survey->questions[i].id, id) == 0)
			return &survey->questions[i];
	return NULL;
}

/* ---- The stored form ----
 *
 * Line-based text, one field a line, "KEY VALUE" where VALUE is the rest of the line:
 *
 *     nl-survey 1
 *     survey career-2026-11
 *     question work
 *     type choice
 *     text Is your work today a job or a career?
 *     option job
 *     alias 0 just a job          (option index, then the alias)
 *     keyword profession
 *     min 1 / max 5               (scale)
 *     follow_up 1                 (yesno)
 *     end
 *
 * A survey-less campaign is "nl-survey 1\nend\n".  Strings are escaped so that a line holds no
 * control byte: "\\" is a backslash, "\n", "\t", "\r" the controls, "\xHH" any other byte (the other
 * controls, DEL, and bytes that are not part of valid UTF-8), so every byte but NUL survives.  The
 * reader takes the state's text as untrusted: it rejects any line, key, escape, number or order it
 * would not have written, within the bounds below, and says on which line. */

#define SURVEY_FORMAT "nl-survey 1"
#define SURVEY_MAX_TEXT (8u << 20)
#define SURVEY_MAX_QUESTIONS 1000
#define SURVEY_MAX_ITEMS 10000 /* options, aliases or keywords of one question */
#define SURVEY_MAX_BOUND 1000000

static void survey_put_escaped(struct nl_buf *b, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		unsigned cp;
		size_t n = ch >= 0x80 ? nl_utf8_decode(s + i, len - i, &cp) : 1;
		if (ch >= 0x80 && n > 0) {
			nl_buf_append(b, s + i, n);
			i += n;
			continue;
		}
		if (ch == '\\')
			nl_buf_puts(b, "\\\\");
		else if (ch == '\n')
			nl_buf_puts(b, "\\n");
		else if (ch == '\t')
			nl_buf_puts(b, "\\t");
		else if (ch == '\r')
			nl_buf_puts(b, "\\r");
		else if (ch < 0x20 || ch >= 0x7F)
			nl_buf_printf(b, "\\x%02X", ch);
		else
			nl_buf_putc(b, (char)ch);
		i++;
	}
}

static void survey_put(struct nl_buf *b, const char *key, const char *value)
{
	nl_buf_puts(b, key);
	nl_buf_putc(b, ' ');
	survey_put_escaped(b, value ? value : "");
	nl_buf_putc(b, '\n');
}

char *nl_survey_serialize(const struct nl_survey *survey)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, SURVEY_FORMAT "\n");
	if (survey) {
		survey_put(&b, "survey", survey->id);
		for (size_t i = 0; i < survey->n_questions; i++) {
			const struct nl_question *q = &survey->questions[i];
			survey_put(&b, "question", q->id);
			const char *type = nl_question_type_name(q->type);
			survey_put(&b, "type", type ? type : "?");
			survey_put(&b, "text", q->text);
			if (q->type == NL_Q_CHOICE) {
				for (size_t j = 0; j < q->n_options; j++)
					survey_put(&b, "option", q->options[j]);
				for (size_t j = 0; j < q->n_aliases; j++) {
					nl_buf_printf(&b, "alias %zu ", q->aliases[j].option);
					survey_put_escaped(&b, q->aliases[j].text ? q->aliases[j].text : "");
					nl_buf_putc(&b, '\n');
				}
			}
			if (q->type == NL_Q_SCALE)
				nl_buf_printf(&b, "min %d\nmax %d\n", q->min, q->max);
			for (size_t j = 0; j < q->n_keywords; j++)
				survey_put(&b, "keyword", q->keywords[j]);
			if (q->type == NL_Q_YESNO)
				nl_buf_printf(&b, "follow_up %d\n", q->follow_up ? 1 : 0);
		}
	}
	nl_buf_puts(&b, "end\n");
	return nl_buf_detach(&b);
}

struct survey_reader {
	struct nl_error *err;
	size_t line;
};

static enum nl_code survey_bad(struct survey_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum nl_code survey_bad(struct survey_reader *r, const char *fmt, ...)
{
	char problem[NL_ERROR_DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	return nl_fail(r->err, NL_ERR_STATE, "stored survey, line %zu: %s", r->line, problem);
}

/* Unescapes s[0..len) into a new string in *out. */
static enum nl_code survey_unescape(struct survey_reader *r, const char *s, size_t len, char **out)
{
	char *d = nl_xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			d[n++] = s[i];
			continue;
		}
		char e = ++i < len ? s[i] : '\0';
		if (e == '\\' || e == 'n' || e == 't' || e == 'r') {
			d[n++] = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : '\\';
			continue;
		}
		int hi = e == 'x' && i + 2 < len ? nl_hex_value((unsigned char)s[i + 1]) : -1;
		int lo = hi >= 0 ? nl_hex_value((unsigned char)s[i + 2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0)) {
			free(d);
			return survey_bad(r, "%s", lo < 0 ? "bad escape" : "a NUL byte");
		}
		d[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[n] = '\0';
	*out = d;
	return NL_OK;
}

/* A whole decimal number in [-SURVEY_MAX_BOUND, SURVEY_MAX_BOUND] (or [0, max] for an index). */
static bool survey_number(const char *s, size_t len, long lo, long hi, long *out)
{
	size_t i = 0;
	bool neg = len > 0 && s[0] == '-';
	if (neg)
		i++;
	if (i == len || len - i > 9 || (s[i] == '0' && len - i > 1))
		return false;
	long v = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	v = neg ? -v : v;
	if ((neg && v == 0) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* What the question read so far still needs, once its last line is read. */
static enum nl_code survey_close_question(struct survey_reader *r, const struct nl_question *q, bool have_min,
                                          bool have_max, bool have_follow_up)
{
	if (!q->text)
		return survey_bad(r, "question \"%s\" has no text", q->id);
	if (q->type == NL_Q_CHOICE && q->n_options == 0)
		return survey_bad(r, "choice question \"%s\" has no options", q->id);
	if (q->type == NL_Q_SCALE && (!have_min || !have_max || q->min >= q->max))
		return survey_bad(r, "scale question \"%s\" needs min < max", q->id);
	if (q->type == NL_Q_YESNO && !have_follow_up)
		return survey_bad(r, "yes/no question \"%s\" has no follow_up", q->id);
	for (size_t i = 0; i < q->n_aliases; i++)
		if (q->aliases[i].option >= q->n_options)
			return survey_bad(r, "question \"%s\": an alias names option %zu of %zu", q->id,
			                  q->aliases[i].option, q->n_options);
	return NL_OK;
}

static enum nl_code survey_read(struct survey_reader *r, const char *text, struct nl_survey **out)
{
	enum nl_code rc = NL_OK;
	struct nl_survey *s = NULL;
	struct nl_question *q = NULL;
	bool have_type = false, have_min = false, have_max = false, have_follow_up = false, ended = false;
	size_t len = strlen(text), at = 0;
	if (len > SURVEY_MAX_TEXT) {
		r->line = 1;
		return survey_bad(r, "longer than %u bytes", SURVEY_MAX_TEXT);
	}
	for (r->line = 1; at < len; r->line++) {
		if (ended)
			return survey_bad(r, "text after \"end\"");
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		if (!nl)
			return survey_bad(r, "the last line is cut (no line break): the text is truncated");
		size_t n = (size_t)(nl - line);
		at += n + 1;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7F)
				return survey_bad(r, "a control character");
		if (!nl_utf8_valid(line, n))
			return survey_bad(r, "not valid UTF-8");
		if (r->line == 1) {
			if (n != strlen(SURVEY_FORMAT) || memcmp(line, SURVEY_FORMAT, n) != 0)
				return survey_bad(r, "not a stored survey (expected \"%s\")", SURVEY_FORMAT);
			continue;
		}
		const char *sp = memchr(line, ' ', n);
		size_t klen = sp ? (size_t)(sp - line) : n;
		const char *val = sp ? sp + 1 : line + n;
		size_t vlen = sp ? n - klen - 1 : 0;
		char key[16];
		if (klen == 0 || klen >= sizeof key)
			return survey_bad(r, "unknown field");
		memcpy(key, line, klen);
		key[klen] = '\0';

		if (strcmp(key, "end") == 0 && !sp) {
			if (s && !q)
				return survey_bad(r, "a survey without questions");
			if (q &&
			    (rc = survey_close_question(r, q, have_min, have_max, have_follow_up)) != NL_OK)
				return rc;
			ended = true;
			continue;
		}
		if (!sp)
			return survey_bad(r, "field \"%s\" without a value", key);
		if (strcmp(key, "survey") == 0) {
			if (*out || r->line != 2)
				return survey_bad(r, "\"survey\" must be the second line, once");
			s = *out = nl_xcalloc(1, sizeof *s);
			if ((rc = survey_unescape(r, val, vlen, &s->id)) != NL_OK)
				return rc;
			if (!*s->id)
				return survey_bad(r, "an empty survey id");
			continue;
		}
		if (!s)
			return survey_bad(r, "\"%s\" before \"survey\"", key);
		if (strcmp(key, "question") == 0) {
			if (q &&
			    (rc = survey_close_question(r, q, have_min, have_max, have_follow_up)) != NL_OK)
				return rc;
			if (s->n_questions >= SURVEY_MAX_QUESTIONS)
				return survey_bad(r, "more than %d questions", SURVEY_MAX_QUESTIONS);
			s->questions = nl_xgrow(s->questions, s->n_questions, sizeof *s->questions);
			q = &s->questions[s->n_questions++];
			memset(q, 0, sizeof *q);
			have_type = have_min = have_max = have_follow_up = false;
			if ((rc = survey_unescape(r, val, vlen, &q->id)) != NL_OK)
				return rc;
			if (!*q->id)
				return survey_bad(r, "an empty question id");
			for (size_t i = 0; i + 1 < s->n_questions; i++)
				if (strcmp(s->questions[i].id, q->id) == 0)
					return survey_bad(r, "question id \"%s\" given twice", q->id);
			continue;
		}
		if (!q)
			return survey_bad(r, "\"%s\" before the first \"question\"", key);
		if (strcmp(key, "type") == 0) {
			char t[16];
			if (have_type || vlen >= sizeof t)
				return survey_bad(r, "a bad or second \"type\"");
			memcpy(t, val, vlen);
			t[vlen] = '\0';
			if (!nl_question_type_parse(t, &q->type))
				return survey_bad(r, "unknown question type \"%s\"", t);
			have_type = true;
			continue;
		}
		if (!have_type)
			return survey_bad(r, "\"%s\" before the question's type", key);
		bool choice = q->type == NL_Q_CHOICE, scale = q->type == NL_Q_SCALE;
		if (strcmp(key, "text") == 0) {
			if (q->text)
				return survey_bad(r, "a second \"text\"");
			rc = survey_unescape(r, val, vlen, &q->text);
		} else if (strcmp(key, "option") == 0 && choice) {
			if (q->n_options >= SURVEY_MAX_ITEMS || q->n_aliases > 0)
				return survey_bad(r, "too many options, or an option after an alias");
			q->options = nl_xgrow(q->options, q->n_options, sizeof *q->options);
			q->options[q->n_options] = NULL;
			rc = survey_unescape(r, val, vlen, &q->options[q->n_options]);
			q->n_options++;
		} else if (strcmp(key, "alias") == 0 && choice) {
			const char *sp2 = memchr(val, ' ', vlen);
			long index;
			if (!sp2 || !survey_number(val, (size_t)(sp2 - val), 0, SURVEY_MAX_ITEMS, &index))
				return survey_bad(r, "an alias must be \"alias INDEX TEXT\"");
			if ((size_t)index >= q->n_options)
				return survey_bad(r, "an alias names option %ld of %zu", index, q->n_options);
			if (q->n_aliases >= SURVEY_MAX_ITEMS)
				return survey_bad(r, "more than %d aliases", SURVEY_MAX_ITEMS);
			q->aliases = nl_xgrow(q->aliases, q->n_aliases, sizeof *q->aliases);
			q->aliases[q->n_aliases] = (struct nl_alias){(size_t)index, NULL};
			rc = survey_unescape(r, sp2 + 1, vlen - (size_t)(sp2 + 1 - val),
			                     &q->aliases[q->n_aliases].text);
			q->n_aliases++;
		} else if (strcmp(key, "keyword") == 0) {
			if (q->n_keywords >= SURVEY_MAX_ITEMS)
				return survey_bad(r, "more than %d keywords", SURVEY_MAX_ITEMS);
			q->keywords = nl_xgrow(q->keywords, q->n_keywords, sizeof *q->keywords);
			q->keywords[q->n_keywords] = NULL;
			rc = survey_unescape(r, val, vlen, &q->keywords[q->n_keywords]);
			q->n_keywords++;
		} else if ((strcmp(key, "min") == 0 || strcmp(key, "max") == 0) && scale) {
			bool is_min = key[1] == 'i';
			long v;
			if ((is_min ? have_min : have_max) ||
			    !survey_number(val, vlen, -SURVEY_MAX_BOUND, SURVEY_MAX_BOUND, &v))
				return survey_bad(r, "a bad or second \"%s\"", key);
			*(is_min ? &q->min : &q->max) = (int)v;
			*(is_min ? &have_min : &have_max) = true;
		} else if (strcmp(key, "follow_up") == 0 && q->type == NL_Q_YESNO) {
			if (have_follow_up || vlen != 1 || (val[0] != '0' && val[0] != '1'))
				return survey_bad(r, "a bad or second \"follow_up\"");
			q->follow_up = val[0] == '1';
			have_follow_up = true;
		} else {
			return survey_bad(r, "unknown field \"%s\" for a %s question", key,
			                  nl_question_type_name(q->type));
		}
		if (rc != NL_OK)
			return rc;
	}
	if (!ended)
		return survey_bad(r, "no \"end\" line: the text is truncated");
	return NL_OK;
}

enum nl_code nl_survey_deserialize(const char *text, struct nl_survey **out, struct nl_error *err)
{
	struct survey_reader r = {err, 1};
	*out = NULL;
	if (!text)
		return nl_fail(err, NL_ERR_STATE, "stored survey: missing");
	enum nl_code rc = survey_read(&r, text, out);
	if (rc != NL_OK) {
		nl_survey_free(*out);
		*out = NULL;
	}
	return rc;
}
