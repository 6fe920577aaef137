// SPDX-License-Identifier: Apache-2.0
/* classify <image_file> [iterations] [model_path] [labels_path]
 * Image classification with vaccel_image_classification(). */
#include "common/image_example.h"

int main(int argc, char **argv)
{
	static const struct image_example ex = {
		.op = VACCEL_OP_IMAGE_CLASSIFY,
		.what = "classification",
		.generic = false,
	};

	return image_example_main(argc, argv, &ex);
}
