// SPDX-License-Identifier: Apache-2.0
/* The front: one thread, one poll loop (front.c), connections before
 * their HELLO (preauth.c), what admitting them shares (admission.c), and
 * the workers it hands them to (workers.c).
 * It loads no backend and keeps no client object: what a client can reach
 * here is its HELLO parser and these tables. */
#pragma once

#include "agent.h"
#include "codec.h"
#include "msg.h"
#include "stats.h"
#include "transport.h"
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct listener {
	struct vrpc_addr addr;
	const struct listen_spec *spec;
	char uri[PATH_MAX + 32];
	int fd;
	/* a ?tenant=conn listener's connections before their HELLO: a
	 * pool of its own (preauth.c) */
	uint64_t npre;
	/* not polled before this (accept_pause), and its last warning */
	int64_t paused, said;
};

/* A peer (uid, address group, CID): what its connections count
 * against. */
struct peer {
	char key[64];
	uint64_t preauth, conns;
	/* its descriptors being closed (reaper.c) */
	atomic_uint closing;
	/* reaper.c's, under its lock: its closes queued or running (at most
	 * REAP_PER_PEER), and the rest, held back (a list of its jobs) */
	unsigned reaping;
	void *held, *held_last;
	struct peer *next;
};

/* A connection whose HELLO was read and authenticated. */
struct admission {
	int fd;
	const struct listener *l;
	struct vrpc_peer peer;
	struct peer *p;
	char tenant[TENANT_MAX + 1];
	uint8_t token[VRPC_MAX_TOKEN];
	size_t token_len;
	/* its HELLO (the strings point into preauth's memory) */
	struct vrpc_hello hello;
	bool shm_ok;
	uint64_t request_id;
};

/* front.c */
/* Run the front until SIGTERM; the exit status. */
int front_main(void);

/* admission.c */
/* The peer of `key`, created on first use (NULL: out of memory). */
struct peer *peer_get(const char *key);
/* The peer a close of `p`'s counts for (reaper.c): on a `?tenant=conn`
 * listener, whose peers are connections ("KEY#SEQ"), KEY's (its uid); `p`
 * itself otherwise (or if there is no memory for KEY's). */
struct peer *peer_closer(struct peer *p);
/* The key of the peer a connection from `key` (struct vrpc_peer's) counts
 * against: an IPv4 address, all of 127.0.0.0/8 as one, an IPv6 one by its
 * /64 (an IPv4-mapped one as IPv4); any other key as it is. */
void peer_group(const char *key, char *out, size_t size);
/* A peer may have no connection left: peers_sweep forgets it then. */
void peer_maybe_free(struct peer *p);
/* Forget the peers without connections or closes pending (the front's
 * loop, where no pointer to one is held). */
void peers_sweep(void);
/* A tenant's admitted connections (--max-connections-per-tenant). */
struct tenant_conns {
	uint64_t n;
	struct tenant_conns *next;
	char name[TENANT_MAX + 1];
};
/* How many `tenant` has. */
uint64_t tenant_conns_of(const char *tenant);
/* One more of `tenant`'s (NULL: out of memory). */
struct tenant_conns *tenant_conns_add(const char *tenant);
/* One fewer: forgotten at none. */
void tenant_conns_end(struct tenant_conns *t);
extern uint64_t front_conns;   /* admitted connections alive */
extern uint64_t front_next_id; /* the id of the next admitted one */
/* Answer a HELLO with an error (best effort) and close `fd` (of peer
 * `p`, or NULL). */
void front_refuse(int fd, struct peer *p, uint64_t request_id, uint32_t code,
		  const char *why);
/* Ops the workers' backends serve (what the start-up probe found). */
extern uint64_t front_ops;
/* Answer the HELLO of an admitted connection `conn`. 0, or -1 if the
 * client is gone (or does not read). */
int front_welcome(const struct admission *a, uint64_t conn);

/* reaper.c */
/* Close a connection of peer `p` (or NULL) off the front's thread: its
 * last release may wait (descriptors queued in it). */
void reaper_close(int fd, struct peer *p);
/* The peer a close of `p`'s counts for (the front sets peer_closer). */
extern struct peer *(*reaper_closer)(struct peer *p);
/* reaper_close without a peer (a descriptor from a worker). */
void reaper_drop(int fd);
/* Closes done so far. */
uint64_t reaper_done(void);
/* When the front must try again to start a thread for queued closes
 * (the last start failed); 0 if it need not. Tries if that time has
 * come. */
int64_t reaper_due(void);
/* Closes a peer may have pending before its new connections are refused. */
#define CLOSING_MAX 32

/* preauth.c */
/* Take an accepted connection (before its HELLO) of peer `group`
 * (peer_group). */
void preauth_add(int fd, struct listener *l, const struct vrpc_peer *peer,
		 const char *group);
/* Pre-auth connections to poll, and the earliest deadline (or 0). */
int preauth_pollfds(struct pollfd *pf, int max, int64_t *deadline);
void preauth_event(int fd, short revents);
/* Drop the connections whose HELLO is late. */
void preauth_expire(void);
/* Whether another connection of peer `key` may start (and log why not).
 * When the pool is full, the oldest connection of the peer holding the
 * most of it is dropped for it, if that peer holds more than `key` would
 * with it. */
bool preauth_room(const char *key, struct listener *l);
void preauth_drop_all(void);

/* workers.c, workers_conns.c, workers_end.c, worker_dirs.c */
/* Directories, ownership, and the in-process worker of --isolation none.
 * Process isolation: start one worker to check that the backends load in
 * the sandbox (exits on failure). */
void workers_init(void);
/* Hand an admitted connection to its tenant's worker (started if need
 * be). 0, or a wire error code and the reason in `why` (the caller
 * refuses the connection). */
uint32_t workers_admit(struct admission *a, char *why, size_t size);
int workers_pollfds(struct pollfd *pf, int max, int64_t *deadline);
void workers_event(int fd, short revents);
/* SIGCHLD: reap workers and tell their tenants' clients. */
void workers_reap(void);
/* Idle workers are told to exit. */
void workers_tick(void);
/* SIGTERM: every worker drains its connections and exits (at most the
 * shutdown timeout, then killed). True if all ended in time. */
bool workers_stop(void);
/* Workers started, and ended otherwise than told (metrics). */
struct worker_counts {
	uint64_t starts, killed, exited, deadline;
};
extern struct worker_counts wcounts;
/* Each tenant's counters as its worker last reported them (every
 * second). */
void workers_each(void (*fn)(const char *tenant, const uint64_t *st, void *ctx),
		  void *ctx);
/* The sums: live workers' last reports and what ended workers counted. */
void workers_totals(uint64_t st[TS_MAX], struct op_stats *ops);
