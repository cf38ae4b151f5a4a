/* address.c - not written yet. */
