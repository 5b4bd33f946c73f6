/* smtp.c — see smtp.h. */
#include "smtp.h"
