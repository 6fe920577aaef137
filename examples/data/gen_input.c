// SPDX-License-Identifier: Apache-2.0
/* gen_input <count> <out_file>: the minmax example's input, <count>
 * doubles in [0, 1000) with 6 decimals, one per line, from a fixed
 * pseudo-random sequence (the same file on every build). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	uint64_t x = 0x2545F4914F6CDD1DULL;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s <count> <out_file>\n", argv[0]);
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	FILE *f = fopen(argv[2], "w");
	if (n <= 0 || !f) {
		fprintf(stderr, "gen_input: bad count or cannot open %s\n",
			argv[2]);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t v = (x >> 24) % 1000000000u;
		fprintf(f, "%llu.%06llu\n", (unsigned long long)(v / 1000000u),
			(unsigned long long)(v % 1000000u));
	}
	return fclose(f) ? 1 : 0;
}
