/* article.c - an article: YAML front matter (libyaml) and a Markdown body (cmark, CommonMark 0.30).
 *
 * The file starts with a line "---", then YAML 1.1 (the front matter, doc/DESIGN.md §3), then a line
 * "---" (or "..."), then the Markdown body.  Every front-matter problem stops the load with
 * "FILE:LINE: field: problem", LINE counted in the file, so the author can go straight to it.
 * Unknown top-level keys are ignored, so front matter shared with a static site generator works.
 *
 * The body is parsed once; the tree is rendered to HTML by cmark with smart punctuation and in
 * cmark's safe mode (raw HTML and javascript:/vbscript:/file:/data: URLs other than images are
 * left out: a stray tag in the Markdown cannot break the email's layout or smuggle script into it),
 * and to plain text by textrender.c.  The input is untrusted in the sense that it is fuzzed: every
 * bound below is checked, nothing is assumed about the YAML's shape.
 *
 * Besides id, type, text, options and min/max, a question may carry `keywords:` (words that refer
 * to it), `aliases:` (choice: other words for each option, checked against the other options
 * folded, as replies are compared) and `follow_up:` (yes/no: whether a "yes" asks to be contacted;
 * by default, whether the question's words are about being contacted, lexicon.h).
 */
#include "article.h"

#include <cmark.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "lexicon.h"
#include "text.h"
#include "textrender.h"
#include "util.h"

#define ARTICLE_MAX_FILE (4u << 20)
#define ARTICLE_MAX_QUESTIONS 50
#define ARTICLE_MAX_OPTIONS 30
#define ARTICLE_MAX_SCALE_VALUES 21 /* 0..20; each value becomes a link in the email */
#define ARTICLE_MAX_KEYWORDS 30
#define ARTICLE_MAX_ALIASES 100 /* of one question, all options together */
#define ARTICLE_MAX_WORD 200    /* bytes in one keyword or alias */
#define ARTICLE_TEXT_WIDTH 72

struct article_ctx {
	const char *path;
	yaml_document_t *doc;
	struct nl_error *err;
	size_t first_line; /* the file line of the YAML's first line */
};

static enum nl_code article_fail(struct article_ctx *c, size_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum nl_code article_fail(struct article_ctx *c, size_t line, const char *field, const char *fmt, ...)
{
	char problem[NL_ERROR_DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	return nl_fail(c->err, NL_ERR_ARTICLE, "%s:%zu: %s: %s", c->path, line, field, problem);
}

static size_t article_line(const struct article_ctx *c, const yaml_node_t *node)
{
	return c->first_line + node->start_mark.line;
}

static yaml_node_t *article_node(struct article_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static bool article_key_is(const yaml_node_t *key, const char *name)
{
	return key && key->type == YAML_SCALAR_NODE && key->data.scalar.length == strlen(name) &&
	       memcmp(key->data.scalar.value, name, key->data.scalar.length) == 0;
}

/* The value of `name` in the mapping `map`, or NULL.  A key given twice is an error. */
static enum nl_code article_get(struct article_ctx *c, yaml_node_t *map, const char *name, const char *field,
                                yaml_node_t **out)
{
	*out = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = article_node(c, p->key);
		if (!article_key_is(key, name))
			continue;
		if (*out)
			return article_fail(c, article_line(c, key), field, "given twice");
		*out = article_node(c, p->value);
	}
	return NL_OK;
}

/* Copies the scalar `node` into *out.  `one_line`: no control characters at all (it may end up in
 * a header); otherwise line breaks and tabs are allowed.  Empty (after trimming) is an error. */
static enum nl_code article_string(struct article_ctx *c, yaml_node_t *node, const char *field, bool one_line,
                                   char **out)
{
	if (node->type != YAML_SCALAR_NODE)
		return article_fail(c, article_line(c, node), field, "must be text, not a %s",
		                    node->type == YAML_MAPPING_NODE ? "mapping" : "list");
	struct nl_span s =
	    nl_span_trim((struct nl_span){(const char *)node->data.scalar.value, node->data.scalar.length});
	if (s.len == 0)
		return article_fail(c, article_line(c, node), field, "is empty");
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];
		if (ch == 0x7F || (ch < 0x20 && (one_line || (ch != '\n' && ch != '\t'))))
			return article_fail(c, article_line(c, node), field, "%s",
			                    one_line && (ch == '\n' || ch == '\r')
			                        ? "must be on one line"
			                        : "contains a control character");
	}
	if (!nl_utf8_valid(s.ptr, s.len))
		return article_fail(c, article_line(c, node), field, "is not valid UTF-8");
	free(*out);
	*out = nl_xstrndup(s.ptr, s.len);
	return NL_OK;
}

