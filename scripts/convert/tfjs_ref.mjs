// Reference runner: executes an original TF.js graph model with TF.js itself
// (pure-JS CPU backend) so the converted models can be compared with it.
// JPEG decoding is done by the caller (tfjs-node is not available); inputs
// and outputs travel as raw little-endian files.
//
// usage: node tfjs_ref.mjs JOB.json
//   JOB.json: {"model": "<dir with model.json>", "outputs": ["node:0", ...],
//              "runs": [{"input": "x.bin", "shape": [1,192,192,3],
//                        "dtype": "int32"|"float32", "out": "prefix"}, ...]}
//   For each run it writes prefix.<k>.bin (float32 or int32, per output k)
//   and prefix.json ([{"name", "shape", "dtype", "file"}], plus "ms").
// TF.js is taken from $VACCEL_DEPS/tfjs/node_modules (default /opt/vaccel-deps).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';

const deps = process.env.VACCEL_DEPS || '/opt/vaccel-deps';
const require = createRequire(join(deps, 'tfjs', 'node_modules', 'x.js'));
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');

// Load model.json plus its weight shards without any fetch(): the loaders in
// TF.js expect URLs, so hand it the artifacts from memory instead.
async function loadModel(dir) {
	const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
	const specs = [];
	const shards = [];
	for (const group of json.weightsManifest) {
		specs.push(...group.weights);
		for (const p of group.paths) shards.push(readFileSync(join(dir, p)));
	}
	const all = Buffer.concat(shards);
	const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
	const artifacts = {
		modelTopology: json.modelTopology,
		format: json.format,
		generatedBy: json.generatedBy,
		convertedBy: json.convertedBy,
		signature: json.signature,
		userDefinedMetadata: json.userDefinedMetadata,
		weightSpecs: specs,
		weightData,
	};
	return tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
}

function readInput(run) {
	const buf = readFileSync(run.input);
	const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
	const data = run.dtype === 'int32' ? new Int32Array(ab) : new Float32Array(ab);
	return tf.tensor(data, run.shape, run.dtype);
}

async function runOne(model, outputs, run) {
	const x = readInput(run);
	const t0 = performance.now();
	let ys = model.execute(x, outputs);
	if (!Array.isArray(ys)) ys = [ys];
	const vals = await Promise.all(ys.map((y) => y.data()));
	const ms = performance.now() - t0;
	const meta = ys.map((y, k) => {
		const file = `${run.out}.${k}.bin`;
		const v = vals[k];
		writeFileSync(file, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
		return { name: outputs[k], shape: y.shape, dtype: y.dtype, file };
	});
	writeFileSync(`${run.out}.json`, JSON.stringify({ ms, outputs: meta }));
	tf.dispose([x, ...ys]);
	return ms;
}

async function main() {
	if (process.argv.length !== 3 || process.argv[2] === '--help') {
		console.log('usage: node tfjs_ref.mjs JOB.json   (see the header of this file)');
		process.exit(process.argv[2] === '--help' ? 0 : 2);
	}
	const jobPath = resolve(process.argv[2]);
	const job = JSON.parse(readFileSync(jobPath, 'utf8'));
	const base = dirname(jobPath);
	// PROD only silences the "install tfjs-node" banner; numerics are unchanged.
	tf.env().set('PROD', true);
	await tf.setBackend('cpu');
	const model = await loadModel(resolve(base, job.model));
	for (const run of job.runs) {
		const r = { ...run, input: resolve(base, run.input), out: resolve(base, run.out) };
		const ms = await runOne(model, job.outputs, r);
		console.log(`tfjs_ref: ${run.out} ${ms.toFixed(0)} ms`);
	}
}

main().catch((e) => {
	console.error(`tfjs_ref: ${e.stack || e}`);
	process.exit(1);
});
