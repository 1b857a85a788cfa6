// Greedy completion of one prompt with real llama.cpp (node-llama-cpp from .build/npm, installed by
// scripts/install-test-deps.sh), for `tsumugi demo`: node scripts/llama-cpp-complete.mjs MODEL.gguf PROMPT TOKENS
// Prints {"text", "tokens", "tokens_per_s"} as JSON. One thread: on 2-core machines more oversubscribes the CPU.
const { getLlama, LlamaCompletion } = await import(new URL("../.build/npm/node_modules/node-llama-cpp/dist/index.js", import.meta.url).href);
const [file, prompt, tokens] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 512, threads: 1 });
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
let n = 0;
const start = performance.now();
const text = await completion.generateCompletion(prompt, { maxTokens: Number(tokens), temperature: 0, onToken: t => { n += t.length; } });
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ text, tokens: n, tokens_per_s: n / seconds }));
await context.dispose();
await model.dispose();
await llama.dispose();