/* An identifier: letters, digits, '.', '-', '_' (lower-case letters only when `lower`). */
static bool article_is_id(const char *s, bool lower)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char ch = *s;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		          (!lower && ((ch >= 'A' && ch <= 'Z') || ch == '.'));
		if (!ok)
			return false;
	}
	return true;
}

static enum nl_code article_int(struct article_ctx *c, yaml_node_t *node, const char *field, int *out)
{
	if (node->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)node->data.scalar.value;
		char *end;
		long v = strtol(s, &end, 10);
		if (end != s && *end == '\0' && strlen(s) == node->data.scalar.length && v >= -1000 &&
		    v <= 1000) {
			*out = (int)v;
			return NL_OK;
		}
	}
	return article_fail(c, article_line(c, node), field, "must be a whole number between -1000 and 1000");
}

static enum nl_code article_options(struct article_ctx *c, yaml_node_t *node, const char *field,
                                    struct nl_question *q)
{
	enum nl_code rc = NL_OK;
	if (node->type != YAML_SEQUENCE_NODE)
		return article_fail(c, article_line(c, node), field,
		                    "must be a list, e.g. [job, career, not sure]");
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n == 0)
		return article_fail(c, article_line(c, node), field,
		                    "a choice question needs at least one option");
	if (n > ARTICLE_MAX_OPTIONS)
		return article_fail(c, article_line(c, node), field, "more than %d options",
		                    ARTICLE_MAX_OPTIONS);
	q->options = nl_xcalloc(n, sizeof *q->options);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *opt = article_node(c, node->data.sequence.items.start[i]);
		if ((rc = article_string(c, opt, field, true, &q->options[i])) != NL_OK)
			return rc;
		q->n_options = i + 1;
		for (size_t j = 0; j < i; j++)
			if (nl_ascii_casecmp(q->options[j], q->options[i]) == 0)
				return article_fail(c, article_line(c, opt), field,
				                    "option \"%s\" given twice", q->options[i]);
	}
	return NL_OK;
}

/* One keyword or alias: text on one line, at most ARTICLE_MAX_WORD bytes. */
static enum nl_code article_word(struct article_ctx *c, yaml_node_t *node, const char *field, char **out)
{
	enum nl_code rc = article_string(c, node, field, true, out);
	if (rc == NL_OK && strlen(*out) > ARTICLE_MAX_WORD) {
		int shown = (int)nl_utf8_cut(*out, strlen(*out), 40);
		return article_fail(c, article_line(c, node), field, "\"%.*s...\" is longer than %d bytes",
		                    shown, *out, ARTICLE_MAX_WORD);
	}
	return rc;
}

/* `keywords: [word, ...]`: other words that refer to the question. */
static enum nl_code article_keywords(struct article_ctx *c, yaml_node_t *node, const char *field,
                                     struct nl_question *q)
{
	enum nl_code rc = NL_OK;
	if (node->type != YAML_SEQUENCE_NODE)
		return article_fail(c, article_line(c, node), field,
		                    "must be a list of words, e.g. [consultation, call, appointment]");
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n > ARTICLE_MAX_KEYWORDS)
		return article_fail(c, article_line(c, node), field, "more than %d keywords",
		                    ARTICLE_MAX_KEYWORDS);
	q->keywords = nl_xcalloc(n, sizeof *q->keywords);
	for (size_t i = 0; i < n; i++) {
		q->n_keywords = i + 1;
		if ((rc = article_word(c, article_node(c, node->data.sequence.items.start[i]), field,
		                       &q->keywords[i])) != NL_OK)
			return rc;
	}
	return NL_OK;
}

