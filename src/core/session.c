// SPDX-License-Identifier: Apache-2.0
/* Sessions: creation (plugin selection), update, the ops-in-flight lock,
 * lookup. Their resources and release are registration.c's. */

#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SESSIONS 1024

static struct vaccel__id_pool ids;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static vaccel_list_t live = LIST_ENTRY_INIT(live);

/* A local session may be served by several plugins (docs/plugins.md):
 * sess->plugin first, then these, each with its own state (the first one's
 * is sess->priv). Indexed by session id; set up before the session is
 * live and freed at its release, so ops read it without a lock. */
#define NR_OTHERS (VACCEL__SESSION_PLUGINS_MAX - 1)
struct route {
	size_t n;
	struct vaccel__plugin *p[NR_OTHERS];
	void *priv[NR_OTHERS];
};
static struct route *routes[MAX_SESSIONS + 1];

static struct route *route_of(const struct vaccel_session *sess)
{
	return sess->id > 0 && sess->id <= MAX_SESSIONS ? routes[sess->id]
							: NULL;
}

/* Per session id: ops in flight (> 0), or -1 while held exclusively. */
static atomic_int busy[MAX_SESSIONS + 1];

static atomic_int *busy_of(const struct vaccel_session *sess)
{
	return &busy[(size_t)sess->id <= MAX_SESSIONS ? sess->id : 0];
}

int vaccel__session_enter(const struct vaccel_session *sess)
{
	atomic_int *b = busy_of(sess);
	int v = atomic_load_explicit(b, memory_order_relaxed);
	do {
		if (vaccel__unlikely(v < 0)) {
			vaccel_error("session %" PRId64
				     ": an update or release "
				     "of it is running",
				     sess->id);
			return VACCEL_EBUSY;
		}
	} while (!atomic_compare_exchange_weak_explicit(
		b, &v, v + 1, memory_order_acquire, memory_order_relaxed));
	return VACCEL_OK;
}

void vaccel__session_leave(const struct vaccel_session *sess)
{
	atomic_fetch_sub_explicit(busy_of(sess), 1, memory_order_release);
}

int vaccel__session_lock(const struct vaccel_session *sess, const char *what)
{
	int idle = 0;
	if (atomic_compare_exchange_strong(busy_of(sess), &idle, -1))
		return VACCEL_OK;
	vaccel_error("Cannot %s session %" PRId64 ": %s", what, sess->id,
		     idle > 0 ? "it has ops in flight"
			      : "another update or release "
				"of it is running");
	return VACCEL_EBUSY;
}

void vaccel__session_unlock(const struct vaccel_session *sess)
{
	atomic_store(busy_of(sess), 0);
}

int vaccel__sessions_bootstrap(void)
{
	vaccel__list_init(&live);
	return vaccel__id_pool_init(&ids, MAX_SESSIONS);
}

static void routes_free(void)
{
	for (size_t i = 0; i <= MAX_SESSIONS; i++) {
		free(routes[i]);
		routes[i] = NULL;
	}
}

struct vaccel_session *vaccel__session_first_live(void)
{
	struct vaccel_session *s = NULL;
	pthread_mutex_lock(&live_lock);
	if (!vaccel__list_empty(&live))
		s = vaccel__container_of(live.next, struct vaccel_session,
					 entry);
	pthread_mutex_unlock(&live_lock);
	return s;
}

void vaccel__sessions_forget(void)
{
	/* At exit the application's session structs may already be gone
	 * (a stack session of main() is): the list is not walked. */
	vaccel__list_init(&live);
	routes_free();
	vaccel__id_pool_release(&ids);
}

int vaccel__session_invalid(void)
{
	vaccel_error("Invalid session (NULL or not initialized)");
	return VACCEL_EINVAL;
}

static struct vaccel__plugin *sess_plugin(const struct vaccel_session *sess)
{
	return vaccel__plugin_of(sess->plugin);
}

