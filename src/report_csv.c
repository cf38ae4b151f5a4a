/* report_csv.c - not written yet. */