/* `aliases: {option: [word, ...], ...}`: other words for an option.  An alias may repeat its own
 * option (in another case), never another option or another option's alias: compared folded
 * (case and accents), the way replies are read. */
static enum nl_code article_aliases(struct article_ctx *c, yaml_node_t *node, const char *field,
                                    struct nl_question *q)
{
	enum nl_code rc = NL_OK;
	if (node->type != YAML_MAPPING_NODE)
		return article_fail(
		    c, article_line(c, node), field,
		    "must map options to words, e.g. {job: [employment, emploi], career: [vocation]}");
	size_t total = 0;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *words = article_node(c, p->value);
		if (!words || words->type != YAML_SEQUENCE_NODE)
			return article_fail(
			    c, article_line(c, words ? words : node), field,
			    "each option's aliases must be a list, e.g. job: [employment, emploi]");
		total += (size_t)(words->data.sequence.items.top - words->data.sequence.items.start);
		if (total > ARTICLE_MAX_ALIASES)
			return article_fail(c, article_line(c, words), field, "more than %d aliases",
			                    ARTICLE_MAX_ALIASES);
	}
	char **fopt = nl_xcalloc(q->n_options, sizeof *fopt);
	char **falias = nl_xcalloc(total, sizeof *falias);
	bool *seen = nl_xcalloc(q->n_options, sizeof *seen);
	char *key = NULL;
	for (size_t j = 0; j < q->n_options; j++)
		fopt[j] = nl_text_fold(q->options[j], strlen(q->options[j]), NULL);
	q->aliases = nl_xcalloc(total, sizeof *q->aliases);
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = article_node(c, p->key), *words = article_node(c, p->value);
		if ((rc = article_string(c, k, field, true, &key)) != NL_OK)
			goto out;
		size_t opt = q->n_options;
		for (size_t j = 0; j < q->n_options && opt == q->n_options; j++)
			if (nl_ascii_casecmp(key, q->options[j]) == 0)
				opt = j;
		if (opt == q->n_options) {
			struct nl_buf known = NL_BUF_INIT;
			for (size_t j = 0; j < q->n_options; j++)
				nl_buf_printf(&known, "%s%s", j ? ", " : "", q->options[j]);
			rc = article_fail(c, article_line(c, k), field,
			                  "\"%s\" is not one of the options (%s)", key, nl_buf_cstr(&known));
			nl_buf_free(&known);
			goto out;
		}
		if (seen[opt]) {
			rc = article_fail(c, article_line(c, k), field, "option \"%s\" given twice",
			                  q->options[opt]);
			goto out;
		}
		seen[opt] = true;
		for (yaml_node_item_t *it = words->data.sequence.items.start;
		     it < words->data.sequence.items.top; it++) {
			yaml_node_t *w = article_node(c, *it);
			struct nl_alias *a = &q->aliases[q->n_aliases];
			a->option = opt;
			q->n_aliases++;
			if ((rc = article_word(c, w, field, &a->text)) != NL_OK)
				goto out;
			char *f = falias[q->n_aliases - 1] = nl_text_fold(a->text, strlen(a->text), NULL);
			for (size_t j = 0; j < q->n_options; j++)
				if (j != opt && strcmp(f, fopt[j]) == 0) {
					rc = article_fail(c, article_line(c, w), field,
					                  "alias \"%s\" of \"%s\" is the option \"%s\"",
					                  a->text, q->options[opt], q->options[j]);
					goto out;
				}
			for (size_t j = 0; j + 1 < q->n_aliases; j++)
				if (q->aliases[j].option != opt && strcmp(f, falias[j]) == 0) {
					rc = article_fail(c, article_line(c, w), field,
					                  "alias \"%s\" of \"%s\" is also an alias of \"%s\"",
					                  a->text, q->options[opt],
					                  q->options[q->aliases[j].option]);
					goto out;
				}
		}
	}
