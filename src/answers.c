/* answers.c - not written yet. */
