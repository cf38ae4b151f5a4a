/* dsn.c - not written yet. */
