// SPDX-License-Identifier: Apache-2.0
/* What the front keeps of a tenant across its workers (workers_int.h):
 * the log budget its workers' output shares, and how its workers ended.
 *
 * A budget of each worker's own restarted with each worker: a tenant
 * whose code wrote, then crashed its worker, had a fresh 64 KiB a second
 * with each of ~100 workers a second, 5-7 MB a second in the operator's
 * log (an audit), and an error line for each end. Now the budget is the
 * tenant's (wk_hist_key), and after HIST_FREE_ENDS
 * ends in a row that were not asked for (crashes, a call past its
 * deadline, the memory limit, an exit of its own), none HIST_STREAK_NS
 * apart, its next worker waits: HIST_HOLD_MIN_MS, doubling with each
 * further end up to HIST_HOLD_MAX_MS; its connections meanwhile are
 * refused with the reason (as a service manager's restart limit). A
 * tenant whose worker ends on a bad input now and then is never held. */

#include "workers_int.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HIST_MAX	 512
#define HIST_FREE_ENDS	 3
#define HIST_STREAK_NS	 (30ll * 1000000000)
#define HIST_HOLD_MIN_MS 100
#define HIST_HOLD_MAX_MS 5000

static struct hist hists[HIST_MAX];

/* A ?tenant=conn listener's tenants are keyed by the connecting process
 * (a VM's QEMU: one VM's crash loop must not hold the others of the same
 * uid), so a local client that connected from a new process each time
 * had three free ends and a fresh log budget each (audit 19: 20 workers
 * crashed of 20, where the uid's socket held the 7th). The ends of all
 * the processes of one peer uid are also counted together, at PEER_BURST
 * at once and one a second after that (a virtual time: `due`, pushed
 * PEER_EVERY_NS further by each end): past it that peer's new workers
 * wait. Only a process's first HIST_FREE_ENDS ends count there: a VM's
 * QEMU reconnects from one process, and its crash loop is held by its
 * own entry (several VMs' loops, each counted in full, held every other
 * VM of that uid again); a client that starts a process per connection
 * brings each one's. Where the connecting process is unknown (a client
 * outside the agent's pid namespace) each connection is its own, and
 * none of this applies.
 *
 * Clean ends are not counted (a connection's worker leaves when it
 * ends), so one process that connected, said HELLO and closed in a loop
 * started ~100 workers a second, which the front paid for (audit 20:
 * other tenants' HELLOs 22-66 ms at p90, 0.7 ms before): starts are
 * counted too, a process's at HIST_START_BURST and then
 * HIST_START_RATE a second, a peer uid's at PEER_START_BURST and
 * PEER_START_RATE a second. And the processes of one peer uid share a log
 * budget as well (PEER_LOG_RATE, workers_log.c): 100 processes writing
 * and closing put 6.3 MiB in the log in 2.2 s. */
#define PEER_MAX	 64
#define PEER_BURST	 10
#define PEER_EVERY_NS	 1000000000ll
#define HIST_START_BURST 20
#define HIST_START_RATE	 10
#define PEER_START_BURST 128
#define PEER_START_RATE	 64

static struct hist_peer peers[PEER_MAX];

/* The peer entry of `key` ("peer uid:N pid P"); NULL if none, or it is
 * not such a key. `take`: make one (the one used the longest ago). */
static struct hist_peer *peer_of(const char *key, bool take)
{
	int n = (int)wk_hist_peer_part(key), best = -1;
	if (!n)
		return NULL;
	for (int i = 0; i < PEER_MAX; i++) {
		if (!strncmp(peers[i].key, key, (size_t)n) && !peers[i].key[n])
			return &peers[i];
		if (best < 0 || peers[i].used < peers[best].used)
			best = i;
	}
	if (!take)
		return NULL;
	memset(&peers[best], 0, sizeof(peers[best]));
	snprintf(peers[best].key, sizeof(peers[best].key), "%.*s", n, key);
	return &peers[best];
}

struct hist_peer *wk_hist_peer(const struct hist *h)
{
	return h ? peer_of(h->key, false) : NULL;
}

void wk_hist_key(const char *tenant, const char *peer, pid_t pid, char *key,
		 size_t size)
{
	/* (a ?tenant=conn listener's peer key is numbered per connection:
	 * "uid:N#SEQ", front.c) */
	int n = (int)strcspn(peer, "#");
	if (tenant_per_conn(tenant) && pid > 0)
		snprintf(key, size, "peer %.*s pid %d", n, peer, (int)pid);
	else if (tenant_per_conn(tenant))
		/* the process unknown (a client outside the agent's pid
		 * namespace): the connection's own, and its uid's rates of
		 * starts and log lines (audit 21: 479-811 workers in 5 s from
		 * one process, none of the rates applied), not of ends: one
		 * VM's crash loop would hold every other VM (audit 15) */
		snprintf(key, size, "peer %.*s conn %s", n, peer, tenant);
	else if (!strncmp(tenant, "ip:", 3))
		snprintf(key, size, "peer %s", peer);
	else
		snprintf(key, size, "%s", tenant);
}

