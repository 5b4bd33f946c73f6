/* tls.c — see tls.h. */
#include "tls.h"
