/*
 * tcpFloorReader: the receiving end of the `loopback-floor` scenario's TCP runs. It
 * listens on 127.0.0.1 (a free port, printed as "port <n>"), accepts every connection
 * and drains them all into one buffer, counting bytes and nothing else, with epoll
 * and a pause of `interval` µs after each round that found data (20 ms by default,
 * as the load client's TCP readers read at most every 20 ms), so one read takes
 * everything a connection gathered meanwhile, as in the fan-out scenarios.
 *
 * Protocol: one command per line on stdin, answers on stdout.
 *   count -> "count <bytes> <open connections> <accepted>"
 *   quit (or end of input) -> exits
 * Usage: tcpFloorReader [interval-µs]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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

#define TAG_INPUT -1
#define TAG_LISTEN -2

static char buffer[256 * 1024];
static char inbuf[4096];
static size_t inlen = 0;
static uint64_t total_bytes = 0;
static long open_connections = 0, accepted = 0;

static void drain(int epfd, int fd) {
  for (;;) {
    ssize_t r = read(fd, buffer, sizeof(buffer));
    if (r > 0) {
      total_bytes += (uint64_t)r;
      if ((size_t)r < sizeof(buffer)) return;
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    open_connections--;
    return;
  }
}

static void accept_all(int epfd, int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    open_connections++;
    accepted++;
  }
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
    if (strcmp(start, "count") == 0) printf("count %llu %ld %ld\n", (unsigned long long)total_bytes, open_connections, accepted);
    else if (strcmp(start, "quit") == 0) return 0;
    else printf("err unknown command\n");
    start = nl + 1;
  }
  inlen -= (size_t)(start - inbuf);
  memmove(inbuf, start, inlen);
  fflush(stdout);
  return 1;
}

int main(int argc, char **argv) {
  long interval_us = argc > 1 ? atol(argv[1]) : 20000;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 4096) < 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) < 0) {
    perror("listen");
    return 1;
  }
  printf("port %d\n", ntohs(addr.sin_port));
  fflush(stdout);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event in = {.events = EPOLLIN, .data.fd = TAG_INPUT};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event lev = {.events = EPOLLIN, .data.fd = TAG_LISTEN};
  epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &lev);
  static struct epoll_event events[4096];
  struct timespec pause = {.tv_sec = interval_us / 1000000, .tv_nsec = (interval_us % 1000000) * 1000};
  for (;;) {
    int n = epoll_wait(epfd, events, 4096, 100);
    int input = 0;
    for (int i = 0; i < n; i++) {
      int tag = events[i].data.fd;
      if (tag == TAG_INPUT) input = 1;
      else if (tag == TAG_LISTEN) accept_all(epfd, listener);
      else drain(epfd, tag);
    }
    if (input && !handle_input()) break;
    /* Let data gather so the next round takes several packets per read. */
    if (interval_us > 0 && n > 0) nanosleep(&pause, NULL);
  }
  return 0;
}
