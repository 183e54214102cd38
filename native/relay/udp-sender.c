// SIP UDP sends on a thread of their own (issue 13).
//
// Why: a dgram send costs the SIP stack's one JavaScript thread ~10 µs (a SendWrap, the sendmsg
// syscall — which on loopback also runs the receiver's side of the kernel — and a nextTick),
// ~11 % of its busy time at 300 calls/s. Here JavaScript only copies the datagram into a queue;
// a thread sends the queue with sendmmsg on the same socket and reports, in batches, up to
// which datagram the queue has gone and which sends failed, so the caller's promise still
// rejects with the errno of a failed send (RFC 3261 §17.1.4 transport errors).
//
// The socket stays Node's (dgram reads it; libuv owns and closes the fd): the sender finds the
// fd by its bound address among the process's sockets, and must be closed before the socket.
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "napi-util.h"
#include "udp-sender.h"

#define SEND_BATCH 64
// About 40 MB of SIP at 600 bytes a datagram; past it a send fails ENOBUFS, as a full kernel buffer would.
#define MAX_QUEUED 65536
// How long a full socket buffer may hold the queue before the datagrams at its head fail EAGAIN.
#define FULL_WAIT_MS 1000

// Waking a sleeping thread is a futex syscall, as dear to the SIP thread as the send it saves; so
// while there is traffic the thread naps NAP_US between looks at the queue (a datagram waits at
// most that long) and only after DEEP_AFTER_NAPS empty looks (10 ms without a send) sleeps until
// woken: a trickle of sends then costs a wake each, as dgram's did, not 2 000 naps a second.
#define NAP_US 500
#define DEEP_AFTER_NAPS 20
// Completions reach JavaScript through a shared slot its next send reads; only when it has not
// sent for QUIET_MS after datagrams were done (or a send failed) is its loop woken to settle them.
#define QUIET_MS 2.0
enum { RUNNING, NAPPING, ASLEEP };

typedef struct item {
  struct item *next;
  uint32_t len;
  socklen_t tolen;
  struct sockaddr_storage to;
  uint8_t data[];
} item_t;

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  item_t *head, *tail;
  size_t queued;
  int waiting; // RUNNING, NAPPING or ASLEEP
  double next_seq; // the seq the next enqueued datagram gets
  double done_seq; // every datagram below it has been sent or has failed
  double *fail_seq;
  int *fail_err;
  size_t nfail, failcap;
  int notify_pending;
  // JavaScript's Float64Array over a SharedArrayBuffer: [0] every seq below it is settled (this
  // thread writes it: done_seq, or the first failure JavaScript has not read), [1] the seq below
  // which JavaScript has settled its promises (JavaScript writes it).
  double *shared;
  napi_ref shared_ref;
  double done_changed_ms;
  int fd, family;
  int stopping, started;
  pthread_t thread;
  napi_threadsafe_function tsfn;
} sender_t;

static void note_failure(sender_t *s, double seq, int err) {
  if (s->nfail == s->failcap) {
    size_t cap = s->failcap ? s->failcap * 2 : 64;
    double *fs = realloc(s->fail_seq, cap * sizeof *fs);
    if (fs) s->fail_seq = fs;
    int *fe = fs ? realloc(s->fail_err, cap * sizeof *fe) : NULL;
    if (!fs || !fe) return; // out of memory: the datagram counts as sent; UDP promised no more
    s->fail_err = fe;
    s->failcap = cap;
  }
  s->fail_seq[s->nfail] = seq;
  s->fail_err[s->nfail] = err;
  s->nfail++;
}

// Under s->mu: every seq below it is settled and JavaScript may settle it — done_seq, or the
// first failure JavaScript has not read yet.
static double settled_below(const sender_t *s) {
  return s->nfail > 0 ? s->fail_seq[0] : s->done_seq;
}

// Under s->mu: settled_below to the slot JavaScript's sends read.
static void publish(sender_t *s) {
  double settled = settled_below(s);
  __atomic_store(&s->shared[0], &settled, __ATOMIC_RELEASE);
}

