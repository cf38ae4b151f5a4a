/* cmd_status.c - `mailer status`: not written yet. */
#include "tool.h"

int cmd_status(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("status: not implemented yet");
	return EXIT_SOFTWARE;
}
