#ifndef HINDSIGHT_CCURL_SHIM_H
#define HINDSIGHT_CCURL_SHIM_H
// curl_easy_setopt and friends are variadic, which Swift cannot call: these typed inline wrappers
// are the only way Swift reaches them. Type checking macros are disabled because they rely on
// GNU extensions the Clang importer does not need.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

// MARK: curl_easy_setopt, one wrapper per argument type

static inline CURLcode hs_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hs_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// Strings are copied by libcurl (except CURLOPT_POSTFIELDS, which Hindsight never uses).
static inline CURLcode hs_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// Raw pointers: CURLOPT_WRITEDATA/HEADERDATA userdata, CURLOPT_ERRORBUFFER, CURLOPT_COPYPOSTFIELDS.
static inline CURLcode hs_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// Sets the body size first so COPYPOSTFIELDS copies `size` bytes instead of stopping at the first NUL.
// libcurl keeps its own copy, so `data` only has to live for the duration of this call.
static inline CURLcode hs_easy_setopt_copypostfields(CURL *handle, const void *data, curl_off_t size) {
    CURLcode result = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, size);
    if (result != CURLE_OK) return result;
    return curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, size == 0 ? "" : data);
}

static inline CURLcode hs_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hs_easy_setopt_mime(CURL *handle, CURLoption option, curl_mime *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this signature.
static inline CURLcode hs_easy_setopt_datacb(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// MARK: curl_easy_getinfo

static inline CURLcode hs_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode hs_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: curl_multi

static inline CURLMcode hs_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

// CURLMsg.data is a union; Swift reads the transfer result through this accessor.
static inline CURLcode hs_curlmsg_result(const CURLMsg *message) {
    return message->data.result;
}

static const size_t HS_CURL_ERROR_SIZE = CURL_ERROR_SIZE;
static const long HS_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;

#endif
