/* article.c - not written yet. */
