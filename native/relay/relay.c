// trunkline native media forwarder (Node-API C, NAPI_VERSION 8).
//
// Why: Node's dgram costs several microseconds per datagram (libuv handle, Buffer, JS callback,
// a send request per packet); 200 000 packets/s through one core leaves about 4 µs per packet
// for everything. This engine owns the UDP sockets of native sessions: one thread runs epoll,
// reads a readable socket with recvmmsg, decides each RTP packet's fate here (the forwarding
// half of src/media/latch.ts: latch, SDP window, same-host new SSRC, bleed drop) and sends the
// batch with sendmmsg. Every accepted packet is also copied into a buffer that JS drains in
// batches, where src/rtp statistics, silence, flow/drop/timeout and pcap recording stay.
// RTCP (own port or RFC 5761 muxed) is not forwarded here: it is rare, so it goes to JS whole,
// and JS (the same rules as MediaSession) answers with relay_send().
//
// Never crash on input: any datagram is checked before being read; bad ids are ignored.
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "napi-util.h"
#include "udp-sender.h"

#define LATCH_WINDOW 50
#define BATCH 64
#define MAX_PKT 2048
#define SLOT_BITS 20
// A wake-up of the relay thread per closed leg (eventfd write) cost the caller as much as the
// two closes it saved: closes are picked up by the thread's own looks instead.
#define CLOSE_LOOK_MS 50
#define CLOSE_WAKE_FDS 512
// prepareLeg wakes the thread when this many pairs wait to be opened (else its next look opens them).
#define PREP_WAKE 8
#define MAX_SLOTS (1u << SLOT_BITS)

enum { C_FORWARDED, C_BYTES, C_BLEED, C_MALFORMED, C_UNROUTABLE, C_SEND_ERRORS, C_RECORD_OVERFLOW, C_N };

typedef struct {
  struct sockaddr_storage addr; // ss_family 0 = not latched
  socklen_t len;
  int64_t ssrc;
  uint32_t accepted;
  uint32_t latches;
} latch_t;

typedef struct {
  int used;
  uint32_t gen;
  int fd_rtp, fd_rtcp;
  int family;
  uint16_t rtp_port;
  int64_t peer; // id of the other leg, -1 none
  int echo;
  latch_t latch;
  struct sockaddr_storage sdp; // ss_family 0 = none
  socklen_t sdp_len;
  double c[C_N];
} leg_t;

enum { PREP_QUEUED, PREP_OPENING, PREP_READY, PREP_FAILED };

/** An RTP/RTCP port pair on one local address: what openLeg and prepareLeg bind. */
typedef struct {
  char host[64];
  int family;
  int port;
  struct sockaddr_storage a1, a2; // rtp, rtcp
  socklen_t l1, l2;
} pair_addr_t;

/** A port pair JS has taken from its pool for a coming leg: its sockets opened by the relay thread. */
typedef struct {
  int state;
  pair_addr_t at;
  int fr, fc; // PREP_READY
  int err;    // PREP_FAILED: errno of the socket or bind
} prep_t;

typedef struct {
  pthread_mutex_t mu;
  pthread_t thread;
  int thread_started;
  int epfd, stopfd;
  volatile int stopping;
  leg_t *legs;
  uint32_t nlegs, cap;
  uint32_t *free_slots;
  uint32_t nfree;
  uint8_t *ring;
  size_t ring_cap, ring_len;
  double overflow;
  int closed;
  // Sockets of closed legs, closed by the relay thread (see close_leg): guarded by mu.
  int *closing;
  uint32_t nclosing, closing_cap;
  // Taken out of `closing` by the thread and not closed yet; `closed_cv` is signalled when 0.
  uint32_t closing_out;
  pthread_cond_t closed_cv;
  // Legs opened ahead by this thread (prepareLeg), taken by openLeg: guarded by mu.
  prep_t *prep;
  uint32_t nprep, prep_cap;
  pthread_cond_t prep_cv; // signalled when an entry leaves PREP_OPENING
  // The leg id + 1 of each open leg's sockets by fd (0: none), guarded by mu. An epoll event
  // names its socket's fd (fd_tag), not its leg: the relay thread registers a prepared pair when it
  // opens it, before any leg owns it, so openLeg makes no epoll_ctl on JS's thread.
  uint64_t *fd_ids;
  uint32_t fd_cap;
} engine_t;

// ───────────────────────────── helpers ─────────────────────────────

static uint64_t make_id(uint32_t slot, uint32_t gen) { return ((uint64_t)gen << SLOT_BITS) | slot; }

/** An epoll event's data: the socket's fd and whether it is the RTCP one (the stop eventfd is UINT64_MAX). */
static uint64_t fd_tag(int fd, int rtcp) { return ((uint64_t)(uint32_t)fd << 1) | (uint64_t)(rtcp != 0); }

/** Called with mu held. 0 when the table cannot grow (the caller gives the leg up). */
static int set_fd_id(engine_t *e, int fd, uint64_t id_plus_1) {
  if (fd < 0) return 1;
  if ((uint32_t)fd >= e->fd_cap) {
    if (id_plus_1 == 0) return 1;
    uint32_t cap = e->fd_cap ? e->fd_cap : 1024;
    while (cap <= (uint32_t)fd) cap *= 2;
    uint64_t *n = realloc(e->fd_ids, cap * sizeof *n);
    if (!n) return 0;
    memset(n + e->fd_cap, 0, (cap - e->fd_cap) * sizeof *n);
    e->fd_ids = n;
    e->fd_cap = cap;
  }
  e->fd_ids[fd] = id_plus_1;
  return 1;
}

