/* reply.c — see reply.h. */
#include "reply.h"
