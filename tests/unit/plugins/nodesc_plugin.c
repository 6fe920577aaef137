// SPDX-License-Identifier: Apache-2.0
/* A shared library that is not a vAccel plugin: no descriptor symbol. */

__attribute__((visibility("default"))) int not_a_plugin(void);

int not_a_plugin(void)
{
	return 42;
}
