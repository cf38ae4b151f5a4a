/* tally.c - not written yet. */
