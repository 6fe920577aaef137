// SPDX-License-Identifier: Apache-2.0
/* vaccel: command-line front-end of libvaccel.
 *   vaccel info            the library, its plugins and the ops they serve
 *   vaccel ops             op numbers and names
 *   vaccel run OP ARGS...  run one op and print its result
 *   vaccel upload FILE...  send files to the agent's cache (upload.c)
 *   vaccel cdi [OPTIONS]   a CDI spec for containers (cdi.c) */

#include "cli.h"

#include <vaccel.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Output buffers: records (64 KiB), and for segment and depth the
 * records and the PNG of the map (grown once if the plugin says so). */
#define OUT_LEN	    (64u << 10)
#define MAP_OUT_LEN (16u << 20)

static const char usage_text[] =
	"usage: vaccel [OPTIONS] COMMAND [ARGS...]\n"
	"\n"
	"Commands:\n"
	"  info                      version, loaded plugins, their type bits "
	"and ops\n"
	"                            (for the rpc plugin: what the agent "
	"serves)\n"
	"  ops                       every op number and name\n"
	"  run noop                  call the noop op\n"
	"  run classify|detect|segment|pose|depth IMAGE [MODEL...] [-o PNG]\n"
	"                            run an image op on a JPEG/PNG file and "
	"print its\n"
	"                            records; MODEL files (a model description "
	"and its\n"
	"                            .onnx, or a bare .onnx) are registered as "
	"one MODEL\n"
	"                            resource and replace the default model; "
	"segment and\n"
	"                            depth return a PNG map, which -o PNG "
	"saves "
	"(here,\n"
	"                            also when the op ran on an agent)\n"
	"  run sgemm M N K           C = A x B on random matrices; prints a "
	"checksum\n"
	"                            and GFLOP/s\n"
	"  run exec LIBRARY SYMBOL [INT]\n"
	"                            call SYMBOL of LIBRARY with one INT32 in "
	"and one\n"
	"                            INT32 out (upstream's test-library "
	"convention)\n"
	"  upload FILE...            register the files as one resource "
	"(through the\n"
	"                            rpc plugin: into the agent's cache, "
	"so later\n"
	"                            runs with the same content send "
	"nothing)\n"
	"  cdi [OPTIONS]             write a Container Device Interface "
	"spec that gives\n"
	"                            containers the agent's socket "
	"('vaccel cdi --help')\n"
	"\n"
	"Uploads of 64 MiB and more show their progress when stderr is a "
	"terminal.\n"
	"\n"
	"Default models (the onnx plugin's, used when no MODEL is given; an "
	"agent's\n"
	"VACCEL_ONNX_<OP>_MODEL may name others; docs/plugins/onnx.md):\n"
	"  classify  ppocr-cls: the direction of a line of text, 0 (upright) "
	"or "
	"180\n"
	"            (upside down); not an object classifier: none ships in "
	"Debian or npm\n"
	"  detect    centernet: objects of the 80 COCO classes, with boxes\n"
	"  segment   selfie: a person mask (PNG: person 255, background 0)\n"
	"  pose      movenet: 17 keypoints of one person\n"
	"  depth     none ships: give a MODEL, or set VACCEL_ONNX_DEPTH_MODEL\n"
	"\n"
	"Options:\n"
	"  -p, --plugins LIST        plugins to load (default: "
	"$VACCEL_PLUGINS)\n"
	"  -l, --log-level N         1 error .. 4 debug (default: "
	"$VACCEL_LOG_LEVEL or 1)\n"
	"  -r, --remote              open the session with the REMOTE hint\n"
	"  -H, --hint BITS           session hint bits (e.g. 0x100 for DEBUG "
	"plugins)\n"
	"  -h, --help                this text\n"
	"\n"
	"Errors print the reason the library, the plugin or the agent gave.\n"
	"Exit status: 0 on success, the VACCEL_E* code of a failed call, 2 on "
	"usage errors.\n";

struct opts {
	const char *plugins;
	int log_level;
	uint32_t hint;
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "vaccel: %s\n(try 'vaccel --help')\n", msg);
	return 2;
}

/* The reason of the call that failed (the calls after it, such as the
 * clean-up, have their own). */
static char failed_why[1024];

static int keep_reason(int ret)
{
	if (ret && !failed_why[0])
		snprintf(failed_why, sizeof(failed_why), "%s",
			 vaccel_last_error());
	return ret;
}

/* "vaccel: WHAT: REASON (strerror, code)": the reason of the failed call,
 * when there is one. */
