// SPDX-License-Identifier: Apache-2.0
/* The exec plugin: calls a function of a shared library,
 *   int fn(struct vaccel_arg *read, size_t nr_read,
 *          struct vaccel_arg *write, size_t nr_write);
 * either from a library path (EXEC) or from a LIB resource (EXEC_WITH_
 * RESOURCE: the last blob is the library, earlier blobs are libraries it
 * depends on). Behaviour and environment: docs/plugins/exec.md.
 *
 * The handles of a resource's libraries are opened at its first call and
 * cached in res->plugin_priv until the resource is unregistered from a
 * session of this plugin. The cache is guarded by one lock; a call in
 * flight keeps its handles alive (`users`), so an unregister that races
 * with calls never closes a library under a running function. */

#include <vaccel.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#define TAG		"[exec] "
#define LOG(...)	vaccel_debug(TAG __VA_ARGS__)
#define ENV_MODE	"VACCEL_EXEC_DLOPEN_MODE"
#define ENV_DLCLOSE	"VACCEL_EXEC_DLCLOSE_ENABLED"
#define ENV_DLCLOSE_OLD "VACCEL_EXEC_DLCLOSE"
#define BINDING_BITS	(RTLD_LAZY | RTLD_NOW)

typedef int (*exec_user_fn)(struct vaccel_arg *read, size_t nr_read,
			    struct vaccel_arg *write, size_t nr_write);

/* Settings, read from the environment at init. */
static int dlopen_mode = RTLD_NOW;
/* -1: not set (each op uses its default), 0 or 1: set */
static int dlclose_setting = -1;

/* The opened libraries of one resource. */
struct exec_handles {
	struct exec_handles *next;
	const struct vaccel_resource *res;
	vaccel_id_t res_id;
	/* calls running with these handles */
	unsigned int users;
	/* dropped while in use: the last user closes */
	bool stale;
	/* the main library's path or name, for messages */
	char *name;
	size_t nr;
	/* h[nr - 1] is the main library; earlier ones its dependencies */
	void *h[];
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
/* every set stored in some res->plugin_priv (guarded by cache_lock) */
static struct exec_handles *live;

/* ---- settings ---------------------------------------------------------- */

static int parse_mode(void)
{
	const char *v = getenv(ENV_MODE);

	if (!v || !*v)
		return RTLD_NOW;
	if (!strcasecmp(v, "lazy"))
		return RTLD_LAZY;
	if (!strcasecmp(v, "now"))
		return RTLD_NOW;
	vaccel_warn(TAG "Invalid %s value '%s' (expected 'lazy' or 'now'); "
			"using 'now'",
		    ENV_MODE, v);
	return RTLD_NOW;
}

/* 0 or 1 from `name`; -1 if unset or not a boolean (warned). */
static int parse_bool(const char *name, const char *v)
{
	if (!v || !*v)
		return -1;
	if (!strcmp(v, "1") || !strcasecmp(v, "true"))
		return 1;
	if (!strcmp(v, "0") || !strcasecmp(v, "false"))
		return 0;
	vaccel_warn(TAG "Invalid %s value '%s' (expected 0, 1, false or "
			"true); using the default",
		    name, v);
	return -1;
}

static int parse_dlclose(void)
{
	const char *v = getenv(ENV_DLCLOSE);

	if (v)
		return parse_bool(ENV_DLCLOSE, v);
	v = getenv(ENV_DLCLOSE_OLD);
	if (!v)
		return -1;
	fprintf(stderr, "Warning: %s is deprecated. Use %s instead.\n",
		ENV_DLCLOSE_OLD, ENV_DLCLOSE);
	return parse_bool(ENV_DLCLOSE_OLD, v);
}

/* Close after each plain exec call: default no. */
static bool exec_dlclose(void)
{
	return dlclose_setting == 1;
}

/* Close a resource's libraries when it is unregistered: default yes. */
static bool resource_dlclose(void)
{
	return dlclose_setting != 0;
}

/* ---- calling ------------------------------------------------------------ */

/* Reject what would make the plugin or the user function touch memory
 * that is not there: an array missing, or a buffer missing with a size. */
static int check_args(const char *what, const struct vaccel_arg *args, size_t n)
{
	if (n && !args) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "%s: %zu args but no array", what, n);
	}
	for (size_t i = 0; i < n; i++) {
		if (args[i].size && !args[i].buf) {
			return vaccel_fail(VACCEL_EINVAL,
					   TAG
					   "%s[%zu]: no buffer for %zu bytes",
					   what, i, args[i].size);
		}
		LOG("%s[%zu]: size %zu type %s", what, i, args[i].size,
		    vaccel_arg_type_to_str(args[i].type));
	}
	return VACCEL_OK;
}