/* Set up everything of `sess` except id and plugin, which are set. */
static int session_setup(struct vaccel_session *sess, uint32_t flags)
{
	sess->hint = flags;
	sess->priv = NULL;
	sess->is_virtio =
		(flags & VACCEL_PLUGIN_REMOTE) ||
		(vaccel__plugins_count() == 1 && sess->plugin->info->is_virtio);
	if (sess->is_virtio && (!sess->plugin->info->is_virtio ||
				!sess->plugin->info->session_init)) {
		vaccel_error("Plugin %s cannot serve remote sessions",
			     sess->plugin->info->name);
		return VACCEL_ENOTSUP;
	}
	if (snprintf(sess->rundir, sizeof(sess->rundir), "%s/session.%" PRId64,
		     vaccel_rundir(), sess->id) >= (int)sizeof(sess->rundir))
		return VACCEL_ENAMETOOLONG;
	if (mkdir(sess->rundir, 0700) && errno != EEXIST) {
		vaccel_error("Could not create %s: %s", sess->rundir,
			     strerror(errno));
		return VACCEL_EIO;
	}
	for (int t = 0; t < VACCEL_RESOURCE_MAX; t++) {
		vaccel__list_init(&sess->resources[t]);
		sess->resource_counts[t] = 0;
	}
	pthread_mutex_init(&sess->resources_lock, NULL);
	vaccel__list_init(&sess->entry);
	return VACCEL_OK;
}

/* session_init of each of `cand` in turn, each with its own state slot
 * (visible to vaccel_session_plugin_priv() during its hook). A plugin whose
 * hook fails, or that stores its state in sess->priv itself (written for
 * one plugin per session), is left out: it serves only sessions it is the
 * first plugin of. */
static void others_init(struct vaccel_session *sess, struct route *r,
			struct vaccel__plugin *const *cand, size_t n,
			uint32_t flags)
{
	r->n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vaccel_plugin_desc *d = cand[i]->desc;
		r->p[r->n] = cand[i];
		r->priv[r->n++] = NULL;
		if (!d->session_init)
			continue;
		void *own = sess->priv;
		int ret = d->session_init(
			sess, flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
		if (!ret && sess->priv == own)
			continue;
		if (sess->priv != own) {
			if (!ret && d->session_release)
				d->session_release(sess);
			sess->priv = own;
			vaccel_debug("Plugin %s keeps its state in sess->priv: "
				     "it serves only sessions it is the first "
				     "plugin of",
				     d->name);
		} else {
			vaccel_warn("Plugin %s cannot serve session %" PRId64
				    " (%s); its ops are not offered to it",
				    d->name, sess->id, vaccel_strerror(ret));
		}
		r->n--;
	}
}

static void others_release(struct vaccel_session *sess)
{
	struct route *r = route_of(sess);
	for (size_t i = r ? r->n : 0; i-- > 0;) {
		const struct vaccel_plugin_desc *d = r->p[i]->desc;
		if (d->session_release && d->session_release(sess))
			vaccel_warn("Plugin %s could not release session "
				    "%" PRId64,
				    d->name, sess->id);
		r->n = i;
	}
}

/* Give the session its other plugins (none for a transport). */
static int others_setup(struct vaccel_session *sess,
			struct vaccel__plugin *const *cand, size_t n,
			uint32_t flags)
{
	if (!n || sess->id > MAX_SESSIONS)
		return VACCEL_OK;
	struct route *r = routes[sess->id];
	if (!r && !(r = calloc(1, sizeof(*r))))
		return VACCEL_ENOMEM;
	routes[sess->id] = r;
	others_init(sess, r, cand, n, flags);
	return VACCEL_OK;
}

size_t vaccel__session_plugins(const struct vaccel_session *sess,
			       struct vaccel__plugin **out, size_t max)
{
	const struct route *r = route_of(sess);
	size_t n = 0;
	if (max && sess->plugin)
		out[n++] = vaccel__plugin_of(sess->plugin);
	for (size_t i = 0; r && i < r->n && n < max; i++)
		out[n++] = r->p[i];
	return n;
}

const union vaccel_op_fn *vaccel__op_route(struct vaccel_session *sess,
					   vaccel_op_type_t op)
{
	const struct route *r = route_of(sess);
	const char *name = sess->plugin->info->name;
	if ((unsigned)op >= VACCEL_OP_EXT_MAX) {
		vaccel_error("Trying to execute unknown function %d", (int)op);
		return NULL;
	}
	for (size_t i = 0; r && i < r->n; i++) {
		if (r->p[i]->ops[op].NOOP) {
			vaccel__op_ctx.plugin = r->p[i];
			return &r->p[i]->ops[op];
		}
	}
	if (!r || !r->n) {
		vaccel_error("Could not return func, plugin %s does not "
			     "implement %s",
			     name, vaccel_op_type_to_base_str(op));
		return NULL;
	}
	char others[256] = "";
	for (size_t i = 0, len = 0; i < r->n && len < sizeof(others); i++)
		len += (size_t)snprintf(others + len, sizeof(others) - len,
					", %s", r->p[i]->info.name);
	vaccel_error("Could not return func, no plugin of session %" PRId64
		     " (%s%s) implements %s",
		     sess->id, name, others, vaccel_op_type_to_base_str(op));
	return NULL;
}