/** Both sockets of a pair into the relay thread's epoll set, tagged by fd. */
static void watch_pair(engine_t *e, int fr, int fc) {
  struct epoll_event ev = { .events = EPOLLIN };
  ev.data.u64 = fd_tag(fr, 0);
  epoll_ctl(e->epfd, EPOLL_CTL_ADD, fr, &ev);
  ev.data.u64 = fd_tag(fc, 1);
  epoll_ctl(e->epfd, EPOLL_CTL_ADD, fc, &ev);
}

static leg_t *leg_of(engine_t *e, uint64_t id) {
  uint32_t slot = (uint32_t)(id & (MAX_SLOTS - 1));
  uint32_t gen = (uint32_t)(id >> SLOT_BITS);
  if (slot >= e->nlegs) return NULL;
  leg_t *l = &e->legs[slot];
  if (!l->used || l->gen != gen) return NULL;
  return l;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
  return 0;
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  if (a->ss_family == AF_INET6) return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
  return 0;
}

static uint16_t addr_port(const struct sockaddr_storage *a) {
  if (a->ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)a)->sin_port);
  if (a->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
  return 0;
}

/** 16 bytes: v4 in the first 4, v6 whole. */
static void addr_bytes(const struct sockaddr_storage *a, uint8_t *out) {
  memset(out, 0, 16);
  if (a->ss_family == AF_INET) memcpy(out, &((const struct sockaddr_in *)a)->sin_addr, 4);
  else if (a->ss_family == AF_INET6) memcpy(out, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
}

/** RFC 3550 §5.1/§5.3.1 checks, the same as src/rtp readRtpHeaderInto: 0 = valid. */
static int rtp_valid(const uint8_t *p, size_t n, uint32_t *ssrc) {
  if (n < 12 || (p[0] >> 6) != 2) return -1;
  size_t header = 12 + 4 * (size_t)(p[0] & 0x0f);
  if (n < header) return -1;
  if (p[0] & 0x10) {
    if (n < header + 4) return -1;
    header += 4 + 4 * (size_t)((p[header + 2] << 8) | p[header + 3]);
    if (n < header) return -1;
  }
  if (p[0] & 0x20) {
    size_t pad = p[n - 1];
    if (pad == 0 || header + pad > n) return -1;
  }
  *ssrc = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
  return 0;
}

// Ring record layout (little-endian, 8-aligned), read by src/media/native-binding.ts:
//  0 u32 record length   4 u32 packet length   8 f64 arrival (CLOCK_MONOTONIC ms)
// 16 f64 leg id         24 u8 kind            25 u8 flags   26 u16 src port  28 u16 dst port
// 30 u8 family (4|6)    32 src address[16]    48 dst address[16]   64 packet
#define REC_HEAD 64
enum { K_RTP = 0, K_RTCP = 1, K_RTCP_MUX = 2 };
enum { F_LATCH_NEW = 1, F_FORWARDED = 2, F_UNROUTABLE = 4 };

static void record(engine_t *e, leg_t *l, uint64_t id, int kind, int flags, double at, const uint8_t *pkt, size_t n,
                   const struct sockaddr_storage *src, const struct sockaddr_storage *dst) {
  size_t total = (REC_HEAD + n + 7) & ~(size_t)7;
  if (e->ring_len + total > e->ring_cap) {
    e->overflow++;
    l->c[C_RECORD_OVERFLOW]++;
    return;
  }
  uint8_t *r = e->ring + e->ring_len;
  uint32_t u = (uint32_t)total;
  memcpy(r, &u, 4);
  u = (uint32_t)n;
  memcpy(r + 4, &u, 4);
  memcpy(r + 8, &at, 8);
  double idd = (double)id;
  memcpy(r + 16, &idd, 8);
  r[24] = (uint8_t)kind;
  r[25] = (uint8_t)flags;
  uint16_t sp = addr_port(src), dp = dst ? addr_port(dst) : 0;
  memcpy(r + 26, &sp, 2);
  memcpy(r + 28, &dp, 2);
  r[30] = src->ss_family == AF_INET6 ? 6 : 4;
  r[31] = 0;
  addr_bytes(src, r + 32);
  if (dst) addr_bytes(dst, r + 48); else memset(r + 48, 0, 16);
  memcpy(r + REC_HEAD, pkt, n);
  e->ring_len += total;
}

// ───────────────────────────── forwarding thread ─────────────────────────────

typedef struct {
  struct mmsghdr in[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  uint8_t buf[BATCH][MAX_PKT];
  struct mmsghdr out[BATCH];
  struct iovec oiov[BATCH];
  struct sockaddr_storage to[BATCH];
  int out_idx[BATCH];
} batch_t;

static void send_batch(leg_t *counted, int fd, batch_t *b, int n) {
  int off = 0;
  while (off < n) {
    int r = sendmmsg(fd, b->out + off, (unsigned)(n - off), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      counted->c[C_SEND_ERRORS]++; // the first message failed: count it, go on with the rest
      off++;
      continue;
    }
    for (int i = off; i < off + r; i++) {
      counted->c[C_FORWARDED]++;
      counted->c[C_BYTES] += b->oiov[i].iov_len;
    }
    off += r;
  }
}

/** The batch's receive headers, set again before each recvmmsg (it writes the lengths back). */
static void arm_reads(batch_t *b) {
  for (int i = 0; i < BATCH; i++) {
    b->iov[i].iov_base = b->buf[i];
    b->iov[i].iov_len = MAX_PKT;
    memset(&b->in[i].msg_hdr, 0, sizeof b->in[i].msg_hdr);
    b->in[i].msg_hdr.msg_name = &b->from[i];
    b->in[i].msg_hdr.msg_namelen = sizeof b->from[i];
    b->in[i].msg_hdr.msg_iov = &b->iov[i];
    b->in[i].msg_hdr.msg_iovlen = 1;
  }
}

/**
 * A watched socket no leg owns — prepared and not taken yet, or a closed leg's waiting for its
 * close — is read and its datagrams dropped: epoll reports it until it is empty, and what reaches
 * a port before its leg is opened is no one's media (a late packet of the port's last call).
 */
static void drop_unowned(int fd, batch_t *b) {
  for (int round = 0; round < 8; round++) {
    arm_reads(b);
    if (recvmmsg(fd, b->in, BATCH, MSG_DONTWAIT, NULL) < BATCH) return;
  }
}

static void on_readable(engine_t *e, int fd, int rtcp, batch_t *b) {
  uint64_t id_plus_1 = (uint32_t)fd < e->fd_cap ? e->fd_ids[fd] : 0;
  leg_t *l = id_plus_1 == 0 ? NULL : leg_of(e, id_plus_1 - 1);
  if (!l || fd != (rtcp ? l->fd_rtcp : l->fd_rtp)) { drop_unowned(fd, b); return; }
  uint64_t id = id_plus_1 - 1;
  for (int round = 0; round < 8; round++) {
    arm_reads(b);
    int n = recvmmsg(fd, b->in, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    double at = mono_ms();
    int nout = 0;
    leg_t *peer = l->peer < 0 ? NULL : leg_of(e, (uint64_t)l->peer);
    for (int i = 0; i < n; i++) {
      const uint8_t *p = b->buf[i];
      size_t len = b->in[i].msg_len;
      struct sockaddr_storage *src = &b->from[i];
      if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) { l->c[C_MALFORMED]++; continue; }
      if (rtcp) {
        // Every check of RTCP (RFC 3550 §6.4) and its latch are JS's: MediaSession's rules, unchanged.
        record(e, l, id, K_RTCP, 0, at, p, len, src, NULL);
        continue;
      }
      if (len < 12 || (p[0] & 0xc0) != 0x80) { l->c[C_MALFORMED]++; continue; }
      uint8_t pt = p[1] & 0x7f;
      if (pt >= 64 && pt <= 95) { record(e, l, id, K_RTCP_MUX, 0, at, p, len, src, NULL); continue; }
      uint32_t ssrc;
      if (rtp_valid(p, len, &ssrc) != 0) { l->c[C_MALFORMED]++; continue; }
      // Latch (src/media/latch.ts Latch.check, RTP half).
      latch_t *lt = &l->latch;
      int flags = 0;
      if (lt->addr.ss_family != 0 && same_addr(&lt->addr, src)) {
        lt->ssrc = ssrc;
        lt->accepted++;
      } else {
        int fresh = lt->addr.ss_family == 0;
        int new_stream = !fresh && same_host(&lt->addr, src) && (int64_t)ssrc != lt->ssrc;
        int sdp_wins = lt->accepted < LATCH_WINDOW && l->sdp.ss_family != 0 && same_addr(&l->sdp, src);
        if (!(fresh || new_stream || sdp_wins)) { l->c[C_BLEED]++; continue; }
        lt->addr = *src;
        lt->len = b->in[i].msg_hdr.msg_namelen;
        lt->ssrc = ssrc;
        lt->accepted = 1;
        lt->latches++;
        flags |= F_LATCH_NEW;
      }
      // Where it goes: back to the source (echo), else the peer leg's latched source or SDP address.
      const struct sockaddr_storage *dst = NULL;
      socklen_t dlen = 0;
      if (l->echo) { dst = src; dlen = b->in[i].msg_hdr.msg_namelen; }
      else if (peer && peer->latch.addr.ss_family != 0) { dst = &peer->latch.addr; dlen = peer->latch.len; }
      else if (peer && peer->sdp.ss_family != 0) { dst = &peer->sdp; dlen = peer->sdp_len; }
      if (!dst) {
        l->c[C_UNROUTABLE]++;
        record(e, l, id, K_RTP, flags | F_UNROUTABLE, at, p, len, src, NULL);
        continue;
      }
      b->to[nout] = *dst;
      b->oiov[nout].iov_base = (void *)p;
      b->oiov[nout].iov_len = len;
      memset(&b->out[nout].msg_hdr, 0, sizeof b->out[nout].msg_hdr);
      b->out[nout].msg_hdr.msg_name = &b->to[nout];
      b->out[nout].msg_hdr.msg_namelen = dlen;
      b->out[nout].msg_hdr.msg_iov = &b->oiov[nout];
      b->out[nout].msg_hdr.msg_iovlen = 1;
      nout++;
      record(e, l, id, K_RTP, flags | F_FORWARDED, at, p, len, src, dst);
    }
    if (nout > 0) send_batch(l, l->echo ? l->fd_rtp : peer->fd_rtp, b, nout);
    if (n < BATCH) return;
  }
}

/** Closes the sockets close_leg() left to this thread. Called with mu held. */
static void close_pending(engine_t *e) {
  for (uint32_t i = 0; i < e->nclosing; i++) close(e->closing[i]);
  e->nclosing = 0;
}

static int open_socket(int family, const struct sockaddr_storage *addr, socklen_t len);

/**
 * Opens the sockets of the pairs prepareLeg queued. Called with mu held; opens them with it
 * released (socket and bind are what openLeg would spend on JS's thread) and marks each one
 * ready or failed. openLeg may take a queued entry back meanwhile; an opening one it waits for.
 */
static void open_prepared(engine_t *e) {
  for (uint32_t i = 0; i < e->nprep; i++) {
    prep_t *p = &e->prep[i];
    if (p->state != PREP_QUEUED) continue;
    p->state = PREP_OPENING;
    prep_t job = *p;
    pthread_mutex_unlock(&e->mu);
    int fr = open_socket(job.at.family, &job.at.a1, job.at.l1);
    int fc = fr < 0 ? fr : open_socket(job.at.family, &job.at.a2, job.at.l2);
    if (fr >= 0 && fc < 0) close(fr);
    if (fr >= 0 && fc >= 0) watch_pair(e, fr, fc);
    pthread_mutex_lock(&e->mu);
    // The array may have moved (realloc) or shifted (an entry taken): find the entry again by port and family.
    for (uint32_t j = 0; j < e->nprep; j++) {
      prep_t *q = &e->prep[j];
      if (q->state != PREP_OPENING || q->at.port != job.at.port || q->at.family != job.at.family) continue;
      if (fr >= 0 && fc >= 0) { q->state = PREP_READY; q->fr = fr; q->fc = fc; }
      else { q->state = PREP_FAILED; q->err = fr < 0 ? -fr : -fc; }
      break;
    }
    pthread_cond_broadcast(&e->prep_cv);
    i = (uint32_t)-1; // start over: entries may have moved while unlocked
  }
}

static int grow_ints(int **a, uint32_t *cap, uint32_t need) {
  uint32_t c = *cap ? *cap : 256;
  while (c < need) c *= 2;
  int *n = realloc(*a, c * sizeof *n);
  if (!n) return 0;
  *a = n;
  *cap = c;
  return 1;
}

static void *run(void *arg) {
  engine_t *e = arg;
  int *out = NULL;
  uint32_t n_out_cap = 0;
  batch_t *b = malloc(sizeof *b);
  struct epoll_event ev[128];
  while (b && !e->stopping) {
    // Closed legs' sockets wait for this thread's next look (close_leg does not wake it for
    // each): every CLOSE_LOOK_MS while legs are open, at once past CLOSE_WAKE_FDS of them.
    pthread_mutex_lock(&e->mu);
    int look = e->nclosing > 0 || e->nlegs > e->nfree || e->nprep > 0 ? CLOSE_LOOK_MS : 500;
    pthread_mutex_unlock(&e->mu);
    int n = epoll_wait(e->epfd, ev, 128, look);
    if (n < 0 && errno != EINTR) break;
    if (n < 0) continue;
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < n && !e->stopping; i++) {
      uint64_t tag = ev[i].data.u64;
      if (tag == UINT64_MAX) { // stop, or sockets to close: reset the eventfd
        uint64_t v;
        if (read(e->stopfd, &v, 8) < 0) { /* EAGAIN: already reset */ }
        continue;
      }
      on_readable(e, (int)(tag >> 1), (int)(tag & 1), b);
    }
    if (!e->stopping) open_prepared(e);
    // Taken out under the lock, closed after it: JS's openLeg/closeLeg do not wait for the closes.
    uint32_t n_out = 0;
    if (e->nclosing > 0 && (n_out_cap >= e->nclosing || grow_ints(&out, &n_out_cap, e->nclosing))) {
      memcpy(out, e->closing, e->nclosing * sizeof *out);
      n_out = e->nclosing;
      e->nclosing = 0;
    }
    close_pending(e); // what could not be taken out (no memory)
    e->closing_out = n_out;
    pthread_mutex_unlock(&e->mu);
    if (n_out > 0) {
      for (uint32_t i = 0; i < n_out; i++) close(out[i]);
      pthread_mutex_lock(&e->mu);
      e->closing_out = 0;
      pthread_cond_broadcast(&e->closed_cv);
      pthread_mutex_unlock(&e->mu);
    }
  }
  free(out);
  free(b);
  return NULL;
}

// ───────────────────────────── Node-API surface ─────────────────────────────

/**
 * Called with mu held. The sockets are closed by the relay thread, not the caller's (JS's):
 * two closes and two EPOLL_CTL_DEL per leg were ~2 % of serve's SIP thread at 800 calls/s
 * (issue 13); a socket's close takes it out of the epoll set, so no EPOLL_CTL_DEL. The thread
 * closes them at its next look (CLOSE_LOOK_MS), or at once when CLOSE_WAKE_FDS are waiting. Until then a datagram
 * to it wakes the thread with the old id, which no longer matches (gen): it is not read, and the
 * socket is closed at the end of that same turn. Without the thread (stopping, never started)
 * they are closed here.
 */
static void close_leg(engine_t *e, leg_t *l) {
  if (!l->used) return;
  set_fd_id(e, l->fd_rtp, 0);
  set_fd_id(e, l->fd_rtcp, 0);
  int inline_close = !e->thread_started || e->stopping;
  if (!inline_close && e->nclosing + 2 > e->closing_cap && !grow_ints(&e->closing, &e->closing_cap, e->nclosing + 2)) inline_close = 1;
  if (inline_close) {
    close(l->fd_rtp);
    close(l->fd_rtcp);
  } else {
    e->closing[e->nclosing++] = l->fd_rtp;
    e->closing[e->nclosing++] = l->fd_rtcp;
    uint64_t one = 1;
    if (e->nclosing == CLOSE_WAKE_FDS && write(e->stopfd, &one, 8) < 0) { /* counter full: the thread is awake anyway */ }
  }
  l->used = 0;
  l->gen = (l->gen + 1) & 0xffffffu; // ids of the closed leg stop matching
  e->free_slots[e->nfree++] = (uint32_t)(l - e->legs);
}

static void stop_engine(engine_t *e) {
  if (e->closed) return;
  e->closed = 1;
  e->stopping = 1;
  uint64_t one = 1;
  if (write(e->stopfd, &one, 8) < 0) { /* the 500 ms epoll timeout ends the thread anyway */ }
  if (e->thread_started) pthread_join(e->thread, NULL);
  close_pending(e);
  for (uint32_t i = 0; i < e->nprep; i++) if (e->prep[i].state == PREP_READY) { close(e->prep[i].fr); close(e->prep[i].fc); }
  e->nprep = 0;
  for (uint32_t i = 0; i < e->nlegs; i++) close_leg(e, &e->legs[i]);
  close(e->epfd);
  close(e->stopfd);
}

static void finalize_engine(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  engine_t *e = data;
  stop_engine(e);
  pthread_mutex_destroy(&e->mu);
  pthread_cond_destroy(&e->closed_cv);
  pthread_cond_destroy(&e->prep_cv);
  free(e->legs);
  free(e->free_slots);
  free(e->closing);
  free(e->prep);
  free(e->fd_ids);
  free(e->ring);
  free(e);
}

static void cleanup_hook(void *arg) { stop_engine(arg); }

static engine_t *get_engine(napi_env env, napi_value v) {
  engine_t *e = NULL;
  if (napi_get_value_external(env, v, (void **)&e) != napi_ok || !e) { napi_throw_type_error(env, "TRUNKLINE_NATIVE", "not a relay engine"); return NULL; }
  if (e->closed) { napi_throw_error(env, "TRUNKLINE_NATIVE", "relay engine closed"); return NULL; }
  return e;
}

/** create(ringBytes) → engine */
static napi_value js_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  double ring = num(env, argv[0]);
  if (ring < 65536) ring = 65536;
  engine_t *e = calloc(1, sizeof *e);
  if (!e) { napi_throw_error(env, "TRUNKLINE_NATIVE", "out of memory"); return NULL; }
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->closed_cv, NULL);
  pthread_cond_init(&e->prep_cv, NULL);
  e->ring_cap = (size_t)ring;
  e->ring = malloc(e->ring_cap);
  e->epfd = epoll_create1(EPOLL_CLOEXEC);
  e->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!e->ring || e->epfd < 0 || e->stopfd < 0) {
    free(e->ring); free(e);
    napi_throw_error(env, "TRUNKLINE_NATIVE", "cannot create the relay engine");
    return NULL;
  }
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
  epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->stopfd, &ev);
  if (pthread_create(&e->thread, NULL, run, e) == 0) e->thread_started = 1;
  napi_value out;
  if (napi_create_external(env, e, finalize_engine, NULL, &out) != napi_ok) return NULL;
  napi_add_env_cleanup_hook(env, cleanup_hook, e);
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  engine_t *e = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&e) == napi_ok && e) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, e);
    stop_engine(e);
  }
  return undef(env);
}

