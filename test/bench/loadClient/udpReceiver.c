/*
 * udpReceiver: the load client's UDP RTP receiver, for when thousands of readers'
 * packets arrive faster than Node's dgram can take them (one JS callback, one Buffer
 * and one rinfo object per datagram, about 4 µs each here).
 *
 * The Node load client keeps the RTSP connections and each track's RTCP socket; this
 * helper binds the RTP ports it is asked for, drains them with epoll + recvmmsg, reads
 * only the 12-byte RTP header of each datagram (MSG_TRUNC gives the true length), and
 * keeps the same per-track counters as trackCounter.ts. It polls every `interval` µs
 * rather than waking per datagram, so one system call takes every packet a socket
 * gathered meanwhile (10 ms by default: about 1.5 µs of client CPU per packet here,
 * most of it the kernel's receive path, against 4 µs in Node).
 *
 * Protocol: one command per line on stdin, answers on stdout, in order.
 *   open <port>   -> "ok <slot>" | "err <reason>"
 *   close <slot>  -> "ok"
 *   snap          -> "snap <n>", n lines "<slot> <packets> <bytes> <gaps> <late> <dups>
 *                    <extHighest> <expected> <tsAdvance> <ssrc>", then "end"
 *   quit          -> exits
 * Usage: udpReceiver [interval-µs] [recv-buffer-bytes]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS 65536
#define BATCH 64
#define HEADER_BYTES 16

struct slot {
  int fd;
  int port;
  uint64_t packets, bytes, late, dups;
  int64_t gaps;
  int64_t ext_highest, first_ext;
  uint32_t highest_seq, highest_ts, ssrc;
  uint64_t ts_advance;
  int started;
};

static struct slot slots[MAX_SLOTS];
static int free_list[MAX_SLOTS];
static int free_count = 0;
static int slot_high = 0;
static int epfd;
static int recv_buffer = 8 * 1024 * 1024;
static char inbuf[1 << 16];
static size_t inlen = 0;

static unsigned char headers[BATCH][HEADER_BYTES];
static struct iovec iovs[BATCH];
static struct mmsghdr msgs[BATCH];

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

static int take_slot(void) {
  if (free_count > 0) return free_list[--free_count];
  if (slot_high < MAX_SLOTS) return slot_high++;
  return -1;
}

static void count_packet(struct slot *s, const unsigned char *h, unsigned int len, unsigned int got) {
  if (got < 12) return;
  uint32_t seq = ((uint32_t)h[2] << 8) | h[3];
  uint32_t ts = ((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) | ((uint32_t)h[6] << 8) | h[7];
  s->packets++;
  s->bytes += len;
  if (!s->started) {
    s->started = 1;
    s->ssrc = ((uint32_t)h[8] << 24) | ((uint32_t)h[9] << 16) | ((uint32_t)h[10] << 8) | h[11];
    s->ext_highest = seq;
    s->first_ext = seq;
    s->highest_seq = seq;
    s->highest_ts = ts;
    return;
  }
  uint32_t delta = (seq - s->highest_seq) & 0xffff;
  if (delta == 0) {
    s->dups++;
  } else if (delta < 0x8000) {
    s->gaps += delta - 1;
    s->highest_seq = seq;
    s->ext_highest += delta;
  } else {
    s->late++;
    if (s->gaps > 0) s->gaps--;
  }
  uint32_t advance = ts - s->highest_ts;
  if (advance != 0 && advance < 0x80000000u) {
    s->ts_advance += advance;
    s->highest_ts = ts;
  }
}

static void drain(int index) {
  struct slot *s = &slots[index];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = headers[i];
      iovs[i].iov_len = HEADER_BYTES;
      memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      unsigned int len = msgs[i].msg_len;
      count_packet(s, headers[i], len, len < HEADER_BYTES ? len : HEADER_BYTES);
    }
    if (n < BATCH) return;
  }
}

static void command_open(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    reply("err socket %s\n", strerror(errno));
    return;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &recv_buffer, sizeof(recv_buffer));
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    reply("err bind %s\n", strerror(errno));
    close(fd);
    return;
  }
  int index = take_slot();
  if (index < 0) {
    reply("err no free slot\n");
    close(fd);
    return;
  }
  memset(&slots[index], 0, sizeof(slots[index]));
  slots[index].fd = fd;
  slots[index].port = port;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)index + 1};
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  reply("ok %d\n", index);
}

static void command_close(int index) {
  if (index >= 0 && index < slot_high && slots[index].fd > 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, slots[index].fd, NULL);
    close(slots[index].fd);
    slots[index].fd = 0;
    free_list[free_count++] = index;
  }
  reply("ok\n");
}

static void command_snap(void) {
  int n = 0;
  for (int i = 0; i < slot_high; i++) if (slots[i].fd > 0) n++;
  reply("snap %d\n", n);
  for (int i = 0; i < slot_high; i++) {
    struct slot *s = &slots[i];
    if (s->fd <= 0) continue;
    int64_t expected = s->started ? s->ext_highest - s->first_ext + 1 : 0;
    reply("%d %llu %llu %lld %llu %llu %lld %lld %llu %u\n", i, (unsigned long long)s->packets, (unsigned long long)s->bytes, (long long)s->gaps,
          (unsigned long long)s->late, (unsigned long long)s->dups, (long long)(s->started ? s->ext_highest : -1), (long long)expected,
          (unsigned long long)s->ts_advance, s->ssrc);
  }
  reply("end\n");
}

/* Returns 0 to quit. */
static int handle_input(void) {
  ssize_t r = read(0, inbuf + inlen, sizeof(inbuf) - inlen - 1);
  if (r <= 0) return r < 0 && errno == EAGAIN;
  inlen += (size_t)r;
  char *start = inbuf;
  char *nl;
  while ((nl = memchr(start, '\n', inlen - (size_t)(start - inbuf))) != NULL) {
    *nl = 0;
    int value;
    if (sscanf(start, "open %d", &value) == 1) command_open(value);
    else if (sscanf(start, "close %d", &value) == 1) command_close(value);
    else if (strcmp(start, "snap") == 0) command_snap();
    else if (strcmp(start, "quit") == 0) return 0;
    else reply("err unknown command\n");
    start = nl + 1;
  }
  inlen -= (size_t)(start - inbuf);
  memmove(inbuf, start, inlen);
  fflush(stdout);
  return 1;
}

int main(int argc, char **argv) {
  long interval_us = argc > 1 ? atol(argv[1]) : 10000;
  if (argc > 2) recv_buffer = atoi(argv[2]);
  setvbuf(stdout, NULL, _IOFBF, 1 << 20);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = 0};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in);
  static struct epoll_event events[4096];
  struct timespec pause = {.tv_sec = 0, .tv_nsec = interval_us * 1000};
  for (;;) {
    int n = epoll_wait(epfd, events, 4096, 100);
    int input = 0;
    for (int i = 0; i < n; i++) {
      uint32_t tag = events[i].data.u32;
      if (tag == 0) input = 1;
      else drain((int)tag - 1);
    }
    if (input && !handle_input()) break;
    /* Let packets gather so the next round takes several per system call. */
    if (interval_us > 0 && n > 0) nanosleep(&pause, NULL);
  }
  return 0;
}
