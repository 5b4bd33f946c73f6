/* address.c — see address.h. */
#include "address.h"