// Under s->mu: true while datagrams are settled here that JavaScript has not settled.
static int unconsumed(sender_t *s) {
  double settled, consumed;
  __atomic_load(&s->shared[0], &settled, __ATOMIC_ACQUIRE);
  __atomic_load(&s->shared[1], &consumed, __ATOMIC_ACQUIRE);
  return s->nfail > 0 || consumed < settled;
}

// Under s->mu: wakes JavaScript's loop (once until it polls) for a failure at once, and for
// settled sends only when its own sends have not read them for QUIET_MS.
static void maybe_notify(sender_t *s) {
  if (s->notify_pending || !s->tsfn || !unconsumed(s)) return;
  if (s->nfail == 0 && mono_ms() - s->done_changed_ms < QUIET_MS) return;
  s->notify_pending = 1;
  napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking);
}

// Sends n datagrams; errs[i] is 0 or the errno of datagram i.
static void send_all(int fd, item_t **items, int n, int *errs) {
  struct mmsghdr msgs[SEND_BATCH];
  struct iovec iov[SEND_BATCH];
  for (int i = 0; i < n; i++) {
    iov[i].iov_base = items[i]->data;
    iov[i].iov_len = items[i]->len;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &items[i]->to;
    msgs[i].msg_hdr.msg_namelen = items[i]->tolen;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    errs[i] = 0;
  }
  int at = 0, waited = 0;
  while (at < n) {
    int r = sendmmsg(fd, msgs + at, (unsigned)(n - at), MSG_NOSIGNAL);
    if (r > 0) { at += r; continue; }
    int err = r < 0 ? errno : EIO;
    if (err == EINTR) continue;
    if ((err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) && waited < FULL_WAIT_MS) {
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      poll(&p, 1, 10);
      waited += 10;
      continue;
    }
    errs[at++] = err; // this datagram fails; the rest are tried
    waited = 0;
  }
}

static void *run(void *arg) {
  sender_t *s = arg;
  item_t *batch[SEND_BATCH];
  int errs[SEND_BATCH];
  int naps = 0;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->head && !s->stopping) {
      maybe_notify(s);
      // Not into the deep sleep while JavaScript still owes settling and has not been told.
      if (naps < DEEP_AFTER_NAPS || (unconsumed(s) && !s->notify_pending)) {
        // Busy: look again shortly rather than be woken (see NAP_US).
        naps++;
        s->waiting = NAPPING;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += NAP_US * 1000L;
        if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&s->cv, &s->mu, &until);
      } else {
        s->waiting = ASLEEP;
        pthread_cond_wait(&s->cv, &s->mu);
      }
      s->waiting = RUNNING;
    }
    if (!s->head) break; // stopping, and the queue is flushed
    naps = 0;
    int n = 0;
    while (s->head && n < SEND_BATCH) {
      batch[n++] = s->head;
      s->head = s->head->next;
    }
    if (!s->head) s->tail = NULL;
    s->queued -= (size_t)n;
    double first = s->done_seq;
    pthread_mutex_unlock(&s->mu);
    send_all(s->fd, batch, n, errs);
    for (int i = 0; i < n; i++) free(batch[i]);
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < n; i++) if (errs[i]) note_failure(s, first + i, errs[i]);
    s->done_seq = first + n;
    s->done_changed_ms = mono_ms();
    publish(s);
    maybe_notify(s);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

// Only the JavaScript thread stops a sender, so reading `stopping` unlocked here is safe.
static void stop_sender(sender_t *s) {
  if (s->stopping) return;
  pthread_mutex_lock(&s->mu);
  s->stopping = 1;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  if (s->started) pthread_join(s->thread, NULL);
  s->started = 0;
}

static void call_js(napi_env env, napi_value fn, void *context, void *data) {
  (void)context; (void)data;
  if (!env || !fn) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, fn, 0, NULL, NULL);
}

static void finalize_sender(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  sender_t *s = data;
  stop_sender(s);
  for (item_t *i = s->head; i;) { item_t *next = i->next; free(i); i = next; }
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  if (s->shared_ref) napi_delete_reference(env, s->shared_ref);
  free(s->fail_seq);
  free(s->fail_err);
  free(s);
}

static void cleanup_hook(void *arg) { stop_sender(arg); }

