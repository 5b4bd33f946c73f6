/* encode.c — see encode.h. */
#include "encode.h"
