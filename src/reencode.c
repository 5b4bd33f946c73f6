/* reencode.c — see reencode.h. */
#include "reencode.h"