static int open_socket(int family, const struct sockaddr_storage *addr, socklen_t len) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (family == AF_INET6) { int off = 0; setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off); }
  int sz = 1 << 20; // a 20 ms drain pause must not overflow the kernel queue at 50 pps
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  if (bind(fd, (const struct sockaddr *)addr, len) < 0) { int err = errno; close(fd); return -err; }
  return fd;
}

/** (engine, host, rtpPort) of openLeg and prepareLeg: the engine, or NULL with a JS exception thrown. */
static engine_t *pair_args(napi_env env, napi_callback_info info, pair_addr_t *at) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  memset(at, 0, sizeof *at);
  if (str(env, argv[1], at->host, sizeof at->host)) { napi_throw_type_error(env, "TRUNKLINE_NATIVE", "host"); return NULL; }
  at->port = (int)num(env, argv[2]);
  at->family = strchr(at->host, ':') ? AF_INET6 : AF_INET;
  if (at->port <= 0 || at->port >= 65535 || parse_addr(at->host, at->port, at->family, &at->a1, &at->l1) || parse_addr(at->host, at->port + 1, at->family, &at->a2, &at->l2)) {
    napi_throw_error(env, "EINVAL", "bad host or port");
    return NULL;
  }
  return e;
}

/**
 * The pair prepareLeg queued for (family, port), if any, out of the list: its sockets in *fr and *fc
 * when the thread opened them, its errno negated in *fr when that failed; -EAGAIN in *fr when
 * none is queued or it was still waiting (openLeg then opens it here). An entry being opened is
 * waited for. Reads nprep unlocked only as a hint: 0 skips the lock.
 */
