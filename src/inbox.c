/* inbox.c - not written yet. */