static void report(const char *what, int ret)
{
	const char *why = failed_why[0] ? failed_why : vaccel_last_error();
	if (*why)
		fprintf(stderr, "vaccel: %s: %s (%s, %d)\n", what, why,
			vaccel_strerror(ret), ret);
	else
		fprintf(stderr, "vaccel: %s: %s (%d)\n", what,
			vaccel_strerror(ret), ret);
}

static int bootstrap(const struct opts *o)
{
	if (!o->plugins && o->log_level <= 0)
		return vaccel_is_initialized() ? VACCEL_OK : vaccel_bootstrap();
	struct vaccel_config cfg;
	int ret = vaccel_config_init_from_env(&cfg);
	if (ret)
		return ret;
	if (o->plugins) {
		free(cfg.plugins);
		cfg.plugins = strdup(o->plugins);
	}
	if (o->log_level > 0)
		cfg.log_level = (vaccel_log_level_t)o->log_level;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

static void print_type_bits(uint32_t type)
{
	static const vaccel_plugin_type_t bits[] = {
		VACCEL_PLUGIN_CPU,	  VACCEL_PLUGIN_GPU,
		VACCEL_PLUGIN_FPGA,	  VACCEL_PLUGIN_SOFTWARE,
		VACCEL_PLUGIN_TENSORFLOW, VACCEL_PLUGIN_TORCH,
		VACCEL_PLUGIN_JETSON,	  VACCEL_PLUGIN_GENERIC,
		VACCEL_PLUGIN_DEBUG,	  VACCEL_PLUGIN_REMOTE,
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (type & bits[i]) {
			printf("%s%s", sep,
			       vaccel_plugin_type_to_base_str(bits[i]));
			sep = "|";
		}
	}
	printf("%s\n", *sep ? "" : "none");
}

static int cmd_info(void)
{
	printf("vAccel %s\n", VACCEL_VERSION);
	printf("run directory: %s\n", vaccel_rundir());
	size_t n = vaccel_plugin_count();
	printf("plugins: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const char *name, *version;
		uint32_t type;
		bool remote;
		uint64_t mask;
		if (vaccel_plugin_get_info(i, &name, &version, &type, &remote,
					   &mask))
			continue;
		printf("- %s %s%s\n  type: ", name, version,
		       remote ? " (transport: ops run on the agent)" : "");
		print_type_bits(type);
		printf("  ops:");
		for (int op = 0; op < VACCEL_OP_EXT_MAX; op++) {
			char lower[64];
			if (mask & (UINT64_C(1) << op))
				printf(" %s", vaccel_op_type_to_lower(
						      (vaccel_op_type_t)op,
						      lower, sizeof(lower)));
		}
		printf("\n");
	}
	return VACCEL_OK;
}

static int cmd_ops(void)
{
	for (int op = 0; op < VACCEL_OP_EXT_MAX; op++) {
		const char *name = vaccel_op_type_to_str((vaccel_op_type_t)op);
		if (strcmp(name, "VACCEL_OP_MAX") != 0)
			printf("%2d %s\n", op, name);
	}
	return VACCEL_OK;
}

/* Whole file into a new buffer (the caller frees it). */
static int read_file(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vaccel: cannot open %s\n", path);
		return VACCEL_ENOENT;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len <= 0) {
		fclose(f);
		fprintf(stderr, "vaccel: %s is empty\n", path);
		return VACCEL_EINVAL;
	}
	*data = malloc((size_t)len);
	if (!*data || fread(*data, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(*data);
		return VACCEL_EIO;
	}
	fclose(f);
	*size = (size_t)len;
	return VACCEL_OK;
}

/* What each image op's default model answers (the onnx plugin's). */
static const char *default_model(const char *op)
{
	static const char *const what[][2] = {
		{ "classify", "ppocr-cls: the direction of a line of text, 0 = "
			      "upright, 180 = upside down; not an object "
			      "classifier" },
		{ "detect", "centernet: the 80 COCO object classes" },
		{ "segment", "selfie: a person mask" },
		{ "pose", "movenet: 17 keypoints of one person" },
		{ "depth", "none ships" },
	};
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (!strcmp(op, what[i][0]))
			return what[i][1];
	return "?";
}

static bool makes_map(const char *op)
{
	return !strcmp(op, "segment") || !strcmp(op, "depth");
}

static int call_image(struct vaccel_session *s, const char *op, const void *img,
		      size_t len, unsigned char *text, unsigned char *out,
		      size_t cap)
{
	if (!strcmp(op, "classify"))
		return vaccel_image_classification(s, img, text, out, len,
						   OUT_LEN, cap);
	if (!strcmp(op, "detect"))
		return vaccel_image_detection(s, img, out, len, cap);
	if (!strcmp(op, "segment"))
		return vaccel_image_segmentation(s, img, out, len, cap);
	if (!strcmp(op, "pose"))
		return vaccel_image_pose(s, img, out, len, cap);
	return vaccel_image_depth(s, img, out, len, cap);
}

/* The PNG after the records (`png N`, the NUL, N bytes), or NULL. */
static const unsigned char *png_of(const unsigned char *out, size_t cap,
				   size_t *len)
{
	size_t text = strnlen((const char *)out, cap);
	const char *rec = (const char *)out;
	unsigned long long n;

	while (rec && sscanf(rec, "png %llu", &n) != 1) {
		rec = strchr(rec, '\n');
		rec = rec ? rec + 1 : NULL;
	}
	if (!rec || text == cap || n > cap - text - 1)
		return NULL;
	*len = (size_t)n;
	return out + text + 1;
}

/* Save the PNG the op returned where -o asked. */
static int save_png(const char *path, const unsigned char *out, size_t cap)
{
	size_t len = 0;
	const unsigned char *png = png_of(out, cap, &len);
	if (!png) {
		fprintf(stderr, "vaccel: the output holds no PNG to save\n");
		return VACCEL_EINVAL;
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(png, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "vaccel: cannot write %s: %s\n", path,
			strerror(errno));
		if (f)
			fclose(f);
		return VACCEL_EIO;
	}
	printf("# png saved to %s (%zu bytes)\n", path, len);
	return VACCEL_OK;
}

/* Run the op; a map whose PNG did not fit ("# png N needs a buffer of T
 * bytes") runs once more with a buffer of T bytes. *out is malloc'ed. */
static int image_call(struct vaccel_session *s, const char *op, const void *img,
		      size_t len, unsigned char *text, unsigned char **out,
		      size_t *cap)
{
	*cap = makes_map(op) ? MAP_OUT_LEN : OUT_LEN;
	for (int attempt = 0;; attempt++) {
		size_t png, need = 0;
		free(*out);
		if (!(*out = calloc(1, *cap)))
			return VACCEL_ENOMEM;
		int ret = keep_reason(
			call_image(s, op, img, len, text, *out, *cap));
		const char *note = strstr((char *)*out, "# png ");
		if (ret || attempt || !note ||
		    sscanf(note, "# png %zu needs a buffer of %zu bytes", &png,
			   &need) != 2 ||
		    need <= *cap)
			return ret;
		*cap = need;
	}
}

static int image_op(struct vaccel_session *s, const char *op, const void *img,
		    size_t len, bool named, const char *png_path)
{
	unsigned char *text = calloc(1, OUT_LEN), *out = NULL;
	size_t cap = 0;
	int ret = text ? image_call(s, op, img, len, text, &out, &cap)
		       : VACCEL_ENOMEM;
	if (!ret) {
		if (!named)
			printf("# %s with the default model (onnx: %s)\n", op,
			       default_model(op));
		/* classify: its top-k records; the others: their records */
		printf("%s",
		       !strcmp(op, "classify") ? (char *)text : (char *)out);
		if (png_path)
			ret = save_png(png_path, out, cap);
		else if (makes_map(op) && png_of(out, cap, &len))
			printf("# -o FILE saves the PNG\n");
	}
	free(text);
	free(out);
	return ret;
}

static int run_image(struct vaccel_session *s, const char *op, int argc,
		     char **argv)
{
	const char *png_path = NULL, *models[64];
	size_t nr_models = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i == argc || !makes_map(op))
				return usage_error(
					"-o FILE: segment and depth only, "
					"with a file name");
			png_path = argv[i];
		} else if (nr_models < sizeof(models) / sizeof(models[0])) {
			models[nr_models++] = argv[i];
		} else {
			return usage_error("too many MODEL files");
		}
	}
	if (argc < 1)
		return usage_error("run IMAGE-OP needs an image file");
	struct vaccel_resource model;
	void *img = NULL;
	size_t len = 0;
	int ret = read_file(argv[0], &img, &len);
	if (!ret && nr_models)
		ret = vaccel_resource_init_multi(&model, models, nr_models,
						 VACCEL_RESOURCE_MODEL);
	if (!ret && nr_models &&
	    (ret = keep_reason(cli_register(&model, s, models, nr_models))))
		vaccel_resource_release(&model);
	if (!ret) {
		ret = image_op(s, op, img, len, nr_models > 0, png_path);
		if (nr_models) {
			vaccel_resource_unregister(&model, s);
			vaccel_resource_release(&model);
		}
	}
	free(img);
	return ret;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_sgemm(struct vaccel_session *s, int argc, char **argv)
{
	if (argc != 3)
		return usage_error("run sgemm needs M N K");
	long m = atol(argv[0]), n = atol(argv[1]), k = atol(argv[2]);
	if (m <= 0 || n <= 0 || k <= 0 || m > 16384 || n > 16384 || k > 16384)
		return usage_error("M, N, K must be 1..16384");
	float *a = malloc(sizeof(float) * (size_t)(m * k));
	float *b = malloc(sizeof(float) * (size_t)(k * n));
	float *c = calloc((size_t)(m * n), sizeof(float));
	int ret = VACCEL_ENOMEM;
	if (a && b && c) {
		srand(1);
		for (long i = 0; i < m * k; i++)
			a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
		for (long i = 0; i < k * n; i++)
			b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
		double t0 = now_s();
		ret = keep_reason(
			vaccel_sgemm(s, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n));
		double dt = now_s() - t0;
		double sum = 0;
		for (long i = 0; i < m * n; i++)
			sum += c[i];
		if (!ret)
			printf("sgemm %ldx%ldx%ld: checksum %.6f, %.3f s, %.2f "
			       "GFLOP/s\n",
			       m, n, k, sum, dt, 2.0 * m * n * k / dt / 1e9);
	}
	free(a);
	free(b);
	free(c);
	return ret;
}