static void take_prepared(engine_t *e, int family, int port, int *fr, int *fc) {
  pthread_mutex_lock(&e->mu);
  for (;;) {
    uint32_t i = 0;
    while (i < e->nprep && !(e->prep[i].at.port == port && e->prep[i].at.family == family)) i++;
    if (i == e->nprep) break;
    prep_t *p = &e->prep[i];
    if (p->state == PREP_OPENING) { pthread_cond_wait(&e->prep_cv, &e->mu); continue; }
    if (p->state == PREP_READY) { *fr = p->fr; *fc = p->fc; }
    else if (p->state == PREP_FAILED) { *fr = -p->err; *fc = -p->err; }
    e->prep[i] = e->prep[--e->nprep];
    break;
  }
  pthread_mutex_unlock(&e->mu);
}

/**
 * prepareLeg(engine, host, rtpPort): the relay thread opens and binds this pair ahead of the
 * openLeg that will take it, so socket() and bind() leave JS's thread (they were ~2–3 % of
 * serve's SIP thread at 600–800 calls/s, issue 13). JS must only prepare a port it has taken from
 * its pool, and always takes it with openLeg (which also reports a failed bind) or the engine's close.
 */
static napi_value js_prepare_leg(napi_env env, napi_callback_info info) {
  prep_t p;
  memset(&p, 0, sizeof p);
  engine_t *e = pair_args(env, info, &p.at);
  if (!e) return NULL;
  p.state = PREP_QUEUED;
  pthread_mutex_lock(&e->mu);
  if (e->nprep == e->prep_cap) {
    uint32_t cap = e->prep_cap ? e->prep_cap * 2 : 64;
    prep_t *np = realloc(e->prep, cap * sizeof *np);
    if (!np) { pthread_mutex_unlock(&e->mu); return undef(env); } // openLeg opens it itself
    e->prep = np;
    e->prep_cap = cap;
  }
  e->prep[e->nprep++] = p;
  uint32_t queued = 0;
  for (uint32_t i = 0; i < e->nprep; i++) queued += e->prep[i].state == PREP_QUEUED;
  pthread_mutex_unlock(&e->mu);
  uint64_t one = 1;
  if (queued == PREP_WAKE && write(e->stopfd, &one, 8) < 0) { /* counter full: the thread is awake anyway */ }
  return undef(env);
}

