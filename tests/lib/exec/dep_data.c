// SPDX-License-Identifier: Apache-2.0
/* Needs the *data* symbol dep_c_data of libdep_c: unlike a function, it is
 * bound when the library is loaded, even with RTLD_LAZY, so libdep_c must
 * come first in the resource. */
#include "testlibs.h"
int dep_data_value(void)
{
	return dep_c_data + 1;
}