static int check_call(const char *fn_symbol, const struct vaccel_arg *read,
		      size_t nr_read, const struct vaccel_arg *write,
		      size_t nr_write)
{
	if (!fn_symbol || !*fn_symbol) {
		return vaccel_fail(VACCEL_EINVAL, TAG "No function name");
	}
	int ret = check_args("read", read, nr_read);
	return ret ? ret : check_args("write", write, nr_write);
}

/* dlsym() also finds the symbols of a library's dependencies (libc's
 * abort, exit, system...): only a function that `handle`'s own object
 * defines may run. VACCEL_ENOSYS otherwise (logged). */
static int check_own_function(void *handle, void *addr, const char *lib,
			      const char *sym)
{
	struct link_map *own = NULL, *def = NULL;
	const ElfW(Sym) *ent = NULL;
	Dl_info info;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &own) ||
	    !dladdr1(addr, &info, (void **)&def, RTLD_DL_LINKMAP) || !def) {
		vaccel_error(TAG "Cannot tell which object defines %s", sym);
		return VACCEL_ENOSYS;
	}
	if (def != own) {
		vaccel_error(TAG "%s is not defined by %s itself (it comes "
				 "from %s): refused",
			     sym, lib, def->l_name[0] ? def->l_name : "?");
		return VACCEL_ENOSYS;
	}
	if (!dladdr1(addr, &info, (void **)&ent, RTLD_DL_SYMENT) || !ent ||
	    (ELF64_ST_TYPE(ent->st_info) != STT_FUNC &&
	     ELF64_ST_TYPE(ent->st_info) != STT_GNU_IFUNC)) {
		vaccel_error(TAG "%s of %s is not a function: refused", sym,
			     lib);
		return VACCEL_ENOSYS;
	}
	return VACCEL_OK;
}

/* Find `sym` in `handle` and call it. VACCEL_ENOSYS if there is no such
 * symbol, VACCEL_EBACKEND if the function returns non-zero. */
static int call(void *handle, const char *lib, const char *sym,
		struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write)
{
	union {
		void *p;
		exec_user_fn fn;
	} u;

	dlerror();
	u.p = dlsym(handle, sym);
	if (!u.p) {
		const char *err = dlerror();
		return vaccel_fail(VACCEL_ENOSYS,
				   TAG "Cannot find %s in %s: %s", sym, lib,
				   err ? err : "symbol is NULL");
	}
	int ret = check_own_function(handle, u.p, lib, sym);
	if (ret)
		return ret;
	LOG("Calling %s of %s (%zu read, %zu write args)", sym, lib, nr_read,
	    nr_write);
	int r = u.fn(read, nr_read, write, nr_write);
	if (r) {
		return vaccel_fail(VACCEL_EBACKEND, TAG "%s of %s returned %d",
				   sym, lib, r);
	}
	return VACCEL_OK;
}

static int exec_noop(struct vaccel_session *sess)
{
	LOG("noop for session %" PRId64, sess->id);
	return VACCEL_OK;
}

static int exec_exec(struct vaccel_session *sess, const char *library,
		     const char *fn_symbol, struct vaccel_arg *read,
		     size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	if (!library || !*library) {
		return vaccel_fail(VACCEL_EINVAL, TAG "No library");
	}
	int ret = check_call(fn_symbol, read, nr_read, write, nr_write);
	if (ret)
		return ret;

	LOG("session %" PRId64 ": dlopen(%s, %s)", sess->id, library,
	    dlopen_mode == RTLD_LAZY ? "RTLD_LAZY" : "RTLD_NOW");
	void *h = dlopen(library, dlopen_mode);
	if (!h) {
		return vaccel_fail(VACCEL_EINVAL, TAG "Cannot load %s: %s",
				   library, dlerror());
	}
	ret = call(h, library, fn_symbol, read, nr_read, write, nr_write);
	if (exec_dlclose()) {
		LOG("dlclose(%s)", library);
		dlclose(h);
	}
	return ret;
}

