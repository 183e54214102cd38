// Helpers of the addon's two parts (relay.c, udp-sender.c): Node-API argument reading, the
// monotonic clock and IP literal parsing, written once.
#ifndef TRUNKLINE_NAPI_UTIL_H
#define TRUNKLINE_NAPI_UTIL_H
#include <node_api.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static inline double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline int parse_addr(const char *ip, int port, int family, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (family == AF_INET6) {
    struct sockaddr_in6 *s = (void *)out;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, ip, &s->sin6_addr) == 1) { *len = sizeof *s; return 0; }
    struct in_addr v4; // a v4 literal for a v6 socket: v4-mapped
    if (inet_pton(AF_INET, ip, &v4) != 1) return -1;
    s->sin6_addr.s6_addr[10] = 0xff;
    s->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&s->sin6_addr.s6_addr[12], &v4, 4);
    *len = sizeof *s;
    return 0;
  }
  struct sockaddr_in *s = (void *)out;
  s->sin_family = AF_INET;
  s->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, ip, &s->sin_addr) != 1) return -1;
  *len = sizeof *s;
  return 0;
}

static inline int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "TRUNKLINE_NATIVE", "missing arguments");
    return -1;
  }
  return 0;
}

static inline double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

static inline int str(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) return -1;
  return 0;
}

static inline napi_value mk_num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static inline napi_value undef(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

/** A typed array argument of `type` with at least `min_len` elements, or a TypeError naming `what`. */
static inline int typed_arg(napi_env env, napi_value v, napi_typedarray_type type, size_t min_len, void **data, size_t *len, const char *what) {
  napi_typedarray_type t;
  if (napi_get_typedarray_info(env, v, &t, len, data, NULL, NULL) != napi_ok || t != type || *len < min_len) {
    napi_throw_type_error(env, "TRUNKLINE_NATIVE", what);
    return -1;
  }
  return 0;
}

#endif
