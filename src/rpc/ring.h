// SPDX-License-Identifier: Apache-2.0
/* A shared-memory ring between a client and the worker serving its
 * connection, on one host (docs/protocol.md §11): two single-producer,
 * single-consumer byte rings in one sealed memfd (client to agent, agent
 * to client) carrying the bytes the UNIX socket would carry. A waiting
 * side spins for a bounded, self-tuning time, then sleeps on a futex; the
 * producer wakes it only if it said it sleeps.
 *
 * Trust: the peer can write anything into the mapping at any time. Each
 * side keeps its own position privately and only reads the peer's; a
 * peer index that claims more than the ring holds is an error (the
 * connection ends). Bytes are copied out before anything parses them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Header page, then the client-to-agent ring, then the agent-to-client
 * ring. Sizes: powers of two between these bounds. */
#define VRPC_RING_HDR	  4096u
#define VRPC_RING_MIN	  4096u
#define VRPC_RING_MAX	  (4u << 20)
#define VRPC_RING_DEFAULT (256u << 10)
/* Longest spin of one wait (the tuned budget stays below it), ns. */
#define VRPC_RING_SPIN_MAX 100000

struct vrpc_ring;

/* What a side spent waiting (for the benchmark and logs). */
struct vrpc_ring_stats {
	uint64_t waits, spin_hits, sleeps;
	uint64_t spin_ns;
};

/* Client: a new ring of `size` bytes each way; *fd is the memfd to send
 * (the caller closes it once sent). 0 or VACCEL_E*. */
int vrpc_ring_create(uint32_t size, int *fd, struct vrpc_ring **out);
/* Agent: map the client's memfd after checking it (sealed against
 * shrinking, large enough, sizes within bounds). 0, VACCEL_EINVAL (sizes),
 * VACCEL_EPERM (not a sealed memfd) or VACCEL_ENOMEM. */
int vrpc_ring_attach(int fd, uint32_t to_agent, uint32_t to_client,
		     struct vrpc_ring **out);
void vrpc_ring_free(struct vrpc_ring *r);
/* Spin at most `ns` per wait (0: never spin; capped at
 * VRPC_RING_SPIN_MAX). */
void vrpc_ring_set_spin(struct vrpc_ring *r, int64_t ns);

/* Copy up to `len` received bytes out: the count, 0 if none, -1 if the
 * peer's index is impossible. */
long vrpc_ring_read(struct vrpc_ring *r, void *dst, size_t len);
/* Copy as much of `iov` as fits: the count, 0 if full, -1 if the peer's
 * index is impossible. */
long vrpc_ring_write(struct vrpc_ring *r, const struct iovec *iov, size_t niov);

enum {
	VRPC_RING_READY = 0,
	/* the socket beside the ring has input (a client: the agent wrote
	 * there, e.g. a NOTICE after its worker died) */
	VRPC_RING_SOCK = 1,
};
/* Wait until there is something to read (`space`: room to write), the
 * deadline (monotonic ns, 0: none) or the socket `sock` hangs up. `spin`:
 * spin first (as tuned). Returns VRPC_RING_READY, VRPC_RING_SOCK (only
 * when `sock_input`), VACCEL_ETIMEDOUT (also: a wait to read that
 * vrpc_ring_kick ended) or VACCEL_EIO (hang-up, a bad index). */
int vrpc_ring_wait(struct vrpc_ring *r, bool space, int sock, bool sock_input,
		   bool spin, int64_t deadline);
/* Spin until there is something to read or `until` (monotonic ns): 1
 * ready, 0 not (also: no spinning now, as for vrpc_ring_wait: the peer
 * last waited on this CPU, a recent spin was preempted, spinning is off),
 * -1 a bad index. For a reply expected at a known moment. */
int vrpc_ring_spin_read(struct vrpc_ring *r, int64_t until);
/* Whether the peer's index in either ring is impossible (what ended a
 * read or a write with an error when the socket did not hang up). */
bool vrpc_ring_broken(struct vrpc_ring *r);
/* End another thread's wait to read (started before this call) without
 * input: the agent's reader took its role back from the thread that
 * watched the input meanwhile. A wait that had not yet slept may miss it
 * and sleep its slice (at most 100 ms). */
void vrpc_ring_kick(struct vrpc_ring *r);
/* Client: ask the worker to wait for this connection's next request on
 * CPU `cpu` (-1: wherever it likes), so that waking it costs no wake-up
 * of another CPU and the data it reads is in this CPU's cache
 * (docs/protocol.md §11, "Near"). Writes the shared word only when the
 * answer changes. */
void vrpc_ring_set_near(struct vrpc_ring *r, int cpu);
/* Ops that usually take this long (µs) are near calls (the client asks
 * for them), and the agent checks each of them for a loaded CPU. */
#define VRPC_NEAR_LONG_US 1000
/* Agent: the CPU the client asked for, or -1 (none asked, or not below
 * `ncpus`). The client can write anything there. */
int vrpc_ring_near(const struct vrpc_ring *r, int ncpus);
/* Whether the peer last waited on CPU `cpu`. */
bool vrpc_ring_peer_on(const struct vrpc_ring *r, int cpu);
void vrpc_ring_stats(const struct vrpc_ring *r, struct vrpc_ring_stats *st);
