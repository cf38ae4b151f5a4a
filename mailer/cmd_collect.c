/* cmd_collect.c - `mailer collect`: not written yet. */
#include "tool.h"

int cmd_collect(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("collect: not implemented yet");
	return EXIT_SOFTWARE;
}