static int same_bound(int fd, const struct sockaddr_storage *want, int family) {
  int type = 0;
  socklen_t tl = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM) return 0;
  struct sockaddr_storage got;
  socklen_t gl = sizeof got;
  if (getsockname(fd, (struct sockaddr *)&got, &gl) != 0 || got.ss_family != family) return 0;
  if (family == AF_INET) {
    const struct sockaddr_in *a = (const void *)&got, *b = (const void *)want;
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *a = (const void *)&got, *b = (const void *)want;
  return a->sin6_port == b->sin6_port && memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
}

// The one UDP socket of this process bound to addr; -1 when none, -2 when more than one.
static int find_socket(const struct sockaddr_storage *addr, int family) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int dfd = dirfd(d), found = -1;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    char *end;
    long fd = strtol(ent->d_name, &end, 10);
    if (*end || end == ent->d_name || fd == dfd) continue;
    if (!same_bound((int)fd, addr, family)) continue;
    if (found >= 0) { found = -2; break; }
    found = (int)fd;
  }
  closedir(d);
  return found;
}

// A destination of the socket's own family only: parse_addr would map a v4 literal into v6, which
// a v6-only listener cannot send to (dgram takes those). -1 otherwise.
static int dest_of(const char *ip, double port, int family, struct sockaddr_storage *out, socklen_t *len) {
  if (!(port >= 1 && port <= 65535) || (strchr(ip, ':') ? AF_INET6 : AF_INET) != family) return -1;
  return parse_addr(ip, (int)port, family, out, len);
}

static sender_t *get_sender(napi_env env, napi_value v) {
  sender_t *s = NULL;
  if (napi_get_value_external(env, v, (void **)&s) != napi_ok || !s) { napi_throw_type_error(env, "TRUNKLINE_NATIVE", "not a UDP sender"); return NULL; }
  return s;
}

// The call's sender (argv[0]) and its other arguments; NULL with a JS exception pending when they are wrong.
static sender_t *sender_call(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  return get_args(env, info, want, argv) ? NULL : get_sender(env, argv[0]);
}

/**
 * senderOpen(host, port, onDone, shared: Float64Array of 2 over a SharedArrayBuffer) → sender;
 * throws ENOENT when no socket of this process is bound there.
 */
static napi_value js_sender_open(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (get_args(env, info, 4, argv)) return NULL;
  void *shared = NULL;
  size_t shared_len = 0;
  if (typed_arg(env, argv[3], napi_float64_array, 2, &shared, &shared_len, "shared must be a Float64Array of 2")) return NULL;
  char host[64];
  if (str(env, argv[0], host, sizeof host)) { napi_throw_type_error(env, "TRUNKLINE_NATIVE", "host"); return NULL; }
  int family = strchr(host, ':') ? AF_INET6 : AF_INET;
  struct sockaddr_storage bound;
  socklen_t bl;
  if (dest_of(host, num(env, argv[1]), family, &bound, &bl)) { napi_throw_error(env, "EINVAL", "bad host or port"); return NULL; }
  int fd = find_socket(&bound, family);
  if (fd < 0) {
    napi_throw_error(env, "ENOENT", fd == -2 ? "more than one UDP socket is bound to that address" : "no UDP socket of this process is bound to that address");
    return NULL;
  }
  sender_t *s = calloc(1, sizeof *s);
  if (!s) { napi_throw_error(env, "ENOMEM", "out of memory"); return NULL; }
  pthread_mutex_init(&s->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); // the naps' deadlines; a wall-clock step must not stretch one
  pthread_cond_init(&s->cv, &ca);
  pthread_condattr_destroy(&ca);
  s->fd = fd;
  s->family = family;
  s->shared = shared;
  // The array stays alive (and its memory where it is) while the sender may write to it.
  if (napi_create_reference(env, argv[3], 1, &s->shared_ref) != napi_ok) {
    finalize_sender(env, s, NULL);
    napi_throw_error(env, "TRUNKLINE_NATIVE", "cannot keep the shared array");
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "trunkline udp sender", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &s->tsfn) != napi_ok) {
    finalize_sender(env, s, NULL);
    napi_throw_error(env, "TRUNKLINE_NATIVE", "cannot create the completion callback");
    return NULL;
  }
  // The socket keeps the loop alive while it is open; completions alone must not.
  napi_unref_threadsafe_function(env, s->tsfn);
  if (pthread_create(&s->thread, NULL, run, s) != 0) {
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
    s->tsfn = NULL;
    finalize_sender(env, s, NULL);
    napi_throw_error(env, "TRUNKLINE_NATIVE", "cannot start the sender thread");
    return NULL;
  }
  s->started = 1;
  napi_value out;
  if (napi_create_external(env, s, finalize_sender, NULL, &out) != napi_ok) return NULL;
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  return out;
}

