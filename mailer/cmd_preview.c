/* cmd_preview.c - `mailer preview`: not written yet. */
#include "tool.h"

int cmd_preview(struct tool *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	tool_warn("preview: not implemented yet");
	return EXIT_SOFTWARE;
}
