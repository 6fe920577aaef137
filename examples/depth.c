// SPDX-License-Identifier: Apache-2.0
/* depth <image_file> [iterations] [model_path]
 * Depth estimation with vaccel_image_depth(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_DEPTH,
		.what = "depth estimation",
		.generic = false,
	};

	return image_example_main(argc, argv, &ex);
}
