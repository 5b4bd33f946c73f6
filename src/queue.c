/* queue.c — see queue.h. */
#include "queue.h"
