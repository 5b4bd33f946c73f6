/* netrc.c — see netrc.h. */
#include "netrc.h"
