/* token.c - not written yet. */
