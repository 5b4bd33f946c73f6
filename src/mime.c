/* mime.c — see mime.h. */
#include "mime.h"
