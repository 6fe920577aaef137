// SPDX-License-Identifier: Apache-2.0
/* The links between resources and sessions (many-to-many): registering,
 * unregistering and syncing a resource with a session, the queries over
 * them, and releasing either side, which first unregisters it everywhere.
 * Sessions (session.c) and resources (resource.c) know nothing of each
 * other.
 *
 * Locking: a resource's sessions_lock, then a session's resources_lock.
 * sessions_lock is held across a registration (including the plugin hook),
 * so that two threads registering one resource build its blobs once. */

#include "internal.h"
#include <stdlib.h>

/* Held by session release and resource release while each picks a
 * registration and unregisters it, so that the object at the other end of
 * the registration cannot be released (and freed by the application) in
 * between. Order: this lock, a resource's sessions_lock, a session's
 * resources_lock. */
static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;

static int check_ready(void)
{
	return vaccel_is_initialized() ? VACCEL_OK : VACCEL_EPERM;
}

/* ---- registration ---- */

static struct vaccel__registration *reg_in_res(vaccel_list_entry_t *e)
{
	return vaccel__container_of(e, struct vaccel__registration, in_res);
}

/* The registration of res with sess; res->sessions_lock held. */
static struct vaccel__registration *find_reg(struct vaccel_resource *res,
					     struct vaccel_session *sess)
{
	vaccel_list_entry_t *e;
	vaccel__list_for_each(e, &res->sessions)
	{
		if (reg_in_res(e)->sess == sess)
			return reg_in_res(e);
	}
	return NULL;
}

static int register_with(const struct vaccel__plugin *p,
			 struct vaccel_resource *res,
			 struct vaccel_session *sess)
{
	const struct vaccel_plugin_desc *d = p->desc;
	if (!d->resource_register)
		return sess->is_virtio ? VACCEL_ENOTSUP : VACCEL_OK;
	int ret = d->resource_register(res, sess);
	if (!ret && sess->is_virtio && res->remote_id <= 0) {
		vaccel_error("Plugin %s registered resource %" PRId64
			     " without a remote id",
			     d->name, res->id);
		ret = VACCEL_EINVAL;
	}
	return ret;
}

/* The resource_register hook of every plugin serving the session; if one
 * fails, those before it forget the resource again. */
static int call_register_hook(struct vaccel_resource *res,
			      struct vaccel_session *sess)
{
	struct vaccel__plugin *ps[VACCEL__SESSION_PLUGINS_MAX];
	size_t n = vaccel__session_plugins(sess, ps, VACCEL__ARRAY_SIZE(ps));
	for (size_t i = 0; i < n; i++) {
		int ret = register_with(ps[i], res, sess);
		if (!ret)
			continue;
		while (i-- > 0)
			if (ps[i]->desc->resource_unregister)
				ps[i]->desc->resource_unregister(res, sess);
		return ret;
	}
	return VACCEL_OK;
}

static int link_reg(struct vaccel_resource *res, struct vaccel_session *sess)
{
	struct vaccel__registration *r = malloc(sizeof(*r));
	if (!r)
		return VACCEL_ENOMEM;
	r->res = res;
	r->sess = sess;
	vaccel__list_add_tail(&res->sessions, &r->in_res);
	pthread_mutex_lock(&sess->resources_lock);
	vaccel__list_add_tail(&sess->resources[res->type], &r->in_sess);
	sess->resource_counts[res->type]++;
	pthread_mutex_unlock(&sess->resources_lock);
	atomic_fetch_add(&res->refcount, 1);
	return VACCEL_OK;
}

static int check_pair(struct vaccel_resource *res, struct vaccel_session *sess)
{
	int ret = check_ready();
	if (ret)
		return ret;
	if (!res || !sess || res->id <= 0 || vaccel__session_check(sess))
		return VACCEL_EINVAL;
	return VACCEL_OK;
}

int vaccel_resource_register(struct vaccel_resource *res,
			     struct vaccel_session *sess)
{
	vaccel__reason_begin();
	int ret = check_pair(res, sess);
	if (!ret)
		ret = vaccel__session_lock(sess, "register a resource with");
	if (ret)
		return ret;

