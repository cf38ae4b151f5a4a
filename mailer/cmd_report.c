/* cmd_report.c - `mailer report`: not written yet. */
#include "tool.h"

int cmd_report(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("report: not implemented yet");
	return EXIT_SOFTWARE;
}
