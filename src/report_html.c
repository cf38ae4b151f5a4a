/* report_html.c - not written yet. */
