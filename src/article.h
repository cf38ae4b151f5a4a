/* article.h - an article: YAML front matter (libyaml) and a Markdown body (cmark).
 *
 * The body is parsed once and rendered twice: to HTML (cmark, smart punctuation) and to plain text
 * by textrender.c, which walks the same tree (72 columns, underlined headings, `text <url>` links,
 * `|` block quotes).  Front-matter errors name the file, line and field.
 */
#ifndef NL_ARTICLE_H
#define NL_ARTICLE_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "survey.h"

struct nl_article {
	char *path;          /* owned; as given */
	char *campaign;      /* owned; the campaign id: the file name without directory and ".md" */
	char *title;         /* owned; required */
	char *subject;       /* owned; required */
	char *date_text;     /* owned; as written */
	time_t date;         /* when it is due (UTC) */
	char *preheader;     /* owned; optional, NULL if absent */
	char *list;          /* owned; optional subscriber list (relative to the article), NULL if absent */
	char *template_name; /* owned; optional template base name, NULL = "newsletter" */
	struct nl_survey *survey; /* owned; NULL when the article carries no survey */
	char *html;          /* owned; the body rendered to HTML */
	char *text;          /* owned; the body rendered to plain text, wrapped at 72 columns */
	char *source;        /* owned; the whole file as read (stored with the campaign) */
};

/* Reads and renders the article at `path`.  On success *out is a new article (free it with
 * nl_article_free).  Returns NL_OK, NL_ERR_IO or NL_ERR_ARTICLE ("FILE:LINE: field: problem"). */
NL_MUST_USE enum nl_code nl_article_load(const char *path, struct nl_article **out, struct nl_error *err);
/* The same from bytes in memory; `path` is used for the campaign id and in messages.
 * Handles untrusted input (fuzzed). */
NL_MUST_USE enum nl_code nl_article_parse(const char *path, const char *data, size_t len, struct nl_article **out,
                              struct nl_error *err);
void nl_article_free(struct nl_article *article);

/* Renders Markdown to plain text for a terminal (the textrender.c walker), wrapped at `width`
 * columns.  The caller frees the result. */
char *nl_markdown_to_text(const char *markdown, size_t len, int width);

#endif
