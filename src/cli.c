/* cli.c — see cli.h. */
#include "cli.h"
