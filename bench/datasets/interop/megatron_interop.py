"""Megatron interop check with numpy, independent of Tsumugi's code.

Reads Tsumugi-written datasets exactly as Megatron-core's _IndexReader / IndexedDataset do
(megatron/core/datasets/indexed_dataset.py), and writes datasets the way MMapIndexedDatasetBuilder does
(add_item + end_document + finalize), for Tsumugi's reader to read back.

usage: python3 megatron_interop.py read PREFIX EXPECTED_JSON
       python3 megatron_interop.py write OUT_DIR
"""
import json
import struct
import sys

import numpy as np

DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}
CODES = {v: k for k, v in DTYPES.items()}
MAGIC = b"MMIDIDX\x00\x00"


def read(prefix):
    with open(prefix + ".idx", "rb") as f:
        assert f.read(9) == MAGIC, "bad magic"
        (version,) = struct.unpack("<Q", f.read(8))
        assert version == 1
        (code,) = struct.unpack("<B", f.read(1))
        dtype = DTYPES[code]
        (sequence_count,) = struct.unpack("<Q", f.read(8))
        (document_count,) = struct.unpack("<Q", f.read(8))
        offset = f.tell()
    buf = np.memmap(prefix + ".idx", mode="r", order="C")
    mv = memoryview(buf)
    lengths = np.frombuffer(mv, dtype=np.int32, count=sequence_count, offset=offset)
    pointers = np.frombuffer(mv, dtype=np.int64, count=sequence_count, offset=offset + lengths.nbytes)
    documents = np.frombuffer(mv, dtype=np.int64, count=document_count, offset=offset + lengths.nbytes + pointers.nbytes)
    assert lengths.shape[0] == documents[-1] == sequence_count  # Megatron's own assertion
    bin_buf = np.memmap(prefix + ".bin", mode="r", order="C")
    bmv = memoryview(bin_buf)
    seqs = [np.frombuffer(bmv, dtype=dtype, count=int(n), offset=int(p)).tolist() for n, p in zip(lengths, pointers)]
    return dtype, seqs, documents.tolist()


def write(prefix, dtype, documents):
    """MMapIndexedDatasetBuilder: one add_item per sequence, end_document after each document."""
    lengths, doc_idx = [], [0]
    with open(prefix + ".bin", "wb") as data:
        for doc in documents:
            for seq in doc:
                arr = np.array(seq, dtype=dtype)
                data.write(arr.tobytes(order="C"))
                lengths.append(arr.size)
            doc_idx.append(len(lengths))
    itemsize = np.dtype(dtype).itemsize
    pointers, cur = [], 0
    for n in lengths:
        pointers.append(cur)
        cur += n * itemsize
    with open(prefix + ".idx", "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", 1))
        f.write(struct.pack("<B", CODES[dtype]))
        f.write(struct.pack("<Q", len(lengths)))
        f.write(struct.pack("<Q", len(doc_idx)))
        f.write(np.array(lengths, dtype=np.int32).tobytes(order="C"))
        f.write(np.array(pointers, dtype=np.int64).tobytes(order="C"))
        f.write(np.array(doc_idx, dtype=np.int64).tobytes(order="C"))


if __name__ == "__main__":
    if sys.argv[1] == "read":
        dtype, seqs, docs = read(sys.argv[2])
        expected = json.load(open(sys.argv[3]))
        assert np.dtype(dtype).name == expected["dtype"], (dtype, expected["dtype"])
        assert seqs == expected["sequences"], (seqs, expected["sequences"])
        assert docs == list(range(len(seqs) + 1))
        print(f"OK {sys.argv[2]}: {np.dtype(dtype).name}, {len(seqs)} sequences, {sum(map(len, seqs))} tokens")
    else:
        out = sys.argv[2]
        write(out + "/megatron_uint16", np.uint16, [[[1, 2, 3, 0]], [[65535, 0]], [[7, 0]]])
        write(out + "/megatron_int32", np.int32, [[[100000, 5], [6, 0]], [[200000, 0]]])  # 2 sequences in document 0
        print("written", out)
