/* delivery.c — see delivery.h. */
#include "delivery.h"
