// N concurrent /v1/completions requests against a running `tsumugi serve` (bench/decode/serve-concurrency.sh):
// each a different slice of the prompt text, max_tokens new tokens, greedy. Prints {streams, tokens, seconds} as
// JSON: aggregate = completion tokens of all responses ÷ wall time from the first send to the last response.
// Usage: node serve-load.mjs BASE_URL STREAMS MAX_TOKENS PROMPT_FILE MODEL
import fs from "fs";
const [base, streamsArg, maxTokensArg, promptFile, model] = process.argv.slice(2);
const streams = Number(streamsArg), maxTokens = Number(maxTokensArg);
const text = fs.readFileSync(promptFile, "utf8");
const start = performance.now();
const responses = await Promise.all(Array.from({ length: streams }, async (_, i) => {
  const prompt = text.slice(i * 40, i * 40 + 40);
  const r = await fetch(`${base}/v1/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, prompt, max_tokens: maxTokens, temperature: 0 }),
  });
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
  return (await r.json()).usage.completion_tokens;
}));
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ streams, tokens: responses.reduce((a, b) => a + b, 0), seconds }));
