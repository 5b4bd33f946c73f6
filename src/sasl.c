/* sasl.c — see sasl.h. */
#include "sasl.h"
