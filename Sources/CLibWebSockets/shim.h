#ifndef HINDSIGHT_CLWS_SHIM_H
#define HINDSIGHT_CLWS_SHIM_H
#include <libwebsockets.h>

// LWS_PRE is a macro Swift does not import.
static const size_t CLWS_PRE = LWS_PRE;

#endif