/** releasePrepared(engine): every pair prepareLeg queued is dropped, its sockets closed (by the thread). */
static napi_value js_release_prepared(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  pthread_mutex_lock(&e->mu);
  for (;;) {
    int opening = 0;
    for (uint32_t i = 0; i < e->nprep; i++) opening |= e->prep[i].state == PREP_OPENING;
    if (!opening) break;
    pthread_cond_wait(&e->prep_cv, &e->mu);
  }
  for (uint32_t i = 0; i < e->nprep; i++) {
    prep_t *p = &e->prep[i];
    if (p->state != PREP_READY) continue;
    if (e->nclosing + 2 <= e->closing_cap || grow_ints(&e->closing, &e->closing_cap, e->nclosing + 2)) {
      e->closing[e->nclosing++] = p->fr;
      e->closing[e->nclosing++] = p->fc;
    } else { close(p->fr); close(p->fc); }
  }
  e->nprep = 0;
  pthread_mutex_unlock(&e->mu);
  return undef(env);
}

/** openLeg(engine, host, rtpPort) → id; throws with code EADDRINUSE/EACCES/… on a bind failure. */
static napi_value js_open_leg(napi_env env, napi_callback_info info) {
  pair_addr_t at;
  engine_t *e = pair_args(env, info, &at);
  if (!e) return NULL;
  const int family = at.family, port = at.port;
  int fr = -EAGAIN, fc = -EAGAIN;
  if (e->nprep > 0) take_prepared(e, family, port, &fr, &fc);
  // A pair the relay thread opened is watched already (open_prepared); one opened here is not.
  const int watched = fr >= 0;
  if (fr == -EAGAIN) {
    fr = open_socket(family, &at.a1, at.l1);
    fc = fr < 0 ? fr : open_socket(family, &at.a2, at.l2);
  }
  if (fr == -EADDRINUSE || fc == -EADDRINUSE) {
    // The port may be a closed leg's whose sockets the relay thread has not closed yet.
    pthread_mutex_lock(&e->mu);
    int pending = e->nclosing > 0 || e->closing_out > 0;
    close_pending(e);
    while (e->closing_out > 0) pthread_cond_wait(&e->closed_cv, &e->mu);
    pthread_mutex_unlock(&e->mu);
    if (pending) {
      if (fr >= 0) close(fr);
      fr = open_socket(family, &at.a1, at.l1);
      fc = fr < 0 ? fr : open_socket(family, &at.a2, at.l2);
    }
  }
  if (fr < 0 || fc < 0) {
    int err = fr < 0 ? -fr : -fc;
    if (fr >= 0) close(fr);
    const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EACCES ? "EACCES" : "EBIND";
    char msg[128];
    snprintf(msg, sizeof msg, "bind %s:%d: %s", at.host, port, strerror(err));
    napi_throw_error(env, code, msg);
    return NULL;
  }
  pthread_mutex_lock(&e->mu);
  uint32_t slot;
  if (e->nfree > 0) slot = e->free_slots[--e->nfree];
  else {
    if (e->nlegs == e->cap) {
      uint32_t cap = e->cap ? e->cap * 2 : 1024;
      leg_t *legs = cap <= MAX_SLOTS ? realloc(e->legs, cap * sizeof *legs) : NULL;
      uint32_t *fs = legs ? realloc(e->free_slots, cap * sizeof *fs) : NULL;
      if (legs) e->legs = legs;
      if (!legs || !fs) {
        pthread_mutex_unlock(&e->mu);
        close(fr); close(fc);
        napi_throw_error(env, "ENOMEM", "too many relay legs");
        return NULL;
      }
      e->free_slots = fs;
      memset(e->legs + e->cap, 0, (cap - e->cap) * sizeof *legs);
      e->cap = cap;
    }
    slot = e->nlegs++;
  }
  leg_t *l = &e->legs[slot];
  uint32_t gen = l->gen;
  uint64_t id = make_id(slot, gen);
  if (!set_fd_id(e, fr, id + 1) || !set_fd_id(e, fc, id + 1)) {
    set_fd_id(e, fr, 0);
    e->free_slots[e->nfree++] = slot;
    pthread_mutex_unlock(&e->mu);
    close(fr); close(fc);
    napi_throw_error(env, "ENOMEM", "too many relay legs");
    return NULL;
  }
  memset(l, 0, sizeof *l);
  l->gen = gen;
  l->used = 1;
  l->fd_rtp = fr;
  l->fd_rtcp = fc;
  l->family = family;
  l->rtp_port = (uint16_t)port;
  l->peer = -1;
  pthread_mutex_unlock(&e->mu);
  if (!watched) watch_pair(e, fr, fc);
  return mk_num(env, (double)id);
}