	pthread_mutex_lock(&res->sessions_lock);
	if (find_reg(res, sess)) {
		pthread_mutex_unlock(&res->sessions_lock);
		vaccel__session_unlock(sess);
		vaccel_warn("Resource %" PRId64
			    " already registered to session %" PRId64,
			    res->id, sess->id);
		return VACCEL_OK;
	}
	/* remote sessions send the data: every blob is mapped */
	ret = vaccel__resource_blobs(res, sess->is_virtio);
	if (!ret)
		ret = call_register_hook(res, sess);
	if (!ret)
		ret = link_reg(res, sess);
	pthread_mutex_unlock(&res->sessions_lock);
	vaccel__session_unlock(sess);
	if (ret)
		/* an error line already said why: this one for debugging */
		vaccel_log_print(vaccel__reason_set() ? VACCEL_LOG_DEBUG
						      : VACCEL_LOG_ERROR,
				 NULL,
				 "Could not register resource %" PRId64
				 " with session %" PRId64 ": %s",
				 res->id, sess->id, vaccel_strerror(ret));
	else
		vaccel_debug("Registered resource %" PRId64
			     " with session %" PRId64,
			     res->id, sess->id);
	return ret;
}

/* The resource_unregister hook of every plugin serving the session
 * (remote sessions need one); the first failure is returned. */
static int call_unregister_hook(struct vaccel_resource *res,
				struct vaccel_session *sess)
{
	struct vaccel__plugin *ps[VACCEL__SESSION_PLUGINS_MAX];
	size_t n = vaccel__session_plugins(sess, ps, VACCEL__ARRAY_SIZE(ps));
	int ret = VACCEL_OK;
	for (size_t i = 0; i < n; i++) {
		const struct vaccel_plugin_desc *d = ps[i]->desc;
		int r = d->resource_unregister
				? d->resource_unregister(res, sess)
			: sess->is_virtio ? VACCEL_ENOTSUP
					  : VACCEL_OK;
		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* Unlink the registration of res with sess and call the plugin's hook; the
 * registration is gone whatever the hook returns (logged). VACCEL_EINVAL if
 * there was none.
 *
 * The plugin's hook runs with both locks held (resource, then session, the
 * usual order): a concurrent vaccel_resource_release() of `res` waits in
 * unregister_everywhere() for res->sessions_lock, and a concurrent
 * vaccel_session_release() of `sess` waits in unregister_all() for
 * sess->resources_lock, so neither is freed under the hook. Hooks must not
 * call back into registration or session queries (they never did). */
static int unregister_pair(struct vaccel_resource *res,
			   struct vaccel_session *sess)
{
	pthread_mutex_lock(&res->sessions_lock);
	struct vaccel__registration *r = find_reg(res, sess);
	if (!r) {
		pthread_mutex_unlock(&res->sessions_lock);
		return VACCEL_EINVAL;
	}
	vaccel__list_del(&r->in_res);
	pthread_mutex_lock(&sess->resources_lock);
	vaccel__list_del(&r->in_sess);
	sess->resource_counts[res->type]--;
	atomic_fetch_sub(&res->refcount, 1);
	int ret = call_unregister_hook(res, sess);
	if (ret)
		vaccel_warn("Plugin %s failed to unregister resource %" PRId64
			    " from session %" PRId64 ": %s",
			    sess->plugin->info->name, res->id, sess->id,
			    vaccel_strerror(ret));
	pthread_mutex_unlock(&sess->resources_lock);
	pthread_mutex_unlock(&res->sessions_lock);
	free(r);
	return ret;
}

/* check_pair, and `res` registered with `sess`: else `unregistered`
 * (logged). */
static int check_registered(struct vaccel_resource *res,
			    struct vaccel_session *sess, int unregistered)
{
	vaccel__reason_begin();
	int ret = check_pair(res, sess);
	if (ret)
		return ret;
	if (!vaccel_session_has_resource(sess, res)) {
		vaccel_error("Resource %" PRId64
			     " is not registered to session %" PRId64,
			     res->id, sess->id);
		return unregistered;
	}
	return VACCEL_OK;
}

int vaccel_resource_unregister(struct vaccel_resource *res,
			       struct vaccel_session *sess)
{
	int ret = check_registered(res, sess, VACCEL_EINVAL);
	if (!ret)
		ret = vaccel__session_lock(sess, "unregister a resource from");
	if (ret)
		return ret;
	/* The registration is gone even when the plugin's hook fails. */
	ret = unregister_pair(res, sess);
	vaccel__session_unlock(sess);
	return ret;
}

int vaccel_resource_sync(struct vaccel_resource *res,
			 struct vaccel_session *sess)
{
	int ret = check_registered(res, sess, VACCEL_EPERM);
	if (ret)
		return ret;
	if (!res->nr_blobs || res->blobs[0]->type != VACCEL_BLOB_BUFFER) {
		vaccel_error("Cannot synchronize non-buffer resources");
		return VACCEL_EINVAL;
	}
	struct vaccel__plugin *ps[VACCEL__SESSION_PLUGINS_MAX];
	size_t n = vaccel__session_plugins(sess, ps, VACCEL__ARRAY_SIZE(ps));
	for (size_t i = 0; i < n && !ret; i++) {
		const struct vaccel_plugin_desc *d = ps[i]->desc;
		ret = d->resource_sync	? d->resource_sync(res, sess)
		      : sess->is_virtio ? VACCEL_ENOTSUP
					: VACCEL_OK;
	}
	return ret;
}

int vaccel__resource_check(struct vaccel_session *sess,
			   const struct vaccel_resource *res,
			   vaccel_resource_type_t type)
{
	if (vaccel__unlikely(res->type != type)) {
		vaccel_error("Invalid resource type: expected %s",
			     vaccel_resource_type_to_str(type));
		return VACCEL_EINVAL;
	}
	if (vaccel__unlikely(!vaccel_session_has_resource(
		    sess, (struct vaccel_resource *)res))) {
		vaccel_error("Resource %" PRId64
			     " is not registered to session %" PRId64,
			     res->id, sess->id);
		return VACCEL_EPERM;
	}
	return VACCEL_OK;
}

/* ---- the queries of a session ---- */

static struct vaccel__registration *reg_of(vaccel_list_entry_t *e)
{
	return vaccel__container_of(e, struct vaccel__registration, in_sess);
}

bool vaccel_session_has_resource(struct vaccel_session *sess,
				 struct vaccel_resource *res)
{
	if (!sess || !res || sess->id <= 0 ||
	    (unsigned)res->type >= VACCEL_RESOURCE_MAX)
		return false;

