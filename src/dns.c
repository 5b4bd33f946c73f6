/* dns.c — see dns.h. */
#include "dns.h"