/** closeLeg(engine, id): idempotent. */
static napi_value js_close_leg(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv)) return NULL;
  engine_t *e = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&e) != napi_ok || !e || e->closed) return undef(env);
  pthread_mutex_lock(&e->mu);
  leg_t *l = leg_of(e, (uint64_t)num(env, argv[1]));
  if (l) close_leg(e, l);
  pthread_mutex_unlock(&e->mu);
  return undef(env);
}

/** link(engine, idA, idB): each leg forwards out of the other's socket. */
static napi_value js_link(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  double a = num(env, argv[1]), b = num(env, argv[2]);
  pthread_mutex_lock(&e->mu);
  leg_t *la = leg_of(e, (uint64_t)a), *lb = leg_of(e, (uint64_t)b);
  if (la && lb) { la->peer = (int64_t)b; lb->peer = (int64_t)a; }
  pthread_mutex_unlock(&e->mu);
  return undef(env);
}

/** The arguments setSdp and setLatch share: (engine, id, ip, port, …); false once a JS exception is pending. */
typedef struct { engine_t *e; uint64_t id; char ip[64]; int port; } addr_args_t;

static bool addr_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, addr_args_t *a) {
  if (get_args(env, info, argc, argv)) return false;
  a->e = get_engine(env, argv[0]);
  if (!a->e) return false;
  a->id = (uint64_t)num(env, argv[1]);
  if (str(env, argv[2], a->ip, sizeof a->ip)) a->ip[0] = 0;
  a->port = (int)num(env, argv[3]);
  return true;
}