out:
	for (size_t j = 0; j < q->n_options; j++)
		free(fopt[j]);
	for (size_t j = 0; j < total; j++)
		free(falias[j]);
	free(fopt);
	free(falias);
	free(seen);
	free(key);
	return rc;
}

/* `follow_up: true|false`. */
static enum nl_code article_bool(struct article_ctx *c, yaml_node_t *node, const char *field, bool *out)
{
	if (node->type == YAML_SCALAR_NODE) {
		const char *v = (const char *)node->data.scalar.value;
		bool t = nl_ascii_casecmp(v, "true") == 0 || nl_ascii_casecmp(v, "yes") == 0;
		bool f = nl_ascii_casecmp(v, "false") == 0 || nl_ascii_casecmp(v, "no") == 0;
		if ((t || f) && strlen(v) == node->data.scalar.length) {
			*out = t;
			return NL_OK;
		}
	}
	return article_fail(c, article_line(c, node), field, "must be true or false");
}

static enum nl_code article_question(struct article_ctx *c, yaml_node_t *node, size_t index,
                                     struct nl_survey *s)
{
	enum nl_code rc = NL_OK;
	char field[64];
	struct nl_question *q = &s->questions[index];
	size_t line = article_line(c, node);
	yaml_node_t *v;
#define ARTICLE_FIELD(name)                                                                                  \
	(snprintf(field, sizeof field, "survey.questions[%zu]%s%s", index + 1, *(name) ? "." : "", (name)),  \
	 field)
	if (node->type != YAML_MAPPING_NODE)
		return article_fail(c, line, ARTICLE_FIELD(""), "must be a mapping {id, type, text, ...}");

	if ((rc = article_get(c, node, "id", ARTICLE_FIELD("id"), &v)) != NL_OK)
		return rc;
	if (!v)
		return article_fail(c, line, field, "missing");
	if ((rc = article_string(c, v, field, true, &q->id)) != NL_OK)
		return rc;
	if (!article_is_id(q->id, true))
		return article_fail(c, article_line(c, v), field,
		                    "\"%s\" must use only a-z, 0-9, '-' and '_'", q->id);
	for (size_t i = 0; i < index; i++)
		if (strcmp(s->questions[i].id, q->id) == 0)
			return article_fail(c, article_line(c, v), field,
			                    "duplicate question id \"%s\" (also question %zu)", q->id, i + 1);

	if ((rc = article_get(c, node, "type", ARTICLE_FIELD("type"), &v)) != NL_OK)
		return rc;
	if (!v)
		return article_fail(c, line, field, "missing (choice, scale, yesno or text)");
	char *type = NULL;
	if ((rc = article_string(c, v, field, true, &type)) != NL_OK)
		return rc;
	bool known = nl_question_type_parse(type, &q->type);
	if (!known)
		rc = article_fail(c, article_line(c, v), field,
		                  "unknown question type \"%s\" (choice, scale, yesno or text)", type);
	free(type);
	if (rc != NL_OK)
		return rc;

	if ((rc = article_get(c, node, "text", ARTICLE_FIELD("text"), &v)) != NL_OK)
		return rc;
	if (!v)
		return article_fail(c, line, field, "missing (the question as the reader sees it)");
	if ((rc = article_string(c, v, field, true, &q->text)) != NL_OK)
		return rc;

	if ((rc = article_get(c, node, "options", ARTICLE_FIELD("options"), &v)) != NL_OK)
		return rc;
	if (q->type == NL_Q_CHOICE && !v)
		return article_fail(c, line, field,
		                    "a choice question needs options, e.g. [job, career, not sure]");
	if (q->type != NL_Q_CHOICE && v)
		return article_fail(c, article_line(c, v), field, "only a choice question has options");
	if (v && (rc = article_options(c, v, field, q)) != NL_OK)
		return rc;

