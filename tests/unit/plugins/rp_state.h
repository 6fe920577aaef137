// SPDX-License-Identifier: Apache-2.0
/* State of the routing test plugin (route_plugin.c), shared with
 * test_route.c: counters of the calls it got, and a knob. */
#pragma once

struct rp_state {
	int session_init, session_release;
	int resource_register, resource_unregister;
	int ops;
	/* an op or hook did not find this plugin's own session state */
	int wrong_priv;
	/* non-zero: resource_register returns it */
	int fail_register;
};
