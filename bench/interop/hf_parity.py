"""HF transformers side of the logit-parity check (see bench/Tsumugi.Bench/HfParity.cs and docs/BENCHMARKS.md).

  python3 hf_parity.py check DIR   # load Tsumugi-written checkpoints in transformers, compare with tsumugi_logits
  python3 hf_parity.py make DIR    # write HF checkpoints (f32/bf16, tied/untied, sharded, GQA, Mistral, Mixtral) + hf_logits
"""
import json, os, sys
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, LlamaConfig, MistralConfig, MixtralConfig

IDS = [(i * 37 + 5) % 97 for i in range(32)]


def logits(model):
    with torch.no_grad():
        return model(torch.tensor([IDS])).logits.float()


def check(root):
    ok = True
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.exists(os.path.join(d, "tsumugi_logits.safetensors")):
            continue
        model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
        ours = load_file(os.path.join(d, "tsumugi_logits.safetensors"))["logits"]
        theirs = logits(model)
        diff = (ours - theirs).abs().max().item()
        scale = theirs.abs().max().item()
        good = diff <= 1e-4 * max(1.0, scale)
        ok &= good
        print(f"{name:24s} {type(model).__name__:22s} max |dlogit| = {diff:.2e} (max |logit| {scale:.2f}) {'OK' if good else 'MISMATCH'}")
    return ok


def make(root):
    common = dict(vocab_size=97, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5, initializer_range=0.1)
    cases = [
        ("hf-llama-f32", LlamaConfig(**common), torch.float32, "5GB"),
        ("hf-llama-tied-bf16", LlamaConfig(**common, tie_word_embeddings=True), torch.bfloat16, "5GB"),
        ("hf-llama-sharded", LlamaConfig(**{**common, "num_key_value_heads": 1}), torch.float32, "40KB"),
        ("hf-mistral", MistralConfig(**common, sliding_window=5), torch.float32, "5GB"),
        ("hf-mixtral", MixtralConfig(**common, num_local_experts=4, num_experts_per_tok=2), torch.float32, "5GB"),
    ]
    for name, config, dtype, shard in cases:
        torch.manual_seed(3)
        config._attn_implementation = "eager"
        model = AutoModelForCausalLM.from_config(config).eval()
        d = os.path.join(root, name)
        model.to(dtype).save_pretrained(d, max_shard_size=shard)
        reloaded = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
        save_file({"logits": logits(reloaded).contiguous()}, os.path.join(d, "hf_logits.safetensors"))
        print(f"made {d}: {sorted(os.listdir(d))}")


if __name__ == "__main__":
    mode, root = sys.argv[1], sys.argv[2]
    if mode == "check":
        sys.exit(0 if check(root) else 1)
    make(root)
