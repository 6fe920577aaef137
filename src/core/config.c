// SPDX-License-Identifier: Apache-2.0
/* Configuration: struct vaccel_config and its environment variables. */

#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENV_PLUGINS	       "VACCEL_PLUGINS"
#define ENV_PLUGINS_OLD	       "VACCEL_BACKENDS"
#define ENV_LOG_LEVEL	       "VACCEL_LOG_LEVEL"
#define ENV_LOG_LEVEL_OLD      "VACCEL_DEBUG_LEVEL"
#define ENV_LOG_FILE	       "VACCEL_LOG_FILE"
#define ENV_PROFILING	       "VACCEL_PROFILING_ENABLED"
#define ENV_VERSION_IGNORE     "VACCEL_VERSION_IGNORE"
#define ENV_VERSION_IGNORE_OLD "VACCEL_IGNORE_VERSION"

static void config_reset(struct vaccel_config *c)
{
	c->plugins = NULL;
	c->log_level = VACCEL_LOG_ERROR;
	c->log_file = NULL;
	c->profiling_enabled = false;
	c->version_ignore = false;
}

int vaccel_config_init(struct vaccel_config *config, const char *plugins,
		       vaccel_log_level_t log_level, const char *log_file,
		       bool profiling_enabled, bool version_ignore)
{
	if (!config)
		return VACCEL_EINVAL;
	config_reset(config);
	if (!vaccel__strdup_opt(plugins, &config->plugins) ||
	    !vaccel__strdup_opt(log_file, &config->log_file)) {
		vaccel_config_release(config);
		return VACCEL_ENOMEM;
	}
	config->log_level = log_level;
	config->profiling_enabled = profiling_enabled;
	config->version_ignore = version_ignore;
	return VACCEL_OK;
}

int vaccel_config_release(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	free(config->plugins);
	free(config->log_file);
	config_reset(config);
	return VACCEL_OK;
}

/* The value of `name`, or of its deprecated alias `old` (with a warning on
 * stderr) when `name` is unset. */
static const char *getenv_compat(const char *name, const char *old)
{
	const char *v = getenv(name);
	if (v || !old)
		return v;
	v = getenv(old);
	if (v)
		fprintf(stderr, "Warning: %s is deprecated. Use %s instead.\n",
			old, name);
	return v;
}

static int parse_uint(const char *name, const char *s, unsigned long max,
		      unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v > max || s[0] == '-') {
		fprintf(stderr,
			"vaccel: invalid %s=\"%s\" (expected a number "
			"0..%lu)\n",
			name, s, max);
		return VACCEL_EINVAL;
	}
	*out = v;
	return VACCEL_OK;
}

/* Booleans: 1/0, true/false, yes/no, on/off (any case). */
static int parse_bool(const char *name, const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };

	for (size_t i = 0; i < VACCEL__ARRAY_SIZE(yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, VACCEL_OK;
	for (size_t i = 0; i < VACCEL__ARRAY_SIZE(no); i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, VACCEL_OK;
	fprintf(stderr, "vaccel: invalid %s=\"%s\" (expected 1/0/true/false)\n",
		name, s);
	return VACCEL_EINVAL;
}

int vaccel_config_init_from_env(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;

	unsigned long level = VACCEL_LOG_ERROR;
	bool prof = false, ignore = false;
	const char *v;
	int ret = VACCEL_OK;

	v = getenv_compat(ENV_LOG_LEVEL, ENV_LOG_LEVEL_OLD);
	if (v)
		ret = parse_uint(ENV_LOG_LEVEL, v, 1000, &level);
	v = getenv(ENV_PROFILING);
	if (!ret && v)
		ret = parse_bool(ENV_PROFILING, v, &prof);
	v = getenv_compat(ENV_VERSION_IGNORE, ENV_VERSION_IGNORE_OLD);
	if (!ret && v)
		ret = parse_bool(ENV_VERSION_IGNORE, v, &ignore);
	if (ret) {
		config_reset(config);
		return ret;
	}

	return vaccel_config_init(
		config, getenv_compat(ENV_PLUGINS, ENV_PLUGINS_OLD),
		(vaccel_log_level_t)level, getenv(ENV_LOG_FILE), prof, ignore);
}

int vaccel_config_init_from(struct vaccel_config *config,
			    struct vaccel_config *src)
{
	if (!config || !src)
		return VACCEL_EINVAL;
	return vaccel_config_init(config, src->plugins, src->log_level,
				  src->log_file, src->profiling_enabled,
				  src->version_ignore);
}

/* new/from_*: allocate, then run `init` on the new config. */
static int config_alloc(struct vaccel_config **out, struct vaccel_config **c)
{
	if (!out)
		return VACCEL_EINVAL;
	*c = malloc(sizeof(**c));
	return *c ? VACCEL_OK : VACCEL_ENOMEM;
}

static int config_finish(struct vaccel_config **out, struct vaccel_config *c,
			 int ret)
{
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return VACCEL_OK;
}

int vaccel_config_new(struct vaccel_config **config, const char *plugins,
		      vaccel_log_level_t log_level, const char *log_file,
		      bool profiling_enabled, bool version_ignore)
{
	struct vaccel_config *c;
	int ret = config_alloc(config, &c);
	if (ret)
		return ret;
	return config_finish(config, c,
			     vaccel_config_init(c, plugins, log_level, log_file,
						profiling_enabled,
						version_ignore));
}

int vaccel_config_from_env(struct vaccel_config **config)
{
	struct vaccel_config *c;
	int ret = config_alloc(config, &c);
	if (ret)
		return ret;
	return config_finish(config, c, vaccel_config_init_from_env(c));
}

int vaccel_config_from(struct vaccel_config **config, struct vaccel_config *src)
{
	struct vaccel_config *c;
	if (!src)
		return VACCEL_EINVAL;
	int ret = config_alloc(config, &c);
	if (ret)
		return ret;
	return config_finish(config, c, vaccel_config_init_from(c, src));
}

int vaccel_config_delete(struct vaccel_config *config)
{
	int ret = vaccel_config_release(config);
	if (ret)
		return ret;
	free(config);
	return VACCEL_OK;
}

void vaccel_config_print_debug(struct vaccel_config *config)
{
	if (!config || !vaccel_log_enabled(VACCEL_LOG_DEBUG))
		return;
	char level[16];
	vaccel_str_to_lower(vaccel_log_level_to_base_str(config->log_level),
			    level, sizeof(level), NULL);
	vaccel_debug("Config:");
	vaccel_debug("  plugins = %s",
		     config->plugins ? config->plugins : "(null)");
	vaccel_debug("  log_level = %s", level);
	vaccel_debug("  log_file = %s",
		     config->log_file ? config->log_file : "(null)");
	vaccel_debug("  profiling_enabled = %s",
		     config->profiling_enabled ? "true" : "false");
	vaccel_debug("  version_ignore = %s",
		     config->version_ignore ? "true" : "false");
}
