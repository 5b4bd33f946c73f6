/* header.c — see header.h. */
#include "header.h"
