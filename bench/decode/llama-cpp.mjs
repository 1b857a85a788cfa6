// One llama.cpp round for bench/decode: for each GGUF file and each prompt, greedy-decode `tokens` tokens on one
// thread (EOS yielded and ignored) and time tokens 2..N, wall and this process's CPU time (user + system).
// Prints [{file, context, msPerToken, cpuMsPerToken}] as JSON. node-llama-cpp comes from .build/npm
// (scripts/install-test-deps.sh).
import fs from "fs";
const { getLlama } = await import(new URL("../../.build/npm/node_modules/node-llama-cpp/dist/index.js", import.meta.url).href);
const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const results = [];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const file of job.files) {
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const longest = Math.max(...job.prompts.map(p => p.length));
  const context = await model.createContext({ contextSize: longest + job.tokens + 16, threads: 1, batchSize: 512 });
  const sequence = context.getSequence();
  for (const prompt of job.prompts) {
    await sequence.clearHistory();
    let n = 0, start = 0, cpuStart = 0;
    for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
      if (++n === 1) { start = performance.now(); cpuStart = cpuMs(); } // prefill + first token done: time the decode steps only
      if (n >= job.tokens) break;
    }
    results.push({ file, context: prompt.length, msPerToken: (performance.now() - start) / (n - 1), cpuMsPerToken: (cpuMs() - cpuStart) / (n - 1) });
  }
  await context.dispose();
  await model.dispose();
}
await llama.dispose();
console.log(JSON.stringify(results));
