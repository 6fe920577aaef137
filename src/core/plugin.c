// SPDX-License-Identifier: Apache-2.0
/* Plugin loader and registry, session plugin selection, op lookup.
 *
 * A plugin exports `const struct vaccel_plugin_desc vaccel_plugin_desc`.
 * Its ABI version and size are checked before any other field is read, and
 * the descriptor is copied at this library's size (docs/plugins.md, "ABI
 * compatibility"); the op table is validated (numbers in range, no
 * duplicates, no NULL function) before the plugin is registered. Every failure
 * is one log line and a VACCEL_E* code; nothing here exits or aborts. */

#include "internal.h"
#include "op_list.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;
static vaccel_list_t plugins = LIST_ENTRY_INIT(plugins);
static size_t nr_plugins;
static bool plugins_ready;

static struct vaccel__plugin *entry_plugin(vaccel_list_entry_t *e)
{
	return vaccel__container_of(e, struct vaccel__plugin, pub.entry);
}

int vaccel__plugins_bootstrap(void)
{
	pthread_mutex_lock(&plugins_lock);
	vaccel__list_init(&plugins);
	nr_plugins = 0;
	plugins_ready = true;
	pthread_mutex_unlock(&plugins_lock);
	return VACCEL_OK;
}

static bool op_fn_set(const union vaccel_op_fn *fn)
{
	/* All members are function pointers of one size: any member tells
	 * whether the slot holds a function. */
	return fn->NOOP != NULL;
}

/* The descriptor as ABI 1 first shipped it ends with nr_ops: a plugin
 * built against any ABI 1 header has at least this many bytes. */
#define DESC_V1_SIZE \
	(offsetof(struct vaccel_plugin_desc, nr_ops) + sizeof(size_t))
/* Far beyond any real descriptor: a larger size is corrupt. */
#define DESC_MAX_SIZE 4096u

/* Check the plugin's ABI version and descriptor size, and copy the
 * descriptor into `out` at this library's size. Members
 * past the plugin's desc_size (added after it was built) stay zero: absent
 * hooks. Bytes past ours (a plugin built for a newer library) must be zero,
 * as for Linux's extensible structs: a newer hook that this library would
 * silently never call is refused. */
static int desc_copy(const struct vaccel_plugin_desc *d, const char *path,
		     struct vaccel_plugin_desc *out)
{
	if (d->abi_version != VACCEL_PLUGIN_ABI_VERSION) {
		vaccel_error("Plugin %s was built for plugin ABI %u; this "
			     "library speaks ABI %u",
			     path, d->abi_version, VACCEL_PLUGIN_ABI_VERSION);
		return VACCEL_ELIBBAD;
	}
	size_t n = d->desc_size;
	if (n < DESC_V1_SIZE || n > DESC_MAX_SIZE) {
		vaccel_error("Plugin %s has a descriptor of %zu bytes; ABI %u "
			     "takes %zu or more",
			     path, n, VACCEL_PLUGIN_ABI_VERSION,
			     (size_t)DESC_V1_SIZE);
		return VACCEL_ELIBBAD;
	}
	const unsigned char *bytes = (const unsigned char *)d;
	for (size_t i = sizeof(*out); i < n; i++) {
		if (bytes[i]) {
			vaccel_error("Plugin %s was built for a newer vAccel: "
				     "its descriptor sets members past the "
				     "%zu bytes this library knows",
				     path, sizeof(*out));
			return VACCEL_ELIBBAD;
		}
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, d, n < sizeof(*out) ? n : sizeof(*out));
	return VACCEL_OK;
}

