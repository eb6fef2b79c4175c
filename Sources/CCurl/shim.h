#ifndef HINDSIGHT_CCURL_SHIM_H
#define HINDSIGHT_CCURL_SHIM_H
// curl_easy_setopt and friends are variadic, which Swift cannot call: these typed inline wrappers
// are the only way Swift reaches them. Type checking macros are disabled because they rely on
// GNU extensions the Clang importer does not need.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#endif
