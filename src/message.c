/* message.c — see message.h. */
#include "message.h"