/* Check a descriptor (copied by desc_copy) and fill `p`'s op table. */
static int desc_validate(const struct vaccel_plugin_desc *d, const char *path,
			 struct vaccel__plugin *p)
{
	if (!d->name || !d->name[0] || (d->nr_ops && !d->ops)) {
		vaccel_error("Plugin %s: descriptor without a name or with a "
			     "NULL op table",
			     path);
		return VACCEL_ELIBBAD;
	}
	for (size_t i = 0; i < d->nr_ops; i++) {
		const struct vaccel_plugin_op *op = &d->ops[i];
		if (!vaccel__op_valid(op->type)) {
			vaccel_error("Plugin %s: op entry %zu has invalid op "
				     "number %d",
				     d->name, i, (int)op->type);
			return VACCEL_EINVAL;
		}
		if (!op_fn_set(&op->fn)) {
			vaccel_error("Plugin %s: op %s has a NULL function",
				     d->name, vaccel_op_type_name(op->type));
			return VACCEL_EINVAL;
		}
		if (op_fn_set(&p->ops[op->type])) {
			vaccel_error("Plugin %s: op %s is listed twice",
				     d->name, vaccel_op_type_name(op->type));
			return VACCEL_EINVAL;
		}
		p->ops[op->type] = op->fn;
		p->ops_mask |= UINT64_C(1) << op->type;
	}
	return VACCEL_OK;
}

static void info_from_desc(struct vaccel__plugin *p)
{
	const struct vaccel_plugin_desc *d = p->desc;
	p->info = (struct vaccel_plugin_info){
		.name = d->name,
		.version = d->version ? d->version : "",
		.vaccel_version = VACCEL_VERSION,
		.init = d->init,
		.fini = d->fini,
		.is_virtio = d->is_virtio,
		.type = (vaccel_plugin_type_t)d->type,
		.session_init = d->session_init,
		.session_release = d->session_release,
		.session_update = d->session_update,
		.resource_register = d->resource_register,
		.resource_unregister = d->resource_unregister,
		.resource_sync = d->resource_sync,
	};
	p->pub.info = &p->info;
	vaccel__list_init(&p->pub.entry);
}

/* Apply the plugin's ops_mask(): ops it does not really serve are dropped
 * from the table, so they fail fast with VACCEL_ENOTSUP. */
static void apply_ops_mask(struct vaccel__plugin *p)
{
	if (!p->desc->ops_mask)
		return;
	uint64_t served = p->desc->ops_mask();
	for (int op = 0; op < VACCEL_OP_EXT_MAX; op++) {
		if (!(served & (UINT64_C(1) << op)))
			p->ops[op].NOOP = NULL;
	}
	p->ops_mask &= served;
}

static bool name_loaded(const char *name)
{
	vaccel_list_entry_t *e;
	vaccel__list_for_each(e, &plugins)
	{
		if (strcmp(entry_plugin(e)->info.name, name) == 0)
			return true;
	}
	return false;
}

static void plugin_free(struct vaccel__plugin *p)
{
	free(p->path);
	free(p);
}

int vaccel__plugin_register_desc(const struct vaccel_plugin_desc *desc,
				 void *dl_handle, const char *path)
{
	if (!desc)
		return VACCEL_EINVAL;
	struct vaccel__plugin *p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path ? path : "(built-in)"))) {
		free(p);
		return VACCEL_ENOMEM;
	}
	int ret = desc_copy(desc, p->path, &p->desc_copy);
	if (!ret)
		ret = desc_validate(&p->desc_copy, p->path, p);
	if (ret) {
		plugin_free(p);
		return ret;
	}
	p->desc = &p->desc_copy;
	p->exported = desc;
	desc = p->desc;
	p->pub.dl_handle = dl_handle;
	info_from_desc(p);

	pthread_mutex_lock(&plugins_lock);
	if (name_loaded(desc->name)) {
		pthread_mutex_unlock(&plugins_lock);
		vaccel_error("Plugin %s (%s) is already loaded", desc->name,
			     p->path);
		plugin_free(p);
		return VACCEL_EEXIST;
	}
	vaccel__list_add_tail(&plugins, &p->pub.entry);
	nr_plugins++;
	pthread_mutex_unlock(&plugins_lock);

	if (desc->init) {
		ret = desc->init();
		if (ret) {
			vaccel_error("Plugin %s: init failed (%d)", desc->name,
				     ret);
			pthread_mutex_lock(&plugins_lock);
			vaccel__list_del(&p->pub.entry);
			nr_plugins--;
			pthread_mutex_unlock(&plugins_lock);
			plugin_free(p);
			return ret > 0 ? ret : VACCEL_EBACKEND;
		}
	}
	apply_ops_mask(p);
	vaccel_info("Registered plugin %s %s", p->info.name, p->info.version);
	return VACCEL_OK;
}