/* The state slot of plugin `self` in `sess`, or NULL if `self` does not
 * serve it. */
static void **priv_slot(struct vaccel_session *sess,
			const struct vaccel_plugin_desc *self)
{
	if (!sess || !self || !sess->plugin)
		return NULL;
	if (vaccel__plugin_of(sess->plugin)->exported == self)
		return &sess->priv;
	struct route *r = route_of(sess);
	for (size_t i = 0; r && i < r->n; i++)
		if (r->p[i]->exported == self)
			return &r->priv[i];
	return NULL;
}

void *vaccel_session_plugin_priv(struct vaccel_session *sess,
				 const struct vaccel_plugin_desc *self)
{
	void **slot = priv_slot(sess, self);
	return slot ? *slot : NULL;
}

int vaccel_session_set_plugin_priv(struct vaccel_session *sess,
				   const struct vaccel_plugin_desc *self,
				   void *priv)
{
	void **slot = priv_slot(sess, self);
	if (!slot)
		return VACCEL_EINVAL;
	*slot = priv;
	return VACCEL_OK;
}

static void session_forget(struct vaccel_session *sess)
{
	/* kept for the id's next session (freed at cleanup): an op that
	 * races with the release it should not overlap reads no freed memory */
	struct route *r = route_of(sess);
	if (r)
		r->n = 0;
	if (sess->rundir[0])
		vaccel__fs_rm_rf(sess->rundir);
	vaccel__id_pool_put(&ids, sess->id);
	sess->id = 0;
	sess->plugin = NULL;
	sess->priv = NULL;
}

