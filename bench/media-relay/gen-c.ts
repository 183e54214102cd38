// The C load generator of bench/media-relay.ts, compiled with gcc at run time into a temporary folder.
export const GEN_C = String.raw`// RTP load generator for bench/media-relay: two UDP sockets (side A, side B), N calls,
// each call one 20 ms G.711 stream each way (50 pps), spread over the 20 ms period,
// sent with sendmmsg and received with recvmmsg. Prints one JSON line of results.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PKT 172
#define BATCH 512
#define BUCKET_US 50
#define NBUCKET 20001

static int64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }

static int open_sock(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int sz = 64 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0) setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0) setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  bind(s, (struct sockaddr *)&a, sizeof a);
  return s;
}

static int port_of(int s) { struct sockaddr_in a; socklen_t l = sizeof a; getsockname(s, (struct sockaddr *)&a, &l); return ntohs(a.sin_port); }

static uint32_t hist[NBUCKET];
static int64_t *min_transit;
static long long received, received_all;
static int measuring;

static void drain(int s) {
  static unsigned char buf[BATCH][256];
  static struct mmsghdr msgs[BATCH];
  static struct iovec iov[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) { iov[i].iov_base = buf[i]; iov[i].iov_len = 256; msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1; msgs[i].msg_hdr.msg_name = NULL; }
    int n = recvmmsg(s, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    int64_t t = now_ns();
    for (int i = 0; i < n; i++) {
      if (msgs[i].msg_len < 21) continue;
      unsigned char *p = buf[i];
      uint32_t ssrc = (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
      int64_t sent; memcpy(&sent, p + 12, 8);
      int64_t tr = t - sent;
      uint32_t k = ssrc - 1;
      received_all++;
      if (tr < min_transit[k]) min_transit[k] = tr;
      if (p[20] != 1) continue;
      received++;
      int64_t b = (tr - min_transit[k]) / (BUCKET_US * 1000);
      hist[b < NBUCKET - 1 ? b : NBUCKET - 1]++;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: gen HOLD_MS WARMUP_MS < targets\n"); return 2; }
  long hold = atol(argv[1]), warm = atol(argv[2]);
  int sa = open_sock(), sb = open_sock();
  printf("PORTS %d %d\n", port_of(sa), port_of(sb));
  fflush(stdout);
  int n = 0, cap = 1024;
  int *tp = malloc(sizeof(int) * 2 * cap);
  int x, y;
  char line[128];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "GO", 2) == 0) break;
    if (sscanf(line, "%d %d", &x, &y) != 2) continue;
    if (n == cap) { cap *= 2; tp = realloc(tp, sizeof(int) * 2 * cap); }
    tp[2 * n] = x; tp[2 * n + 1] = y; n++;
  }
  int streams = 2 * n;
  min_transit = malloc(sizeof(int64_t) * streams);
  for (int k = 0; k < streams; k++) min_transit[k] = INT64_MAX;
  uint16_t *seq = calloc(streams, sizeof(uint16_t));
  unsigned char (*pk)[PKT] = malloc((size_t)BATCH * PKT);
  struct mmsghdr *mm = calloc(BATCH, sizeof *mm);
  struct iovec *iv = calloc(BATCH, sizeof *iv);
  struct sockaddr_in *to = calloc(BATCH, sizeof *to);
  long long sent = 0, sent_all = 0, late = 0, send_fail = 0;
  int64_t start = now_ns();
  long total = hold + warm, done = 0;
  struct pollfd pf[2] = { { .fd = sa, .events = POLLIN }, { .fd = sb, .events = POLLIN } };
  while (done < total) {
    long due = (now_ns() - start) / 1000000;
    if (due > total) due = total;
    if (due - done > 5) late++;
    for (; done < due; done++) {
      if (done == warm) measuring = 1;
      // Stream k = 2*call + side, in slot k % 20: side A (even k) sends on sa, side B on sb.
      for (int side = 0; side < 2; side++) {
        int s = side ? sb : sa, m = 0;
        for (int k = (int)(done % 20); k < streams; k += 20) {
          if ((k & 1) != side) continue;
          unsigned char *p = pk[m];
          memset(p, 0xd5, PKT);
          p[0] = 0x80; p[1] = 8;
          p[2] = seq[k] >> 8; p[3] = seq[k] & 0xff;
          uint32_t ts = (uint32_t)seq[k] * 160; seq[k]++;
          p[4] = ts >> 24; p[5] = ts >> 16; p[6] = ts >> 8; p[7] = ts;
          uint32_t ssrc = k + 1;
          p[8] = ssrc >> 24; p[9] = ssrc >> 16; p[10] = ssrc >> 8; p[11] = ssrc;
          int64_t t = now_ns(); memcpy(p + 12, &t, 8);
          p[20] = measuring ? 1 : 0;
          to[m] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(tp[k]), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
          iv[m] = (struct iovec){ p, PKT };
          mm[m].msg_hdr = (struct msghdr){ .msg_name = &to[m], .msg_namelen = sizeof to[m], .msg_iov = &iv[m], .msg_iovlen = 1 };
          if (++m == BATCH) {
            int off = 0;
            while (off < m) {
              int r = sendmmsg(s, mm + off, m - off, 0);
              if (r <= 0) { if (errno == EAGAIN) { drain(sa); drain(sb); continue; } send_fail += m - off; break; }
              off += r;
            }
            sent_all += m; if (measuring) sent += m;
            m = 0;
          }
        }
        if (m) { int off = 0; while (off < m) { int r = sendmmsg(s, mm + off, m - off, 0); if (r <= 0) { if (errno == EAGAIN) { drain(sa); drain(sb); continue; } send_fail += m - off; break; } off += r; } sent_all += m; if (measuring) sent += m; }
      }
      drain(sa); drain(sb);
    }
    int64_t next = start + (int64_t)(done + 1) * 1000000;
    int wait = (int)((next - now_ns()) / 1000000);
    poll(pf, 2, wait > 0 ? wait : 0);
    drain(sa); drain(sb);
  }
  measuring = 0;
  int64_t end = now_ns() + 300000000LL;
  while (now_ns() < end) { poll(pf, 2, 10); drain(sa); drain(sb); }
  double p50 = -1, p99 = -1, mx = 0; long long acc = 0;
  for (int i = 0; i < NBUCKET; i++) {
    if (!hist[i]) continue;
    acc += hist[i]; mx = i * BUCKET_US / 1000.0;
    if (p50 < 0 && acc >= received * 0.5) p50 = i * BUCKET_US / 1000.0;
    if (p99 < 0 && acc >= received * 0.99) p99 = i * BUCKET_US / 1000.0;
  }
  printf("{\"sent\":%lld,\"received\":%lld,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"lateTicks\":%lld,\"sentAll\":%lld,\"receivedAll\":%lld,\"sendFailures\":%lld}\n",
         sent, received, p50, p99, mx, late, sent_all, received_all, send_fail);
  return 0;
}
`;