/** setSdp(engine, id, ip, port): the SDP address of the leg's peer (ip '' clears). */
static napi_value js_set_sdp(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  addr_args_t a;
  if (!addr_args(env, info, 4, argv, &a)) return NULL;
  pthread_mutex_lock(&a.e->mu);
  leg_t *l = leg_of(a.e, a.id);
  if (l) {
    struct sockaddr_storage s;
    socklen_t len;
    if (a.ip[0] && a.port > 0 && a.port < 65536 && parse_addr(a.ip, a.port, l->family, &s, &len) == 0) { l->sdp = s; l->sdp_len = len; }
    else memset(&l->sdp, 0, sizeof l->sdp);
  }
  pthread_mutex_unlock(&a.e->mu);
  return undef(env);
}

/** setLatch(engine, id, ip, port, ssrc): ip '' re-opens the latch (relatch); otherwise takes it (muxed RTCP latched in JS). */
static napi_value js_set_latch(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  addr_args_t a;
  if (!addr_args(env, info, 5, argv, &a)) return NULL;
  double ssrc = num(env, argv[4]);
  pthread_mutex_lock(&a.e->mu);
  leg_t *l = leg_of(a.e, a.id);
  if (l) {
    if (!a.ip[0]) {
      memset(&l->latch.addr, 0, sizeof l->latch.addr);
      l->latch.ssrc = -1;
      l->latch.accepted = 0;
    } else if (parse_addr(a.ip, a.port, l->family, &l->latch.addr, &l->latch.len) == 0) {
      l->latch.ssrc = (int64_t)ssrc;
      l->latch.accepted = 1;
      l->latch.latches++;
    }
  }
  pthread_mutex_unlock(&a.e->mu);
  return undef(env);
}