	yaml_node_t *vmin, *vmax;
	if ((rc = article_get(c, node, "min", ARTICLE_FIELD("min"), &vmin)) != NL_OK ||
	    (rc = article_get(c, node, "max", ARTICLE_FIELD("max"), &vmax)) != NL_OK)
		return rc;
	if (q->type != NL_Q_SCALE && (vmin || vmax))
		return article_fail(c, article_line(c, vmin ? vmin : vmax),
		                    ARTICLE_FIELD(vmin ? "min" : "max"),
		                    "only a scale question has min and max");
	if (q->type == NL_Q_SCALE) {
		q->min = 1;
		q->max = 5;
		if (vmin && (rc = article_int(c, vmin, ARTICLE_FIELD("min"), &q->min)) != NL_OK)
			return rc;
		if (vmax && (rc = article_int(c, vmax, ARTICLE_FIELD("max"), &q->max)) != NL_OK)
			return rc;
		if (q->min >= q->max)
			return article_fail(c,
			                    article_line(c, vmax   ? vmax
			                                    : vmin ? vmin
			                                           : node),
			                    ARTICLE_FIELD("max"), "min (%d) must be less than max (%d)",
			                    q->min, q->max);
		if (q->max - q->min + 1 > ARTICLE_MAX_SCALE_VALUES)
			return article_fail(c, article_line(c, vmax ? vmax : node), ARTICLE_FIELD("max"),
			                    "a scale has at most %d values", ARTICLE_MAX_SCALE_VALUES);
	}

	if ((rc = article_get(c, node, "aliases", ARTICLE_FIELD("aliases"), &v)) != NL_OK)
		return rc;
	if (v && q->type != NL_Q_CHOICE)
		return article_fail(c, article_line(c, v), field, "only a choice question has aliases");
	if (v && (rc = article_aliases(c, v, field, q)) != NL_OK)
		return rc;

	if ((rc = article_get(c, node, "keywords", ARTICLE_FIELD("keywords"), &v)) != NL_OK)
		return rc;
	if (v && (rc = article_keywords(c, v, field, q)) != NL_OK)
		return rc;

	if ((rc = article_get(c, node, "follow_up", ARTICLE_FIELD("follow_up"), &v)) != NL_OK)
		return rc;
	if (v && q->type != NL_Q_YESNO)
		return article_fail(c, article_line(c, v), field, "only a yes/no question has follow_up");
	if (v && (rc = article_bool(c, v, field, &q->follow_up)) != NL_OK)
		return rc;
	if (!v && q->type == NL_Q_YESNO)
		q->follow_up = nl_lexicon_contact_question(q->text);
#undef ARTICLE_FIELD
	return NL_OK;
}

static enum nl_code article_survey(struct article_ctx *c, yaml_node_t *node, struct nl_survey **out)
{
	enum nl_code rc = NL_OK;
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	yaml_node_t *v;
	if (node->type != YAML_MAPPING_NODE) {
		rc = article_fail(c, article_line(c, node), "survey",
		                  "must be a mapping with id and questions");
		goto out;
	}
	if ((rc = article_get(c, node, "id", "survey.id", &v)) != NL_OK)
		goto out;
	if (!v) {
		rc = article_fail(c, article_line(c, node), "survey.id", "missing");
		goto out;
	}
	if ((rc = article_string(c, v, "survey.id", true, &s->id)) != NL_OK)
		goto out;
	if (!article_is_id(s->id, false)) {
		rc = article_fail(c, article_line(c, v), "survey.id",
		                  "\"%s\" must use only letters, digits, '.', '-' and '_'", s->id);
		goto out;
	}
	if ((rc = article_get(c, node, "questions", "survey.questions", &v)) != NL_OK)
		goto out;
	if (!v || v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.top == v->data.sequence.items.start) {
		rc = article_fail(c, article_line(c, v ? v : node), "survey.questions",
		                  "must be a list of at least one question");
		goto out;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > ARTICLE_MAX_QUESTIONS) {
		rc = article_fail(c, article_line(c, v), "survey.questions", "more than %d questions",
		                  ARTICLE_MAX_QUESTIONS);
		goto out;
	}
	s->questions = nl_xcalloc(n, sizeof *s->questions);
	for (size_t i = 0; i < n; i++) {
		s->n_questions = i + 1;
		if ((rc = article_question(c, article_node(c, v->data.sequence.items.start[i]), i, s)) !=
		    NL_OK)
			goto out;
	}
	*out = s;
	s = NULL;
out:
	nl_survey_free(s);
	return rc;
}

