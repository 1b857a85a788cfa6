#!/usr/bin/python3
"""Independent re-computation of llm-jp-eval's generation metrics, for LlmJpEvalMetricsParityTests.cs.

Prints JSON: for a fixed set of (prediction, gold) pairs, each metric as llm-jp-eval computes it, plus the task-level
pearson/spearman and the tokens. Real libraries where Debian has them: MeCab (python3-mecab, with the IPADIC in
mecab-ipadic-utf8, as sacrebleu's ja-mecab), fuzzywuzzy (char_f1), scipy (pearson/spearman). sacrebleu and rouge_score
are not packaged by Debian, so their formulas are written out here from their documented definitions:
  - sacrebleu BLEU(effective_order=True).corpus_score([hyp], [[ref]]) with smooth_method="exp", max order 4;
  - sacrebleu tokenizers "ja-mecab" (MeCab -Owakati, line and output stripped) and "13a";
  - rouge_score's n-gram and LCS F-measures over a given tokenizer's tokens.
Predictions and golds are given as llm-jp-eval passes them to the metrics (already extracted and NFKC-normalised).
"""
import json
import warnings
import math
import re
import sys
from collections import Counter

import MeCab
from fuzzywuzzy import fuzz
from scipy.stats import pearsonr, spearmanr

warnings.simplefilter("ignore")  # scipy warns on the constant-input case, which the test covers on purpose
IPADIC = "/var/lib/mecab/dic/ipadic-utf8"
TAGGER = MeCab.Tagger(f"-r /dev/null -d {IPADIC} -Owakati")
assert TAGGER.dictionary_info().size in (392126, 392127), "not IPADIC"


def ja_mecab(line):
    return TAGGER.parse(line.strip()).strip()


_13A = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def thirteen_a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _13A:
        line = pattern.sub(repl, line)
    return " ".join(line.split())


def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def bleu(hyp, ref, tokenize):
    """sacrebleu: statistics of one segment, then compute_bleu(smooth 'exp', effective_order=True); score / 100."""
    hyp_tokens = tokenize(hyp.rstrip()).split()
    ref_tokens = tokenize(ref.rstrip()).split()
    correct, total = [0] * 4, [0] * 4
    for n in range(1, 5):
        ref_counts = ngrams(ref_tokens, n)
        for gram, count in ngrams(hyp_tokens, n).items():
            total[n - 1] += count
            correct[n - 1] += min(count, ref_counts.get(gram, 0))
    sys_len, ref_len = len(hyp_tokens), len(ref_tokens)
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    if not any(correct):
        return 0.0
    precisions = [0.0] * 4
    smooth, eff_order = 1.0, 4
    for n in range(1, 5):
        if total[n - 1] == 0:
            break
        eff_order = n
        if correct[n - 1] == 0:
            smooth *= 2
            precisions[n - 1] = 100.0 / (smooth * total[n - 1])
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    log = lambda p: -9999999999 if p == 0 else math.log(p)
    return bp * math.exp(sum(log(p) for p in precisions[:eff_order]) / eff_order) / 100


def fmeasure(matches, pred_count, ref_count):
    precision = matches / max(pred_count, 1)
    recall = matches / max(ref_count, 1)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def rouge_n(pred, ref, n):
    p, r = ngrams(ja_mecab(pred).split(), n), ngrams(ja_mecab(ref).split(), n)
    overlap = sum(min(count, r[gram]) for gram, count in p.items())
    return fmeasure(overlap, sum(p.values()), sum(r.values()))