/* dlopen `lib`; a bare name not found on the loader's path is also looked
 * for in the directory plugins are installed to. */
static void *open_lib(const char *lib, char *err, size_t errlen)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h)
		return h;
	snprintf(err, errlen, "%s", dlerror());
	if (strchr(lib, '/'))
		return NULL;

	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", VACCEL_PLUGIN_DIR, lib) >=
	    (int)sizeof(path))
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h && strstr(err, "cannot open shared object file"))
		snprintf(err, errlen, "%s", dlerror());
	return h;
}

static int lib_error_code(const char *err)
{
	return strstr(err, "No such file") ? VACCEL_ENOENT : VACCEL_ELIBBAD;
}

int vaccel_plugin_load(const char *lib)
{
	vaccel__reason_begin();
	if (!lib || !*lib)
		return VACCEL_EINVAL;
	if (!plugins_ready) {
		vaccel_error("Cannot load plugin %s: vAccel is not initialized",
			     lib);
		return VACCEL_EBACKEND;
	}

	char err[512];
	void *h = open_lib(lib, err, sizeof(err));
	if (!h) {
		vaccel_error("Could not load plugin %s: %s", lib, err);
		return lib_error_code(err);
	}
	const struct vaccel_plugin_desc *d =
		dlsym(h, VACCEL_PLUGIN_DESC_SYMBOL);
	if (!d) {
		if (dlsym(h, "vaccel_plugin"))
			vaccel_error(
				"Plugin %s uses upstream vAccel's untyped "
				"plugin ABI, which this library does not load; "
				"port it to VACCEL_PLUGIN_DESCRIPTOR "
				"(docs/plugins.md)",
				lib);
		else
			vaccel_error("%s is not a vAccel plugin (no %s symbol)",
				     lib, VACCEL_PLUGIN_DESC_SYMBOL);
		dlclose(h);
		return VACCEL_ELIBBAD;
	}
	int ret = vaccel__plugin_register_desc(d, h, lib);
	if (ret)
		dlclose(h);
	return ret;
}

