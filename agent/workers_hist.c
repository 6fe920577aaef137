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

void wk_hist_key(const char *tenant, const char *peer, pid_t pid, char *key,
		 size_t size)
{
	/* (a ?tenant=conn listener's peer key is numbered per connection:
	 * "uid:N#SEQ", front.c) */
	int n = (int)strcspn(peer, "#");
	if (tenant_per_conn(tenant) && pid > 0)
		snprintf(key, size, "peer %.*s pid %d", n, peer, (int)pid);
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

bool wk_hist_refuse(const char *key, char *why, size_t size)
{
	struct hist *h = find(key);
	int64_t left = h ? h->hold_until - vrpc_now_ns() : 0;
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
