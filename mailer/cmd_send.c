/* cmd_send.c - `mailer send`: not written yet. */
#include "tool.h"

int cmd_send(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("send: not implemented yet");
	return EXIT_SOFTWARE;
}
