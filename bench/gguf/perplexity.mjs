// llama.cpp's perplexity of a text, per GGUF file: node perplexity.mjs NODE_LLAMA_CPP_INDEX TEXT_FILE CONTEXT FILE...
// The text is tokenized by llama.cpp from the file's own vocabulary (BOS first) and cut to CONTEXT tokens; every
// position's raw next-token logits come from sequence.controlledEvaluate (generateNext.logits) and are
// log-softmaxed here. Prints one JSON line per file: {file, tokens, nll, ppl, load_s, eval_s}.
import fs from "fs";
const [index, textFile, contextArg, ...files] = process.argv.slice(2);
const { getLlama } = await import(new URL("file://" + index).href);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const context = Number(contextArg);
const text = fs.readFileSync(textFile, "utf8");
for (const file of files) {
  let t0 = performance.now();
  const model = await llama.loadModel({ modelPath: file });
  const ctx = await model.createContext({ contextSize: context, threads: 2 });
  const load = (performance.now() - t0) / 1000;
  const tokens = [model.tokens.bos, ...model.tokenize(text)].slice(0, context);
  const sequence = ctx.getSequence();
  t0 = performance.now();
  const out = await sequence.controlledEvaluate(tokens.map((t, i) => i < tokens.length - 1 ? [t, { generateNext: { logits: true } }] : t));
  let nll = 0;
  for (let i = 0; i < tokens.length - 1; i++) {
    const logits = out[i].next.logits;
    let max = -Infinity;
    for (const v of logits.values()) max = Math.max(max, v);
    let sum = 0;
    for (const v of logits.values()) sum += Math.exp(v - max);
    nll -= logits.get(tokens[i + 1]) - max - Math.log(sum);
  }
  const evalS = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ file, tokens: tokens.length, nll, ppl: Math.exp(nll / (tokens.length - 1)), load_s: load, eval_s: evalS }));
  await ctx.dispose();
  await model.dispose();
}
await llama.dispose();
