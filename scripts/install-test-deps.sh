#!/usr/bin/env bash
# Installs the external tools the interop tests compare against, only when missing (idempotent, quiet):
#   - Debian `sentencepiece` (spm_train / spm_encode / spm_decode): tokenizer parity and speed anchor;
#   - npm `@huggingface/tokenizers` (Hugging Face's JavaScript tokenizer) into .build/npm (git-ignored):
#     tokenizer.json parity. Needs the machine's node/npm;
#   - npm `node-llama-cpp` (llama.cpp with prebuilt CPU binaries) into .build/npm: loads `export gguf` files. Optional
#     dependencies are omitted (they are ~600 MB of CUDA/Vulkan builds) and the CPU package for this machine is named;
#   - npm `openai` (the official OpenAI JavaScript client) into .build/npm: the npm client talks to `tsumugi serve`.
#     Pinned to the last 6.x: 7.x needs Node ≥ 22 and Debian's nodejs is 20;
#   - npm `@huggingface/jinja` (Hugging Face's JavaScript Jinja engine for chat templates) into .build/npm: the
#     independent renderer Tsumugi's chat templates must equal byte for byte. Pinned to 0.5.9, the version the
#     reference vectors (../shared/reference/chat-templates.md) were checked against Python Jinja2 with;
#   - Debian `python3-numpy`: the Megatron-reader check reads `data tokenize` output with numpy
#     (bench/datasets/interop/megatron_interop.py). It serves /usr/bin/python3, which the tests fall back to when
#     the python3 first on PATH (pyenv, a venv) has no numpy;
#   - Debian `python3-fuzzywuzzy` and `python3-levenshtein`: char_f1 is checked against the real fuzzywuzzy
#     (tests/Tsumugi.Evaluation.Tests/FuzzywuzzyParityTests.cs), as llm-jp-eval computes it;
#   - Debian `libmecab2` and `mecab-ipadic-utf8` (plus `mecab`, the command-line tool): bleu_ja and rouge2 tokenize with
#     MeCab + IPADIC as sacrebleu's ja-mecab does (Tsumugi calls libmecab.so.2 by P/Invoke; not only a test dependency);
#   - Debian `mecab-jumandic-utf8`: a non-IPADIC dictionary the tests check MeCab's set-up refuses;
#   - Debian `python3-mecab` and `python3-scipy`: tests/Tsumugi.Evaluation.Tests/python/llm_jp_eval_metrics.py recomputes
#     every llm-jp-eval metric with the real MeCab and scipy (LlmJpEvalMetricsParityTests.cs);
#   - Debian `openmpi-bin` (mpirun, and libopenmpi3's libmpi.so.40 that Tsumugi calls by P/Invoke): the data-parallel
#     tests launch `mpirun -np 2 tsumugi train` (tests/Tsumugi.Cli.Tests/Distributed*);
#   - Debian `chromium`: the dashboard is tested and benchmarked in a real browser, headless Chromium driven over the
#     DevTools protocol (tests/Tsumugi.Dashboard.Tests/Browser*, bench/dashboard/first_paint.sh); plus `fonts-ipafont-gothic`
#     when no font covers Japanese, so the tests' screenshots show the page's Japanese text instead of empty boxes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
packages=()
command -v spm_encode >/dev/null 2>&1 || packages+=(sentencepiece)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if ! python3 -c 'import numpy' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then
  packages+=(python3-numpy)
  [ -x /usr/bin/python3 ] || packages+=(python3)
fi
if ! python3 -c 'import fuzzywuzzy, Levenshtein' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import fuzzywuzzy, Levenshtein' >/dev/null 2>&1; then
  packages+=(python3-fuzzywuzzy python3-levenshtein)
  [ -x /usr/bin/python3 ] || packages+=(python3)
fi
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libmecab\.so\.2 ' || packages+=(libmecab2)
[ -f /var/lib/mecab/dic/ipadic-utf8/sys.dic ] || packages+=(mecab-ipadic-utf8)
# A second, non-IPADIC dictionary: MeCabRefusesAMissingOrNonIpadicDictionary proves it is refused. Debian's `mecab`
# only recommends it, and this script installs without recommends.
[ -f /var/lib/mecab/dic/juman-utf8/sys.dic ] || packages+=(mecab-jumandic-utf8)
command -v mecab >/dev/null 2>&1 || packages+=(mecab)
if ! /usr/bin/python3 -c 'import MeCab' >/dev/null 2>&1; then
  packages+=(python3-mecab)
  [ -x /usr/bin/python3 ] || packages+=(python3)
fi
/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1 || packages+=(python3-scipy)
command -v mpirun >/dev/null 2>&1 || packages+=(openmpi-bin)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || packages+=(fonts-ipafont-gothic)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing test dependencies: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
npm_dir="$root/.build/npm"
hf_tokenizers_version="0.2.0"
if [ ! -f "$npm_dir/node_modules/@huggingface/tokenizers/package.json" ]; then
  echo "Installing @huggingface/tokenizers@$hf_tokenizers_version into .build/npm"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"private":true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error "@huggingface/tokenizers@$hf_tokenizers_version" >/dev/null
fi
node_llama_cpp_version="3.22.1"
if [ ! -f "$npm_dir/node_modules/node-llama-cpp/package.json" ]; then
  echo "Installing node-llama-cpp@$node_llama_cpp_version into .build/npm"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"private":true}' > "$npm_dir/package.json"
  case "$(uname -m)" in
    x86_64) prebuilt="@node-llama-cpp/linux-x64@$node_llama_cpp_version" ;;
    aarch64) prebuilt="@node-llama-cpp/linux-arm64@$node_llama_cpp_version" ;;
    *) prebuilt="" ;;
  esac
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error --omit=optional \
    "node-llama-cpp@$node_llama_cpp_version" $prebuilt >/dev/null
fi
openai_version="6.49.0"
if [ ! -f "$npm_dir/node_modules/openai/package.json" ]; then
  echo "Installing openai@$openai_version into .build/npm"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"private":true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error --omit=optional "openai@$openai_version" >/dev/null
fi
hf_jinja_version="0.5.9"
if [ ! -f "$npm_dir/node_modules/@huggingface/jinja/package.json" ]; then
  echo "Installing @huggingface/jinja@$hf_jinja_version into .build/npm"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"private":true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error "@huggingface/jinja@$hf_jinja_version" >/dev/null
fi
