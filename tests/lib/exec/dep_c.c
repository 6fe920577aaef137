// SPDX-License-Identifier: Apache-2.0
/* End of the dependency chain main -> b -> c (no dependencies). */
#include "testlibs.h"
int dep_c_data = 100;

int dep_c_value(void)
{
	return 7;
}
