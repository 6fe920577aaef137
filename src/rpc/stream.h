// SPDX-License-Identifier: Apache-2.0
/* A connection's byte stream: buffered reads that go straight into the
 * destination for large amounts, writes of whole frames with one
 * writev/sendmsg, file descriptors received with SCM_RIGHTS, deadlines.
 *
 * Thread rules: one reader at a time and one writer at a time (callers
 * hold their own locks); reading and writing may run concurrently. */
#pragma once

#include "codec.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VRPC_STREAM_MAX_FDS 8

struct vrpc_stream {
	int fd;
	/* a UNIX socket: sendmsg/recvmsg, SCM_RIGHTS */
	bool pass_fds;
	/* a socket (MSG_NOSIGNAL) rather than a character device */
	bool is_socket;
	/* O_NONBLOCK: waits use poll() and the deadline; a blocking fd
	 * that reports EAGAIN hit its SO_RCVTIMEO/SO_SNDTIMEO */
	bool nonblock;
	/* the receive timeout of a blocking socket (vrpc_stream_set_wait),
	 * ns; 0: none */
	int64_t rcvtimeo;
	/* buffered bytes are rbuf[rpos..rlen) */
	uint8_t *rbuf;
	size_t rcap, rpos, rlen;
	/* received descriptors not claimed yet, oldest first, and where in
	 * the stream (bytes_in) the read that brought each ended */
	int fds[VRPC_STREAM_MAX_FDS];
	uint64_t fd_end[VRPC_STREAM_MAX_FDS];
	unsigned nfds;
	/* totals, for logs */
	uint64_t bytes_in, bytes_out;
	/* a shared-memory ring carries the bytes (ring.h; UNIX sockets
	 * only): descriptors still travel on the socket, one byte each */
	struct vrpc_ring *ring;
	/* a client: input on the socket ends reading from the ring (the
	 * agent speaks there when the worker is gone) */
	bool ring_sock_input;
	/* the reader went back to the socket */
	bool ring_gone;
	/* a read that polled for a waiter (vrpc_stream_ready_by) failed:
	 * the next read or fill reports it */
	int rerr;
	/* the last vrpc_stream_ready_by gave the CPU to another thread at
	 * one of its yields (the peer may run on this CPU) */
	bool ready_ran_other;
};

/* Take `fd` (the stream closes it in vrpc_stream_release). */
int vrpc_stream_init(struct vrpc_stream *s, int fd, size_t bufsize);
/* Close the fd and any unclaimed descriptors; free the buffer. */
void vrpc_stream_release(struct vrpc_stream *s);

/* Close the descriptors that came with bytes already consumed (a message
 * has been read whole): a sender attaches a message's descriptor to its
 * first bytes, so these came with a message that claimed none (or more
 * than it claimed), and must not be taken for a later one's. How many.
 * Socket streams only (a ring's descriptors travel apart). */
unsigned vrpc_stream_drop_stale_fds(struct vrpc_stream *s);

/* Read exactly `len` bytes into `dst`. deadline: monotonic ns, 0 = none
 * (a blocking fd then blocks; with a deadline a blocking socket does not
 * block: it waits in poll() until the deadline). Returns 0, VACCEL_EIO (end of
 * stream, a read error, too many descriptors received) or VACCEL_ETIMEDOUT. On
 * error the stream position is unknown: the connection is dead. */
int vrpc_stream_read(struct vrpc_stream *s, void *dst, size_t len,
		     int64_t deadline);
/* Read and drop `len` bytes. */
int vrpc_stream_skip(struct vrpc_stream *s, uint64_t len, int64_t deadline);
/* Wait without a time limit for the first byte of the next frame (an idle
 * connection may stay idle), then read its header (after any zero
 * padding) within `frame_ms`; *deadline is then the deadline of the rest
 * of the frame. Returns as vrpc_stream_read. */
int vrpc_stream_next_hdr(struct vrpc_stream *s, struct vrpc_hdr *h,
			 int frame_ms, int64_t *deadline);
/* Skip zero bytes (padding between frames), then read a header. */
int vrpc_stream_read_hdr(struct vrpc_stream *s, struct vrpc_hdr *h,
			 int64_t deadline);
/* Wait until at least one byte can be read (buffered or on the fd). */
int vrpc_stream_wait(struct vrpc_stream *s, int64_t deadline);
/* Let a socket wait for input in its reads themselves, for at most `ms`
 * (blocking, SO_RCVTIMEO; reads and writes with a deadline still do not
 * block): vrpc_stream_fill then costs one system call where poll and a
 * read cost two. Not on UNIX sockets, which wait in poll() still (a
 * reader asleep in recvmsg there is woken by each read of its peer:
 * stream.c, sleeps_in_poll). 0, or -1 (the stream then works as
 * before). */
int vrpc_stream_set_wait(struct vrpc_stream *s, int ms);
/* Wait until `deadline` for input and buffer what arrived (nothing to do
 * when bytes are buffered). Returns as vrpc_stream_wait. */
int vrpc_stream_fill(struct vrpc_stream *s, int64_t deadline);
/* Sleep until `sleep_until` (monotonic ns), then poll without sleeping
 * until `spin_until`: true as soon as a byte can be read (and, on a
 * socket, is buffered, descriptors included: vrpc_stream_fill has nothing
 * left to do; a read error there is kept for the next read or fill).
 * Waiting for a reply this way avoids the wake-up latency of an idle CPU
 * when the reply is expected around `sleep_until` (about 100-200 µs in a
 * VM). On a ring: a futex sleep on the ring, then a spin on its index
 * (not when the peer last waited on this CPU). On a socket the polls
 * yield the CPU between tries; ready_ran_other tells whether another
 * thread ran meanwhile. */
bool vrpc_stream_ready_by(struct vrpc_stream *s, int64_t sleep_until,
			  int64_t spin_until);
/* Write all of `iov` (modified). `fd` >= 0 is passed with SCM_RIGHTS along
 * with the first bytes. Returns 0, VACCEL_EIO or VACCEL_ETIMEDOUT. */
int vrpc_stream_writev(struct vrpc_stream *s, struct iovec *iov, size_t niov,
		       int fd, int64_t deadline);
/* The oldest received descriptor (the caller owns it), or -1. */
int vrpc_stream_take_fd(struct vrpc_stream *s);
/* Carry the stream's bytes on `ring` from now on (the stream owns it;
 * the caller holds both the read and the write role). `client`: socket
 * input ends the ring's reading (stream_ring.c). */
void vrpc_stream_use_ring(struct vrpc_stream *s, struct vrpc_ring *ring,
			  bool client);
/* Wait without spinning until input may be there (or the peer hung up),
 * at most `ms` (-1: no limit; a ring waits at most 100 ms at a time): >0
 * input or hang-up, 0 not yet. For a thread watching on behalf of the
 * reader. */
int vrpc_stream_poll_in(struct vrpc_stream *s, int ms);