/* ---- the libraries of a resource ----------------------------------------- */

/* dlopen, then once more with the other binding mode (a dependency that
 * needs a library listed after it loads lazily). */
static void *open_fallback(const char *path, int mode)
{
	void *h = dlopen(path, mode);
	if (h)
		return h;
	int other = (mode & ~BINDING_BITS) |
		    ((mode & RTLD_NOW) ? RTLD_LAZY : RTLD_NOW);
	LOG("dlopen(%s) failed (%s); retrying with %s", path, dlerror(),
	    (other & RTLD_NOW) ? "RTLD_NOW" : "RTLD_LAZY");
	return dlopen(path, other);
}

/* A blob with no file (an in-memory resource) is loaded from a memfd. */
static void *open_blob(const struct vaccel_blob *b, int mode, bool fallback)
{
	char path[64];
	const char *p = b->path;
	int fd = -1;

	if (!p) {
		if (!b->data || !b->size)
			return NULL;
		fd = memfd_create(b->name ? b->name : "vaccel-exec",
				  MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		size_t off = 0;
		while (off < b->size) {
			ssize_t w = write(fd, b->data + off, b->size - off);
			if (w <= 0) {
				close(fd);
				return NULL;
			}
			off += (size_t)w;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		p = path;
	}
	LOG("dlopen(%s)%s", p, (mode & RTLD_GLOBAL) ? " global" : "");
	void *h = fallback ? open_fallback(p, mode) : dlopen(p, mode);
	if (fd >= 0)
		close(fd); /* the mapping keeps the memfd's pages */
	return h;
}

static const char *blob_name(const struct vaccel_blob *b)
{
	return b->path ? b->path : b->name ? b->name : "(memory)";
}

static void close_handles(struct exec_handles *hs, bool do_close)
{
	for (size_t i = hs->nr; do_close && i-- > 0;)
		if (hs->h[i])
			dlclose(hs->h[i]);
	LOG("%s the libraries of resource %" PRId64,
	    do_close ? "Closed" : "Dropped (still loaded)", hs->res_id);
	free(hs->name);
	free(hs);
}

/* Open every blob of `res`: dependencies global, with the binding-mode
 * fallback; the main library with the fallback only if it has
 * dependencies. */
static int open_handles(const struct vaccel_resource *res,
			struct exec_handles **out)
{
	size_t n = res->nr_blobs;

	if (!n || !res->blobs) {
		return vaccel_fail(VACCEL_EINVAL,
				   TAG "Resource %" PRId64 " has no library",
				   res->id);
	}
	struct exec_handles *hs = calloc(1, sizeof(*hs) + n * sizeof(void *));
	if (!hs)
		return VACCEL_ENOMEM;
	hs->res = res;
	hs->res_id = res->id;
	hs->nr = n;
	for (size_t i = 0; i < n; i++) {
		const struct vaccel_blob *b = res->blobs[i];
		bool dep = i + 1 < n;
		if (b)
			hs->h[i] = open_blob(b,
					     dep ? dlopen_mode | RTLD_GLOBAL
						 : dlopen_mode,
					     n > 1);
		if (!hs->h[i]) {
			const char *err = b ? dlerror() : "no blob";
			vaccel_error(TAG "Cannot load %s %s of resource "
					 "%" PRId64 ": %s",
				     dep ? "dependency" : "library",
				     b ? blob_name(b) : "(none)", res->id,
				     err ? err : "cannot copy it to a memfd");
			close_handles(hs, true);
			return VACCEL_EINVAL;
		}
	}
	hs->name = strdup(blob_name(res->blobs[n - 1]));
	if (!hs->name) {
		close_handles(hs, true);
		return VACCEL_ENOMEM;
	}
	*out = hs;
	return VACCEL_OK;
}

static bool is_live(const void *priv)
{
	for (struct exec_handles *p = live; p; p = p->next)
		if (p == priv)
			return true;
	return false;
}

static void unlink_live(struct exec_handles *hs)
{
	for (struct exec_handles **pp = &live; *pp; pp = &(*pp)->next)
		if (*pp == hs) {
			*pp = hs->next;
			return;
		}
}

/* The handles of `res`, opened now if not cached, with one more user.
 * Release with put_handles(). Opening is done under the lock, so two
 * first calls at once open the libraries once. */
static int get_handles(struct vaccel_resource *res, struct exec_handles **out)
{
	int ret = VACCEL_OK;
	struct exec_handles *hs = NULL;

	pthread_mutex_lock(&cache_lock);
	if (is_live(res->plugin_priv)) {
		hs = res->plugin_priv;
		if (hs->res != res || hs->res_id != res->id)
			hs = NULL; /* another resource's; cannot happen */
	}
	if (!hs) {
		ret = open_handles(res, &hs);
		if (!ret && !res->plugin_priv) {
			res->plugin_priv = hs;
			hs->next = live;
			live = hs;
		} else if (!ret) {
			/* plugin_priv belongs to someone else: use the
			 * handles for this call only */
			LOG("resource %" PRId64 ": not caching", res->id);
			hs->stale = true;
		}
	}
	if (!ret)
		hs->users++;
	pthread_mutex_unlock(&cache_lock);
	*out = hs;
	return ret;
}

static void put_handles(struct exec_handles *hs)
{
	pthread_mutex_lock(&cache_lock);
	if (--hs->users == 0 && hs->stale)
		close_handles(hs, resource_dlclose());
	pthread_mutex_unlock(&cache_lock);
}

static int exec_with_resource(struct vaccel_session *sess,
			      struct vaccel_resource *res,
			      const char *fn_symbol, struct vaccel_arg *read,
			      size_t nr_read, struct vaccel_arg *write,
			      size_t nr_write)
{
	struct exec_handles *hs;

	if (!res) {
		return vaccel_fail(VACCEL_EINVAL, TAG "No resource");
	}
	int ret = check_call(fn_symbol, read, nr_read, write, nr_write);
	if (ret)
		return ret;
	LOG("session %" PRId64 ": %s of resource %" PRId64, sess->id, fn_symbol,
	    res->id);
	ret = get_handles(res, &hs);
	if (ret)
		return ret;
	ret = call(hs->h[hs->nr - 1], hs->name, fn_symbol, read, nr_read, write,
		   nr_write);
	put_handles(hs);
	return ret;
}

/* The resource leaves a session of this plugin: drop its handles (closed
 * unless VACCEL_EXEC_DLCLOSE_ENABLED=0). A later call opens them again. */
static int exec_resource_unregister(struct vaccel_resource *res,
				    struct vaccel_session *sess)
{
	pthread_mutex_lock(&cache_lock);
	struct exec_handles *hs = res->plugin_priv;
	if (is_live(hs) && hs->res == res) {
		LOG("resource %" PRId64 " left session %" PRId64, res->id,
		    sess->id);
		unlink_live(hs);
		res->plugin_priv = NULL;
		if (hs->users)
			hs->stale = true;
		else
			close_handles(hs, resource_dlclose());
	}
	pthread_mutex_unlock(&cache_lock);
	return VACCEL_OK;
}

static int exec_init(void)
{
	dlopen_mode = parse_mode();
	dlclose_setting = parse_dlclose();
	LOG("dlopen mode %s, dlclose %s",
	    dlopen_mode == RTLD_LAZY ? "lazy" : "now",
	    dlclose_setting < 0 ? "default (exec: no, resources: yes)"
	    : dlclose_setting	? "enabled"
				: "disabled");
	return VACCEL_OK;
}

/* Sessions (and so registrations) are gone by now; anything left is a
 * resource whose unregister did not reach us. */
static int exec_fini(void)
{
	pthread_mutex_lock(&cache_lock);
	while (live) {
		struct exec_handles *hs = live;
		live = hs->next;
		close_handles(hs, resource_dlclose());
	}
	pthread_mutex_unlock(&cache_lock);
	return VACCEL_OK;
}

static const struct vaccel_plugin_op ops[] = {
	VACCEL_PLUGIN_OP(NOOP, exec_noop),
	VACCEL_PLUGIN_OP(EXEC, exec_exec),
	VACCEL_PLUGIN_OP(EXEC_WITH_RESOURCE, exec_with_resource),
};

VACCEL_PLUGIN_DESCRIPTOR(.name = "exec", .version = VACCEL_VERSION,
			 .type = VACCEL_PLUGIN_SOFTWARE |
				 VACCEL_PLUGIN_GENERIC | VACCEL_PLUGIN_CPU,
			 .init = exec_init, .fini = exec_fini,
			 .resource_unregister = exec_resource_unregister,
			 .ops = ops, .nr_ops = sizeof(ops) / sizeof(ops[0]));
