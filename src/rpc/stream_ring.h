// SPDX-License-Identifier: Apache-2.0
/* The stream's ring mode (stream_ring.c), for stream.c only. */
#pragma once

#include "ring.h"
#include "stream.h"
#include <sys/types.h>

/* Read at least one byte from the ring, waiting until `deadline`: the
 * count, -VACCEL_E*, or 0 when the reader went back to the socket
 * (s->ring_gone: read it there). */
ssize_t vrpc_sring_read(struct vrpc_stream *s, void *dst, size_t len,
			int64_t deadline);
/* Step over `n` bytes written from `iov` (and empty entries after). */
void vrpc_iov_advance(struct iovec **iov, size_t *niov, size_t n);
/* Write all of `iov` into the ring (`fd` >= 0 first goes on the socket). */
int vrpc_sring_writev(struct vrpc_stream *s, struct iovec *iov, size_t niov,
		      int fd, int64_t deadline);
/* Wait for input: 0 (ring input, or socket input after which the reader
 * reads the socket), or VACCEL_E*. */
int vrpc_sring_wait(struct vrpc_stream *s, int64_t deadline);
/* vrpc_stream_ready_by on a ring: sleep on it until `sleep_until`, then
 * spin until `spin_until` (vrpc_ring_spin_read). */
bool vrpc_sring_ready_by(struct vrpc_stream *s, int64_t sleep_until,
			 int64_t spin_until);
/* A descriptor sent beside the ring: the socket's next byte carries it. */
int vrpc_sring_take_fd(struct vrpc_stream *s);