static int run_exec(struct vaccel_session *s, int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return usage_error("run exec needs LIBRARY SYMBOL [INT]");
	int32_t in = argc == 3 ? (int32_t)atoi(argv[2]) : 10, out = 0;
	struct vaccel_arg read, write;
	vaccel_arg_init_from_buf(&read, &in, sizeof(in), VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&write, &out, sizeof(out), VACCEL_ARG_INT32,
				 0);
	int ret = keep_reason(
		vaccel_exec(s, argv[0], argv[1], &read, 1, &write, 1));
	if (!ret)
		printf("output: %d\n", out);
	return ret;
}

static int cmd_run(const struct opts *o, int argc, char **argv)
{
	if (argc < 1)
		return usage_error("run needs an op");
	const char *op = argv[0];
	static const char *const image_ops[] = { "classify", "detect",
						 "segment", "pose", "depth" };
	struct vaccel_session s;
	if (!vaccel_plugin_count()) {
		fprintf(stderr, "vaccel: no plugins loaded (set VACCEL_PLUGINS "
				"or use --plugins)\n");
		return VACCEL_ENOTSUP;
	}
	int ret = vaccel_session_init(&s, o->hint);
	if (ret) {
		report("no session", ret);
		return ret;
	}
	ret = -1;
	for (size_t i = 0; i < sizeof(image_ops) / sizeof(image_ops[0]); i++)
		if (!strcmp(op, image_ops[i]))
			ret = run_image(&s, op, argc - 1, argv + 1);
	if (ret == -1) {
		if (!strcmp(op, "noop")) {
			ret = keep_reason(vaccel_noop(&s));
			if (!ret)
				printf("noop: ok (plugin %s)\n",
				       s.plugin->info->name);
		} else if (!strcmp(op, "sgemm")) {
			ret = run_sgemm(&s, argc - 1, argv + 1);
		} else if (!strcmp(op, "exec")) {
			ret = run_exec(&s, argc - 1, argv + 1);
		} else {
			ret = usage_error("unknown op for 'run'");
		}
	}
	if (ret && ret != 2) {
		char what[64];
		snprintf(what, sizeof(what), "%s failed", op);
		report(what, ret);
	}
	vaccel_session_release(&s);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plugins", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "remote", no_argument, NULL, 'r' },
		{ "hint", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "+p:l:rH:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			o.plugins = optarg;
			break;
		case 'l':
			o.log_level = atoi(optarg);
			if (o.log_level < 1 || o.log_level > 4)
				return usage_error("--log-level must be 1..4");
			break;
		case 'r':
			o.hint |= VACCEL_PLUGIN_REMOTE;
			break;
		case 'H':
			o.hint |= (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("bad option");
		}
	}
	if (optind >= argc)
		return usage_error("missing command");
	const char *cmd = argv[optind];
	if (!strcmp(cmd, "ops"))
		return cmd_ops();
	if (!strcmp(cmd, "cdi"))
		return vaccel_cli_cdi(argc - optind, argv + optind);
	if (strcmp(cmd, "info") && strcmp(cmd, "run") && strcmp(cmd, "upload"))
		return usage_error("unknown command");

	int ret = bootstrap(&o);
	if (ret) {
		report("initialization failed", ret);
		return ret;
	}
	if (!strcmp(cmd, "info"))
		return cmd_info();
	if (!strcmp(cmd, "upload"))
		return vaccel_cli_upload(o.hint, argc - optind - 1,
					 argv + optind + 1);
	return cmd_run(&o, argc - optind - 1, argv + optind + 1);
}