def lcs(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def rouge_l(pred, ref):
    p, r = ja_mecab(pred).split(), ja_mecab(ref).split()
    return fmeasure(lcs(p, r), len(p), len(r))


def exact_match_figure(pred, true):
    try:
        return float(float(pred) == float(true))
    except ValueError:
        return 0.0


def set_f1(pred, true):
    true_items = [x.strip() for x in true.split("\n")]
    pred_items = list({x.strip() for x in pred.split("\n")})
    hits = sum(1 for y in pred_items if y in true_items)
    p, r = hits / len(pred_items), hits / len(true_items)
    return 2 * p * r / (p + r) if p + r != 0 else 0.0


def parse_float(text):
    try:
        return float(re.sub(r"[^0-9.]", "", str(text)))
    except ValueError:
        return -2.0


JAPANESE = [
    ("猫が寝ています。", "猫は寝ています。"),
    ("東京", "東京都"),
    ("", "東京"),                                   # empty prediction
    ("今日は晴れです。", "今日は晴れです。"),
    ("大阪", "東京"),                                # no n-gram matches at all
    ("令和元年に発表された。", "令和元年に公表された。"),  # 令和: Debian's extra IPADIC entry
    ("日本の首都は東京です。東京は大きい。", "日本の首都は東京であり、人口が多い。"),
    ("ＧＰＴ－４は2023年に発表。", "GPT-4は2023年に発表された。"),
    ("首都", "日本の首都は東京です。"),                 # short hypothesis: brevity penalty, effective order 1
    ("　東京タワー　", "東京タワー"),                 # ideographic spaces around
]
ENGLISH = [
    ("a b c d", "a b x d"),
    ("Hello, world. It's 3.5-4 (ok)", "Hello world, it is 3.5-4 (ok)."),
    ("The cat sat on the mat.", "The cat is on the mat."),
    ("", "Nothing here."),
    ("completely different words", "nothing shared at all"),
    ("Tokyo", "Tokyo is the capital of Japan."),
    ("&quot;quoted&quot; text &amp; more", "\"quoted\" text & more"),
]
FIGURES = [("12", "12"), ("12.0", "12"), ("12個", "12"), ("", "3"), (" 7 ", "7"), ("1_000", "1000"), ("-3", "3"), ("nan", "nan")]
SETS = [("A\nB\nB\nC", "A\nB\nD\nE"), (" 東京 \n大阪", "大阪\n東京"), ("名古屋", "大阪\n東京"), ("", "")]
STS_PRED = ["3.2", "4", "点数は1.5", "わからない", "-0.5", "2.50", "5.0"]
STS_GOLD = ["3.0", "4.2", "1.4", "2.6", "0.8", "2.4", "4.8"]

cases = []
for pred, gold in JAPANESE:
    cases.append({"prediction": pred, "gold": gold, "scores": {
        "bleu_ja": bleu(pred.strip(), gold.strip(), ja_mecab), "rouge1": rouge_n(pred, gold, 1),
        "rouge2": rouge_n(pred, gold, 2), "rougeL": rouge_l(pred, gold), "char_f1": fuzz.token_sort_ratio(pred, gold) / 100,
        "exact_match": float(pred == gold)}, "tokens": ja_mecab(pred).split()})
for pred, gold in ENGLISH:
    cases.append({"prediction": pred, "gold": gold, "scores": {"bleu_en": bleu(pred.strip(), gold.strip(), thirteen_a)},
                  "tokens13a": thirteen_a(pred.strip()).split()})
for pred, gold in FIGURES:
    cases.append({"prediction": pred, "gold": gold, "scores": {"exact_match_figure": exact_match_figure(pred, gold)}})
for pred, gold in SETS:
    cases.append({"prediction": pred, "gold": gold, "scores": {"set_f1": set_f1(pred, gold)}})


def corr(fn, preds, golds):
    value = fn(list(map(float, golds)), list(map(parse_float, preds)))[0]
    return 0.0 if math.isnan(value) else float(value)


tasks = [
    {"predictions": STS_PRED, "golds": STS_GOLD},
    {"predictions": ["1", "1", "1"], "golds": ["0.5", "2", "3"]},      # constant predictions: NaN → 0
    {"predictions": ["1", "2", "2", "3"], "golds": ["1", "1", "2", "4"]},  # ties: average ranks
]
for task in tasks:
    task["scores"] = {"pearson": corr(pearsonr, task["predictions"], task["golds"]),
                      "spearman": corr(spearmanr, task["predictions"], task["golds"])}

json.dump({"dictionary_size": TAGGER.dictionary_info().size, "cases": cases, "tasks": tasks}, sys.stdout, ensure_ascii=False, indent=1)
