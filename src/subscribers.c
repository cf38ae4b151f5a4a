/* subscribers.c - not written yet. */
