// SPDX-License-Identifier: Apache-2.0
/* Middle of the chain: calls dep_c_value() of libdep_c, which it is not
 * linked with (the exec plugin loads dependencies RTLD_GLOBAL). */
#include "testlibs.h"
int dep_b_value(void)
{
	return dep_c_value() * 3;
}
