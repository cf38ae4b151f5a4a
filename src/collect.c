/* collect.c - not written yet. */