int vaccel_session_init(struct vaccel_session *sess, uint32_t flags)
{
	vaccel__reason_begin();
	if (!sess)
		return VACCEL_EINVAL;
	int ret = vaccel__check_ready("vaccel_session_init");
	if (ret)
		return ret;

	vaccel_id_t id = vaccel__id_pool_get(&ids);
	if (id < 0) {
		vaccel_error("Could not create a session: too many sessions");
		return (int)-id;
	}
	sess->id = id;
	sess->rundir[0] = '\0';
	struct vaccel__plugin *others[NR_OTHERS];
	size_t nr_others;
	sess->plugin =
		vaccel__plugins_select(flags, others, NR_OTHERS, &nr_others);
	if (!sess->plugin) {
		session_forget(sess);
		return VACCEL_ENOTSUP;
	}
	ret = session_setup(sess, flags);
	const struct vaccel_plugin_desc *d = sess_plugin(sess)->desc;
	if (!ret && d->session_init)
		ret = d->session_init(sess,
				      flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
	if (!ret && (ret = others_setup(sess, others, nr_others, flags)) &&
	    d->session_release)
		d->session_release(sess);
	if (ret) {
		/* an error line already said why: this one for debugging */
		vaccel_log_print(vaccel__reason_set() ? VACCEL_LOG_DEBUG
						      : VACCEL_LOG_ERROR,
				 NULL,
				 "Could not initialize session with plugin "
				 "%s: %s",
				 sess->plugin->info->name,
				 vaccel_strerror(ret));
		session_forget(sess);
		return ret;
	}

	pthread_mutex_lock(&live_lock);
	vaccel__list_add_tail(&live, &sess->entry);
	pthread_mutex_unlock(&live_lock);
	vaccel_debug("Initialized session %" PRId64 " with plugin %s", sess->id,
		     sess->plugin->info->name);
	return VACCEL_OK;
}

/* The end of vaccel_session_release() once its resources are
 * unregistered: the plugin's hook, then the session is forgotten (the
 * caller holds its lock, which this drops). */
void vaccel__session_end(struct vaccel_session *sess)
{
	others_release(sess);
	const struct vaccel_plugin_desc *d = sess_plugin(sess)->desc;
	if (d->session_release && d->session_release(sess))
		vaccel_warn("Plugin %s could not release session %" PRId64,
			    sess->plugin->info->name, sess->id);

	pthread_mutex_lock(&live_lock);
	vaccel__list_del(&sess->entry);
	pthread_mutex_unlock(&live_lock);
	pthread_mutex_destroy(&sess->resources_lock);
	vaccel_debug("Released session %" PRId64, sess->id);
	vaccel__session_unlock(sess);
	session_forget(sess);
}

int vaccel_session_new(struct vaccel_session **sess, uint32_t flags)
{
	if (!sess)
		return VACCEL_EINVAL;
	struct vaccel_session *s = calloc(1, sizeof(*s));
	if (!s)
		return VACCEL_ENOMEM;
	int ret = vaccel_session_init(s, flags);
	if (ret) {
		free(s);
		return ret;
	}
	*sess = s;
	return VACCEL_OK;
}

/* Bind a local session to plugin `p`, keeping the plugins' session hooks
 * balanced: `p` gets session_init() first (on failure nothing changes),
 * then the old plugin session_release() with its own priv. */
static int session_move(struct vaccel_session *sess, struct vaccel_plugin *p,
			uint32_t flags)
{
	struct vaccel_plugin *old = sess->plugin;
	void *old_priv = sess->priv;
	const struct vaccel_plugin_desc *nd = vaccel__plugin_of(p)->desc;
	const struct vaccel_plugin_desc *od = vaccel__plugin_of(old)->desc;

	sess->plugin = p;
	sess->priv = NULL;
	if (nd->session_init) {
		int ret = nd->session_init(
			sess, flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
		if (ret) {
			sess->plugin = old;
			sess->priv = old_priv;
			return ret;
		}
	}
	void *new_priv = sess->priv;
	sess->plugin = old;
	sess->priv = old_priv;
	if (od->session_release && od->session_release(sess))
		vaccel_warn("Plugin %s could not release session %" PRId64,
			    old->info->name, sess->id);
	sess->plugin = p;
	sess->priv = new_priv;
	return VACCEL_OK;
}

static int update_locked(struct vaccel_session *sess, uint32_t flags)
{
	int ret;
	if (sess->is_virtio) {
		const struct vaccel_plugin_desc *d = sess_plugin(sess)->desc;
		if (!d->session_update)
			return VACCEL_ENOTSUP;
		ret = d->session_update(
			sess, flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
		if (!ret)
			sess->hint = flags;
		return ret;
	}
	for (int t = 0; t < VACCEL_RESOURCE_MAX; t++) {
		if (sess->resource_counts[t]) {
			vaccel_error("Cannot update session %" PRId64
				     ": it has registered resources",
				     sess->id);
			return VACCEL_ENOTSUP;
		}
	}
	struct vaccel__plugin *others[NR_OTHERS];
	size_t nr_others;
	struct vaccel_plugin *p =
		vaccel__plugins_select(flags, others, NR_OTHERS, &nr_others);
	if (!p)
		return VACCEL_ENOTSUP;
	struct vaccel__plugin *old[VACCEL__SESSION_PLUGINS_MAX];
	size_t nr_old =
		vaccel__session_plugins(sess, old, VACCEL__ARRAY_SIZE(old)) - 1;
	others_release(sess);
	if (p != sess->plugin) {
		ret = session_move(sess, p, flags);
		if (ret) {
			others_setup(sess, old + 1, nr_old, sess->hint);
			return ret;
		}
	}
	sess->hint = flags;
	return others_setup(sess, others, nr_others, flags);
}

int vaccel_session_update(struct vaccel_session *sess, uint32_t flags)
{
	vaccel__reason_begin();
	int ret = vaccel__session_check(sess);
	if (!ret)
		ret = vaccel__session_lock(sess, "update");
	if (ret)
		return ret;
	ret = update_locked(sess, flags);
	vaccel__session_unlock(sess);
	return ret;
}

int vaccel_session_get_by_id(struct vaccel_session **sess, vaccel_id_t id)
{
	if (!vaccel_is_initialized())
		return VACCEL_EPERM;
	if (!sess)
		return VACCEL_EINVAL;

	int ret = VACCEL_ENOENT;
	vaccel_list_entry_t *e;
	pthread_mutex_lock(&live_lock);
	vaccel__list_for_each(e, &live)
	{
		struct vaccel_session *s =
			vaccel__container_of(e, struct vaccel_session, entry);
		if (s->id == id) {
			*sess = s;
			ret = VACCEL_OK;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	return ret;
}

int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags)
{
	return vaccel_session_init(sess, flags);
}

int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags)
{
	return vaccel_session_update(sess, flags);
}
