/* textrender.h - private to the article module (article.c and textrender.c only): the plain-text
 * renderer works on cmark's tree, which must not leak into the library's public headers
 * (doc/DESIGN.md §1), so this header is not included anywhere else.
 */
#ifndef NL_TEXTRENDER_H
#define NL_TEXTRENDER_H

struct cmark_node;

/* Renders the document `doc` as plain text wrapped at `width` display columns (at least 20 columns
 * are always left for text, however deep the nesting).  Returns a new string the caller frees,
 * ending in one newline, or "" for an empty document. */
char *nl_textrender_document(struct cmark_node *doc, int width);

#endif