static struct hist *find(const char *key)
{
	for (int i = 0; i < HIST_MAX; i++)
		if (hists[i].key[0] && !strcmp(hists[i].key, key))
			return &hists[i];
	return NULL;
}

size_t wk_hist_peer_part(const char *key)
{
	const char *p = strstr(key, " pid ");
	if (!p)
		p = strstr(key, " conn ");
	return p && !strncmp(key, "peer ", 5) ? (size_t)(p - key) : 0;
}

bool wk_hist_refuse(const char *key, char *why, size_t size)
{
	struct hist *h = find(key);
	struct hist_peer *pe = peer_of(key, false);
	int64_t now = vrpc_now_ns(), left = h ? h->hold_until - now : 0;
	if (left <= 0 && pe &&
	    (left = pe->due - now - PEER_BURST * PEER_EVERY_NS) > 0) {
		snprintf(why, size,
			 "the workers of this peer's processes ended over %d "
			 "times and once a second; its next worker starts in "
			 "%" PRId64 " ms at the earliest",
			 PEER_BURST, (left + 999999) / 1000000);
		return true;
	}
	if (left <= 0 && pe) {
		const char *who = NULL;
		int rate = 0;
		if (h && rate_over(h->start_due, now, HIST_START_BURST,
				   1000000000ll / HIST_START_RATE))
			who = "this process", rate = HIST_START_RATE;
		else if (pe && rate_over(pe->start_due, now, PEER_START_BURST,
					 1000000000ll / PEER_START_RATE))
			who = "this peer's processes", rate = PEER_START_RATE;
		if (who) {
			snprintf(why, size,
				 "%s started workers faster than %d a second "
				 "(a connection's each); try again in a "
				 "second",
				 who, rate);
			return true;
		}
	}
	if (left <= 0)
		return false;
	snprintf(why, size,
		 "this tenant's workers ended %u times in a row (last: %s); "
		 "its next worker starts in %" PRId64 " ms at the earliest",
		 h->ends, h->last, (left + 999999) / 1000000);
	return true;
}

int wk_hist_take(const char *key)
{
	struct hist *h = find(key);
	/* a free entry, else the one in no use the longest */
	for (int i = 0; !h && i < HIST_MAX; i++)
		if (!hists[i].key[0])
			h = &hists[i];
	for (int i = 0; !h && i < HIST_MAX; i++)
		if (!hists[i].refs && (!h || hists[i].used < h->used))
			h = &hists[i];
	if (!h)
		return -1; /* as many workers: each its own budget */
	if (strcmp(h->key, key)) {
		memset(h, 0, sizeof(*h));
		snprintf(h->key, sizeof(h->key), "%s", key);
	}
	h->refs++;
	h->used = vrpc_now_ns();
	/* a start, counted where starts are (wk_hist_refuse) */
	struct hist_peer *pe = peer_of(key, true);
	if (pe) {
		rate_add(&h->start_due, h->used,
			 1000000000ll / HIST_START_RATE);
		rate_add(&pe->start_due, h->used,
			 1000000000ll / PEER_START_RATE);
		pe->used = h->used;
	}
	return (int)(h - hists);
}

struct hist *wk_hist(const struct worker *w)
{
	return w->hist >= 0 && w->hist < HIST_MAX ? &hists[w->hist] : NULL;
}

void wk_hist_ended(struct worker *w, bool asked, const char *why)
{
	struct hist *h = wk_hist(w);
	if (!h)
		return;
	int64_t now = vrpc_now_ns();
	h->used = now;
	h->refs--;
	w->hist = -1;
	if (asked)
		return;
	struct hist_peer *pe =
		++h->life_ends <= HIST_FREE_ENDS && strstr(h->key, " pid ") &&
				/* not a kill at the exit deadline: a
				 * backend's slow teardown (1 s for these
				 * tenants) held every other VM of the uid
				 * (audit 22) */
				!w->exit_killed
			? peer_of(h->key, true)
			: NULL;
	int64_t *due = pe ? &pe->due : NULL;
	if (due) {
		pe->used = now;
		rate_add(due, now, PEER_EVERY_NS);
		if (*due - now > PEER_BURST * PEER_EVERY_NS &&
		    *due - now <= (PEER_BURST + 1) * PEER_EVERY_NS)
			awarn("%.*s: the workers of its processes ended over "
			      "%d times and once a second: its next ones wait",
			      (int)wk_hist_peer_part(h->key), h->key,
			      PEER_BURST);
	}
	if (now - h->last_end > HIST_STREAK_NS)
		h->ends = 0;
	h->ends++;
	h->last_end = now;
	snprintf(h->last, sizeof(h->last), "%s", why);
	if (h->ends <= HIST_FREE_ENDS)
		return;
	unsigned n = h->ends - HIST_FREE_ENDS - 1;
	int64_t ms = (int64_t)HIST_HOLD_MIN_MS << (n < 16 ? n : 16);
	if (ms > HIST_HOLD_MAX_MS)
		ms = HIST_HOLD_MAX_MS;
	h->hold_until = now + ms * 1000000;
	awarn("%s: its workers ended %u times in a row: its next one waits "
	      "%" PRId64 " ms",
	      h->key, h->ends, ms);
}