static napi_value js_set_echo(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  bool on = false;
  napi_get_value_bool(env, argv[2], &on);
  pthread_mutex_lock(&e->mu);
  leg_t *l = leg_of(e, (uint64_t)num(env, argv[1]));
  if (l) l->echo = on;
  pthread_mutex_unlock(&e->mu);
  return undef(env);
}

/** counters(engine, id, Float64Array(C_N + 1)): forwarded, bytes, bleed, malformed, unroutable, sendErrors, overflow, latches. */
static napi_value js_counters(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  size_t len;
  void *data;
  if (typed_arg(env, argv[2], napi_float64_array, C_N + 1, &data, &len, "counters needs a Float64Array")) return NULL;
  double *out = data;
  bool found = false;
  pthread_mutex_lock(&e->mu);
  leg_t *l = leg_of(e, (uint64_t)num(env, argv[1]));
  if (l) { memcpy(out, l->c, sizeof l->c); out[C_N] = l->latch.latches; found = true; }
  pthread_mutex_unlock(&e->mu);
  napi_value v;
  napi_get_boolean(env, found, &v);
  return v;
}

/** send(engine, id, rtcp, ip, port, bytes) → true when the kernel took it (else counted as a send error). */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (get_args(env, info, 6, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  bool rtcp = false;
  napi_get_value_bool(env, argv[2], &rtcp);
  char ip[64];
  if (str(env, argv[3], ip, sizeof ip)) return NULL;
  int port = (int)num(env, argv[4]);
  void *data;
  size_t len;
  if (typed_arg(env, argv[5], napi_uint8_array, 0, &data, &len, "send needs a Uint8Array")) return NULL;
  bool ok = false;
  pthread_mutex_lock(&e->mu);
  leg_t *l = leg_of(e, (uint64_t)num(env, argv[1]));
  struct sockaddr_storage s;
  socklen_t sl;
  if (l && port > 0 && port < 65536 && parse_addr(ip, port, l->family, &s, &sl) == 0) {
    ssize_t r = sendto(rtcp ? l->fd_rtcp : l->fd_rtp, data, len, MSG_DONTWAIT, (struct sockaddr *)&s, sl);
    ok = r >= 0;
    if (!ok) l->c[C_SEND_ERRORS]++;
  }
  pthread_mutex_unlock(&e->mu);
  napi_value v;
  napi_get_boolean(env, ok, &v);
  return v;
}

/** drain(engine, Uint8Array) → bytes of whole records copied (the rest stays for the next call). */
static napi_value js_drain(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv)) return NULL;
  engine_t *e = get_engine(env, argv[0]);
  if (!e) return NULL;
  void *data;
  size_t cap;
  if (typed_arg(env, argv[1], napi_uint8_array, 0, &data, &cap, "drain needs a Uint8Array")) return NULL;
  pthread_mutex_lock(&e->mu);
  size_t n = 0;
  if (e->ring_len <= cap) n = e->ring_len;
  else {
    while (n < e->ring_len) {
      uint32_t rl;
      memcpy(&rl, e->ring + n, 4);
      if (n + rl > cap) break;
      n += rl;
    }
  }
  memcpy(data, e->ring, n);
  memmove(e->ring, e->ring + n, e->ring_len - n);
  e->ring_len -= n;
  pthread_mutex_unlock(&e->mu);
  return mk_num(env, (double)n);
}

static napi_value js_now(napi_env env, napi_callback_info info) {
  (void)info;
  return mk_num(env, mono_ms());
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "openLeg", NULL, js_open_leg, NULL, NULL, NULL, napi_default, NULL },
    { "prepareLeg", NULL, js_prepare_leg, NULL, NULL, NULL, napi_default, NULL },
    { "releasePrepared", NULL, js_release_prepared, NULL, NULL, NULL, napi_default, NULL },
    { "closeLeg", NULL, js_close_leg, NULL, NULL, NULL, napi_default, NULL },
    { "link", NULL, js_link, NULL, NULL, NULL, napi_default, NULL },
    { "setSdp", NULL, js_set_sdp, NULL, NULL, NULL, napi_default, NULL },
    { "setLatch", NULL, js_set_latch, NULL, NULL, NULL, napi_default, NULL },
    { "setEcho", NULL, js_set_echo, NULL, NULL, NULL, napi_default, NULL },
    { "counters", NULL, js_counters, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL },
    { "drain", NULL, js_drain, NULL, NULL, NULL, napi_default, NULL },
    { "now", NULL, js_now, NULL, NULL, NULL, napi_default, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (udp_sender_define(env, exports) != 0) return NULL;
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
