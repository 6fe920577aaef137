// SPDX-License-Identifier: Apache-2.0
/* detect_generic <image_file> [iterations] [model_path]
 * Object detection through vaccel_genop(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_DETECT,
		.what = "detection",
		.generic = true,
	};

	return image_example_main(argc, argv, &ex);
}