	bool found = false;
	vaccel_list_entry_t *e;
	pthread_mutex_lock(&sess->resources_lock);
	vaccel__list_for_each(e, &sess->resources[res->type])
	{
		if (reg_of(e)->res == res) {
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&sess->resources_lock);
	return found;
}

int vaccel_session_resource_by_id(struct vaccel_session *sess,
				  struct vaccel_resource **res, vaccel_id_t id)
{
	if (!sess || !res || id <= 0 || sess->id <= 0)
		return VACCEL_EINVAL;

	int ret = VACCEL_ENOENT;
	vaccel_list_entry_t *e;
	pthread_mutex_lock(&sess->resources_lock);
	for (int t = 0; t < VACCEL_RESOURCE_MAX && ret; t++) {
		vaccel__list_for_each(e, &sess->resources[t])
		{
			if (reg_of(e)->res->id == id) {
				*res = reg_of(e)->res;
				ret = VACCEL_OK;
				break;
			}
		}
	}
	pthread_mutex_unlock(&sess->resources_lock);
	return ret;
}

int vaccel_session_resource_by_type(struct vaccel_session *sess,
				    struct vaccel_resource **res,
				    vaccel_resource_type_t type)
{
	if (!sess || !res || sess->id <= 0 ||
	    (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;

	int ret = VACCEL_ENOENT;
	pthread_mutex_lock(&sess->resources_lock);
	if (!vaccel__list_empty(&sess->resources[type])) {
		*res = reg_of(sess->resources[type].next)->res;
		ret = VACCEL_OK;
	}
	pthread_mutex_unlock(&sess->resources_lock);
	return ret;
}

int vaccel_session_resources_by_type(struct vaccel_session *sess,
				     struct vaccel_resource ***resources,
				     size_t *nr_found,
				     vaccel_resource_type_t type)
{
	if (!sess || !resources || !nr_found || sess->id <= 0 ||
	    (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;

	int ret = VACCEL_OK;
	*nr_found = 0;
	*resources = NULL;
	pthread_mutex_lock(&sess->resources_lock);
	size_t n = sess->resource_counts[type];
	if (!n) {
		ret = VACCEL_ENOENT;
	} else if (!(*resources = malloc(n * sizeof(**resources)))) {
		ret = VACCEL_ENOMEM;
	} else {
		vaccel_list_entry_t *e;
		vaccel__list_for_each(e, &sess->resources[type])
		{
			(*resources)[(*nr_found)++] = reg_of(e)->res;
		}
	}
	pthread_mutex_unlock(&sess->resources_lock);
	return ret;
}

bool vaccel_sess_has_resource(struct vaccel_session *sess,
			      struct vaccel_resource *res)
{
	return vaccel_session_has_resource(sess, res);
}

/* ---- release: unregister everywhere, then forget ---- */

static void unregister_everywhere(struct vaccel_resource *res)
{
	for (;;) {
		/* The release lock keeps the session we pick alive until we
		 * have unregistered from it (see release_lock). */
		pthread_mutex_lock(&release_lock);
		pthread_mutex_lock(&res->sessions_lock);
		bool done = vaccel__list_empty(&res->sessions);
		struct vaccel_session *s =
			done ? NULL : reg_in_res(res->sessions.next)->sess;
		pthread_mutex_unlock(&res->sessions_lock);
		/* always unlinks, so the loop ends whatever the hook says */
		if (s)
			unregister_pair(res, s);
		pthread_mutex_unlock(&release_lock);
		if (done)
			return;
	}
}

int vaccel_resource_release(struct vaccel_resource *res)
{
	vaccel__reason_begin();
	int ret = check_ready();
	if (ret)
		return ret;
	if (!res || res->id <= 0)
		return VACCEL_EINVAL;

	unregister_everywhere(res);
	vaccel__resource_end(res);
	return VACCEL_OK;
}

int vaccel_resource_delete(struct vaccel_resource *res)
{
	int ret = vaccel_resource_release(res);
	if (ret)
		return ret;
	free(res);
	return VACCEL_OK;
}

/* Unregister every resource still registered with `sess`. */
static void unregister_all(struct vaccel_session *sess)
{
	for (int t = 0; t < VACCEL_RESOURCE_MAX; t++) {
		for (;;) {
			/* The release lock keeps the resource we pick alive
			 * until we have unregistered it. */
			pthread_mutex_lock(&release_lock);
			pthread_mutex_lock(&sess->resources_lock);
			bool done = vaccel__list_empty(&sess->resources[t]);
			struct vaccel_resource *res =
				done ? NULL
				     : vaccel__container_of(
					       sess->resources[t].next,
					       struct vaccel__registration,
					       in_sess)
						->res;
			pthread_mutex_unlock(&sess->resources_lock);
			/* always unlinks (a failing plugin hook is logged) */
			if (res)
				unregister_pair(res, sess);
			pthread_mutex_unlock(&release_lock);
			if (done)
				break;
		}
	}
}

int vaccel_session_release(struct vaccel_session *sess)
{
	vaccel__reason_begin();
	if (!sess || sess->id <= 0 || !sess->plugin)
		return VACCEL_EINVAL;
	int ret = vaccel__check_ready("vaccel_session_release");
	if (ret)
		return ret;

	ret = vaccel__session_lock(sess, "release");
	if (ret)
		return ret;
	unregister_all(sess);
	vaccel__session_end(sess);
	return VACCEL_OK;
}

int vaccel_session_delete(struct vaccel_session *sess)
{
	int ret = vaccel_session_release(sess);
	if (ret)
		return ret;
	free(sess);
	return VACCEL_OK;
}

int vaccel_sess_free(struct vaccel_session *sess)
{
	return vaccel_session_release(sess);
}

void vaccel__release_all(void)
{
	struct vaccel_session *s;
	while ((s = vaccel__session_first_live())) {
		vaccel_warn("Releasing session %" PRId64 " at cleanup", s->id);
		vaccel_session_release(s);
	}
	struct vaccel_resource *r;
	while ((r = vaccel__resource_first_live())) {
		vaccel_warn("Releasing resource %" PRId64 " at cleanup", r->id);
		if (vaccel_resource_release(r))
			break;
	}
}
