/* submit.c — see submit.h. */
#include "submit.h"