/* Reads the fields of the front-matter mapping `root` into `a`.  `close_line` is the line of the
 * closing "---", where a missing field is reported. */
static enum nl_code article_fields(struct article_ctx *c, yaml_node_t *root, size_t close_line,
                                   struct nl_article *a)
{
	enum nl_code rc = NL_OK;
	yaml_node_t *v;
	struct {
		const char *name;
		char **dst;
		bool required;
	} strings[] = {
	    {"title", &a->title, true},    {"subject", &a->subject, true},
	    {"date", &a->date_text, true}, {"preheader", &a->preheader, false},
	    {"list", &a->list, false},     {"template", &a->template_name, false},
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		if ((rc = article_get(c, root, strings[i].name, strings[i].name, &v)) != NL_OK)
			return rc;
		if (!v && strings[i].required)
			return article_fail(c, close_line, strings[i].name,
			                    "missing (the front matter needs title, subject and date)");
		if (v && (rc = article_string(c, v, strings[i].name, true, strings[i].dst)) != NL_OK)
			return rc;
		if (v && strings[i].dst == &a->date_text && !nl_parse_iso8601(a->date_text, &a->date))
			return article_fail(
			    c, article_line(c, v), "date",
			    "\"%s\" is not an ISO 8601 date (2026-11-30 or 2026-11-30T09:00:00Z)",
			    a->date_text);
		if (v && strings[i].dst == &a->template_name &&
		    (!article_is_id(a->template_name, false) || a->template_name[0] == '.'))
			return article_fail(c, article_line(c, v), "template",
			                    "\"%s\" must be a template's base name, such as newsletter",
			                    a->template_name);
	}
	if ((rc = article_get(c, root, "survey", "survey", &v)) != NL_OK)
		return rc;
	if (v && (rc = article_survey(c, v, &a->survey)) != NL_OK)
		return rc;
	return NL_OK;
}

/* True if the line data[at..] is exactly `mark` (three characters), allowing trailing spaces and
 * CR; *next is set to the start of the following line. */
static bool article_is_marker(const char *data, size_t len, size_t at, const char *mark, size_t *next)
{
	if (len - at < 3 || memcmp(data + at, mark, 3) != 0)
		return false;
	size_t i = at + 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r'))
		i++;
	if (i < len && data[i] != '\n')
		return false;
	*next = i < len ? i + 1 : len;
	return true;
}

static enum nl_code article_front_matter(struct article_ctx *c, const char *yaml, size_t len,
                                         size_t close_line, struct nl_article *a)
{
	enum nl_code rc = NL_OK;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_doc = false;
	if (!yaml_parser_initialize(&parser))
		return nl_fail(c->err, NL_ERR_INTERNAL, "%s: cannot start the YAML parser", c->path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		const yaml_mark_t *m = parser.problem ? &parser.problem_mark : &parser.context_mark;
		char where[64] = "";
		if (parser.context && parser.problem && parser.context_mark.line != m->line)
			snprintf(where, sizeof where, " that starts on line %zu",
			         c->first_line + parser.context_mark.line);
		rc = article_fail(c, c->first_line + m->line, "front matter", "bad YAML: %s%s%s%s%s",
		                  parser.problem ? parser.problem : "cannot be read",
		                  parser.context ? " (" : "", parser.context ? parser.context : "", where,
		                  parser.context ? ")" : "");
		goto out;
	}
	have_doc = true;
	c->doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
		rc = article_fail(c, close_line, "title",
		                  "missing (the front matter needs title, subject and date)");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = article_fail(c, article_line(c, root), "front matter",
		                  "must be a mapping of fields (title: ...)");
		goto out;
	}
	rc = article_fields(c, root, close_line, a);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	c->doc = NULL;
	return rc;
}

