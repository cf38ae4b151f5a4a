/* transport.c - not written yet. */
