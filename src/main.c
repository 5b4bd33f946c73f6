/* main.c — mode dispatch only: parse the command line, run the mode, print
 * the one error line and exit with its sysexits code. */
#include <stdio.h>

#include "cli.h"
#include "err.h"

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("postie: not built yet\n", stderr);
	return EX_SOFTWARE;
}
