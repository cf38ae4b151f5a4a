/* compose.c - not written yet. */
