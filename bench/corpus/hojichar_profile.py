"""HojiChar's CLI profile for the whole-process comparison (bench/corpus/e2e.sh), run as HojiChar's users run it:
    PYTHONPATH=HOJICHAR_SRC:bench/corpus python3 -m hojichar.cli -p bench/corpus/hojichar_profile.py -i IN.jsonl -o OUT.jsonl -j 1
Each input line is parsed (JSONLoader, keeping the record's id), run through the chain of hojichar_chain.py, and a kept
document written back as JSON with its id (JSONDumper), so the kept ids can be compared with Tsumugi's."""
import hojichar
from hojichar.filters import document_filters as df
from hojichar_chain import chain

FILTER = hojichar.Compose([
    df.JSONLoader(key="text", extra_keys=["id"]),
    *chain().filters,
    df.JSONDumper(export_extras=True),
])
