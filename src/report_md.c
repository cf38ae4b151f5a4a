/* report_md.c - not written yet. */
