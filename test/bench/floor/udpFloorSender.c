/*
 * udpFloorSender: the least a user-space program can pay, on this machine, to deliver
 * one RTP-sized datagram over loopback; the `loopback-floor` scenario's C sender.
 *
 * One unconnected UDP socket sends the same datagram (an RTP-looking header and
 * `bytes` in all) to every port in turn: a burst of one datagram per port, with
 * bursts paced to `rate` datagrams a second on the monotonic clock, the way a live
 * stream fans one incoming packet out to every reader. Two ways to send:
 *   sendto    one system call per datagram;
 *   sendmmsg  up to 64 datagrams per system call (each its own destination).
 * A burst due more than one interval ago is dropped rather than sent late (the pace
 * is kept, not caught up). After `warmup` ms it prints "measuring", counts `measure`
 * ms, prints one line
 *   result packets=<n> user_us=<n> sys_us=<n> wall_us=<n> sent=<n> errors=<n> behind_us=<n> dropped_bursts=<n>
 * (CPU from getrusage(RUSAGE_SELF), the packets sent, the latest a burst went out and
 * the bursts dropped, all over the measured window; sent and errors over the whole
 * run) and exits.
 *
 * Usage: udpFloorSender <sendto|sendmmsg> <rate> <bytes> <warmup-ms> <measure-ms> <port>...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_BYTES 65507

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t cpu_us(const struct timeval *t) { return (int64_t)t->tv_sec * 1000000 + t->tv_usec; }

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s <sendto|sendmmsg> <rate> <bytes> <warmup-ms> <measure-ms> <port>...\n", argv[0]);
    return 2;
  }
  int batched = strcmp(argv[1], "sendmmsg") == 0;
  if (!batched && strcmp(argv[1], "sendto") != 0) {
    fprintf(stderr, "unknown method %s\n", argv[1]);
    return 2;
  }
  double rate = atof(argv[2]);
  int bytes = atoi(argv[3]);
  int64_t warmup_ns = (int64_t)atol(argv[4]) * 1000000;
  int64_t measure_ns = (int64_t)atol(argv[5]) * 1000000;
  int ports = argc - 6;
  if (rate <= 0 || bytes < 12 || bytes > MAX_BYTES) {
    fprintf(stderr, "bad rate or size\n");
    return 2;
  }

  struct sockaddr_in *to = calloc((size_t)ports, sizeof(*to));
  for (int i = 0; i < ports; i++) {
    to[i].sin_family = AF_INET;
    to[i].sin_port = htons((uint16_t)atoi(argv[6 + i]));
    to[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }

  /* RTP version 2, payload type 96; the receiver only reads the header. */
  static unsigned char packet[MAX_BYTES];
  memset(packet, 0xab, sizeof(packet));
  packet[0] = 0x80;
  packet[1] = 96;
  memset(packet + 2, 0, 10);

  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = packet;
    iov[i].iov_len = (size_t)bytes;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
  }

  /* A burst is one datagram per port; bursts come every ports/rate seconds. */
  int64_t burst_ns = (int64_t)(1e9 * ports / rate);
  int64_t start = now_ns();
  int64_t measure_from = start + warmup_ns;
  int64_t end = measure_from + measure_ns;
  int64_t next = start;
  int measuring = 0;
  uint64_t sent = 0, errors = 0, sent_at_window = 0, dropped = 0;
  int64_t behind = 0;
  struct rusage before, after;
  int64_t wall_from = 0;

  for (;;) {
    int64_t t = now_ns();
    if (!measuring && t >= measure_from) {
      measuring = 1;
      printf("measuring\n");
      fflush(stdout);
      getrusage(RUSAGE_SELF, &before);
      sent_at_window = sent;
      wall_from = now_ns();
    }
    if (t >= end) break;
    if (t < next) {
      struct timespec at = {.tv_sec = next / 1000000000, .tv_nsec = next % 1000000000};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
      continue;
    }
    if (measuring && t - next > behind) behind = t - next;
    if (t - next > burst_ns) {
      /* Starved of the CPU: keep the pace, do not catch up. */
      int64_t missed = (t - next) / burst_ns;
      if (measuring) dropped += (uint64_t)missed;
      next += missed * burst_ns;
    }
    if (!batched) {
      for (int i = 0; i < ports; i++) {
        if (sendto(fd, packet, (size_t)bytes, 0, (struct sockaddr *)&to[i], sizeof(to[i])) < 0) {
          if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED && errno != EINTR) {
            perror("sendto");
            return 1;
          }
          errors++;
        } else {
          sent++;
        }
      }
    } else {
      for (int from = 0; from < ports;) {
        int n = ports - from < BATCH ? ports - from : BATCH;
        for (int i = 0; i < n; i++) msgs[i].msg_hdr.msg_name = &to[from + i];
        int done = sendmmsg(fd, msgs, (unsigned int)n, 0);
        if (done < 0) {
          if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED && errno != EINTR) {
            perror("sendmmsg");
            return 1;
          }
          /* Skip the datagram that failed, as sendto does. */
          errors++;
          from++;
          continue;
        }
        sent += (uint64_t)done;
        from += done;
      }
    }
    next += burst_ns;
  }
  getrusage(RUSAGE_SELF, &after);
  int64_t wall_to = now_ns();
  printf("result packets=%llu user_us=%lld sys_us=%lld wall_us=%lld sent=%llu errors=%llu behind_us=%lld dropped_bursts=%llu\n",
         (unsigned long long)(sent - sent_at_window), (long long)(cpu_us(&after.ru_utime) - cpu_us(&before.ru_utime)),
         (long long)(cpu_us(&after.ru_stime) - cpu_us(&before.ru_stime)), (long long)((wall_to - wall_from) / 1000),
         (unsigned long long)sent, (unsigned long long)errors, (long long)(behind / 1000), (unsigned long long)dropped);
  fflush(stdout);
  close(fd);
  return 0;
}
