/* conn.c — see conn.h. */
#include "conn.h"
