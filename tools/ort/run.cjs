#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node, the reference runtime of Nodus'
// tests and benchmarks, on deterministic inputs.
//
//   node tools/ort/run.cjs MODEL.onnx SPEC.json [--runs N] [--full]
//
// SPEC.json: {"inputs": [{"name", "type": "float32"|"uint8"|"int64"|...,
//             "dims": [..], "data": [..] (optional)}]}. Inputs without data are filled from a fixed-seed generator
// (floats in [-1, 1), integers in [0, 8)). Prints one JSON object:
// {"outputs": [{"name", "type", "dims", "finite", "sum", "data" (first 64, or all with --full)}],
//  "run_ms": [...]}. Exit status 1 with the error on stderr when the model
// does not load or run. npm install --prefix tools/ort puts onnxruntime-node
// beside this script (tools/test does).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function generator(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const arrays = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
};

function makeInput(spec, next) {
  const count = spec.dims.reduce((a, b) => a * b, 1);
  const Ctor = arrays[spec.type];
  if (!Ctor) throw new Error(`input '${spec.name}': unsupported type ${spec.type}`);
  if (spec.data) {
    const given = spec.type.endsWith('64') ? spec.data.map((v) => BigInt(v)) : spec.data;
    return new ort.Tensor(spec.type, Ctor.from(given), spec.dims);
  }
  const data = new Ctor(count);
  for (let i = 0; i < count; ++i) {
    if (spec.type.startsWith('float')) data[i] = next() * 2 - 1;
    else if (spec.type.endsWith('64')) data[i] = BigInt(Math.floor(next() * 8));
    else if (spec.type === 'bool') data[i] = next() < 0.5 ? 1 : 0;
    else data[i] = Math.floor(next() * (spec.type === 'uint8' ? 256 : 8));
  }
  return new ort.Tensor(spec.type, data, spec.dims);
}

async function main() {
  const args = process.argv.slice(2);
  let runs = 1;
  const k = args.indexOf('--runs');
  if (k >= 0) { runs = Number(args[k + 1]); args.splice(k, 2); }
  const f = args.indexOf('--full');
  const limit = f >= 0 ? Infinity : 64;
  if (f >= 0) args.splice(f, 1);
  if (args.length !== 2) {
    console.error('usage: run.cjs MODEL.onnx SPEC.json [--runs N]');
    process.exit(2);
  }
  const spec = JSON.parse(fs.readFileSync(args[1], 'utf8'));
  const session = await ort.InferenceSession.create(args[0]);
  const next = generator(12345);
  const feeds = {};
  for (const input of spec.inputs) feeds[input.name] = makeInput(input, next);
  const times = [];
  let results;
  for (let r = 0; r < Math.max(1, runs); ++r) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const outputs = session.outputNames.map((name) => {
    const t = results[name];
    let finite = true;
    let sum = 0;
    const data = [];
    for (let i = 0; i < t.data.length; ++i) {
      const v = Number(t.data[i]);
      if (!Number.isFinite(v)) finite = false;
      sum += v;
      if (i < limit) data.push(v);
    }
    return { name, type: t.type, dims: t.dims.map(Number), finite, sum, data };
  });
  process.stdout.write(JSON.stringify({ outputs, run_ms: times }) + '\n');
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
