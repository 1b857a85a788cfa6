"""HojiChar, whole process, the leanest way to run its chain: one process, no multiprocessing pool (HojiChar's CLI
always starts one, even with -j 1). Usage:
    PYTHONPATH=HOJICHAR_SRC:bench/corpus python3 bench/corpus/hojichar_e2e.py IN.jsonl OUT.jsonl
Reads the JSONL line by line, runs the chain of hojichar_chain.py on each record's text, writes each kept record as
{"id", "text"} JSON lines. Timed from outside (/usr/bin/time), start-up and imports included."""
import json, sys
import hojichar
from hojichar_chain import chain

def main():
    inp, out = sys.argv[1], sys.argv[2]
    c = chain()
    with open(inp, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            record = json.loads(line)
            doc = c.apply(hojichar.Document(record["text"]))
            if not doc.is_rejected:
                dst.write(json.dumps({"id": record["id"], "text": doc.text}, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    main()
