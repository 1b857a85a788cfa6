#!/usr/bin/env python3
"""Crude text extraction from ../shared/corpus for the tokenizer benchmark: strip tags, one line per paragraph.
Usage: extract_text.py CORPUS_DIR OUT_DIR  -> OUT_DIR/{ja,en,code}.txt (90%) and OUT_DIR/heldout/{ja,en,code}/text.txt (10%)."""
import glob, html, os, re, sys

corpus, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for domain in ("ja", "en", "code"):
    lines = []
    for f in sorted(glob.glob(os.path.join(corpus, domain, "**", "*"), recursive=True)):
        if not os.path.isfile(f):
            continue
        t = open(f, encoding="utf-8", errors="replace").read()
        if f.endswith(".html"):
            t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", t, flags=re.S | re.I)
            t = html.unescape(re.sub(r"<[^>]+>", "\n", t))
        for l in t.split("\n"):
            l = l.rstrip("\r") if domain == "code" else re.sub(r"[ \t\r]+", " ", l).strip()
            if l and "\u2585" not in l:
                lines.append(l)
    held = [l for i, l in enumerate(lines) if i % 10 == 9]
    train = [l for i, l in enumerate(lines) if i % 10 != 9]
    open(os.path.join(out, f"{domain}.txt"), "w", encoding="utf-8").write("\n".join(train) + "\n")
    os.makedirs(os.path.join(out, "heldout", domain), exist_ok=True)
    open(os.path.join(out, "heldout", domain, "text.txt"), "w", encoding="utf-8").write("\n".join(held) + "\n")
    print(domain, len(train), "train lines,", sum(map(len, train)), "chars;", len(held), "held-out lines")
