/* reply.c - not written yet. */