/**
 * senderSend(sender, data, ip, port) → the datagram's seq (≥ 0), or a negative errno: the sender
 * is closed (-EBADF), the address is not one of the socket's family (-EINVAL), the queue is
 * full (-ENOBUFS).
 */
static napi_value js_sender_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  sender_t *s = sender_call(env, info, 4, argv);
  if (!s) return NULL;
  size_t len = 0;
  void *data = NULL;
  if (typed_arg(env, argv[1], napi_uint8_array, 0, &data, &len, "data must be a Uint8Array")) return NULL;
  char ip[64] = "";
  str(env, argv[2], ip, sizeof ip);
  double result;
  item_t *item = malloc(sizeof *item + len);
  if (!item) result = -ENOMEM;
  else if (dest_of(ip, num(env, argv[3]), s->family, &item->to, &item->tolen)) { free(item); result = -EINVAL; }
  else {
    item->next = NULL;
    item->len = (uint32_t)len;
    memcpy(item->data, data, len);
    pthread_mutex_lock(&s->mu);
    if (s->stopping) result = -EBADF;
    else if (s->queued >= MAX_QUEUED) result = -ENOBUFS;
    else {
      if (s->tail) s->tail->next = item; else s->head = item;
      s->tail = item;
      s->queued++;
      result = s->next_seq++;
      item = NULL;
      if (s->waiting == ASLEEP) pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    free(item);
  }
  return mk_num(env, result);
}

/**
 * senderPoll(sender, out: Float64Array) → how many entries of out it filled: out[0] = every seq
 * below it is done; then (seq, errno) pairs of failed sends. Failures that do not fit stay for the
 * next poll (out[0] then stops before the first of them).
 */
static napi_value js_sender_poll(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  sender_t *s = sender_call(env, info, 2, argv);
  if (!s) return NULL;
  size_t len = 0;
  void *data = NULL;
  if (typed_arg(env, argv[1], napi_float64_array, 3, &data, &len, "out must be a Float64Array of 3 or more")) return NULL;
  double *out = data;
  size_t filled = 1;
  pthread_mutex_lock(&s->mu);
  size_t room = (len - 1) / 2, take = s->nfail < room ? s->nfail : room;
  for (size_t i = 0; i < take; i++) {
    out[filled++] = s->fail_seq[i];
    out[filled++] = (double)s->fail_err[i];
  }
  memmove(s->fail_seq, s->fail_seq + take, (s->nfail - take) * sizeof *s->fail_seq);
  memmove(s->fail_err, s->fail_err + take, (s->nfail - take) * sizeof *s->fail_err);
  s->nfail -= take;
  out[0] = settled_below(s);
  if (s->nfail == 0) s->notify_pending = 0;
  publish(s);
  pthread_mutex_unlock(&s->mu);
  return mk_num(env, (double)filled);
}

/** senderClose(sender): sends what is queued, then ends the thread; senderPoll still answers after. Idempotent. */
static napi_value js_sender_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  sender_t *s = sender_call(env, info, 1, argv);
  if (!s) return NULL;
  if (!s->stopping) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    stop_sender(s);
    if (s->tsfn) {
      napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
      s->tsfn = NULL;
    }
  }
  return undef(env);
}

int udp_sender_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "senderOpen", NULL, js_sender_open, NULL, NULL, NULL, napi_default, NULL },
    { "senderSend", NULL, js_sender_send, NULL, NULL, NULL, napi_default, NULL },
    { "senderPoll", NULL, js_sender_poll, NULL, NULL, NULL, napi_default, NULL },
    { "senderClose", NULL, js_sender_close, NULL, NULL, NULL, napi_default, NULL },
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok ? 0 : -1;
}
