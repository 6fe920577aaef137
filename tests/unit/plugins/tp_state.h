// SPDX-License-Identifier: Apache-2.0
/* State of the test plugin (test_plugin.c), shared with the tests: counters
 * of the calls it got, and knobs that make its hooks fail. */
#pragma once

#include <stdint.h>

/* Remote variants set sess->remote_id = BASE + sess->id, and the same for
 * resources. */
#define TP_REMOTE_SESS_BASE 1000
#define TP_REMOTE_RES_BASE  5000

struct tp_state {
	/* calls */
	int init, fini;
	int session_init, session_release, session_update;
	int resource_register, resource_unregister, resource_sync;
	int noop, exec, exec_res;
	/* last arguments seen */
	int64_t last_sess_id, last_res_id;
	uint32_t last_flags;
	int last_blobs_in_memory, last_nr_blobs;
	/* knobs: non-zero = the hook returns this */
	int fail_session_init, fail_session_release;
	int fail_register, fail_unregister;
	/* remote variants: do not set res->remote_id */
	int no_remote_id;
	/* resource_unregister sleeps this long, then records whether the
	 * resource or the session was released while it ran */
	int unregister_delay_ms;
	int res_released_during_hook, sess_released_during_hook;
};
