/* cmd_run.c - `mailer run`: not written yet. */
#include "tool.h"

int cmd_run(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("run: not implemented yet");
	return EXIT_SOFTWARE;
}
