"""HojiChar's equivalent of bench/corpus/hojichar-chain.yaml. Usage:
    python3 hojichar_chain.py HOJICHAR_SRC INPUT.jsonl DECISIONS.tsv JOBS
Prints "wall_s cpu_s" of the filter loop on the last line (documents already in memory; no start-up, no JSON).
chain() is also the chain of the whole-process runs (hojichar_profile.py for HojiChar's CLI, hojichar_e2e.py).
cpu_s = CPU seconds of this process plus, with JOBS > 1, of its worker processes (resource.getrusage)."""
import json, resource, sys, time
if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])  # imported (hojichar_profile.py, hojichar_e2e.py): hojichar is on PYTHONPATH
import hojichar
from hojichar.filters import document_filters as df

def chain():
    return hojichar.Compose([
        df.DocumentNormalizer(),
        df.DocumentLengthFilter(min_doc_len=200, max_doc_len=50000),
        df.AcceptJapanese(),
        df.DiscardRareKuten(),
        df.DiscardAds(),
        df.DiscardBBSComments(),
        df.DiscardTooShortLines(),
        df.DiscardTooManyEndingEllipsis(),
        df.DiscardTooManySpecialToken(),
        df.SingleCharacterRepetitionFilter(),
        df.CharRepetitionRatioFilter(),
        df.MaskPersonalInformation(),
    ])

def main():
    src, inp, out, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    records = [json.loads(l) for l in open(inp, encoding="utf-8")]
    docs = [hojichar.Document(r["text"]) for r in records]
    def cpu():
        a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
    c0 = cpu()
    t0 = time.perf_counter()
    if jobs == 1:
        c = chain()
        results = [c.apply(d) for d in docs]
    else:
        with hojichar.Parallel(chain(), num_jobs=jobs, ordered=True) as p:
            results = list(p.imap_apply(iter(docs)))
    elapsed = time.perf_counter() - t0
    cpu_s = cpu() - c0  # children are counted once the pool has been joined (end of the with block)
    with open(out, "w", encoding="utf-8") as f:
        for r, d in zip(records, results):
            f.write(f"{r['id']}\t{'reject' if d.is_rejected else 'keep'}\n")
    print(f"{elapsed:.4f} {cpu_s:.4f}")

if __name__ == "__main__":
    main()