int vaccel_plugin_parse_and_load(const char *lib_str)
{
	vaccel__reason_begin();
	if (!lib_str)
		return VACCEL_EINVAL;
	char *list = strdup(lib_str);
	if (!list)
		return VACCEL_ENOMEM;

	int first_err = VACCEL_OK;
	char *save = NULL;
	for (char *tok = strtok_r(list, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		int ret = vaccel_plugin_load(tok);
		if (ret && !first_err)
			first_err = ret;
	}
	free(list);
	return first_err;
}

int vaccel_plugin_register_ops(struct vaccel_op *ops, size_t nr_ops)
{
	(void)ops;
	(void)nr_ops;
	vaccel_error("vaccel_plugin_register_ops(): untyped op registration is "
		     "not supported; plugins describe their ops in "
		     "VACCEL_PLUGIN_DESCRIPTOR (docs/plugins.md)");
	return VACCEL_ENOTSUP;
}

void vaccel__plugins_cleanup(bool unload)
{
	pthread_mutex_lock(&plugins_lock);
	while (!vaccel__list_empty(&plugins)) {
		struct vaccel__plugin *p = entry_plugin(plugins.prev);
		vaccel__list_del(&p->pub.entry);
		nr_plugins--;
		pthread_mutex_unlock(&plugins_lock);

		if (p->desc->fini && p->desc->fini())
			vaccel_warn("Plugin %s: fini failed", p->info.name);
		vaccel_debug("Unregistered plugin %s", p->info.name);
		/* At process exit there is nothing to gain from unmapping,
		 * and some libraries (libtorch) misbehave when unloaded
		 * there. */
		if (unload && p->pub.dl_handle)
			dlclose(p->pub.dl_handle);
		plugin_free(p);
		pthread_mutex_lock(&plugins_lock);
	}
	plugins_ready = false;
	pthread_mutex_unlock(&plugins_lock);
}

static struct vaccel_plugin *select_locked(uint32_t hint)
{
	vaccel_list_entry_t *e;

	if (vaccel__list_empty(&plugins)) {
		vaccel_error("No plugins registered");
		return NULL;
	}
	if (hint & VACCEL_PLUGIN_REMOTE) {
		vaccel__list_for_each(e, &plugins)
		{
			if (entry_plugin(e)->info.is_virtio)
				return &entry_plugin(e)->pub;
		}
		vaccel_error(
			"Could not select plugin, no VirtIO plugin registered");
		return NULL;
	}
	uint32_t prio = hint & ~(uint32_t)VACCEL_PLUGIN_REMOTE;
	if (prio) {
		vaccel__list_for_each(e, &plugins)
		{
			if (entry_plugin(e)->info.type & prio)
				return &entry_plugin(e)->pub;
		}
	}
	vaccel__list_for_each(e, &plugins)
	{
		if (!entry_plugin(e)->info.is_virtio || nr_plugins == 1)
			return &entry_plugin(e)->pub;
	}
	vaccel_error("Could not select plugin, no local plugin registered");
	return NULL;
}

/* The plugins after `first` that may serve the ops `first` lacks: local
 * ones with a type bit of the hint (those of every type when `first` was
 * not chosen by a bit of the hint); none for a transport. */
static size_t others_locked(const struct vaccel__plugin *first, uint32_t hint,
			    struct vaccel__plugin **out, size_t max)
{
	uint32_t prio = hint & ~(uint32_t)VACCEL_PLUGIN_REMOTE;
	bool by_type = prio && (first->info.type & prio);
	size_t n = 0;
	vaccel_list_entry_t *e;

	if (first->info.is_virtio)
		return 0;
	vaccel__list_for_each(e, &plugins)
	{
		struct vaccel__plugin *p = entry_plugin(e);
		if (p == first || p->info.is_virtio ||
		    (by_type && !(p->info.type & prio)))
			continue;
		if (n == max) {
			vaccel_debug("More than %zu plugins for one session: "
				     "%s is not used",
				     max, p->info.name);
			continue;
		}
		out[n++] = p;
	}
	return n;
}

struct vaccel_plugin *vaccel__plugin_select(uint32_t hint)
{
	pthread_mutex_lock(&plugins_lock);
	struct vaccel_plugin *p = select_locked(hint);
	pthread_mutex_unlock(&plugins_lock);
	return p;
}

struct vaccel_plugin *vaccel__plugins_select(uint32_t hint,
					     struct vaccel__plugin **others,
					     size_t max, size_t *nr_others)
{
	pthread_mutex_lock(&plugins_lock);
	struct vaccel_plugin *p = select_locked(hint);
	*nr_others =
		p ? others_locked(vaccel__plugin_of(p), hint, others, max) : 0;
	pthread_mutex_unlock(&plugins_lock);
	return p;
}

size_t vaccel__plugins_count(void)
{
	return nr_plugins;
}

_Thread_local struct vaccel__op_ctx vaccel__op_ctx;

void vaccel__op_failed(int ret)
{
	if (vaccel__reason_set() || !vaccel__op_ctx.plugin)
		return;
	vaccel_error("%s: plugin %s failed: %s",
		     vaccel_op_type_to_base_str(vaccel__op_ctx.op),
		     vaccel__op_ctx.plugin->info.name, vaccel_strerror(ret));
}

size_t vaccel_plugin_count(void)
{
	return nr_plugins;
}

int vaccel_plugin_get_info(size_t index, const char **name,
			   const char **version, uint32_t *type,
			   bool *is_remote, uint64_t *ops_mask)
{
	int ret = VACCEL_ENOENT;
	vaccel_list_entry_t *e;
	size_t i = 0;

	pthread_mutex_lock(&plugins_lock);
	vaccel__list_for_each(e, &plugins)
	{
		if (i++ != index)
			continue;
		struct vaccel__plugin *p = entry_plugin(e);
		if (name)
			*name = p->info.name;
		if (version)
			*version = p->info.version;
		if (type)
			*type = p->info.type;
		if (is_remote)
			*is_remote = p->info.is_virtio;
		if (ops_mask)
			*ops_mask = p->ops_mask;
		ret = VACCEL_OK;
		break;
	}
	pthread_mutex_unlock(&plugins_lock);
	return ret;
}