/* The campaign id: the file name without directory and ".md". */
static char *article_campaign(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".md") == 0)
		n -= 3;
	return nl_xstrndup(base, n);
}

enum nl_code nl_article_parse(const char *path, const char *data, size_t len, struct nl_article **out,
                              struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	struct nl_article *a = nl_xcalloc(1, sizeof *a);
	struct article_ctx c = {.path = path ? path : "article", .err = err, .first_line = 2};
	cmark_node *doc = NULL;
	*out = NULL;
	a->path = nl_xstrdup(c.path);
	a->source = nl_xstrndup(data ? data : "", data ? len : 0);
	data = a->source;

	a->campaign = article_campaign(a->path);
	if (!article_is_id(a->campaign, false) || a->campaign[0] == '.') {
		rc = article_fail(
		    &c, 1, "campaign",
		    "the file name \"%s\" must use only letters, digits, '.', '-' and '_' (it becomes the "
		    "campaign id)",
		    a->campaign);
		goto out;
	}
	if (memchr(data, '\0', len)) {
		rc = article_fail(&c, 1, "article", "contains a NUL byte");
		goto out;
	}
	size_t at = 0, next;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		at = 3; /* a byte-order mark from a Windows editor */
	if (!article_is_marker(data, len, at, "---", &next)) {
		rc = article_fail(&c, 1, "front matter", "missing: the file must start with a line \"---\"");
		goto out;
	}
	size_t yaml_start = next, line = 2, body = 0, yaml_end = 0;
	bool closed = false;
	for (at = next; at < len; line++) {
		if (article_is_marker(data, len, at, "---", &next) ||
		    article_is_marker(data, len, at, "...", &next)) {
			yaml_end = at;
			body = next;
			closed = true;
			break;
		}
		const char *nl = memchr(data + at, '\n', len - at);
		at = nl ? (size_t)(nl - data) + 1 : len;
	}
	if (!closed) {
		rc = article_fail(&c, 1, "front matter", "not closed: no line \"---\" after it");
		goto out;
	}
	if ((rc = article_front_matter(&c, data + yaml_start, yaml_end - yaml_start, line, a)) != NL_OK)
		goto out;

	doc = cmark_parse_document(data + body, len - body, CMARK_OPT_SMART | CMARK_OPT_VALIDATE_UTF8);
	a->html = cmark_render_html(doc, CMARK_OPT_SMART);
	/* cmark allocates with malloc by default, so free() releases it like our own strings. */
	a->text = nl_textrender_document(doc, ARTICLE_TEXT_WIDTH);
	*out = a;
	a = NULL;
out:
	if (doc)
		cmark_node_free(doc);
	nl_article_free(a);
	return rc;
}

enum nl_code nl_article_load(const char *path, struct nl_article **out, struct nl_error *err)
{
	struct nl_buf b = NL_BUF_INIT;
	*out = NULL;
	enum nl_code rc = nl_read_file(path, ARTICLE_MAX_FILE, &b, err);
	if (rc == NL_OK)
		rc = nl_article_parse(path, nl_buf_cstr(&b), b.len, out, err);
	nl_buf_free(&b);
	return rc;
}

void nl_article_free(struct nl_article *article)
{
	if (!article)
		return;
	free(article->path);
	free(article->campaign);
	free(article->title);
	free(article->subject);
	free(article->date_text);
	free(article->preheader);
	free(article->list);
	free(article->template_name);
	nl_survey_free(article->survey);
	free(article->html);
	free(article->text);
	free(article->source);
	free(article);
}
