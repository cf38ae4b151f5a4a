/* mime.c - not written yet. */
