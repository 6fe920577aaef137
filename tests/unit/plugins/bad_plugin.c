// SPDX-License-Identifier: Apache-2.0
/* Plugins the loader must refuse, one per define (see meson.build):
 *   BAD_ABI        abi_version of a future ABI
 *   BAD_SIZE       desc_size smaller than any ABI 1 descriptor
 *   BAD_OPNUM=n    an op entry with number n (out of range or a gap)
 *   BAD_DUP        the same op listed twice
 *   BAD_NULLFN     an op entry without a function
 *   BAD_NONAME     a descriptor without a name
 *   BAD_INIT=rc    init() returns rc
 * GOOD builds a valid plugin (name TP_NAME) that counts init/fini, used to
 * check that a good plugin after a bad one is still loaded. */

#include <vaccel.h>

#ifndef TP_NAME
#define TP_NAME "bad"
#endif

static int bp_noop(struct vaccel_session *sess)
{
	(void)sess;
	return VACCEL_OK;
}

__attribute__((unused)) static int
bp_exec(struct vaccel_session *sess, const char *library, const char *fn_symbol,
	struct vaccel_arg *read, size_t nr_read, struct vaccel_arg *write,
	size_t nr_write)
{
	return VACCEL_OK;
}

__attribute__((unused)) static int bp_init(void)
{
#ifdef BAD_INIT
	return BAD_INIT;
#else
	return VACCEL_OK;
#endif
}

static const struct vaccel_plugin_op bp_ops[] = {
	VACCEL_PLUGIN_OP(NOOP, bp_noop),
#if defined(BAD_OPNUM)
	{ .type = (vaccel_op_type_t)(BAD_OPNUM), .fn = { .NOOP = bp_noop } },
#elif defined(BAD_DUP)
	VACCEL_PLUGIN_OP(EXEC, bp_exec),
	VACCEL_PLUGIN_OP(EXEC, bp_exec),
#elif defined(BAD_NULLFN)
	{ .type = VACCEL_OP_EXEC, .fn = { .EXEC = NULL } },
#else
	VACCEL_PLUGIN_OP(EXEC, bp_exec),
#endif
};

#if defined(BAD_ABI) || defined(BAD_SIZE)
/* Written out by hand: the macro always fills in the right values. */
__attribute__((visibility(
	"default"))) extern const struct vaccel_plugin_desc vaccel_plugin_desc;
const struct vaccel_plugin_desc vaccel_plugin_desc = {
#ifdef BAD_ABI
	.abi_version = VACCEL_PLUGIN_ABI_VERSION + 1,
	.desc_size = sizeof(struct vaccel_plugin_desc),
#else
	.abi_version = VACCEL_PLUGIN_ABI_VERSION,
	/* ends before ops: too small whatever the struct grows to */
	.desc_size = offsetof(struct vaccel_plugin_desc, ops),
#endif
	.name = TP_NAME,
	.version = "1",
	.type = VACCEL_PLUGIN_CPU,
	.ops = bp_ops,
	.nr_ops = sizeof(bp_ops) / sizeof(bp_ops[0]),
};
#else
VACCEL_PLUGIN_DESCRIPTOR(
#ifdef BAD_NONAME
		.name = NULL,
#else
		.name = TP_NAME,
#endif
		.version = "1", .type = VACCEL_PLUGIN_CPU, .init = bp_init,
		.ops = bp_ops, .nr_ops = sizeof(bp_ops) / sizeof(bp_ops[0]));
#endif
