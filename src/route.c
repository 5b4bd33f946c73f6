/* route.c — see route.h. */
#include "route.h"
