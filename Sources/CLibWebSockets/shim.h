#ifndef HINDSIGHT_CLWS_SHIM_H
#define HINDSIGHT_CLWS_SHIM_H
#include <libwebsockets.h>

// LWS_PRE is a macro Swift does not import.
static const size_t CLWS_PRE = LWS_PRE;

// Negative macros Swift may not import as the intended C types.
static const int CLWS_CONTEXT_PORT_NO_LISTEN = CONTEXT_PORT_NO_LISTEN;
static const int CLWS_TO_KILL_ASYNC = LWS_TO_KILL_ASYNC;

// A timer for lws_sul_schedule: lws hands the callback only the embedded
// lws_sorted_usec_list_t, so `user` (an unretained Swift object) sits next to it.
// Zero-initialise before first use; only touch it on the lws service thread.
typedef struct clws_timer {
    lws_sorted_usec_list_t sul;
    void *user;
} clws_timer;

static inline void *clws_timer_user(lws_sorted_usec_list_t *sul) {
    return lws_container_of(sul, clws_timer, sul)->user;
}

static inline void clws_timer_schedule(struct lws_context *context, clws_timer *timer,
                                       sul_cb_t callback, lws_usec_t microseconds) {
    lws_sul_schedule(context, 0, &timer->sul, callback, microseconds);
}

static inline void clws_timer_cancel(struct lws_context *context, clws_timer *timer) {
    lws_sul_schedule(context, 0, &timer->sul, timer->sul.cb, LWS_SET_TIMER_USEC_CANCEL);
}

#endif
