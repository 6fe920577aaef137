// SPDX-License-Identifier: Apache-2.0
/* A test plugin for sessions served by several plugins (test_route.c),
 * built several times (tests/unit/plugins/meson.build):
 *   RP_NAME    plugin name
 *   RP_TYPE    VACCEL_PLUGIN_* type bits
 *   RP_OP      the one op it serves: 1 MINMAX, 2 BLAS_SGEMM, 3 FPGA_ARRAYCOPY
 *   RP_LEGACY  1: keeps its session state in sess->priv itself (a plugin
 *              written for one plugin per session)
 * Its session state is a struct holding its own name; every op and hook
 * checks that it finds its own state (rp_state.wrong_priv counts the
 * times it did not). */

#include <vaccel.h>
#include <stdlib.h>
#include <string.h>

#include "rp_state.h"

#ifndef RP_LEGACY
#define RP_LEGACY 0
#endif

__attribute__((visibility("default"))) struct rp_state rp_state;

#define COUNT(field) __atomic_fetch_add(&rp_state.field, 1, __ATOMIC_RELAXED)

struct rp_sess {
	char owner[32];
	vaccel_id_t sess_id;
};

static struct rp_sess *state(struct vaccel_session *sess)
{
	return RP_LEGACY
		       ? sess->priv
		       : vaccel_session_plugin_priv(sess, &vaccel_plugin_desc);
}

/* Our own state of `sess`, or NULL (counted). */
static struct rp_sess *own(struct vaccel_session *sess)
{
	struct rp_sess *s = state(sess);
	if (!s || strcmp(s->owner, RP_NAME) || s->sess_id != sess->id) {
		COUNT(wrong_priv);
		return NULL;
	}
	return s;
}

static int rp_session_init(struct vaccel_session *sess, uint32_t flags)
{
	struct rp_sess *s = calloc(1, sizeof(*s));
	COUNT(session_init);
	if (!s)
		return VACCEL_ENOMEM;
	strcpy(s->owner, RP_NAME);
	s->sess_id = sess->id;
	if (RP_LEGACY) {
		sess->priv = s;
		return VACCEL_OK;
	}
	return vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, s);
}

static int rp_session_release(struct vaccel_session *sess)
{
	struct rp_sess *s = own(sess);
	COUNT(session_release);
	free(s);
	if (RP_LEGACY)
		sess->priv = NULL;
	else
		vaccel_session_set_plugin_priv(sess, &vaccel_plugin_desc, NULL);
	return VACCEL_OK;
}

static int rp_resource_register(struct vaccel_resource *res,
				struct vaccel_session *sess)
{
	COUNT(resource_register);
	own(sess);
	return rp_state.fail_register;
}

static int rp_resource_unregister(struct vaccel_resource *res,
				  struct vaccel_session *sess)
{
	COUNT(resource_unregister);
	own(sess);
	return VACCEL_OK;
}

#if RP_OP == 1
static int rp_minmax(struct vaccel_session *sess, const double *indata,
		     int ndata, int low, int high, double *outdata, double *min,
		     double *max)
{
	COUNT(ops);
	if (!own(sess))
		return VACCEL_EINVAL;
	*min = 1;
	*max = 2;
	return VACCEL_OK;
}
#define RP_OPS VACCEL_PLUGIN_OP(MINMAX, rp_minmax)
#elif RP_OP == 2
/* m < 0 never gets here (the library checks); m == 7 is refused with a
 * reason, as a backend refuses what it cannot do. */
static int rp_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		    int64_t k, float alpha, float *a, int64_t lda, float *b,
		    int64_t ldb, float beta, float *c, int64_t ldc)
{
	COUNT(ops);
	if (!own(sess))
		return VACCEL_EINVAL;
	if (m == 7)
		return vaccel_fail(VACCEL_EINVAL, "[%s] m = %lld is unlucky",
				   RP_NAME, (long long)m);
	if (m == 8)
		return VACCEL_EIO; /* a failure without a reason */
	return VACCEL_OK;
}
#define RP_OPS VACCEL_PLUGIN_OP(BLAS_SGEMM, rp_sgemm)
#else
static int rp_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			size_t len_a)
{
	COUNT(ops);
	if (!own(sess))
		return VACCEL_EINVAL;
	memcpy(out_a, a, len_a * sizeof(int));
	return VACCEL_OK;
}
#define RP_OPS VACCEL_PLUGIN_OP(FPGA_ARRAYCOPY, rp_arraycopy)
#endif

static const struct vaccel_plugin_op rp_ops[] = { RP_OPS };

VACCEL_PLUGIN_DESCRIPTOR(.name = RP_NAME, .version = "1", .type = RP_TYPE,
			 .session_init = rp_session_init,
			 .session_release = rp_session_release,
			 .resource_register = rp_resource_register,
			 .resource_unregister = rp_resource_unregister,
			 .ops = rp_ops,
			 .nr_ops = sizeof(rp_ops) / sizeof(rp_ops[0]));
