/* textrender.c - not written yet. */
